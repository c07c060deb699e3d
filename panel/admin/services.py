"""Administrators' verbs: sending failed e-mail again."""

from ..audit import record_audit
from ..errors import NotAllowed
from ..mail import FAILED, requeue


def requeue_message(message, actor):
    """Send one failed or maybe-sent message again, retried for days anew."""
    if not message.can_be_requeued:
        raise NotAllowed("not_requeueable")
    was_unsure = message.status != FAILED
    requeue([message.id])
    record_audit("outbox.requeue", target=message, actor=actor, count=1, unsure=was_unsure)


def requeue_failed_mail(actor):
    """Send every failed message again; returns how many."""
    count = requeue()
    if count:
        record_audit("outbox.requeue", actor=actor, count=count)
    return count

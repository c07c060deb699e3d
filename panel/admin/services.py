"""Administrators' verbs: sending failed e-mail again, putting a new reviewer in streams."""

from ..accounts.streams import Stream, StreamMember
from ..audit import record_audit
from ..errors import NotAllowed
from ..extensions import db
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


def put_in_streams(user, stream_ids, actor):
    """Make a reviewer a member of these (not archived) streams; returns the streams."""
    streams = (
        Stream.query.filter(Stream.id.in_(stream_ids or []), Stream.archived_at.is_(None))
        .order_by(Stream.position)
        .all()
    )
    if not streams:
        return []
    for stream in streams:
        db.session.add(StreamMember(stream_id=stream.id, user_id=user.id))
    db.session.flush()
    record_audit(
        "user.streams", target=user, actor=actor, streams=[stream.slug for stream in streams]
    )
    return streams

"""Administrators' verbs: sending failed e-mail again, putting a reviewer in streams."""

from sqlalchemy import delete
from sqlalchemy.exc import IntegrityError

from ..accounts.streams import Stream, StreamMember
from ..audit import record_audit
from ..database import race_pause
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


def user_streams(user):
    """The streams a person works in, in their order."""
    return (
        Stream.query.join(StreamMember, StreamMember.stream_id == Stream.id)
        .filter(StreamMember.user_id == user.id)
        .order_by(Stream.position, Stream.id)
        .all()
    )


def set_streams(user, stream_ids, offered, actor):
    """A person's streams become these: out of the ones not ticked, into the ticked ones they
    are not in yet. Only streams in `offered` (those the form showed) can change. Another
    admin adding the same membership a moment ago is fine (its savepoint fails and is skipped).
    Audit-logged when something changed; returns whether it did."""
    offered_ids = {stream.id for stream in offered}
    wanted = set(stream_ids or []) & offered_ids
    had = {stream.id for stream in user_streams(user)} & offered_ids
    leave, join = had - wanted, wanted - had
    race_pause("RACE_PAUSE_USER_STREAMS")
    if leave:
        db.session.execute(
            delete(StreamMember)
            .where(StreamMember.user_id == user.id, StreamMember.stream_id.in_(leave))
            .execution_options(synchronize_session=False)
        )
    for stream_id in sorted(join):
        try:
            with db.session.begin_nested():
                db.session.add(StreamMember(stream_id=stream_id, user_id=user.id))
        except IntegrityError:  # added by someone else meanwhile
            continue
    if not (leave or join):
        return False
    db.session.expire(user)
    slugs = {stream.id: stream.slug for stream in offered}
    record_audit(
        "user.streams",
        target=user,
        actor=actor,
        streams=[slugs[stream_id] for stream_id in sorted(wanted)],
    )
    return True

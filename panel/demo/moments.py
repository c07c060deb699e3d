"""When things happened in the demo: a moment between two others, a wall-clock time in
Amsterdam, and e-mail that went out in the past rather than now."""

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import update

from ..extensions import db
from ..mail import PENDING, SENT, OutboxMessage

AMSTERDAM = ZoneInfo("Europe/Amsterdam")


def between(rng, start, end):
    """A moment from start to end; start itself when the span is empty."""
    if end <= start:
        return start
    return start + timedelta(seconds=rng.uniform(0, (end - start).total_seconds()))


def local(day, hour, minute=0):
    """`hour:minute` on `day` in Amsterdam, as an aware UTC datetime."""
    return datetime.combine(day, time(hour, minute), AMSTERDAM).astimezone(UTC)


def weekday_before(day):
    """The day itself, or the Friday before when it falls in a weekend."""
    return day - timedelta(days=max(0, day.weekday() - 4))


def mail_went_out(moment):
    """The e-mail queued just now went out at `moment` (it is part of the past we load)."""
    db.session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.status == PENDING, OutboxMessage.kind != "staff_invitation")
        .values(
            status=SENT,
            attempts=1,
            created_at=moment,
            next_attempt_at=moment,
            sent_at=moment + timedelta(minutes=2),
        )
    )

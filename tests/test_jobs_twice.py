"""Every scheduled job is safe when cron starts it twice at once: both runs end without an error
and each message goes out once (on PostgreSQL the second `send-digests` failed with an
IntegrityError). `send-mail` has its own tests (tests/test_mail.py).

Each run is the real `flask panel …` command in its own thread and app context (own database
session), the two released together by a barrier."""

import threading
from collections import Counter
from datetime import date, timedelta

import pytest

from panel.accounts.streams import Stream, StreamMember, seed_default_streams
from panel.cli import panel_cli
from panel.database import utcnow
from panel.feedback.models import FeedbackInvitation
from panel.insights.models import DigestLog, Insight, Route
from panel.mail import OutboxMessage
from panel.membership.models import Member, StatusChange
from panel.notifications.models import Notification
from panel.rounds import services as rounds
from panel.security import Role

from .feedback.conftest import make_release, product_owner  # noqa: F401 - fixtures
from .rounds.conftest import make_round, make_session, owner  # noqa: F401 - fixtures


def run_twice_at_once(app, db, *args):
    """Run `flask panel <args>` twice at the same moment; both must succeed."""
    db.session.commit()  # what the test set up is there for both runs
    barrier = threading.Barrier(2)
    errors = []

    def run():
        with app.app_context():
            barrier.wait()
            try:
                panel_cli.main(args=list(args), prog_name="panel", standalone_mode=False)
            except Exception as error:  # noqa: BLE001 - any error fails the test
                errors.append(error)

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == []
    db.session.rollback()  # a fresh look at what the runs committed


def test_send_digests_twice_at_once_sends_each_digest_once(app, db, make_user):
    seed_default_streams()
    streams = Stream.query.all()
    insight = Insight(title_nl="Rekening onduidelijk", title_en="Bill unclear", description="")
    db.session.add(insight)
    db.session.flush()
    for stream in streams:  # something new in every stream: an empty digest is not sent
        db.session.add(Route(insight_id=insight.id, stream_id=stream.id, due_at=utcnow()))
    reviewers = [make_user(roles=[Role.REVIEWER]) for _ in range(12)]
    for index, reviewer in enumerate(reviewers):
        db.session.add(
            StreamMember(stream_id=streams[index % len(streams)].id, user_id=reviewer.id)
        )
    run_twice_at_once(app, db, "send-digests")
    assert DigestLog.query.count() == 12
    sent = OutboxMessage.query.filter_by(kind="stream_digest")
    assert sorted(m.to_address for m in sent) == sorted(r.email for r in reviewers)


def test_send_reminders_twice_at_once_reminds_and_invites_once(
    app,
    db,
    make_round,  # noqa: F811 - fixture
    make_session,  # noqa: F811 - fixture
    make_release,  # noqa: F811 - fixture
    make_member,
):
    members = [make_member() for _ in range(6)]
    round_ = make_round()
    for _ in range(3):
        session = make_session(round_, starts_in=timedelta(hours=20))
        for member in members[:4]:
            rounds.register(session, member)
    # A release whose feedback window opened since the last run and closes tomorrow: the job
    # invites its audience, then reminds those who haven't answered.
    release = make_release(opens_in=timedelta(hours=1), closes_in=timedelta(days=1))
    release.opens_at = utcnow() - timedelta(minutes=5)
    run_twice_at_once(app, db, "send-reminders")
    notifications = Notification.query
    assert notifications.filter_by(kind="session_reminder").count() == 3 * 4
    assert notifications.filter_by(kind="release_feedback").count() == 6
    assert notifications.filter_by(kind="release_reminder").count() == 6
    assert FeedbackInvitation.query.filter_by(release_id=release.id).count() == 6
    # One reminder mail per registration (each carries its own session's details and .ics).
    reminded = Counter(m.to_address for m in OutboxMessage.query.filter_by(kind="session_reminder"))
    assert sorted(reminded.values()) == [3] * 4
    for kind in ("release_feedback", "release_reminder"):
        addresses = [m.to_address for m in OutboxMessage.query.filter_by(kind=kind)]
        assert len(addresses) == len(set(addresses)), kind


def test_resume_paused_twice_at_once_resumes_each_member_once(app, db, make_member):
    paused = [make_member(status="paused") for _ in range(5)]
    for member in paused:
        member.paused_until = date.today() - timedelta(days=2)
    run_twice_at_once(app, db, "resume-paused")
    assert Member.query.filter_by(status="active").count() == 5
    resumed = StatusChange.query.filter_by(to_status="active", reason="pause_ended")
    assert sorted(change.member_id for change in resumed) == sorted(m.id for m in paused)
    assert Notification.query.filter_by(kind="membership_status").count() == 5


@pytest.mark.filterwarnings("error::sqlalchemy.exc.SAWarning")  # no row deleted twice
def test_purge_twice_at_once(app, db, make_member):
    stale = [make_member(status="applicant") for _ in range(5)]
    kept = make_member(status="applicant")
    for member in stale:
        member.joined_at = utcnow() - timedelta(days=40)
    run_twice_at_once(app, db, "purge", "--yes")
    assert [m.id for m in Member.query.all()] == [kept.id]

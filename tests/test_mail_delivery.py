"""Delivery against real, misbehaving mail hosts: the panel never waits for SMTP."""

import asyncio
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from datetime import timedelta
from types import SimpleNamespace

import pytest

from panel.audit import AuditEntry
from panel.config import PROJECT_ROOT
from panel.database import act_as_writer, stop_acting_as_writer, utcnow
from panel.mail import (
    PENDING,
    SENDING,
    SENT,
    UNSURE,
    OutboxMessage,
    deliver_outbox,
    queue_mail,
    requeue,
)
from panel.security import Role

from .conftest import PASSWORD, csrf_token_from, free_port, two_factor_code
from .feedback.conftest import make_release, product_owner  # noqa: F401  (fixtures)

MESSAGES = 12


@pytest.fixture
def open_release(request):
    """A release open for feedback, from the feedback tests' factory."""
    return request.getfixturevalue("make_release")()


class SlowHandler:
    """A mail host that takes `delay` seconds to answer each message it has received."""

    def __init__(self, delay):
        self.delay = delay
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(envelope)
        await asyncio.sleep(self.delay)
        return "250 Message accepted for delivery"


@pytest.fixture
def mail_host(app):
    """mail_host(delay) starts a real aiosmtpd server on loopback and points the app at it."""
    from aiosmtpd.controller import Controller

    controllers = []
    old = app.config["SMTP_HOST"], app.config["SMTP_PORT"]

    def start(delay):
        handler = SlowHandler(delay)
        port = free_port()
        controller = Controller(handler, hostname="127.0.0.1", port=port)
        controller.start()
        controllers.append(controller)
        app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=port)
        return handler

    try:
        yield start
    finally:
        for controller in controllers:
            controller.stop()
        app.config["SMTP_HOST"], app.config["SMTP_PORT"] = old


@pytest.fixture
def slow_mail_host(mail_host):
    """A mail host that needs 250 ms per message."""
    return mail_host(0.25)


@pytest.fixture
def silent_mail_host(app):
    """A host that accepts the connection and then never says a word (not even its greeting)."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(100)  # the kernel completes the handshakes; nobody ever answers
    old = app.config["SMTP_HOST"], app.config["SMTP_PORT"], app.config["SMTP_TIMEOUT"]
    app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=listener.getsockname()[1], SMTP_TIMEOUT=3)
    try:
        yield
    finally:
        listener.close()
        app.config["SMTP_HOST"], app.config["SMTP_PORT"], app.config["SMTP_TIMEOUT"] = old


def queue_messages(app, db, count):
    with app.test_request_context():
        for number in range(count):
            reader = SimpleNamespace(first_name="Sam", display_name="Sam", name="Sam")
            queue_mail(f"reader{number}@example.org", "password_changed", "en", user=reader)
    db.session.commit()


def send_mail_in_a_thread(app):
    """`flask panel send-mail` as cron runs it (SQLite writer transactions and all)."""
    done = threading.Event()
    results = []

    def run():
        try:
            results.append(app.test_cli_runner().invoke(args=["panel", "send-mail"]))
        finally:
            done.set()

    thread = threading.Thread(target=run)
    thread.start()
    return thread, done, results


def logged_in_clients(app, members):
    clients = []
    for member in members:
        client = app.test_client()
        client.post("/en/login", data={"email": member.user.email, "password": PASSWORD})
        clients.append(client)
    return clients


def post_feedback_while(clients, release, done, minimum_seconds):
    """Panelists answer (and change their answer) until delivery is over; each post timed."""
    timings = []
    started = time.monotonic()
    score = 0
    while not done.is_set() or time.monotonic() - started < minimum_seconds:
        for client in clients:
            score = (score + 1) % 11
            before = time.monotonic()
            status = client.post(f"/en/feedback/{release.id}", data={"score": str(score)})
            timings.append((status.status_code, time.monotonic() - before))
        if time.monotonic() - started > 60:
            break
    return timings


def assert_every_post_was_quick(timings, at_least):
    codes = {code for code, _seconds in timings}
    slowest = max(seconds for _code, seconds in timings)
    assert codes == {302}, codes
    assert slowest < 2, f"the slowest of {len(timings)} posts took {slowest:.1f} s"
    assert len(timings) >= at_least


def test_a_slow_mail_host_costs_the_panelists_nothing(
    app, db, open_release, make_member, slow_mail_host
):
    release = open_release
    clients = logged_in_clients(app, [make_member() for _ in range(3)])
    queue_messages(app, db, MESSAGES)
    thread, done, results = send_mail_in_a_thread(app)
    timings = post_feedback_while(clients, release, done, minimum_seconds=1)
    thread.join(timeout=60)
    assert results and results[0].exit_code == 0, results and results[0].output
    assert f"{MESSAGES} sent" in results[0].output
    assert len(slow_mail_host.messages) == MESSAGES
    assert_every_post_was_quick(timings, at_least=MESSAGES)
    db.session.rollback()
    assert OutboxMessage.query.filter_by(status=SENT).count() == MESSAGES


def test_a_silent_mail_host_costs_the_panelists_nothing(
    app, db, open_release, make_member, silent_mail_host
):
    release = open_release
    clients = logged_in_clients(app, [make_member() for _ in range(3)])
    queue_messages(app, db, 3)
    thread, done, results = send_mail_in_a_thread(app)
    timings = post_feedback_while(clients, release, done, minimum_seconds=1)
    thread.join(timeout=60)
    assert results and results[0].exit_code == 0, results and results[0].output
    assert_every_post_was_quick(timings, at_least=6)
    db.session.rollback()
    # One failed attempt (the first message); the others wait for the next run, not a timeout each.
    assert [(m.status, m.attempts) for m in OutboxMessage.query.order_by(OutboxMessage.id)] == [
        (PENDING, 1),
        (PENDING, 0),
        (PENDING, 0),
    ]


# A worker killed in the middle of a conversation ------------------------------------------


def start_send_mail_process(app):
    """`flask panel send-mail` as its own process, on the test's database and mail host."""
    env = dict(
        os.environ,
        FLASK_APP="wsgi.py",
        PANEL_ENV="development",
        PANEL_DATABASE_URL=app.config["SQLALCHEMY_DATABASE_URI"],
        PANEL_SMTP_HOST=app.config["SMTP_HOST"],
        PANEL_SMTP_PORT=str(app.config["SMTP_PORT"]),
        PANEL_SMTP_TIMEOUT="60",
    )
    flask = os.path.join(os.path.dirname(sys.executable), "flask")
    return subprocess.Popen(
        [flask, "panel", "send-mail"],
        cwd=PROJECT_ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def wait_for(condition, seconds=30):
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "waited in vain"
        time.sleep(0.05)


def test_a_worker_killed_while_sending_never_sends_the_message_twice(app, db, mail_host):
    queue_messages(app, db, 1)
    # The host receives the whole message and then keeps the worker waiting for its answer.
    hanging = mail_host(delay=60)
    worker = start_send_mail_process(app)
    try:
        wait_for(lambda: len(hanging.messages) == 1)
    finally:
        worker.send_signal(signal.SIGKILL)
        worker.wait()
    message = OutboxMessage.query.one()
    assert (message.status, message.attempts) == (SENDING, 1)  # recorded before it was sent

    # Its claim runs out; the next run, against a host that answers, does not send it again.
    message.claimed_until = utcnow() - timedelta(seconds=1)
    db.session.commit()
    healthy = mail_host(delay=0)
    assert deliver_outbox() == (0, 0)
    db.session.refresh(message)
    assert message.status == UNSURE and message.body_text
    assert healthy.messages == []

    # An administrator who knows it never arrived can send it once more.
    assert requeue([message.id]) == 1
    db.session.commit()
    assert deliver_outbox() == (1, 0)
    assert len(healthy.messages) == 1


def test_a_worker_killed_while_waiting_for_a_silent_host_leaves_the_message_to_send(
    app, db, mail_host, silent_mail_host
):
    queue_messages(app, db, 1)
    app.config["SMTP_TIMEOUT"] = 60
    worker = start_send_mail_process(app)
    try:
        time.sleep(1.5)  # connected, waiting for a greeting that never comes
    finally:
        worker.send_signal(signal.SIGKILL)
        worker.wait()
    message = OutboxMessage.query.one()
    assert (message.status, message.attempts) == (PENDING, 0)
    healthy = mail_host(delay=0)
    assert deliver_outbox() == (1, 0)
    assert len(healthy.messages) == 1


# Two workers at once ------------------------------------------------------------------------


def test_two_send_mail_runs_at_once_send_each_message_once(app, db, mail_host):
    host = mail_host(delay=0.02)
    queue_messages(app, db, 30)
    barrier = threading.Barrier(2)
    results = []

    def run():
        # As `flask panel send-mail` runs it (the CLI runner swaps sys.stdout: one at a time).
        with app.app_context():
            token = act_as_writer()
            try:
                barrier.wait()
                results.append(deliver_outbox())
            finally:
                stop_acting_as_writer(token)

    threads = [threading.Thread(target=run) for _ in range(2)]
    [thread.start() for thread in threads]
    [thread.join(timeout=60) for thread in threads]
    recipients = sorted(envelope.rcpt_tos[0] for envelope in host.messages)
    assert recipients == sorted(f"reader{number}@example.org" for number in range(30))
    assert sum(sent for sent, _failed in results) == 30 and len(results) == 2
    db.session.rollback()
    assert OutboxMessage.query.filter_by(status=SENT).count() == 30


# Retrying for days, and the administrator's view ------------------------------------------


def failing_for(db, message, hours, status=PENDING, error="SMTPServerDisconnected: timed out"):
    message.status = status
    message.attempts = max(message.attempts, 1)
    message.first_failed_at = utcnow() - timedelta(hours=hours)
    message.next_attempt_at = utcnow() - timedelta(seconds=1)
    message.last_error = error
    db.session.commit()


def test_a_host_down_for_hours_loses_nothing(app, db):
    queue_messages(app, db, 1)
    message = OutboxMessage.query.one()
    app.config["SMTP_PORT"] = free_port()  # nothing listens there
    failing_for(db, message, hours=47)
    message.attempts = 30
    db.session.commit()
    assert deliver_outbox() == (0, 1)
    db.session.refresh(message)
    assert (message.status, message.attempts) == (PENDING, 31)
    assert message.next_attempt_at - utcnow() <= timedelta(hours=1)  # the backoff is capped


@pytest.fixture
def admin(make_user, login_as):
    user = make_user(roles=[Role.ADMIN], locale="en")
    login_as(user)
    return user


@pytest.mark.parametrize(
    "lang, warning",
    [("en", "E-mail has not been getting through since"), ("nl", "lukt het niet om e-mail")],
)
def test_admin_pages_warn_when_mail_has_been_failing_for_an_hour(
    app, db, client, admin, lang, warning
):
    queue_messages(app, db, 2)
    first, second = OutboxMessage.query.order_by(OutboxMessage.id)
    failing_for(db, first, hours=0.5)
    for page in ("outbox", "users"):
        assert warning not in client.get(f"/{lang}/admin/{page}").get_data(as_text=True)
    failing_for(db, second, hours=1.5, error="SMTPRecipientsRefused: 451 try later")
    for page in ("outbox", "users"):
        body = client.get(f"/{lang}/admin/{page}").get_data(as_text=True)
        assert warning in body and "451 try later" in body, page


def test_failed_and_unsure_mail_can_be_sent_again_one_by_one(app, db, client, admin, mail_host):
    queue_messages(app, db, 3)
    failed, unsure, waiting = OutboxMessage.query.order_by(OutboxMessage.id)
    failing_for(db, failed, hours=80, status="failed")
    failing_for(db, unsure, hours=0, status=UNSURE)
    page = client.get("/en/admin/outbox").get_data(as_text=True)
    assert "Maybe sent" in page and "Send 1 failed e-mail again" in page
    assert page.count("/requeue") == 3  # a button each for the two, and one for all failed
    for message in (failed, unsure, waiting):
        client.post(f"/en/admin/outbox/{message.id}/requeue")
    db.session.rollback()
    assert [m.status for m in (failed, unsure, waiting)] == [PENDING] * 3
    assert failed.first_failed_at is None and failed.next_attempt_at <= utcnow()
    entries = AuditEntry.query.filter_by(action="outbox.requeue").order_by(AuditEntry.id).all()
    assert [(e.target_id, e.actor_id) for e in entries] == [
        (failed.id, admin.id),
        (unsure.id, admin.id),
    ]
    host = mail_host(delay=0)
    assert deliver_outbox() == (3, 0)
    assert len(host.messages) == 3


def test_all_failed_mail_is_sent_again_at_once(app, db, client, admin):
    queue_messages(app, db, 4)
    first, second, unsure, erased = OutboxMessage.query.order_by(OutboxMessage.id)
    for message in (first, second, erased):
        failing_for(db, message, hours=80, status="failed")
    failing_for(db, unsure, hours=0, status=UNSURE)
    erased.to_address, erased.body_text = "(erased)", ""
    db.session.commit()
    response = client.post("/en/admin/outbox/requeue", follow_redirects=True)
    assert "2 e-mails are back in the queue." in response.get_data(as_text=True)
    db.session.rollback()
    # 'Maybe sent' stays out of "all" (it might arrive twice), and so does erased mail.
    assert [m.status for m in (first, second, unsure, erased)] == [
        PENDING,
        PENDING,
        UNSURE,
        "failed",
    ]
    entry = AuditEntry.query.filter_by(action="outbox.requeue").one()
    assert entry.details == {"count": 2} and entry.actor_id == admin.id


def test_sending_again_needs_the_forms_token(app, db, admin):
    queue_messages(app, db, 1)
    message = OutboxMessage.query.one()
    failing_for(db, message, hours=80, status="failed")
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        client = app.test_client()
        page = client.get("/en/login")
        client.post(
            "/en/login",
            data={"email": admin.email, "password": PASSWORD, "csrf_token": csrf_token_from(page)},
        )
        page = client.get("/en/login/code")  # administrators log in with a second factor
        client.post(
            "/en/login/code",
            data={"totp-code": two_factor_code(admin), "totp-csrf_token": csrf_token_from(page)},
        )
        for url in (f"/en/admin/outbox/{message.id}/requeue", "/en/admin/outbox/requeue"):
            assert client.post(url).status_code == 400
        db.session.rollback()
        assert message.status == "failed"
        token = csrf_token_from(client.get("/en/admin/outbox"))
        client.post(f"/en/admin/outbox/{message.id}/requeue", data={"csrf_token": token})
        db.session.rollback()
        assert message.status == PENDING
    finally:
        app.config["WTF_CSRF_ENABLED"] = False

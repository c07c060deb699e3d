"""Feedback submissions under concurrent writers, over HTTP, against the shipped gunicorn config.

    .venv/bin/python bench/feedback_writers.py [--writers 16] [--seconds 20] [--workers 4]
        [--db sqlite:////tmp/feedback-writers.sqlite3 | postgresql+psycopg://…/throwaway_db]

Builds a throw-away database (its tables are DROPPED and made again: never point it at real data)
with one open release of two changes and two members per writer, starts gunicorn with
gunicorn.conf.py on a free loopback port (production settings: CSRF on, Secure cookies off), logs
every member in, then runs `--writers` processes that each post feedback in a loop for
`--seconds` seconds, alternating between their members and changing the score and ratings every
time (the first post of a member inserts its response, the rest edit it). Afterwards it checks:

- errors: every answer that was not the 302 of a saved response (and every connection error);
- lost: each member's stored score must be the last score a writer had a 302 for;
- counts: the kept NPS and rating counts must equal a recount from the responses.

Prints one Markdown table row (rate, p50/p95/p99 latency, errors, lost, counts) and the command.
Target (QUALITY.md): >= 500 submissions/s with 16 writers, zero errors, zero lost, counts equal.

Measured on the shared 2-core machine (load average 11-15 from other work, so only the
before/after within minutes means anything), SQLite, 16 writers, 4 workers, 10 s:
before (write lock from each POST's first query, 8 + 4 count UPDATEs): 14/s, p50 1082 ms;
after (lock from the first write, two count statements, one login query): 19/s, p50 684 ms;
0 errors, 0 lost, counts equal a recount both times. The in-process CPU per feedback edit
(bench/request_cost.py) is 11 ms, so two cores top out near 180/s: 500/s needs the request
itself (Flask, forms, session, the ORM) under ~4 ms.
"""

import argparse
import http.client
import multiprocessing
import os
import re
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import time
from datetime import timedelta
from http.cookies import SimpleCookie

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

PASSWORD = "a calm walk along the dunes"
CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def make_app(url):
    from panel import create_app
    from panel.config import Config

    class BenchConfig(Config):
        ENV = "development"
        SQLALCHEMY_DATABASE_URI = url
        ARGON2_TIME_COST = 1
        ARGON2_MEMORY_KIB = 1024

    return create_app(BenchConfig)


def build_database(url, members):
    """A fresh schema, one release open for feedback and `members` active members."""
    from panel.accounts.models import User, UserRole
    from panel.database import utcnow
    from panel.extensions import db
    from panel.feedback import services
    from panel.membership.joining import new_member_number
    from panel.membership.models import Member
    from panel.membership.privacy import current_statement
    from panel.security import Role, hash_password

    app = make_app(url)
    with app.app_context():
        db.drop_all()
        db.create_all()
        password_hash = hash_password(PASSWORD)
        owner = User(email="owner@example.org", name="Owner", locale="en")
        owner.role_rows.append(UserRole(role=Role.PRODUCT_OWNER.value))
        db.session.add(owner)
        db.session.flush()
        now = utcnow()
        release = services.save_release(
            None,
            {
                "version": "12.4",
                "month": now.date().replace(day=1),
                "opens_at": now - timedelta(hours=1),
                "closes_at": now + timedelta(days=7),
                "audience": "all",
                "sample_size": None,
            },
            [
                {
                    "title_nl": "Donkere modus",
                    "title_en": "Dark mode",
                    "description_nl": "Rustig",
                    "description_en": "Calm",
                },
                {
                    "title_nl": "Sneller inloggen",
                    "title_en": "Faster log-in",
                    "description_nl": "Face ID",
                    "description_en": "Face ID",
                },
            ],
            owner,
        )
        services.publish_release(release, owner)
        version = current_statement().version
        emails = []
        for k in range(members):
            user = User(
                email=f"writer{k}@example.org",
                name=f"Writer {k}",
                locale="en",
                password_hash=password_hash,
            )
            user.role_rows.append(UserRole(role=Role.PANELIST.value))
            db.session.add(user)
            db.session.add(
                Member(
                    user=user,
                    number=new_member_number(),
                    status="active",
                    postcode="3511",
                    region="utrecht",
                    birth_year=1960 + k % 50,
                    customer_type=("prepaid", "subscription")[k % 2],
                    platform=("ios", "android")[k % 2],
                    app_usage="weekly",
                    attends_online=True,
                    accepted_statement_version=version,
                )
            )
            db.session.flush()
            emails.append(user.email)
        db.session.commit()
        return release.id, [change.id for change in release.changes], emails


def check_database(url, release_id, last_scores):
    """(responses, lost, counts_equal) after the run."""
    from sqlalchemy import select

    from panel.accounts.models import User
    from panel.extensions import db
    from panel.feedback.models import ChangeRating, RatingCount, Release, Response, ScoreCount
    from panel.membership.models import Member

    app = make_app(url)
    with app.app_context():
        release = db.session.get(Release, release_id)
        stored = dict(
            db.session.execute(
                select(User.email, Response.score)
                .join(Member, Member.user_id == User.id)
                .join(Response, Response.member_id == Member.id)
                .where(Response.release_id == release_id)
            ).all()
        )
        lost = sum(1 for email, score in last_scores.items() if stored.get(email) != score)
        # The kept counts against a recount from the responses and ratings themselves.
        recount = {}
        for response in db.session.scalars(
            select(Response).where(Response.release_id == release_id)
        ):
            values = {
                "all": "",
                "customer_type": response.customer_type or "",
                "platform": response.platform or "",
                "age_band": response.age_band or "",
            }
            for kind, value in values.items():
                key = ("score", kind, value, response.score)
                recount[key] = recount.get(key, 0) + 1
        for change_id, rating in db.session.execute(
            select(ChangeRating.change_id, ChangeRating.rating)
            .join(Response, Response.id == ChangeRating.response_id)
            .where(Response.release_id == release_id)
        ):
            key = ("rating", change_id, rating or 0)
            recount[key] = recount.get(key, 0) + 1
        kept = {}
        for kind, value, score, count in db.session.execute(
            select(
                ScoreCount.segment_kind,
                ScoreCount.segment_value,
                ScoreCount.score,
                ScoreCount.count,
            ).where(ScoreCount.release_id == release_id)
        ):
            if count:
                kept["score", kind, value, score] = count
        for change_id, rating, count in db.session.execute(
            select(RatingCount.change_id, RatingCount.rating, RatingCount.count).where(
                RatingCount.change_id.in_([change.id for change in release.changes])
            )
        ):
            if count:
                kept["rating", change_id, rating] = count
        return len(stored), lost, kept == recount


# HTTP ------------------------------------------------------------------------------------------


class Browser:
    """One logged-in browser on one connection per request (gunicorn's sync workers close it)."""

    def __init__(self, port):
        self.port = port
        self.cookies = {}

    def request(self, method, path, body=None, keep_cookies=True):
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}
        if body is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        data = response.read()
        if keep_cookies:
            for header in response.headers.get_all("Set-Cookie") or []:
                for name, morsel in SimpleCookie(header).items():
                    self.cookies[name] = morsel.value
        connection.close()
        return response.status, data.decode("utf-8", "replace")

    def csrf(self, path):
        status, page = self.request("GET", path)
        match = CSRF.search(page)
        if status != 200 or not match:
            raise RuntimeError(f"GET {path}: {status}, no CSRF token")
        return match.group(1)


def encode(fields):
    from urllib.parse import urlencode

    return urlencode(fields)


def log_in(port, email, release_id):
    browser = Browser(port)
    token = browser.csrf("/en/login")
    status, _ = browser.request(
        "POST", "/en/login", encode({"csrf_token": token, "email": email, "password": PASSWORD})
    )
    if status != 302:
        raise RuntimeError(f"login of {email}: {status}")
    # The form's CSRF token is kept for every post; later answers' cookies are not kept, so the
    # flashed thank-you messages don't pile up in the session cookie.
    token = browser.csrf(f"/en/feedback/{release_id}")
    return browser.cookies, token


def writer(port, release_id, change_ids, logins, seconds, start_at, results):
    browsers = []
    for email, (cookies, token) in logins:
        browser = Browser(port)
        browser.cookies = dict(cookies)
        browsers.append((email, browser, token))
    rng = secrets.SystemRandom()
    latencies, errors, last = [], 0, {}
    while time.time() < start_at:
        time.sleep(0.001)
    deadline = start_at + seconds
    n = 0
    while time.time() < deadline:
        email, browser, token = browsers[n % len(browsers)]
        n += 1
        score = rng.randrange(11)
        fields = {"csrf_token": token, "score": str(score), "improve_text": f"Try {n}"}
        for change_id in change_ids:
            fields[f"change_{change_id}"] = rng.choice(["1", "2", "3", "4", "5", "not_used"])
        began = time.perf_counter()
        try:
            status, _ = browser.request(
                "POST", f"/en/feedback/{release_id}", encode(fields), keep_cookies=False
            )
        except OSError:
            status = None
        latencies.append(time.perf_counter() - began)
        if status == 302:
            last[email] = score
        else:
            errors += 1
    results.put((latencies, errors, last))


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(port, seconds=30):
    deadline = time.time() + seconds
    while time.time() < deadline:
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            connection.request("GET", "/healthz")
            if connection.getresponse().status == 200:
                return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError("gunicorn did not answer /healthz")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", default="sqlite:////tmp/feedback-writers.sqlite3")
    parser.add_argument("--writers", type=int, default=16)
    parser.add_argument("--members-per-writer", type=int, default=2)
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--workers", type=int, default=4)
    args = parser.parse_args()
    if args.db.startswith("sqlite:///"):
        path = args.db.removeprefix("sqlite:///")
        for suffix in ("", "-wal", "-shm"):
            if os.path.exists(path + suffix):
                os.remove(path + suffix)

    release_id, change_ids, emails = build_database(args.db, args.writers * args.members_per_writer)
    port = free_port()
    env = dict(
        os.environ,
        PANEL_DATABASE_URL=args.db,
        PANEL_ENV="production",
        PANEL_SECRET_KEY=secrets.token_hex(32),
        PANEL_SECURE_COOKIES="0",
        PANEL_HSTS="0",
        PANEL_RATELIMIT_ALLOW_MEMORY="1",
        PANEL_RATELIMIT_ENABLED="0",
        PANEL_ADMIN_TWO_FACTOR="0",
        PANEL_BIND=f"127.0.0.1:{port}",
        PANEL_WORKERS=str(args.workers),
        PANEL_ARGON2_TIME_COST="1",
        PANEL_ARGON2_MEMORY_KIB="1024",
    )
    gunicorn = os.path.join(os.path.dirname(sys.executable), "gunicorn")
    server = subprocess.Popen(
        [gunicorn, "-c", os.path.join(ROOT, "gunicorn.conf.py"), "wsgi:app"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    try:
        wait_for(port)
        logins = [(email, log_in(port, email, release_id)) for email in emails]
        results = multiprocessing.Queue()
        start_at = time.time() + 1
        processes = [
            multiprocessing.Process(
                target=writer,
                args=(
                    port,
                    release_id,
                    change_ids,
                    logins[w :: args.writers],
                    args.seconds,
                    start_at,
                    results,
                ),
            )
            for w in range(args.writers)
        ]
        for process in processes:
            process.start()
        latencies, errors, last = [], 0, {}
        for _ in processes:
            part_latencies, part_errors, part_last = results.get(timeout=args.seconds + 120)
            latencies += part_latencies
            errors += part_errors
            last.update(part_last)
        for process in processes:
            process.join()
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
    responses, lost, counts_equal = check_database(args.db, release_id, last)
    saved = len(latencies) - errors
    quantiles = statistics.quantiles(latencies, n=100) if len(latencies) > 1 else [0] * 99
    database = "PostgreSQL" if args.db.startswith("postgresql") else "SQLite"
    print(
        "| database | writers | workers | seconds | saved | per second | p50 ms | p95 ms | p99 ms "
        "| errors | lost | counts equal a recount |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|---|")
    print(
        f"| {database} | {args.writers} | {args.workers} | {args.seconds:g} | {saved} "
        f"| {saved / args.seconds:.0f} | {quantiles[49] * 1000:.1f} | {quantiles[94] * 1000:.1f} "
        f"| {quantiles[98] * 1000:.1f} | {errors} | {lost} | {'yes' if counts_equal else 'NO'} |"
    )
    print(f"({responses} responses stored; command: {' '.join(sys.argv)})")
    return 0 if errors == 0 and lost == 0 and counts_equal else 1


if __name__ == "__main__":
    sys.exit(main())

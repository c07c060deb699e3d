"""The benchmark harness: `make bench SIZE=L DB=sqlite|postgresql|both`.

    .venv/bin/python bench/harness.py --size S --db both

For each database it generates (or reuses, cached) a database of the size, starts gunicorn with
the shipped gunicorn.conf.py on loopback against it with production settings, and measures, all
bounded in count and time:

- a bare WSGI hello in the same gunicorn (bench/wsgi_bench.py) and `/healthz`, the two floors,
  with a bare Flask hello (a one-route Flask app, same gunicorn) between them: how much of the
  gap is Flask itself;
- every main page logged in as its role: single-user p95 (sequential requests), then a load run
  with wrk (32 connections) for requests/s and p50/p95/p99; each page is followed by a /healthz
  run and its rate is compared with the mean of the /healthz runs around it (interleaved, so the
  machine's noise hits both); queries and worker CPU per request from the bench-only headers;
- the sampler: 1,000 invitees of the eligible pool of a new round, drawn and written;
- 16 concurrent feedback writers over HTTP for a bounded time: rate, errors, rows lost (every
  member's last posted score is what is stored) and the kept counts against a recount;
- login CPU (the worker CPU of the login POSTs), worker RSS after the run.

Prints one Markdown table and writes docs/benchmarks.md (date, machine, sizes, the exact command,
SQLite and PostgreSQL side by side; a run of one database keeps the other's column from the last
run of the same size). It is a tool, not a test: `make test` and CI never run it.
"""

import argparse
import contextlib
import html
import http.client
import json
import os
import platform
import random
import re
import secrets
import shlex
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.parse
from datetime import UTC, datetime
from pathlib import Path

import pyotp

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
BENCH_DIR = Path(os.environ.get("PANEL_BENCH_DIR", "/tmp/panel-bench"))
PG_BASE = os.environ.get("PANEL_BENCH_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432")
PASSWORD = "benchmark-password-" + "x" * 8
TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
LANG = "nl"
DATA_MARK = "<!-- bench-data "
# `flask panel demo --size`: demo is the small demo, S and M small volumes (quick runs), L and XL
# the sizes of QUALITY.md.
GENERATOR_SIZE = {"demo": "demo", "S": "S", "M": "M", "L": "L", "XL": "XL"}
DEFAULTS = {  # per size: load seconds per run, single-user requests, writer seconds
    "demo": (3, 20, 10),
    "S": (3, 20, 10),
    "M": (5, 30, 30),
    "L": (8, 30, 60),
    "XL": (8, 30, 60),
}


# The database ---------------------------------------------------------------------------------


def database_url(size, backend):
    if backend == "sqlite":
        return f"sqlite:///{BENCH_DIR / f'panel-{size}.sqlite3'}"
    return f"{PG_BASE}/panel_bench_{size.lower()}"


def flask_env(url):
    return dict(os.environ, PANEL_ENV="development", PANEL_DATABASE_URL=url, FLASK_APP="wsgi.py")


def run(cmd, env=None, **kw):
    print("  $ " + " ".join(shlex.quote(str(c)) for c in cmd), flush=True)
    return subprocess.run(cmd, cwd=ROOT, env=env, check=True, **kw)


def demo_takes_size():
    out = subprocess.run(
        [BIN / "flask", "panel", "demo", "--help"],
        cwd=ROOT,
        env=flask_env("sqlite://"),
        capture_output=True,
        text=True,
    )
    return "--size" in out.stdout


def ensure_database(size, backend, fresh):
    """Generate the database once per size and backend; later runs reuse it (a marker file)."""
    BENCH_DIR.mkdir(parents=True, exist_ok=True)
    url = database_url(size, backend)
    marker = BENCH_DIR / f"panel-{size}-{backend}.done"
    if marker.exists() and not fresh:
        info = json.loads(marker.read_text())
        if info.get("generator") == GENERATOR_SIZE[size]:
            print(f"reusing the {size} database on {backend}: {url}", flush=True)
            # Work since it was generated may have added migrations (indexes, kept figures).
            run(
                [BIN / "flask", "db", "upgrade", "heads"],
                env=flask_env(url),
                stdout=subprocess.DEVNULL,
            )
            if not info.get("triage"):
                # Generated before triage existed: its list of contributions is filled once, as
                # docs/deploy.md tells an operator to do after the upgrade that adds it.
                started = time.perf_counter()
                run([BIN / "flask", "panel", "reindex-triage"], env=flask_env(url))
                info.update(triage=True, triage_filled_in_s=round(time.perf_counter() - started, 1))
                marker.write_text(json.dumps(info))
            return url, info
    started = time.perf_counter()
    if backend == "sqlite":
        path = Path(url.removeprefix("sqlite:///"))
        for suffix in ("", "-wal", "-shm"):
            Path(str(path) + suffix).unlink(missing_ok=True)
    else:
        admin_url, name = url.rsplit("/", 1)
        _pg_admin(admin_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        _pg_admin(admin_url, f'CREATE DATABASE "{name}"')
    env = flask_env(url)
    # "heads": every branch, also while parallel work has left more than one head.
    run([BIN / "flask", "db", "upgrade", "heads"], env=env, stdout=subprocess.DEVNULL)
    generator = GENERATOR_SIZE[size]
    if demo_takes_size():
        run([BIN / "flask", "panel", "demo", "--size", generator], env=env)
    elif generator == "demo":
        run([BIN / "flask", "panel", "demo"], env=env, stdout=subprocess.DEVNULL)
    else:
        sys.exit(f"size {size} needs `flask panel demo --size` (the volume generator)")
    info = {
        "generated_in_s": round(time.perf_counter() - started, 1),
        "generator": generator,
        "triage": True,  # the generator fills triage's list of contributions itself
    }
    marker.write_text(json.dumps(info))
    return url, info


def _pg_admin(url, statement):
    import psycopg  # only needed for PostgreSQL runs

    conninfo = url.replace("postgresql+psycopg://", "postgresql://") + "/postgres"
    with psycopg.connect(conninfo, autocommit=True) as conn:
        conn.execute(statement)


def in_process(url, step, payload=None):
    """Run one step of this file in a fresh interpreter against `url` (its JSON answer)."""
    out = subprocess.run(
        [sys.executable, __file__, "_step", step, url],
        cwd=ROOT,
        env=flask_env(url),
        input=json.dumps(payload or {}),
        capture_output=True,
        text=True,
    )
    if out.returncode:
        sys.stderr.write(out.stderr)
        raise RuntimeError(f"step {step} failed")
    return json.loads(out.stdout.strip().splitlines()[-1])


# Steps run in-process against the database (python bench/harness.py _step NAME URL) ------------


def _app(url):
    from panel import create_app
    from panel.config import Config

    class BenchConfig(Config):
        ENV = "development"
        SQLALCHEMY_DATABASE_URI = url

    return create_app(BenchConfig)


def step_prepare(url, payload):
    """Accounts for every role with a known password (the admin with a known TOTP secret), the
    records the pages need, the feedback writers, and the sizes of the data set."""
    from sqlalchemy import func, select, text

    from panel.accounts.models import User, UserRole
    from panel.database import act_as_writer, utcnow
    from panel.extensions import db
    from panel.feedback.models import Release, Response
    from panel.membership.models import Member
    from panel.security import hash_password

    app = _app(url)
    with app.app_context():
        act_as_writer()
        hashed = hash_password(PASSWORD)

        def user_with(role, preferred):
            user = db.session.scalar(select(User).where(User.email == preferred))
            if user is None or not user.is_enabled:
                user = db.session.scalar(
                    select(User)
                    .join(UserRole, UserRole.user_id == User.id)
                    .where(UserRole.role == role, User.is_enabled.is_(True))
                    .order_by(User.id)
                    .limit(1)
                )
            return user

        staff = {
            "admin": user_with("admin", "admin@klantenteam.example"),
            "owner": user_with("product_owner", "eigenaar@klantenteam.example"),
            "reviewer": user_with("reviewer", "reviewer@klantenteam.example"),
            "manager": user_with("panel_manager", "manager@klantenteam.example"),
        }
        panelist = db.session.scalar(
            select(User).where(User.email == "panellid@klantenteam.example")
        )
        if panelist is None:  # the active member who answered most releases
            member_id = db.session.scalar(
                select(Response.member_id)
                .join(Member, Member.id == Response.member_id)
                .where(Member.status == "active", Member.user_id.isnot(None))
                .group_by(Response.member_id)
                .order_by(func.count().desc())
                .limit(1)
            )
            panelist = db.session.get(Member, member_id).user
        accounts = dict(staff, panelist=panelist)
        now = utcnow()
        open_releases = [
            r.id
            for r in db.session.scalars(
                select(Release)
                .where(
                    Release.published_at.isnot(None),
                    Release.opens_at <= now,
                    Release.closes_at > now,
                    Release.audience == "all",
                )
                .order_by(Release.id.desc())
                .limit(3)
            )
        ]
        skip = {u.id for u in accounts.values() if u is not None}
        writers = db.session.scalars(
            select(User)
            .join(Member, Member.user_id == User.id)
            .where(Member.status == "active", User.is_enabled.is_(True), User.id.notin_(skip))
            .order_by(User.id)
            .limit(payload["writers"] * payload["members_per_writer"])
        ).all()
        for user in [*accounts.values(), *writers]:
            if user is not None:
                user.password_hash = hashed
        admin = staff["admin"]
        if admin is not None:
            admin.totp_secret, admin.totp_enabled_at, admin.totp_last_step = TOTP_SECRET, now, None
        db.session.commit()

        release_id = db.session.scalar(
            select(Response.release_id)
            .group_by(Response.release_id)
            .order_by(func.count().desc())
            .limit(1)
        ) or db.session.scalar(select(func.max(Release.id)))
        rounds = db.session.execute(
            text(
                "SELECT r.id FROM rounds r LEFT JOIN ideas i ON i.round_id = r.id "
                "WHERE r.visibility = 'all' GROUP BY r.id ORDER BY count(i.id) DESC LIMIT 5"
            )
        ).scalars()
        name = db.session.scalar(
            select(User.name).where(User.name.isnot(None)).order_by(User.id.desc()).limit(1)
        )
        sizes = {}
        for table in (
            "members",
            "feedback_responses",
            "feedback_invitations",
            "releases",
            "rounds",
            "ideas",
            "sessions",
            "registrations",
            "insights",
            "routes",
            "audit_entries",
            "notifications",
        ):
            sizes[table] = db.session.scalar(text(f"SELECT count(*) FROM {table}"))  # noqa: S608
        return {
            "accounts": {k: (u.email if u else None) for k, u in accounts.items()},
            "writers": [u.email for u in writers],
            "open_releases": open_releases,
            "release_id": release_id,
            "round_ids": list(rounds),
            "search": (name or "jan").split()[-1][:4].lower(),
            "sizes": sizes,
        }


def step_sample(url, payload):
    """Draw 1,000 of the eligible pool for a new round and write the invitations, timed."""
    from panel.accounts.services import create_user, find_user_by_email
    from panel.database import act_as_writer
    from panel.extensions import db
    from panel.rounds import sampling, services
    from panel.security import Role

    app = _app(url)
    with app.app_context():
        act_as_writer()
        owner = find_user_by_email("bench-owner@example.org") or create_user(
            "bench-owner@example.org", "Bench Owner", "nl", roles=[Role.PRODUCT_OWNER]
        )
        results = []
        for attempt in range(payload["rounds"]):
            texts = dict.fromkeys(("summary_nl", "summary_en", "question_nl", "question_en"), "")
            round_ = services.create_round(
                owner, dict(texts, title_nl="Bench", title_en="Bench", visibility="all"), []
            )
            db.session.commit()
            started = time.perf_counter()
            sample = sampling.plan_sample(
                round_, sampling.Criteria(), payload["size"], seed=attempt, balance="pool"
            )
            drawn = time.perf_counter()
            sampling.send_invitations(round_, sample.chosen, owner)
            db.session.commit()
            done = time.perf_counter()
            results.append(
                {
                    "eligible": sample.eligible,
                    "chosen": len(sample.chosen),
                    "draw_s": drawn - started,
                    "total_s": done - started,
                }
            )
        return results


def step_recount(url, payload):
    """Rows lost (a writer's last posted score not stored) and kept counts against a recount."""
    from sqlalchemy import text

    from panel.extensions import db

    app = _app(url)
    with app.app_context():
        lost = 0
        for email, release_id, score in payload["last"]:
            stored = db.session.scalar(
                text(
                    "SELECT r.score FROM feedback_responses r JOIN members m ON m.id = r.member_id "
                    "JOIN users u ON u.id = m.user_id WHERE u.email = :e AND r.release_id = :r"
                ),
                {"e": email, "r": release_id},
            )
            lost += stored != score
        mismatched = 0
        for release_id in payload["releases"]:
            kept = dict(
                db.session.execute(
                    text(
                        "SELECT score, count FROM score_counts WHERE release_id = :r "
                        "AND segment_kind = 'all' AND count <> 0"
                    ),
                    {"r": release_id},
                ).all()
            )
            recount = dict(
                db.session.execute(
                    text(
                        "SELECT score, count(*) FROM feedback_responses WHERE release_id = :r "
                        "GROUP BY score"
                    ),
                    {"r": release_id},
                ).all()
            )
            mismatched += kept != recount
            kept_ratings = set(
                db.session.execute(
                    text(
                        "SELECT c.change_id, c.rating, c.count FROM rating_counts c "
                        "JOIN release_changes rc ON rc.id = c.change_id "
                        "WHERE rc.release_id = :r AND c.count <> 0"
                    ),
                    {"r": release_id},
                ).all()
            )
            recount_ratings = set(
                db.session.execute(
                    text(
                        "SELECT cr.change_id, coalesce(cr.rating, 0), count(*) "
                        "FROM change_ratings cr JOIN release_changes rc ON rc.id = cr.change_id "
                        "WHERE rc.release_id = :r GROUP BY cr.change_id, coalesce(cr.rating, 0)"
                    ),
                    {"r": release_id},
                ).all()
            )
            mismatched += kept_ratings != recount_ratings
        return {"checked": len(payload["last"]), "lost": lost, "count_mismatches": mismatched}


STEPS = {"prepare": step_prepare, "sample": step_sample, "recount": step_recount}


# HTTP ------------------------------------------------------------------------------------------


class Client:
    """A minimal HTTP/1.1 client with a cookie jar; redirects are not followed."""

    def __init__(self, port):
        self.port = port
        self.cookies = {}
        self.conn = None

    def request(self, method, path, form=None):
        headers = {"Host": f"127.0.0.1:{self.port}"}
        if self.cookies:
            headers["Cookie"] = self.cookie_header()
        body = None
        if form is not None:
            body = urllib.parse.urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        for attempt in range(2):
            if self.conn is None:
                self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
            try:
                started = time.perf_counter()
                self.conn.request(method, path, body=body, headers=headers)
                response = self.conn.getresponse()
                data = response.read()
                elapsed = time.perf_counter() - started
                break
            except (http.client.HTTPException, OSError):
                self.conn.close()
                self.conn = None
                if attempt:
                    raise
        for header, value in response.getheaders():
            if header.lower() == "set-cookie":
                name, _, rest = value.partition("=")
                cookie_value = rest.split(";", 1)[0]
                if "expires=thu, 01 jan 1970" in value.lower() or not cookie_value:
                    self.cookies.pop(name, None)
                else:
                    self.cookies[name] = cookie_value
        return response, data, elapsed

    def cookie_header(self):
        return "; ".join(f"{k}={v}" for k, v in self.cookies.items())

    def form_fields(self, path, prefix=""):
        response, data, _ = self.request("GET", path)
        page = data.decode("utf-8", "replace")
        fields = {}
        for name in (prefix + "csrf_token", prefix + "form_token"):
            match = re.search(rf'name="{name}"[^>]*value="([^"]*)"', page) or re.search(
                rf'value="([^"]*)"[^>]*name="{name}"', page
            )
            if match:
                fields[name] = html.unescape(match.group(1))
        return response.status, fields


def login(port, email, totp=False):
    """Log in through the login form (and the code step for an administrator): the client and
    the worker CPU of the password check (microseconds)."""
    client = Client(port)
    _, fields = client.form_fields(f"/{LANG}/login")
    response, _, _ = client.request(
        "POST", f"/{LANG}/login", dict(fields, email=email, password=PASSWORD, next="")
    )
    cpu = int(response.getheader("X-Bench-CPU-us") or 0)
    if response.status != 302:
        raise RuntimeError(f"login of {email} answered {response.status}")
    if totp:
        _, fields = client.form_fields(f"/{LANG}/login/code", prefix="totp-")
        code = pyotp.TOTP(TOTP_SECRET).now()
        response, _, _ = client.request(
            "POST", f"/{LANG}/login/code", dict(fields, **{"totp-code": code})
        )
        if response.status != 302:
            raise RuntimeError(f"two-factor login of {email} answered {response.status}")
    return client, cpu


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def gunicorn(url, workers):
    """gunicorn with the shipped config, production settings, on a free loopback port."""
    port = free_port()
    env = dict(
        os.environ,
        PANEL_ENV="production",
        PANEL_SECRET_KEY=secrets.token_urlsafe(48),
        PANEL_DATABASE_URL=url,
        PANEL_BIND=f"127.0.0.1:{port}",
        PANEL_WORKERS=str(workers),
        # Plain HTTP on loopback: the cookies can't be Secure here (a proxy ends TLS in production).
        PANEL_SECURE_COOKIES="0",
        PANEL_RATELIMIT_STORAGE_URI=os.environ.get("PANEL_BENCH_REDIS", "redis://127.0.0.1:6379/0"),
        PANEL_RATELIMIT_KEY_PREFIX=f"panel-bench-{port}",
        PANEL_RATELIMIT_LOGIN="100000 per minute",
        PANEL_RATELIMIT_RESET="100000 per minute",
        PANEL_RATELIMIT_JOIN="100000 per minute",
    )
    env.pop("FLASK_APP", None)
    BENCH_DIR.mkdir(parents=True, exist_ok=True)
    log = open(BENCH_DIR / "gunicorn.log", "w")  # noqa: SIM115
    process = subprocess.Popen(
        [BIN / "gunicorn", "-c", "gunicorn.conf.py", "bench.wsgi_bench:app"],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 120
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"gunicorn ended; see {BENCH_DIR / 'gunicorn.log'}")
            try:
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
                conn.request("GET", "/healthz")
                if conn.getresponse().status == 200:
                    break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("gunicorn did not answer /healthz within 120 s")
            time.sleep(0.5)
        yield process, port
    finally:
        process.terminate()
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()


def worker_rss_mb(master_pid):
    children = Path(f"/proc/{master_pid}/task/{master_pid}/children").read_text().split()
    sizes = []
    for pid in children:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                sizes.append(int(line.split()[1]) / 1024)
    return sizes


# Measurements ----------------------------------------------------------------------------------


def wrk(port, path, cookie, seconds, connections, workers=4):
    cmd = [
        "wrk",
        "-t2",
        f"-c{connections}",
        f"-d{max(1, round(seconds))}s",
        "--timeout",
        "10s",
        "-s",
        str(ROOT / "bench" / "report.lua"),
    ]
    if cookie:
        cmd += ["-H", f"Cookie: {cookie}"]
    out = subprocess.run(
        cmd + [f"http://127.0.0.1:{port}{path}"], capture_output=True, text=True, check=True
    )
    drain(port, workers)
    line = next(x for x in out.stdout.splitlines() if x.startswith("BENCH "))
    result = json.loads(line[6:])
    seconds = result["duration_us"] / 1e6
    errors = sum(v for k, v in result.items() if k.startswith("errors_"))
    return {
        "rps": result["requests"] / seconds,
        "p50": result["p50"] / 1000,
        "p95": result["p95"] / 1000,
        "p99": result["p99"] / 1000,
        "errors": errors,
        "requests": result["requests"],
    }


def drain(port, workers, limit_s=60):
    """Wait until the requests wrk left queued in gunicorn are served: gunicorn's sync workers
    finish every request of a closed connection, so the next run would otherwise start behind
    them. Done when `workers` parallel /healthz requests all come back within 0.2 s."""
    deadline = time.monotonic() + limit_s
    clients = [Client(port) for _ in range(workers)]
    while time.monotonic() < deadline:
        times = []
        threads = [
            threading.Thread(target=lambda c=c, t=times: t.append(c.request("GET", "/healthz")[2]))
            for c in clients
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        if max(times) < 0.2:
            break
    for client in clients:
        if client.conn is not None:
            client.conn.close()


def single_user(client, path, count):
    """Sequential requests: p50/p95 in ms, the status, bytes, queries and worker CPU per request."""
    times, queries, cpu = [], [], []
    status = size = None
    for _ in range(count):
        response, data, elapsed = client.request("GET", path)
        times.append(elapsed * 1000)
        status, size = response.status, len(data)
        queries.append(int(response.getheader("X-Bench-Queries") or 0))
        cpu.append(int(response.getheader("X-Bench-CPU-us") or 0) / 1000)
    times.sort()
    return {
        "status": status,
        "bytes": size,
        "p50_1u": statistics.median(times),
        "p95_1u": times[min(len(times) - 1, int(len(times) * 0.95))],
        "queries": statistics.median(queries),
        "cpu_ms": statistics.median(cpu),
    }


def pages(prep):
    """(label, role, path) of every main page, in the order measured."""
    release, search = prep["release_id"], prep["search"]
    return [
        ("panelist dashboard", "panelist", f"/{LANG}/me"),
        ("rounds list", "panelist", f"/{LANG}/rounds"),
        ("round page", "panelist", None),  # the first round of prep["round_ids"] that answers
        ("my feedback", "panelist", f"/{LANG}/feedback"),
        ("my contributions", "panelist", f"/{LANG}/me/contributions"),
        ("notifications", "panelist", f"/{LANG}/notifications"),
        ("NPS results (trend)", "owner", f"/{LANG}/results/"),
        ("one release's NPS results", "owner", f"/{LANG}/results/releases/{release}"),
        ("triage, every contribution", "owner", f"/{LANG}/insights/triage"),
        ("triage, search 'telefoons'", "owner", f"/{LANG}/insights/triage?q=telefoons"),
        ("all insights", "owner", f"/{LANG}/insights/"),
        ("stream inbox", "reviewer", f"/{LANG}/insights/inbox"),
        ("panel health", "manager", f"/{LANG}/manage/health"),
        (f"member list, name search '{search}'", "manager", f"/{LANG}/manage/members?q={search}"),
        ("audit log", "admin", f"/{LANG}/admin/audit"),
    ]


def feedback_writers(port, emails, releases, seconds):
    """len(emails)//per writers, each with its own members, posting feedback until the time is up:
    each submission reads the form (its tokens) and posts it."""
    writers = 16
    groups = [emails[i::writers] for i in range(writers)]
    clients = [[login(port, email)[0] for email in group] for group in groups]
    barrier = threading.Barrier(writers + 1)
    stats = {"ok": 0, "errors": 0, "statuses": {}, "last": {}}
    lock = threading.Lock()

    def writer(index):
        rng = random.Random(index)
        jobs = [
            (e, c, r) for e, c in zip(groups[index], clients[index], strict=True) for r in releases
        ]
        barrier.wait()
        n = 0
        while time.monotonic() < deadline:
            email, client, release = jobs[n % len(jobs)]
            n += 1
            score = rng.randint(0, 10)
            try:
                _, fields = client.form_fields(f"/{LANG}/feedback/{release}")
                response, _, _ = client.request(
                    "POST",
                    f"/{LANG}/feedback/{release}",
                    dict(fields, score=str(score), improve_text=f"Bench {index}-{n}"),
                )
                status = response.status
            except (OSError, http.client.HTTPException):
                status = "connection"
            with lock:
                if status == 302:
                    stats["ok"] += 1
                    stats["last"][email, release] = score
                else:
                    stats["errors"] += 1
                    stats["statuses"][str(status)] = stats["statuses"].get(str(status), 0) + 1

    threads = [threading.Thread(target=writer, args=(i,)) for i in range(writers)]
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + seconds + 1
    barrier.wait()
    started = time.monotonic()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - started
    return {
        "writers": writers,
        "seconds": elapsed,
        "ok": stats["ok"],
        "rate": stats["ok"] / elapsed,
        "errors": stats["errors"],
        "statuses": stats["statuses"],
        "last": [[e, r, s] for (e, r), s in stats["last"].items()],
    }


def measure(size, backend, args):
    load_s, single_n, write_s = DEFAULTS[size]
    load_s = args.duration or load_s
    write_s = args.write_seconds or write_s
    url, generated = ensure_database(size, backend, args.fresh)
    writers = 16
    prep = in_process(url, "prepare", {"writers": writers, "members_per_writer": 2})
    # Panel health shows the figures `flask panel refresh-health` counts (cron, every 10 minutes).
    run([BIN / "flask", "panel", "refresh-health"], env=flask_env(url), stdout=subprocess.DEVNULL)
    result = {"backend": backend, "size": size, "generated": generated, "sizes": prep["sizes"]}
    print(f"{backend}: sizes {prep['sizes']}", flush=True)
    with gunicorn(url, args.workers) as (process, port):
        clients, login_cpu = {}, []
        for role, email in prep["accounts"].items():
            if email:
                clients[role], cpu = login(port, email, totp=role == "admin")
                login_cpu.append(cpu / 1000)

        def floor():
            return wrk(port, "/healthz", None, load_s, args.connections, args.workers)

        result["hello"] = wrk(port, "/__hello", None, load_s, args.connections, args.workers)
        result["flask_hello"] = wrk(
            port, "/__flask_hello", None, load_s, args.connections, args.workers
        )
        result["healthz_1u"] = single_user(Client(port), "/healthz", single_n)
        healthz = [floor()]
        result["healthz"] = dict(healthz[0])
        result["pages"] = []
        for label, role, path in pages(prep):
            client = clients.get(role)
            if client is None:
                result["pages"].append({"label": label, "missing": f"no {role} account"})
                continue
            if path is None:
                for round_id in prep["round_ids"]:
                    path = f"/{LANG}/rounds/{round_id}"
                    if client.request("GET", path)[0].status == 200:
                        break
            if path is None:
                result["pages"].append({"label": label, "missing": "no round"})
                continue
            page = {"label": label, "path": path, "role": role}
            page.update(single_user(client, path, single_n))
            if page["status"] == 200:
                cookie = client.cookie_header()
                page.update(wrk(port, path, cookie, load_s, args.connections, args.workers))
                healthz.append(floor())
                page["healthz_rps"] = (healthz[-2]["rps"] + healthz[-1]["rps"]) / 2
                page["ratio"] = page["rps"] / page["healthz_rps"] if page["healthz_rps"] else 0
            print(f"  {label}: {json.dumps(page)}", flush=True)
            result["pages"].append(page)
        result["healthz"]["rps_runs"] = [h["rps"] for h in healthz]
        result["healthz"]["rps"] = statistics.median(result["healthz"]["rps_runs"])
        if prep["open_releases"] and prep["writers"]:
            writes = feedback_writers(port, prep["writers"], prep["open_releases"], write_s)
            check = in_process(
                url, "recount", {"last": writes.pop("last"), "releases": prep["open_releases"]}
            )
            result["writes"] = dict(writes, **check)
        else:
            result["writes"] = {"missing": "no open release for everyone in this data set"}
        result["rss_mb"] = worker_rss_mb(process.pid)
        result["login_cpu_ms"] = statistics.median(login_cpu) if login_cpu else None
    result["sampling"] = in_process(url, "sample", {"rounds": 2, "size": 1000})
    return result


# The report ------------------------------------------------------------------------------------


def ms(value):
    """A figure with a decimal only below 10 (times in ms, rates per second)."""
    return f"{value:.0f}" if value >= 10 else f"{value:.1f}"


def cells(result):
    """One column of the table: {row label: cell}."""
    if result is None:
        return {}
    col = {}
    hello, healthz = result["hello"], result["healthz"]
    col["bare WSGI hello (same gunicorn)"] = f"{hello['rps']:.0f}/s"
    flask_hello = result.get("flask_hello")
    if flask_hello is not None:
        ratio = flask_hello["rps"] / max(hello["rps"], 1e-9)
        col["bare Flask hello (same gunicorn)"] = (
            f"{flask_hello['rps']:.0f}/s · **{ratio:.2f}× hello**"
        )
    col["`/healthz`"] = (
        f"{healthz['rps']:.0f}/s · **{healthz['rps'] / max(hello['rps'], 1e-9):.2f}× hello** · "
        f"1u p95 {ms(result['healthz_1u']['p95_1u'])} ms · {result['healthz_1u']['queries']:.0f} q"
        f" · {ms(result['healthz_1u']['cpu_ms'])} ms CPU"
    )
    for page in result["pages"]:
        # A row per page whatever the data: the search term (the data's own) goes in the cell.
        label, _, term = page["label"].partition(" '")
        term = f"'{term} · " if term else ""
        if "missing" in page:
            col[label] = f"not measured: {page['missing']}"
        elif page["status"] != 200:
            col[label] = f"answered {page['status']}: not measured"
        else:
            errors = f" · **{page['errors']} errors**" if page["errors"] else ""
            col[label] = term + (
                f"{ms(page['rps'])}/s · **{page['ratio']:.2f}×** · "
                f"{ms(page['p50'])}/{ms(page['p95'])}/{ms(page['p99'])} ms · "
                f"1u p95 **{ms(page['p95_1u'])} ms** · {page['queries']:.0f} q · "
                f"{ms(page['cpu_ms'])} ms CPU · {page['bytes'] / 1024:.0f} KB{errors}"
            )
    sample = result.get("sampling") or []
    if sample:
        col["sampler: 1,000 of the eligible pool, incl. writing"] = (
            f"**{statistics.median(s['total_s'] for s in sample):.2f} s** "
            f"(draw {statistics.median(s['draw_s'] for s in sample):.2f} s; "
            f"{sample[0]['chosen']} of {sample[0]['eligible']:,} eligible; {len(sample)} runs)"
        )
    writes = result.get("writes") or {}
    label = "feedback writers over HTTP (GET form + POST)"
    if "missing" in writes:
        col[label] = f"not measured: {writes['missing']}"
    elif writes:
        col[label] = (
            f"**{writes['rate']:.0f}/s** ({writes['writers']} writers, {writes['seconds']:.0f} s,"
            f" {writes['ok']} saved) · {writes['errors']} errors {writes['statuses'] or ''} · "
            f"{writes['lost']} lost of {writes['checked']} checked · "
            f"counts {'equal a recount' if not writes['count_mismatches'] else 'DIFFER'}"
        )
    if result.get("login_cpu_ms") is not None:
        col["login: worker CPU of the login POST"] = f"{ms(result['login_cpu_ms'])} ms"
    if result.get("rss_mb"):
        col["worker RSS after the run"] = (
            f"max {max(result['rss_mb']):.0f} MB ({len(result['rss_mb'])} workers)"
        )
    return col


def table(results):
    sqlite, pg = results.get("sqlite"), results.get("postgresql")
    a, b = cells(sqlite), cells(pg)
    labels = list(dict.fromkeys([*a, *b]))
    lines = ["| what | SQLite | PostgreSQL |", "|---|---|---|"]
    for label in labels:
        lines.append(f"| {label} | {a.get(label, '–')} | {b.get(label, '–')} |")
    return "\n".join(lines)


def machine():
    cpu = platform.processor() or platform.machine()
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    mem = ""
    with contextlib.suppress(OSError):
        kib = int(Path("/proc/meminfo").read_text().split()[1])
        mem = f", {kib / 1024 / 1024:.1f} GiB RAM"
    load = ", load {:.1f}/{:.1f}/{:.1f}".format(*os.getloadavg())
    return f"{platform.system()} {platform.release()}, {cpu}, {os.cpu_count()} cores{mem}{load}"


def sizes_line(results):
    parts = []
    for backend, result in results.items():
        if result:
            s = result["sizes"]
            parts.append(
                f"{backend}: size {result['size']} — "
                + ", ".join(f"{v:,} {k.replace('_', ' ')}" for k, v in s.items())
            )
    return parts


def write_report(results, path, command, args):
    lines = [
        "# Benchmarks",
        "",
        "Made by `bench/harness.py` (`make bench SIZE=… DB=…`); the targets are in QUALITY.md.",
        "",
        f"- Date: {datetime.now(UTC):%Y-%m-%d %H:%M} UTC",
        f"- Machine: {machine()}",
        *[
            f"- Command ({backend}): `{result.get('command', command)}`"
            for backend, result in results.items()
            if result
        ],
        f"- gunicorn.conf.py, {args.workers} sync workers, production settings "
        "(PANEL_ENV=production, rate limits in Redis set high, cookies not Secure on plain-HTTP "
        "loopback); wrk "
        f"{args.connections} connections, 2 threads, on the same machine",
        *[f"- Data: {line}" for line in sizes_line(results)],
        "",
        table(results),
        "",
        "How to read a page's cell: requests/s under load · **ratio to `/healthz`** (the mean of "
        "the /healthz runs just before and after it) · p50/p95/p99 under load · single-user p95 "
        "(sequential requests, one client) · queries per request and the worker's CPU per request "
        "(bench-only headers of bench/wsgi_bench.py) · the page's size. Ratios and CPU hold on a "
        "busy machine; absolute times do not.",
        "",
        "What each other row is:",
        "",
        "- sampler: a new round, 1,000 drawn from the eligible pool balanced like the pool, "
        "invitations, notifications and e-mails written and committed, in-process (median of "
        "2 runs; each run writes into the cached database, so the pool of later runs is smaller "
        "by the contact rules);",
        "- feedback writers: 16 threads over HTTP, each with its own two members logged in, each "
        "submission reads the form (its tokens) and posts it to a release open for everyone; the "
        "rate counts saved posts (302); lost = a member's last posted score not stored; counts = "
        "the kept score and rating counts of those releases against a recount;",
        "- login: the worker CPU of the whole login POST (argon2id check, new session), median "
        "over the role accounts;",
        "- worker RSS: each gunicorn worker's resident memory after all the runs.",
        "",
        *([f"Notes on this run: {args.note}", ""] if getattr(args, "note", None) else []),
    ]
    lines.append(DATA_MARK + json.dumps(results) + " -->")
    Path(path).write_text("\n".join(lines) + "\n")


def previous_results(path, size):
    with contextlib.suppress(OSError, ValueError, StopIteration):
        text = Path(path).read_text()
        line = next(x for x in text.splitlines() if x.startswith(DATA_MARK))
        data = json.loads(line[len(DATA_MARK) : -len(" -->")])
        return {k: v for k, v in data.items() if v and v.get("size") == size}
    return {}


def main():
    if len(sys.argv) > 1 and sys.argv[1] == "_step":
        step, url = sys.argv[2], sys.argv[3]
        print(json.dumps(STEPS[step](url, json.loads(sys.stdin.read() or "{}"))))
        return
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", default="S", choices=sorted(GENERATOR_SIZE))
    parser.add_argument("--db", default="sqlite", choices=["sqlite", "postgresql", "both"])
    parser.add_argument("--duration", type=float, help="seconds per load run")
    parser.add_argument("--write-seconds", type=float, help="seconds of the feedback writers")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--fresh", action="store_true", help="generate the database again")
    parser.add_argument("--note", help="a remark on this run for docs/benchmarks.md")
    parser.add_argument(
        "--report-only", action="store_true", help="rewrite the report from its stored figures"
    )
    parser.add_argument("--out", default=str(ROOT / "docs" / "benchmarks.md"))
    args = parser.parse_args()
    backends = ["sqlite", "postgresql"] if args.db == "both" else [args.db]
    results = previous_results(args.out, args.size)
    if args.report_only:  # the table again from the figures stored in the report
        print(table(results))
        write_report(results, args.out, "", args)
        return
    command = "make bench " + f"SIZE={args.size} DB={args.db}"
    if sys.argv[1:] and os.environ.get("MAKELEVEL") is None:
        argv, shown = sys.argv[1:], []
        while argv:  # the note is printed on its own, not in the command
            arg = argv.pop(0)
            if arg == "--note":
                argv = argv[1:]
            elif not arg.startswith("--note="):
                shown.append(arg)
        command = ".venv/bin/python bench/harness.py " + shlex.join(shown)
    for backend in backends:
        results[backend] = dict(measure(args.size, backend, args), command=command)
    print()
    print(table(results))
    write_report(results, args.out, command, args)
    print(f"\nwritten to {args.out}")


if __name__ == "__main__":
    main()

"""Time the whole panel health page in-process, as the panel manager sees it (issue 13):

    .venv/bin/python bench/health_page.py DB_URL [--requests 30] [--each] [--freeze] [--profile]

Logs the first enabled panel manager in through the login form of a Flask test client
(production settings, CSRF and rate limits off), GETs /nl/manage/health once (templates
compile: not counted), then --requests times one after the other, and prints the median and
p95 of the wall time, the process CPU per request and the number of statements. Use it on a
COPY of a benchmark database: it sets that manager's password. --each prints every request,
--freeze calls gc.freeze() first (as a worker could), --profile prints a cProfile of one more
request. --path times another page, to compare.
"""

import argparse
import cProfile
import gc
import pstats
import statistics
import time

from sqlalchemy import event, select

PASSWORD = "health-page-benchmark"
PATH = "/nl/manage/health"


def percentile(values, share):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("url")
    parser.add_argument("--requests", type=int, default=30)
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--path", default=PATH, help="another page, to compare")
    parser.add_argument("--each", action="store_true", help="print every request's times")
    parser.add_argument(
        "--freeze",
        action="store_true",
        help="gc.freeze() after a first request (as a worker could)",
    )
    args = parser.parse_args()

    from panel import create_app
    from panel.accounts.models import User, UserRole
    from panel.database import act_as_writer
    from panel.extensions import db
    from panel.security import hash_password

    app = create_app(
        {
            "ENV": "production",
            "SECRET_KEY": "x" * 40,
            "SESSION_COOKIE_SECURE": False,
            "SQLALCHEMY_DATABASE_URI": args.url,
            "WTF_CSRF_ENABLED": False,
            "RATELIMIT_ENABLED": False,
            "RATELIMIT_ALLOW_MEMORY": True,
            "WORKERS": 1,
        }
    )
    with app.app_context():
        act_as_writer()
        manager = db.session.scalar(
            select(User)
            .join(UserRole, UserRole.user_id == User.id)
            .where(UserRole.role == "panel_manager", User.is_enabled.is_(True))
            .order_by(User.id)
            .limit(1)
        )
        manager.password_hash = hash_password(PASSWORD)
        email = manager.email
        db.session.commit()
        engine = db.engine

    statements = []
    event.listen(engine, "before_cursor_execute", lambda *a: statements.append(a[2]), named=False)
    client = app.test_client()
    response = client.post("/nl/login", data={"email": email, "password": PASSWORD})
    assert response.status_code == 302, response.status_code

    client.get(args.path)  # a first request compiles the templates: not counted
    if args.freeze:
        gc.collect()
        gc.freeze()
    walls, cpus, counts = [], [], []
    for _ in range(args.requests):
        statements.clear()
        wall, cpu = time.perf_counter(), time.process_time()
        response = client.get(args.path)
        walls.append((time.perf_counter() - wall) * 1000)
        cpus.append((time.process_time() - cpu) * 1000)
        assert response.status_code == 200, response.status_code
        counts.append(
            sum(
                1
                for s in statements
                if not s.lstrip().upper().startswith(("BEGIN", "COMMIT", "ROLLBACK"))
            )
        )
    if args.each:
        for number, (wall, cpu) in enumerate(zip(walls, cpus, strict=True), 1):
            print(f"{number:3}. {wall:7.1f} ms wall, {cpu:6.1f} ms CPU")
    print(
        f"{engine.dialect.name} {args.path} x{args.requests}: "
        f"wall median {statistics.median(walls):.1f} ms, p95 {percentile(walls, 0.95):.1f} ms; "
        f"CPU median {statistics.median(cpus):.1f} ms, p95 {percentile(cpus, 0.95):.1f} ms; "
        f"{statistics.median(counts):.0f} statements; {len(response.data)} bytes"
    )
    if args.profile:
        profile = cProfile.Profile()
        profile.enable()
        client.get(args.path)
        profile.disable()
        pstats.Stats(profile).sort_stats("cumulative").print_stats(30)


if __name__ == "__main__":
    main()

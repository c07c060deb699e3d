"""What every request pays, in-process (no network, no other load's noise in the figures):

    .venv/bin/python bench/request_cost.py [--requests 500] [--profile]

On a throw-away SQLite database (the one bench/feedback_writers.py builds) it measures CPU
milliseconds and statements per request for a bare WSGI hello, /healthz, a light logged-in page
(/en/account) and a feedback edit POST, through Flask's test client with production settings
(CSRF off, so the posts need no token). --profile prints the top of a cProfile of each.
"""

import argparse
import cProfile
import os
import pstats
import sys
import time

from sqlalchemy import event
from werkzeug.test import Client

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import feedback_writers  # noqa: E402  (same folder)

DB = "sqlite:////tmp/request-cost.sqlite3"


def hello(environ, start_response):
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [b"ok"]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=500)
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args()
    path = DB.removeprefix("sqlite:///")
    for suffix in ("", "-wal", "-shm"):
        if os.path.exists(path + suffix):
            os.remove(path + suffix)
    release_id, change_ids, emails = feedback_writers.build_database(DB, 1)
    from panel import create_app
    from panel.extensions import db

    app = create_app(
        {
            "ENV": "production",
            "SECRET_KEY": "x" * 40,
            "SESSION_COOKIE_SECURE": False,
            "ARGON2_TIME_COST": 1,
            "ARGON2_MEMORY_KIB": 1024,
            "SQLALCHEMY_DATABASE_URI": DB,
            "WTF_CSRF_ENABLED": False,
            "RATELIMIT_ENABLED": False,
            "RATELIMIT_ALLOW_MEMORY": True,
            "WORKERS": 1,
        }
    )
    with app.app_context():
        engine = db.engine
    statements = []
    event.listen(engine, "before_cursor_execute", lambda *a: statements.append(a[2]))

    anonymous = app.test_client()
    member = app.test_client()
    status = member.post(
        "/en/login", data={"email": emails[0], "password": feedback_writers.PASSWORD}
    ).status_code
    assert status == 302, status
    cookie = member.get_cookie("panel_session").value
    counter = iter(range(10**9))

    def feedback_post():
        # The cookie from the login each time: thank-you messages don't pile up in the session.
        member.set_cookie("panel_session", cookie, domain="localhost")
        n = next(counter)
        data = {"score": str(n % 11), "improve_text": f"Try {n}"}
        for k, change_id in enumerate(change_ids):
            data[f"change_{change_id}"] = str((n + k) % 5 + 1)
        response = member.post(f"/en/feedback/{release_id}", data=data)
        assert response.status_code == 302, response.status_code

    bare = Client(hello)
    cases = [
        ("bare WSGI hello (werkzeug test client)", lambda: bare.get("/")),
        ("/healthz, anonymous", lambda: anonymous.get("/healthz")),
        ("/en/account, logged in", lambda: member.get("/en/account")),
        ("feedback edit POST", feedback_post),
    ]
    print("| request | CPU ms | statements |")
    print("|---|---|---|")
    for name, run in cases:
        for _ in range(20):
            run()
        statements.clear()
        run()
        count = len(statements)
        began = time.process_time()
        for _ in range(args.requests):
            run()
        cpu = (time.process_time() - began) * 1000 / args.requests
        print(f"| {name} | {cpu:.2f} | {count} |")
        if args.profile:
            profile = cProfile.Profile()
            profile.enable()
            for _ in range(min(args.requests, 200)):
                run()
            profile.disable()
            pstats.Stats(profile).sort_stats("cumulative").print_stats(25)
    print(f"(command: {' '.join(sys.argv)})")


if __name__ == "__main__":
    main()

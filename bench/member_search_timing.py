"""The member list and its search, single user, in-process (issue 13):

    .venv/bin/python bench/member_search_timing.py DATABASE_URL [--runs 25] [PATH ...]

Logs in as the demo panel manager of a generated database (bench/generate.py or the harness)
and asks each path --runs times after two warm-up requests, through Flask's test client with
production settings: wall time median and p95, this process's CPU (with SQLite that is the
database's work too), statements per request and the count the page shows. PYTHONPATH on an
export of another commit (git archive) measures that commit's code on the same data.
"""

import argparse
import re
import statistics
import time

from sqlalchemy import event

from panel import create_app
from panel.extensions import db

PATHS = [
    "/nl/manage/members?q=jans",  # common: more than a thousand match
    "/nl/manage/members?q=example",  # nearly everyone (the e-mail domain)
    "/nl/manage/members?q=panellid4242",  # a part of an address: a handful
    "/nl/manage/members?q=li",  # two characters: no index
    "/nl/manage/members?q=qx",  # two characters, nobody
    "/nl/manage/members?q=jans&status=active",
    "/nl/manage/members",
]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("database_url")
    parser.add_argument("paths", nargs="*", default=PATHS)
    parser.add_argument("--runs", type=int, default=25)
    args = parser.parse_args()
    app = create_app(
        {
            "ENV": "production",
            "SECRET_KEY": "x" * 40,
            "SESSION_COOKIE_SECURE": False,
            "SQLALCHEMY_DATABASE_URI": args.database_url,
            "WTF_CSRF_ENABLED": False,
            "RATELIMIT_ENABLED": False,
            "RATELIMIT_ALLOW_MEMORY": True,
            "WORKERS": 1,
        }
    )
    client = app.test_client()
    login = {"email": "manager@klantenteam.example", "password": "co-creatie-demo", "next": ""}
    assert client.post("/nl/login", data=login).status_code in (302, 303), "login failed"
    with app.app_context():
        engine = db.engine
    statements = []
    event.listen(engine, "before_cursor_execute", lambda *args: statements.append(args[2]))
    for path in args.paths:
        times, cpus = [], []
        for run in range(args.runs + 2):
            statements.clear()
            wall, cpu = time.perf_counter(), time.process_time()
            response = client.get(path)
            wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
            assert response.status_code == 200, (path, response.status_code)
            if run >= 2:
                times.append(wall * 1000)
                cpus.append(cpu * 1000)
        times.sort()
        p95 = times[max(0, round(0.95 * len(times)) - 1)]
        shown = re.search(r'<p class="muted">([^<]*)</p>', response.get_data(as_text=True))
        print(
            f"{path}: median {statistics.median(times):.1f} ms, p95 {p95:.1f} ms,"
            f" CPU {statistics.median(cpus):.1f} ms, {len(statements)} statements,"
            f" shows {shown.group(1) if shown else '-'!r}"
        )


if __name__ == "__main__":
    main()

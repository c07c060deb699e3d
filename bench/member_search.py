"""Member list, search and filters at scale: python bench/member_search.py --db /tmp/l.sqlite3

Renders the panel manager's member list through the app (in-process, no network) for a set of
typical searches and prints median and p95 per query. Target (QUALITY.md): p95 <= 100 ms at L.
"""

import argparse
import statistics
import time

from panel import create_app
from panel.accounts.services import create_user, find_user_by_email
from panel.config import Config
from panel.extensions import db
from panel.security import Role

QUERIES = [
    "",
    "q=lotte",
    "q=member4242%40example.nl",
    "q=%23500000",
    "status=active",
    "status=active&customer_type=prepaid&age_band=25-34",
    "region=utrecht&sort=number",
    "inactive=365&page=20",
    "source=app-banner&sort=active_desc",
]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", default="/tmp/panel-bench.sqlite3")
    parser.add_argument("--rounds", type=int, default=20)
    args = parser.parse_args()

    class BenchConfig(Config):
        ENV = "development"
        WTF_CSRF_ENABLED = False
        RATELIMIT_ENABLED = False
        SQLALCHEMY_DATABASE_URI = args.db if "://" in args.db else "sqlite:///" + args.db

    app = create_app(BenchConfig)
    with app.app_context():
        if find_user_by_email("bench-manager@example.org") is None:
            create_user(
                "bench-manager@example.org",
                "Bench",
                "nl",
                roles=[Role.PANEL_MANAGER],
                password="benchmark password",
            )
            db.session.commit()
    client = app.test_client()
    client.post(
        "/nl/login", data={"email": "bench-manager@example.org", "password": "benchmark password"}
    )
    for query in QUERIES:
        times = []
        for _ in range(args.rounds):
            started = time.perf_counter()
            response = client.get("/nl/manage/members?" + query)
            times.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200, response.status_code
        times.sort()
        p95 = times[int(len(times) * 0.95) - 1]
        print(
            f"{query or '(no filter)':<55} median {statistics.median(times):6.1f} ms"
            f"  p95 {p95:6.1f} ms"
        )


if __name__ == "__main__":
    main()

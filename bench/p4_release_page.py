"""One release's results page and the NPS trend, in-process, single user, as a product owner:
wall median and p95, CPU per request, statements and page size.

    .venv/bin/python bench/p4_release_page.py DB_URL [--rounds 25] [PATH ...]

Default paths: /nl/results/, /nl/results/releases/<newest>, its comments page, filtered to
detractors on page 2, and searched for a common word. The account bench-p4@example.org (product
owner) is made once in the database.
"""

import argparse
import os
import statistics
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from sqlalchemy import event, text  # noqa: E402

from panel import create_app  # noqa: E402
from panel.accounts.services import create_user, find_user_by_email  # noqa: E402
from panel.config import Config  # noqa: E402
from panel.extensions import db  # noqa: E402
from panel.security import Role  # noqa: E402

EMAIL, PASSWORD = "bench-p4@example.org", "benchmark password p4"


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("url")
    parser.add_argument("--rounds", type=int, default=25)
    parser.add_argument("paths", nargs="*")
    args = parser.parse_intermixed_args()

    class C(Config):
        ENV = "development"
        WTF_CSRF_ENABLED = False
        RATELIMIT_ENABLED = False
        SQLALCHEMY_DATABASE_URI = args.url

    app = create_app(C)
    with app.app_context():
        if find_user_by_email(EMAIL) is None:
            create_user(EMAIL, "Bench", "nl", roles=[Role.PRODUCT_OWNER], password=PASSWORD)
            db.session.commit()
        newest = db.session.execute(
            text("SELECT id FROM releases WHERE published_at IS NOT NULL ORDER BY month DESC")
        ).scalar()
        engine = db.engine
    statements = []
    event.listen(engine, "before_cursor_execute", lambda *a: statements.append(1))
    client = app.test_client()
    assert client.post("/nl/login", data={"email": EMAIL, "password": PASSWORD}).status_code == 302
    base = f"/nl/results/releases/{newest}"
    paths = args.paths or [
        "/nl/results/",
        base,
        base + "/comments",
        base + "/comments?group=detractor&page=2",
        base + "/comments?q=app",
    ]
    print(f"db {args.url.rsplit('/', 1)[-1]}, {args.rounds} rounds")
    print("| page | median ms | p95 ms | CPU ms | statements | KB |")
    print("|---|---|---|---|---|---|")
    for path in paths:
        client.get(path)  # warm
        walls, cpus = [], []
        for _ in range(args.rounds):
            statements.clear()
            wall, cpu = time.perf_counter(), time.process_time()
            response = client.get(path)
            walls.append((time.perf_counter() - wall) * 1000)
            cpus.append((time.process_time() - cpu) * 1000)
            assert response.status_code == 200, (path, response.status_code)
        walls.sort()
        p95 = walls[max(int(round(len(walls) * 0.95)) - 1, 0)]
        kb = len(response.data) / 1024
        print(
            f"| {path} | {statistics.median(walls):.1f} | {p95:.1f} |"
            f" {statistics.median(cpus):.1f} | {len(statements)} | {kb:.0f} |",
            flush=True,
        )
    print(f"(command: {' '.join(sys.argv)})")


if __name__ == "__main__":
    main()

"""In-process single-user timings and query counts of the feedback and panel-health pages,
logged in as a member and as a product owner + panel manager:

    python bench/feedback_pages.py CODE_ROOT DB_URL [rounds] [m:/path s:/path ...]
"""

import statistics
import sys
import time

sys.path.insert(0, sys.argv[1])
from sqlalchemy import event, text

from panel import create_app
from panel.accounts.services import create_user, find_user_by_email
from panel.config import Config
from panel.extensions import db
from panel.security import Role

url = sys.argv[2]
ROUNDS = int(sys.argv[3]) if len(sys.argv) > 3 else 10


class C(Config):
    ENV = "development"
    WTF_CSRF_ENABLED = False
    RATELIMIT_ENABLED = False
    SQLALCHEMY_DATABASE_URI = url


app = create_app(C)
with app.app_context():
    if find_user_by_email("bench-g4@example.org") is None:
        create_user(
            "bench-g4@example.org",
            "Bench",
            "nl",
            roles=[Role.PANEL_MANAGER, Role.PRODUCT_OWNER],
            password="benchmark password",
        )
        db.session.commit()
    # a member with a recent attended session and invitations
    mid = db.session.execute(
        text(
            "SELECT r.member_id FROM registrations r JOIN sessions s ON s.id = r.session_id "
            "JOIN members m ON m.id = r.member_id WHERE m.status = 'active' AND r.attendance = 'attended' "  # noqa: E501
            "AND s.ends_at < CURRENT_TIMESTAMP ORDER BY s.ends_at DESC LIMIT 1"
        )
    ).scalar()
    email = f"member{mid}@example.nl"
    engine = db.engine
counter = []
event.listen(engine, "before_cursor_execute", lambda *a: counter.append(1))


def run(client, path):
    times, queries = [], 0
    for i in range(ROUNDS):  # noqa: B007
        counter.clear()
        t = time.perf_counter()
        r = client.get(path)
        times.append((time.perf_counter() - t) * 1000)
        assert r.status_code == 200, (path, r.status_code)
        queries = len(counter)
    times.sort()
    p95 = times[max(int(len(times) * 0.95) - 1, 0)]
    print(
        f"{path:<40} median {statistics.median(times):7.1f} ms  p95 {p95:7.1f} ms  queries {queries}",  # noqa: E501
        flush=True,
    )


member = app.test_client()
member.post("/nl/login", data={"email": email, "password": "benchmark password"})
staff = app.test_client()
staff.post("/nl/login", data={"email": "bench-g4@example.org", "password": "benchmark password"})
print("member", mid, "db", url.split("/")[-1])
for path in sys.argv[4:] or [
    "m:/nl/feedback",
    "m:/nl/me",
    "s:/nl/results/",
    "s:/nl/results/releases/60",
    "s:/nl/results/releases/30",
    "s:/nl/manage/health",
]:
    who, p = path.split(":", 1)
    run(member if who == "m" else staff, p)

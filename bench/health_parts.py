"""Time each panel-health figure (SQL only, no login); -v prints SQLite's plans:

python bench/health_parts.py CODE_ROOT DB_URL [-v]
"""

import statistics
import sys
import time

sys.path.insert(0, sys.argv[1])
from sqlalchemy import event

from panel import create_app
from panel.config import Config
from panel.extensions import db

url = sys.argv[2]


class C(Config):
    ENV = "development"
    SQLALCHEMY_DATABASE_URI = url
    SERVER_NAME = "localhost"


app = create_app(C)
from panel.feedback import hooks as fh  # noqa: E402
from panel.membership import health  # noqa: E402
from panel.rounds import hooks as rh  # noqa: E402

stmts = []
with app.app_context(), app.test_request_context("/nl/manage/health"):
    event.listen(
        db.engine, "before_cursor_execute", lambda c, cur, s, p, ctx, m: stmts.append((s, p))
    )
    total = 0
    for name, fn in [
        ("members_by_status", health.members_by_status),
        ("composition", health.composition),
        ("leavers_per_month", health.leavers_per_month),
        ("leave_reasons", health.leave_reasons),
        ("iso_active", health.iso_active),
        ("recruitment_funnel", health.recruitment_funnel),
        ("rounds.health_figures", rh.health_figures),
        ("panel_nps", fh.panel_nps),
        ("panel_nps_by_month", fh.panel_nps_by_month),
    ]:
        times = []
        for _ in range(5):
            stmts.clear()
            db.session.rollback()
            t = time.perf_counter()
            fn()
            times.append((time.perf_counter() - t) * 1000)
        stmts[:] = [x for x in stmts if x[0].lstrip().upper().startswith("SELECT")]
        n = len(stmts)
        print(f"{name:<24} median {statistics.median(times):7.1f} ms  queries {n}", flush=True)
        total += statistics.median(times)
        if "-v" in sys.argv:
            for s, p in list(stmts):
                if db.engine.dialect.name == "sqlite":
                    plan = (
                        db.session.connection()
                        .exec_driver_sql("EXPLAIN QUERY PLAN " + s, p)
                        .fetchall()
                    )
                    print("   ", " | ".join(r[-1] for r in plan))
                else:
                    print("   ", s[:300].replace("\n", " "))
    print(f"{'total':<24} {total:7.1f} ms")

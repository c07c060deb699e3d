"""Feedback data at size L for the feedback and panel-health measurements (issue 13), until
`flask panel demo --size L` covers it: bench/generate.py's members, then 60 monthly releases
with ~2 M responses (kept score and rating counts), 4.8 M feedback invitations, 500 rounds,
5,000 sessions, 100,000 registrations and their after-session answers, 50,000 insights.

    PANEL_CODE=. python bench/feedback_volume.py sqlite:////tmp/l.sqlite3 [members] [per release]

PANEL_CODE names the checkout whose models make the tables (an older one for "before" figures).
"""

import os
import random
import sys
import time
from datetime import timedelta

sys.path.insert(0, os.environ.get("PANEL_CODE", "."))
sys.path.insert(0, os.path.join(os.environ.get("PANEL_CODE", "."), "bench"))
import generate as gen
from sqlalchemy import insert, text

from panel import create_app
from panel.config import Config
from panel.database import act_as_writer, utcnow
from panel.extensions import db
from panel.feedback.models import (
    ChangeRating,
    FeedbackInvitation,
    RatingCount,
    Release,
    ReleaseChange,
    Response,
    ScoreCount,
    TouchpointResponse,
)
from panel.insights.models import Insight
from panel.rounds.models import Registration, Round, Session

url = sys.argv[1]
N = int(sys.argv[2]) if len(sys.argv) > 2 else 100_000
PER = int(sys.argv[3]) if len(sys.argv) > 3 else 33_700
INV = min(80_000, int(N * 0.8))


class C(Config):
    ENV = "development"
    SQLALCHEMY_DATABASE_URI = url


app = create_app(C)
rng = random.Random(7)


def fast(model, rows):
    """Raw executemany (SQLite) or COPY (PostgreSQL) for the big tables."""
    if not rows:
        return
    cols = list(rows[0])
    raw = db.session.connection().connection.driver_connection
    table = model.__tablename__
    if db.engine.dialect.name == "sqlite":

        def conv(v):
            if hasattr(v, "tzinfo") and hasattr(v, "hour"):
                return v.replace(tzinfo=None).strftime("%Y-%m-%d %H:%M:%S.%f")
            return v

        raw.executemany(
            f"INSERT INTO {table} ({','.join(cols)}) VALUES ({','.join('?' * len(cols))})",
            [tuple(conv(r[c]) for c in cols) for r in rows],
        )
    else:
        with raw.cursor() as cur:
            with cur.copy(f"COPY {table} ({','.join(cols)}) FROM STDIN") as copy:
                for r in rows:
                    copy.write_row(tuple(r[c] for c in cols))
    db.session.commit()


def bulk(model, rows, batch=20000):
    for i in range(0, len(rows), batch):
        db.session.execute(insert(model), rows[i : i + batch])
    db.session.commit()


with app.app_context():
    act_as_writer()
    db.drop_all()
    db.create_all()
    t0 = time.perf_counter()
    gen.generate(N)
    print("members", time.perf_counter() - t0, flush=True)
    now = utcnow()
    rels = []
    for k in range(60):
        m = (now.date().replace(day=1) - timedelta(days=31 * (59 - k))).replace(day=1)
        opens = now - timedelta(days=31 * (59 - k) + 20)
        rels.append(
            {
                "id": k + 1,
                "version": f"9.{k}",
                "month": m,
                "opens_at": opens,
                "closes_at": opens + timedelta(days=14) if k < 59 else now + timedelta(days=5),
                "published_at": opens - timedelta(days=1),
                "invited_at": opens,
                "invited_count": INV,
                "audience": "sample" if k % 3 else "all",
                "sample_size": INV,
            }
        )
    bulk(Release, rels)
    changes = [
        {
            "id": r * 3 + p + 1,
            "release_id": r + 1,
            "position": p,
            "title_nl": f"Wijziging {p}",
            "title_en": f"Change {p}",
            "description_nl": "Nieuw",
            "description_en": "New",
        }
        for r in range(60)
        for p in range(3)
    ]
    bulk(ReleaseChange, changes)
    ids = list(range(1, N + 1))
    rid = 0
    for r in range(60):
        t = time.perf_counter()
        invited = rng.sample(ids, INV)
        fast(
            FeedbackInvitation,
            [
                {"release_id": r + 1, "member_id": m, "created_at": rels[r]["opens_at"]}
                for m in invited
            ],
        )
        answered = invited[:PER]
        resp, rat = [], []
        sc = {}
        rc = {}
        for m in answered:
            rid += 1
            s = rng.choices(range(11), [1, 1, 1, 2, 2, 3, 5, 9, 12, 10, 6])[0]
            ct = rng.choice(["prepaid", "subscription", "business"])
            pf = rng.choice(["android", "ios"])
            ab = rng.choice(["16-24", "25-34", "35-44", "45-54", "55-64", "65+"])
            c = rng.random() < 0.3
            up = rels[r]["opens_at"] + timedelta(seconds=rng.randint(0, 14 * 86400))
            resp.append(
                {
                    "id": rid,
                    "release_id": r + 1,
                    "member_id": m,
                    "score": s,
                    "improve_text": rng.choice(
                        [
                            "Sneller laden graag",
                            "Make login faster",
                            "Donkere modus",
                            "Battery drain after update",
                        ]
                    )
                    if c
                    else None,
                    "problem_text": None,
                    "customer_type": ct,
                    "platform": pf,
                    "age_band": ab,
                    "created_at": up,
                    "updated_at": up,
                }
            )
            for kind, v in (("all", ""), ("customer_type", ct), ("platform", pf), ("age_band", ab)):
                sc[(kind, v, s)] = sc.get((kind, v, s), 0) + 1
            for p in range(3):
                rating = rng.choice([None, 1, 2, 3, 4, 5, 4, 5])
                rat.append({"response_id": rid, "change_id": r * 3 + p + 1, "rating": rating})
                rc[(r * 3 + p + 1, rating or 0)] = rc.get((r * 3 + p + 1, rating or 0), 0) + 1
        fast(Response, resp)
        fast(ChangeRating, rat)
        bulk(
            ScoreCount,
            [
                {"release_id": r + 1, "segment_kind": k, "segment_value": v, "score": s, "count": n}
                for (k, v, s), n in sc.items()
            ],
        )
        bulk(RatingCount, [{"change_id": c, "rating": x, "count": n} for (c, x), n in rc.items()])
        print("release", r + 1, round(time.perf_counter() - t, 1), flush=True)
    bulk(
        Round,
        [
            {
                "id": i + 1,
                "title_nl": f"Ronde {i}",
                "title_en": f"Round {i}",
                "stage": "launch",
                "published_at": now,
            }
            for i in range(500)
        ],
    )
    sess = []
    for i in range(5000):
        st = now - timedelta(days=rng.randint(-60, 700))
        sess.append(
            {
                "id": i + 1,
                "round_id": i % 500 + 1,
                "title_nl": f"Sessie {i}",
                "title_en": f"Session {i}",
                "kind": "online",
                "starts_at": st,
                "ends_at": st + timedelta(hours=2),
                "capacity": 30,
                "seats_taken": 20,
                "registration_deadline": st - timedelta(days=1),
            }
        )
    bulk(Session, sess)
    regs = []
    seen = set()
    while len(regs) < 100_000:
        s = rng.randint(1, 5000)
        m = rng.randint(1, N)
        if (s, m) in seen:
            continue
        seen.add((s, m))
        regs.append(
            {
                "id": len(regs) + 1,
                "session_id": s,
                "member_id": m,
                "status": "confirmed",
                "confirmed_at": now,
                "attendance": "attended" if rng.random() < 0.8 else "no_show",
            }
        )
    bulk(Registration, regs)
    bulk(
        TouchpointResponse,
        [
            {
                "registration_id": r["id"],
                "member_id": r["member_id"],
                "score": rng.randint(0, 10),
                "created_at": now - timedelta(days=rng.randint(0, 700)),
            }
            for r in regs
            if r["attendance"] == "attended" and rng.random() < 0.6
        ],
    )
    bulk(
        Insight,
        [
            {"title_nl": f"Inzicht {i}", "title_en": f"Insight {i}", "description": "x"}
            for i in range(50_000)
        ],
    )
    if db.engine.dialect.name == "postgresql":
        db.session.execute(text("ANALYZE"))
        db.session.commit()
    else:
        db.session.execute(text("ANALYZE"))
        db.session.commit()
    print("done", time.perf_counter() - t0, flush=True)

"""The moderation queue (issue 15) at size L, in-process, single user, as a panel manager.

    .venv/bin/python bench/moderation_queue.py DB_URL

ON A COPY ONLY: the first run adds 3,000 reports (half of them closed, some items reported more
than once, two thirds on reactions), hides 500 ideas and 500 reactions, adds 30,000 reactions
when the set has none, and gives the first panel manager a known password. Then it prints the
plan of the queue's key query (EXPLAIN QUERY PLAN / EXPLAIN ANALYZE) and, for the queue, a late
page, a reason filter and a round filter: the median wall and CPU time of five requests after a
warm-up, the number of statements and the items shown. SLOW=1 lists each statement's time.
"""

import os
import random
import re
import statistics
import sys
import time
from datetime import timedelta

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
os.environ["PANEL_ENV"] = "development"
os.environ["PANEL_DATABASE_URL"] = sys.argv[1]

from sqlalchemy import event, func, select, text  # noqa: E402

from panel import create_app  # noqa: E402
from panel.accounts.models import User, UserRole  # noqa: E402
from panel.database import utcnow  # noqa: E402
from panel.extensions import db  # noqa: E402
from panel.rounds.models import Comment, Idea  # noqa: E402
from panel.rounds.moderation import ContentReport, queue_rows  # noqa: E402
from panel.security import hash_password  # noqa: E402

PASSWORD = "bench-moderation-queue"
REASONS = ["offensive", "personal_data", "spam", "off_topic", "other"]
PATHS = [
    "/nl/manage/moderation",
    "/nl/manage/moderation?page=40",
    "/nl/manage/moderation?reason=spam",
    "/nl/manage/moderation?round=5",
]
HIDE = "UPDATE {table} SET hidden_at = :at, hidden_reason = 'Bench' WHERE id = :id"


def count(model):
    return db.session.scalar(select(func.count()).select_from(model))


def seed(rng, now):
    """Reports and hidden items, once."""
    idea_ids = db.session.scalars(select(Idea.id).order_by(Idea.id)).all()
    if not count(Comment):  # the SQLite set has no reactions: as many as the PostgreSQL one
        members = db.session.scalars(text("SELECT id FROM members ORDER BY id LIMIT 20000")).all()
        rows = [
            dict(
                idea_id=rng.choice(idea_ids),
                author_id=rng.choice(members),
                body="Goed idee, dit wil ik ook.",
                created_at=now,
            )
            for _ in range(30_000)
        ]
        db.session.execute(Comment.__table__.insert(), rows)
    comments = db.session.execute(
        select(Comment.id, Comment.idea_id, Idea.round_id)
        .join(Idea, Idea.id == Comment.idea_id)
        .order_by(Comment.id)
    ).all()
    round_of = dict(db.session.execute(select(Idea.id, Idea.round_id)).all())
    users = db.session.scalars(select(User.id).order_by(User.id).limit(5000)).all()
    reports, seen = [], set()
    for _ in range(3000):
        if rng.random() < 0.66:
            comment_id, idea_id, round_id = rng.choice(comments)
        else:
            idea_id = rng.choice(idea_ids)
            comment_id, round_id = None, round_of[idea_id]
        reporter = rng.choice(users)
        if (idea_id, comment_id, reporter) in seen:
            continue
        seen.add((idea_id, comment_id, reporter))
        closed = rng.random() < 0.5
        at = now - timedelta(minutes=rng.randint(1, 60 * 24 * 60))
        reports.append(
            dict(
                round_id=round_id,
                idea_id=idea_id,
                comment_id=comment_id,
                reporter_id=reporter,
                reason=rng.choice(REASONS),
                text="Voorbeeld" if rng.random() < 0.3 else None,
                created_at=at,
                closed_at=at + timedelta(hours=3) if closed else None,
                closed_as="dismissed" if closed else None,
            )
        )
    db.session.execute(ContentReport.__table__.insert(), reports)
    hidden = [("ideas", i) for i in rng.sample(idea_ids, 500)]
    hidden += [("comments", row[0]) for row in rng.sample(comments, 500)]
    for table, item_id in hidden:
        at = now - timedelta(minutes=rng.randint(1, 90_000))
        db.session.execute(text(HIDE.format(table=table)), {"at": at, "id": item_id})


def prepare(app):
    """Seeds a fresh copy, prints the plan; returns the manager's e-mail address."""
    with app.app_context():
        manager = db.session.scalar(
            select(User)
            .join(UserRole, UserRole.user_id == User.id)
            .where(UserRole.role == "panel_manager")
            .order_by(User.id)
            .limit(1)
        )
        manager.password_hash = hash_password(PASSWORD)
        if not count(ContentReport):
            seed(random.Random(15), utcnow())
        db.session.commit()
        rows, _count = queue_rows()
        print(
            f"ideas {count(Idea):,}, reactions {count(Comment):,}, reports"
            f" {count(ContentReport):,}, items in the queue"
            f" {db.session.scalar(select(func.count()).select_from(rows.subquery())):,}"
        )
        sql = str(rows.limit(20).compile(db.engine, compile_kwargs={"literal_binds": True}))
        if db.engine.dialect.name == "sqlite":
            plan = [row[-1] for row in db.session.execute(text("EXPLAIN QUERY PLAN " + sql))]
        else:
            plan = [row[0] for row in db.session.execute(text("EXPLAIN (ANALYZE) " + sql))]
        print("plan of the queue's keys:\n  " + "\n  ".join(plan))
        email = manager.email
        db.session.remove()
        return email


def main():
    app = create_app()
    app.config.update(WTF_CSRF_ENABLED=False, RATELIMIT_ENABLED=False)
    email = prepare(app)
    client = app.test_client()
    response = client.post("/nl/login", data={"email": email, "password": PASSWORD})
    assert response.status_code == 302, response.status_code
    statements, started = [], {}

    def before(conn, cursor, statement, *args):
        if not statement.lstrip().upper().startswith(("BEGIN", "COMMIT", "ROLLBACK")):
            statements.append([statement, 0.0])
            started[id(cursor)] = time.perf_counter()

    def after(conn, cursor, statement, *args):
        if id(cursor) in started and statements and statements[-1][0] == statement:
            statements[-1][1] = (time.perf_counter() - started.pop(id(cursor))) * 1000

    with app.app_context():
        event.listen(db.engine, "before_cursor_execute", before)
        event.listen(db.engine, "after_cursor_execute", after)
    for path in PATHS:
        walls, cpus = [], []
        for attempt in range(6):
            statements.clear()
            wall, cpu = time.perf_counter(), time.process_time()
            response = client.get(path)
            wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
            assert response.status_code == 200, response.status_code
            if attempt:  # the first warms up
                walls.append(wall * 1000)
                cpus.append(cpu * 1000)
        page = response.get_data(as_text=True)
        items = len(re.findall(r'class="panel moderation-item"', page))
        if os.environ.get("SLOW"):
            for statement, ms in statements:
                print(f"   {ms:7.1f} ms  {' '.join(statement.split())[:110]}")
        print(
            f"{path}: median {statistics.median(walls):.0f} ms wall,"
            f" {statistics.median(cpus):.0f} ms CPU, {len(statements)} statements,"
            f" {items} items shown"
        )


if __name__ == "__main__":
    main()

"""Generate a large panel for benchmarks.

    python bench/generate.py --members 100000 --db /tmp/l.sqlite3

Writes users and members with varied segments straight into a fresh database (migrated to head).
"""

import argparse
import random
import time
from datetime import timedelta

from sqlalchemy import insert

from panel import create_app
from panel.accounts.models import User, UserRole
from panel.config import Config
from panel.database import act_as_writer, utcnow
from panel.extensions import db
from panel.membership.models import Member, MemberInterest
from panel.membership.segments import AppUsage, Interest, Platform, region_for_postcode
from panel.security import hash_password

FIRST = [
    "Daan",
    "Lotte",
    "Sem",
    "Julia",
    "Milan",
    "Sophie",
    "Noah",
    "Tess",
    "Liam",
    "Fleur",
    "Emma",
    "Chris",
    "Priya",
    "Mohammed",
    "Yara",
    "Kevin",
    "Anna",
    "Bram",
    "Noor",
    "Ruben",
]
LAST = [
    "de Jong",
    "Jansen",
    "de Vries",
    "van den Berg",
    "van Dijk",
    "Bakker",
    "Visser",
    "Smit",
    "Meijer",
    "de Boer",
    "Mulder",
    "Bos",
    "Vos",
    "Peters",
    "Dekker",
    "Yilmaz",
    "Morgan",
]
STATUSES = ["active"] * 80 + ["paused"] * 5 + ["pending"] * 3 + ["reserve"] * 4 + ["left"] * 8
SOURCES = ["website", "app-banner", "newsletter", "store", "social", None]


def generate(members, seed=1):
    rng = random.Random(seed)
    password = hash_password("benchmark password")
    now = utcnow()
    batch = 5000
    numbers = rng.sample(range(100000, 999999), members)
    for start in range(0, members, batch):
        users, rows, interests, roles = [], [], [], []
        for offset in range(start, min(start + batch, members)):
            user_id = offset + 1
            status = rng.choice(STATUSES)
            postcode = f"{rng.randint(1000, 9999)}"
            joined = now - timedelta(days=rng.randint(1, 1500))
            left = status == "left"
            users.append(
                {
                    "id": user_id,
                    "email": None if left else f"member{user_id}@example.nl",
                    "name": None if left else f"{rng.choice(FIRST)} {rng.choice(LAST)}",
                    "locale": "en" if rng.random() < 0.15 else "nl",
                    "password_hash": None if left else password,
                    "is_enabled": not left,
                    "created_at": joined,
                    "updated_at": joined,
                }
            )
            if not left:
                roles.append({"user_id": user_id, "role": "panelist"})
            region = region_for_postcode(postcode)
            rows.append(
                {
                    "id": user_id,
                    "number": numbers[offset],
                    "user_id": None if left else user_id,
                    "status": status,
                    "birth_year": None if left else rng.randint(1940, 2009),
                    "postcode": None if left else postcode,
                    "region": region.value if region else None,
                    "customer_type": rng.choices(
                        ["prepaid", "subscription", "business"], [3, 6, 1]
                    )[0],
                    "platform": rng.choice(Platform.values()),
                    "app_usage": rng.choice(AppUsage.values()),
                    "attends_physical": rng.random() < 0.4,
                    "attends_online": rng.random() < 0.8,
                    "source": rng.choice(SOURCES),
                    "joined_at": joined,
                    "confirmed_at": joined,
                    "activated_at": joined,
                    "last_active_at": now - timedelta(days=rng.randint(0, 700)),
                    "left_at": now - timedelta(days=rng.randint(0, 300)) if left else None,
                    "accepted_statement_version": 1,
                }
            )
            if not left:
                for interest in rng.sample(Interest.values(), rng.randint(1, 3)):
                    interests.append({"member_id": user_id, "interest": interest})
        db.session.execute(insert(User), [u for u in users])
        db.session.execute(insert(UserRole), roles)
        db.session.execute(insert(Member), rows)
        db.session.execute(insert(MemberInterest), interests)
        db.session.commit()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--members", type=int, default=100_000)
    parser.add_argument("--db", default="/tmp/panel-bench.sqlite3")
    args = parser.parse_args()

    class BenchConfig(Config):
        ENV = "development"
        SQLALCHEMY_DATABASE_URI = args.db if "://" in args.db else "sqlite:///" + args.db

    app = create_app(BenchConfig)
    with app.app_context():
        act_as_writer()
        db.drop_all()
        db.create_all()
        started = time.perf_counter()
        generate(args.members)
        print(f"{args.members} members in {time.perf_counter() - started:.1f} s -> {args.db}")


if __name__ == "__main__":
    main()

"""Sampling 1,000 invitees at scale: python bench/sampling.py --db /tmp/panel-bench.sqlite3

Draws and writes 1,000 invitations (with their notifications and e-mails) for a fresh round, on a
database made by bench/generate.py, and prints the time of the draw and of the whole send, how far
the furthest margin (customer type, age band, region) is from its exact share, and the time of the
preview's "left out" count. Balanced like the pool, then like the quota targets (--balance).
Target (QUALITY.md): <= 0.5 s at L (100,000 members), <= 2 s at XL.
"""

import argparse
import time

from panel import create_app
from panel.accounts.services import create_user, find_user_by_email
from panel.config import Config
from panel.database import act_as_writer
from panel.extensions import db
from panel.rounds import sampling, services
from panel.security import Role


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", default="/tmp/panel-bench.sqlite3")
    parser.add_argument("--size", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--balance", choices=["pool", "quota", "both"], default="both")
    args = parser.parse_args()

    class BenchConfig(Config):
        ENV = "development"
        SQLALCHEMY_DATABASE_URI = args.db if "://" in args.db else "sqlite:///" + args.db

    app = create_app(BenchConfig)
    with app.app_context():
        act_as_writer()
        db.create_all()
        owner = find_user_by_email("bench-owner@example.org") or create_user(
            "bench-owner@example.org", "Bench Owner", "nl", roles=[Role.PRODUCT_OWNER]
        )
        balances = ["pool", "quota"] if args.balance == "both" else [args.balance]
        for attempt in range(args.rounds * len(balances)):
            balance = balances[attempt % len(balances)]
            round_ = services.create_round(
                owner,
                {
                    "title_nl": "Bench",
                    "title_en": "Bench",
                    "summary_nl": "",
                    "summary_en": "",
                    "question_nl": "",
                    "question_en": "",
                    "visibility": "all",
                },
                [],
            )
            db.session.commit()
            started = time.perf_counter()
            sample = sampling.plan_sample(
                round_, sampling.Criteria(), args.size, seed=attempt, balance=balance
            )
            drawn = time.perf_counter()
            sampling.send_invitations(round_, sample.chosen, owner)
            db.session.commit()
            done = time.perf_counter()
            sampling.left_out(round_, sampling.Criteria())
            counted = time.perf_counter()
            drawn_margins = sampling.margins(sample.composition)
            furthest = max(
                abs(drawn_margins[index][value] - target)
                for index, targets in enumerate(sample.targets)
                for value, target in targets.items()
            )
            print(
                f"{balance:<5} eligible {sample.eligible:>7}  drew {len(sample.chosen)} in "
                f"{drawn - started:.3f} s; draw + write invitations, notifications and e-mails "
                f"{done - started:.3f} s ({len(sample.pool)} segments, furthest margin "
                f"{furthest:.2f} from its share); left-out count {counted - done:.3f} s"
            )


if __name__ == "__main__":
    main()

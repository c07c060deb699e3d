"""Sampling 1,000 invitees at scale: python bench/sampling.py --db /tmp/panel-bench.sqlite3

Draws and writes 1,000 invitations (with their notifications and e-mails) for a fresh round, on a
database made by bench/generate.py, and prints the time of the draw and of the whole send.
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
        for attempt in range(args.rounds):
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
            eligible, chosen, composition = sampling.draw_sample(
                round_, sampling.Criteria(), args.size, seed=attempt
            )
            drawn = time.perf_counter()
            sampling.send_invitations(round_, chosen, owner)
            db.session.commit()
            done = time.perf_counter()
            print(
                f"eligible {eligible:>7}  drew {len(chosen)} in {drawn - started:.3f} s; "
                f"draw + write invitations, notifications and e-mails {done - started:.3f} s "
                f"({len(composition)} segments)"
            )


if __name__ == "__main__":
    main()

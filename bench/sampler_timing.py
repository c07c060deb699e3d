"""Median and p95 of drawing 1,000 invitees and writing them, in-process (issue 13):

    .venv/bin/python bench/sampler_timing.py DB_URL [--runs 20] [--size 1000] [--balance pool]

Each run makes a round, draws the sample (sampling.plan_sample), writes the invitations, their
notifications and e-mails (sampling.send_invitations), flushes, and rolls back, so every run
sees the same pool. Prints the wall time of the draw and of the whole, and the process CPU of
the whole (with SQLite that includes the database's work; with PostgreSQL it is the app's
share only). On a busy machine read the CPU: the wall times carry the wait for a core.
Use a COPY of a benchmark database (bench/generate.py), upgraded to the newest migrations.
"""

import argparse
import json
import statistics
import time

from sqlalchemy import select

from panel import create_app
from panel.accounts.models import User
from panel.config import Config
from panel.database import act_as_writer
from panel.extensions import db
from panel.rounds import sampling, services

TEXTS = dict.fromkeys(("summary_nl", "summary_en", "question_nl", "question_en"), "")


def p95(values):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("url")
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--size", type=int, default=1000)
    parser.add_argument("--balance", choices=["pool", "quota"], default="pool")
    args = parser.parse_args()

    class BenchConfig(Config):
        ENV = "development"
        SQLALCHEMY_DATABASE_URI = args.url

    with create_app(BenchConfig).app_context():
        act_as_writer()
        owner = db.session.scalar(select(User).order_by(User.id).limit(1))
        draws, totals, cpus = [], [], []
        for seed in range(args.runs):
            round_ = services.create_round(
                owner, dict(TEXTS, title_nl="Bench", title_en="Bench", visibility="all"), []
            )
            db.session.flush()
            started, cpu = time.perf_counter(), time.process_time()
            sample = sampling.plan_sample(
                round_, sampling.Criteria(), args.size, seed, balance=args.balance
            )
            drawn = time.perf_counter()
            sampling.send_invitations(round_, sample.chosen, owner)
            db.session.flush()
            draws.append(drawn - started)
            totals.append(time.perf_counter() - started)
            cpus.append(time.process_time() - cpu)
            db.session.rollback()
        print(
            json.dumps(
                {
                    "runs": args.runs,
                    "eligible": sample.eligible,
                    "chosen": len(sample.chosen),
                    "draw_s": [round(statistics.median(draws), 3), round(p95(draws), 3)],
                    "total_s": [round(statistics.median(totals), 3), round(p95(totals), 3)],
                    "cpu_s": [round(statistics.median(cpus), 3), round(p95(cpus), 3)],
                }
            )
        )


if __name__ == "__main__":
    main()

"""Generate a panel at volume for benchmarks, into a fresh database.

    python bench/generate.py --size L --db /tmp/l.sqlite3
    python bench/generate.py --size L --db postgresql+psycopg://postgres@127.0.0.1:5432/bench

Drops and creates every table, then runs the generator of `flask panel demo --size …`
(panel/demo/volume.py): the demo, then every table filled at QUALITY.md's size.
"""

import argparse
import time

from panel import create_app
from panel.config import Config
from panel.database import act_as_writer
from panel.demo import volume
from panel.extensions import db


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--size", choices=list(volume.SIZES), default="L")
    parser.add_argument("--seed", type=int, default=None)
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
        _accounts, counts = volume.generate(args.size, seed=args.seed)
        print(
            f"Size {args.size}: {sum(counts.values()):,} rows in "
            f"{time.perf_counter() - started:.1f} s -> {args.db}"
        )


if __name__ == "__main__":
    main()

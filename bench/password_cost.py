"""CPU cost of one login's password check at the configured argon2id parameters.

Usage: .venv/bin/python bench/password_cost.py  (target: <= 50 ms of CPU per attempt)
"""

import statistics
import time

from panel import create_app
from panel.config import TestConfig
from panel.security import hash_password, verify_password


def main(rounds=30):
    app = create_app(TestConfig)
    with app.app_context():
        stored = hash_password("a calm walk by the sea")
        cpu, wall = [], []
        for _ in range(rounds):
            c0, w0 = time.process_time(), time.perf_counter()
            verify_password(stored, "a calm walk by the sea")
            cpu.append((time.process_time() - c0) * 1000)
            wall.append((time.perf_counter() - w0) * 1000)
        print(
            f"argon2id t={app.config['ARGON2_TIME_COST']} m={app.config['ARGON2_MEMORY_KIB']} KiB "
            f"p={app.config['ARGON2_PARALLELISM']}"
        )
        print(
            f"per verify: CPU median {statistics.median(cpu):.1f} ms, max {max(cpu):.1f} ms; "
            f"wall median {statistics.median(wall):.1f} ms over {rounds} rounds"
        )


if __name__ == "__main__":
    main()

"""CPU and wall time per request of the floor: the bare WSGI hello, the bare Flask hello and
/healthz, in process through bench/wsgi_bench.py (werkzeug's test client, production settings).

    .venv/bin/python bench/p5_floor_cpu.py sqlite:////tmp/copy-L.sqlite3
    .venv/bin/python bench/p5_floor_cpu.py postgresql+psycopg://postgres@127.0.0.1:5432/copy_l

200 warm-up requests per path, then 20 runs of 100; prints the median and p95 of the 20
per-request averages. The limiter counts in Redis as under the harness (PANEL_BENCH_REDIS).
"""

import os
import secrets
import statistics
import sys
import time

PATHS = ("/__hello", "/__flask_hello", "/healthz")


def main(url):
    os.environ.update(
        PANEL_ENV="production",
        PANEL_SECRET_KEY=secrets.token_urlsafe(48),
        PANEL_DATABASE_URL=url,
        PANEL_WORKERS="1",
        PANEL_SECURE_COOKIES="0",
        PANEL_RATELIMIT_STORAGE_URI=os.environ.get("PANEL_BENCH_REDIS", "redis://127.0.0.1:6379/0"),
        PANEL_RATELIMIT_KEY_PREFIX=f"panel-floor-{os.getpid()}",
    )
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    from werkzeug.test import Client

    from bench.wsgi_bench import app

    client = Client(app)
    for path in PATHS:
        for _ in range(200):
            client.get(path)
        cpu, wall = [], []
        for _ in range(20):
            started_cpu, started = time.process_time(), time.perf_counter()
            for _ in range(100):
                status = client.get(path).status_code
            cpu.append((time.process_time() - started_cpu) * 1e4)
            wall.append((time.perf_counter() - started) * 1e4)
        cpu.sort()
        wall.sort()
        print(
            f"{path}: {status} CPU median {statistics.median(cpu):.0f} µs p95 {cpu[18]:.0f} µs;"
            f" wall median {statistics.median(wall):.0f} µs p95 {wall[18]:.0f} µs"
        )


if __name__ == "__main__":
    main(sys.argv[1])

"""Where the round page's and an idea page's CPU goes, in one process (issue 15).

    .venv/bin/python bench/rounds_profile.py

Copies the demo data made by bench/rounds_volume.py (run that once first), adds its 2,000-idea
round, logs a panelist in with Flask's test client and prints the CPU time a request (20
requests after 3 to warm up) and a cProfile of 20 more, by cumulative time.
"""

import cProfile
import io
import pstats
import shutil
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import rounds_volume  # noqa: E402  (the project root must be on the path first)
from bench.harness import BENCH_DIR, PASSWORD, _app  # noqa: E402

COPY = Path("/tmp/rounds-profile.sqlite3")


def main():
    source = BENCH_DIR / "rounds-demo.sqlite3"
    if not source.exists():
        sys.exit("run bench/rounds_volume.py once first: it makes the demo data copied here")
    shutil.copyfile(source, COPY)
    url = f"sqlite:///{COPY}"
    try:
        accounts = rounds_volume.step_prepare(url, {})["accounts"]
        built = rounds_volume.step_build(url, {"sizes": [2000]})["2000"]
        app = _app(url)
        app.config["WTF_CSRF_ENABLED"] = False
        client = app.test_client()
        client.post("/nl/login", data={"email": accounts["panelist"], "password": PASSWORD})
        base = f"/nl/rounds/{built['round_id']}"
        for path in (base, f"{base}/ideas/{built['idea_id']}"):
            for _ in range(3):
                client.get(path)
            started = time.process_time()
            for _ in range(20):
                assert client.get(path).status_code == 200
            cpu_ms = (time.process_time() - started) / 20 * 1000
            print(f"{path}: {cpu_ms:.1f} ms CPU a request")
            profile = cProfile.Profile()
            profile.enable()
            for _ in range(20):
                client.get(path)
            profile.disable()
            out = io.StringIO()
            pstats.Stats(profile, stream=out).sort_stats("cumulative").print_stats(30)
            print(out.getvalue())
    finally:
        COPY.unlink(missing_ok=True)


if __name__ == "__main__":
    main()

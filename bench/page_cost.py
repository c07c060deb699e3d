"""CPU, instructions and statements per request of the slow logged-in pages, in process (issue 13).

    .venv/bin/python bench/page_cost.py sqlite:////tmp/speed/l.sqlite3 [--requests 30]
    .venv/bin/python bench/page_cost.py postgresql+psycopg://postgres@127.0.0.1:5432/speed_l
    .venv/bin/python bench/page_cost.py URL --instructions --requests 10   # callgrind
    .venv/bin/python bench/page_cost.py URL --profile dashboard # cProfile of one page

Against a COPY of a generated database (it sets the bench password on the accounts it uses, as
bench/harness.py does): logs each role in through the login form with Flask's test client and
production settings (CSRF on, so the pages render their tokens as in production), then for each
page a few warm-up requests and `--requests` measured ones: CPU ms a request (median of five
batches), statements, bytes. The busy machine makes wall time noise; CPU is steadier, and
--instructions is steadier still: each page runs in a fresh interpreter under valgrind's
callgrind (PYTHONHASHSEED=0) with instrumentation switched on after the warm-up, and the
instructions of the measured requests are divided by their number (slow: ~1 min a page).
"""

import argparse
import cProfile
import json
import os
import pstats
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.harness import LANG, PASSWORD, step_prepare  # noqa: E402  (the root on the path first)

WARMUP = 5


def page_list(prep):
    """(name, role, path) of the pages this script measures."""
    round_id = prep["round_ids"][0] if prep["round_ids"] else 1
    return [
        ("healthz", None, "/healthz"),
        ("account", "panelist", f"/{LANG}/account"),
        ("dashboard", "panelist", f"/{LANG}/me"),
        ("round", "panelist", f"/{LANG}/rounds/{round_id}"),
        ("contributions", "panelist", f"/{LANG}/me/contributions"),
        ("my_feedback", "panelist", f"/{LANG}/feedback"),
        ("release", "owner", f"/{LANG}/results/releases/{prep['release_id']}"),
        ("triage", "owner", f"/{LANG}/insights/triage"),
        ("triage_search", "owner", f"/{LANG}/insights/triage?q=telefoons"),
        ("insights", "owner", f"/{LANG}/insights/"),
        ("inbox", "reviewer", f"/{LANG}/insights/inbox"),
    ]


def prepared(url):
    """step_prepare's answer, kept beside a SQLite copy (or in /tmp for PostgreSQL)."""
    name = re.sub(r"[^a-zA-Z0-9]+", "_", url)[-60:]
    cache = Path(f"/tmp/page-cost-{name}.json")
    if cache.exists():
        return json.loads(cache.read_text())
    prep = step_prepare(url, {"writers": 0, "members_per_writer": 0})
    cache.write_text(json.dumps(prep))
    return prep


def make_app(url):
    from panel import create_app

    return create_app(
        {
            "ENV": "production",
            "SECRET_KEY": "x" * 40,
            "SESSION_COOKIE_SECURE": False,
            "SQLALCHEMY_DATABASE_URI": url,
            "RATELIMIT_STORAGE_URI": "memory://",
            "RATELIMIT_ALLOW_MEMORY": True,
            "WORKERS": 1,
        }
    )


def log_in(app, email):
    client = app.test_client()
    page = client.get(f"/{LANG}/login").get_data(as_text=True)
    fields = {}
    for name in ("csrf_token", "form_token"):
        match = re.search(rf'name="{name}"[^>]*value="([^"]*)"', page)
        if match:
            fields[name] = match.group(1)
    response = client.post(
        f"/{LANG}/login", data=dict(fields, email=email, password=PASSWORD, next="")
    )
    assert response.status_code == 302, (email, response.status_code)
    return client


def clients_for(app, prep):
    clients = {None: app.test_client()}
    for role in ("panelist", "owner", "reviewer"):
        if prep["accounts"].get(role):
            clients[role] = log_in(app, prep["accounts"][role])
    return clients


def run_one(url, name, requests):
    """Under perf: warm up, then `requests` more of the one page (the child of --instructions)."""
    prep = prepared(url)
    app = make_app(url)
    clients = clients_for(app, prep)
    for page, role, path in page_list(prep):
        if page == name:
            for _ in range(WARMUP):
                clients[role].get(path)
            # Warm: the parent switches callgrind's instrumentation on, then says go.
            print("ready", flush=True)
            sys.stdin.readline()
            for _ in range(requests):
                clients[role].get(path)
            os._exit(0)


def instructions(url, name, requests):
    """Instructions a request (valgrind's callgrind, counting only the measured requests)."""
    out_file = f"/tmp/page-cost-callgrind-{os.getpid()}.out"
    child = subprocess.Popen(
        [
            "valgrind",
            "--tool=callgrind",
            "--instr-atstart=no",
            f"--callgrind-out-file={out_file}",
            sys.executable,
            __file__,
            url,
            "--child",
            name,
            "--requests",
            str(requests),
        ],
        env=dict(os.environ, PYTHONHASHSEED="0"),
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    while child.stdout.readline().strip() != "ready":
        if child.poll() is not None:
            raise RuntimeError(f"{name}: the child ended before its warm-up was done")
    switch = ["callgrind_control", "-i", "on", str(child.pid)]
    subprocess.run(switch, check=True, capture_output=True)
    child.stdin.write("go\n")
    child.stdin.flush()
    child.wait()
    text = Path(out_file).read_text()
    os.remove(out_file)
    total = int(re.search(r"^(?:summary|totals): (\d+)", text, re.M).group(1))
    return total / requests


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("url")
    parser.add_argument("--requests", type=int, default=30)
    parser.add_argument("--only", nargs="*")
    parser.add_argument("--profile")
    parser.add_argument("--instructions", action="store_true")
    parser.add_argument("--child")
    args = parser.parse_args()
    if args.child:
        run_one(args.url, args.child, args.requests)
        return
    prep = prepared(args.url)
    pages = [p for p in page_list(prep) if not args.only or p[0] in args.only]
    if args.instructions:
        print("| page | M instructions a request |")
        print("|---|---|")
        for name, _, _ in pages:
            print(f"| {name} | {instructions(args.url, name, args.requests) / 1e6:.2f} |")
        print(f"(command: {' '.join(sys.argv)})")
        return

    from sqlalchemy import event

    from panel.extensions import db

    app = make_app(args.url)
    with app.app_context():
        engine = db.engine
    statements = []
    event.listen(engine, "before_cursor_execute", lambda *a: statements.append(a[2]))
    clients = clients_for(app, prep)
    print("| page | path | status | CPU ms (median of 5 batches) | statements | KB |")
    print("|---|---|---|---|---|---|")
    for name, role, path in pages:
        client = clients[role]
        for _ in range(WARMUP):
            client.get(path)
        statements.clear()
        response = client.get(path)
        count, size = len(statements), len(response.get_data())
        if args.profile == name:
            profile = cProfile.Profile()
            profile.enable()
            for _ in range(args.requests):
                client.get(path)
            profile.disable()
            pstats.Stats(profile).sort_stats("tottime").print_stats(40)
            pstats.Stats(profile).sort_stats("cumulative").print_stats(60)
        batches = []
        per_batch = max(1, args.requests // 5)
        for _ in range(5):
            began = time.process_time()
            for _ in range(per_batch):
                client.get(path)
            batches.append((time.process_time() - began) * 1000 / per_batch)
        cpu = statistics.median(batches)
        print(
            f"| {name} | {path} | {response.status_code} | {cpu:.2f} | {count} |"
            f" {size / 1024:.1f} |"
        )
    print(f"(command: {' '.join(sys.argv)})")


if __name__ == "__main__":
    main()

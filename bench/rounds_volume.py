"""Rounds at volume (issue 15): a round page and an idea page when a round holds thousands of
ideas, served by gunicorn (gunicorn.conf.py, 4 sync workers), against the bare WSGI hello of the
same run.

    .venv/bin/python bench/rounds_volume.py                  # SQLite, a copy of the demo data
    .venv/bin/python bench/rounds_volume.py --db postgresql  # the same on PostgreSQL
    .venv/bin/python bench/rounds_volume.py --base L         # on top of a copy of the L data

What it does:

1. copies a database (the demo data, made once in PANEL_BENCH_DIR; or the harness's L data, as
   `cp` of the SQLite file / CREATE DATABASE … TEMPLATE on PostgreSQL) and upgrades it to heads;
2. adds two published rounds, one with 200 and one with 2,000 ideas, each idea with on average
   5 reactions and 5 supports (2,000 ideas: 10,000 reactions, 10,000 supports), by bulk inserts;
   in each round one idea has exactly 25 reactions (the idea page measured) and the kept
   support counts equal a recount;
3. starts gunicorn on a loopback port, logs a panelist in (bench/harness.py's accounts) and
   measures each page single-user (queries per request from bench/wsgi_bench.py's headers, the
   worker's CPU per request) and under load with wrk (bounded: --seconds per page, --connections);
4. prints the table, checks that each page's query count is the same with 200 and 2,000 ideas,
   and writes it to docs/benchmarks-rounds.md (date, machine and load, command).

The target (issue 15) is ≥ 0.40× the hello rate for the round page and the idea page at 2,000
ideas. On a shared, busy machine the ratio moves with the load: the load average is recorded
before and after.
"""

import argparse
import datetime
import json
import os
import random
import shlex
import shutil
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.harness import (  # noqa: E402  (the project root must be on the path first)
    BENCH_DIR,
    BIN,
    LANG,
    PG_BASE,
    ROOT,
    _app,
    _pg_admin,
    flask_env,
    gunicorn,
    login,
    machine,
    run,
    single_user,
    wrk,
)

SIZES = (200, 2000)  # ideas per round; reactions and supports are five per idea
PER_IDEA = 5
IDEA_PAGE_REACTIONS = 25
REPORT = ROOT / "docs" / "benchmarks-rounds.md"
HELLO_PATH = "/__hello"  # bench/wsgi_bench.py (importing it would build the app)
TARGET = 0.40
HEADER = """# Benchmarks: rounds with thousands of ideas

Issue 15. Written by `bench/rounds_volume.py` (one section per run); ratios are to the bare WSGI
hello served by the same gunicorn (gunicorn.conf.py, 4 sync workers) in the same run. The
machine is shared: read the ratios with the load average beside them.

"""

TOPICS = [
    ("Wifi-bellen in de kelder", "Wi-Fi calling in the basement"),
    ("Donkere modus voor de app", "Dark mode for the app"),
    ("Bundel delen met het gezin", "Share the bundle with the family"),
    ("Melding bij 80% van mijn data", "A message at 80% of my data"),
    ("eSIM overzetten zonder winkel", "Move my eSIM without a shop"),
    ("Factuur als overzicht per maand", "The bill as a monthly overview"),
    ("Storingskaart met mijn straat", "Outage map with my street"),
    ("Roaming buiten de EU duidelijker", "Clearer roaming outside the EU"),
    ("Chat met een echte medewerker", "Chat with a real person"),
    ("Ongebruikte data meenemen", "Carry over unused data"),
]
REACTIONS = [
    "Goed idee, dit mis ik ook.",
    "Ja graag! Vooral 's avonds.",
    "Bij mij thuis werkt dit nu al slecht.",
    "Good idea, I'd use this every week.",
    "Please, this would save me a call.",
    "Maar wel met een duidelijke uitleg erbij.",
]


# The database ---------------------------------------------------------------------------------


def copy_database(backend, base):
    """A fresh copy to add the rounds to: (url, what it was copied from)."""
    BENCH_DIR.mkdir(parents=True, exist_ok=True)
    if backend == "sqlite":
        source = BENCH_DIR / ("panel-L.sqlite3" if base == "L" else "rounds-demo.sqlite3")
        if base == "L" and not (BENCH_DIR / "panel-L-sqlite.done").exists():
            sys.exit("the L database is not ready (bench/harness.py --size L makes it)")
        if base == "demo" and not source.exists():
            make_demo(f"sqlite:///{source}")
        target = Path("/tmp") / f"rounds-volume-{base}.sqlite3"
        for suffix in ("", "-wal", "-shm"):
            Path(str(target) + suffix).unlink(missing_ok=True)
        shutil.copyfile(source, target)
        url = f"sqlite:///{target}"
    else:
        template = "panel_bench_l" if base == "L" else "rounds_volume_demo"
        if base == "demo":
            try:
                _pg_admin(PG_BASE, f'CREATE DATABASE "{template}"')
                make_demo(f"{PG_BASE}/{template}")
            except Exception as error:  # noqa: BLE001 - it exists from an earlier run
                if "already exists" not in str(error):
                    raise
        _pg_admin(PG_BASE, 'DROP DATABASE IF EXISTS "rounds_volume_run" WITH (FORCE)')
        for attempt in range(10):  # only works while nobody is connected to the template
            try:
                _pg_admin(PG_BASE, f'CREATE DATABASE "rounds_volume_run" TEMPLATE "{template}"')
                break
            except Exception:  # noqa: BLE001
                if attempt == 9:
                    raise
                time.sleep(3)
        url = f"{PG_BASE}/rounds_volume_run"
    run([BIN / "flask", "db", "upgrade", "heads"], env=flask_env(url), stdout=subprocess.DEVNULL)
    return url


def make_demo(url):
    env = flask_env(url)
    run([BIN / "flask", "db", "upgrade", "heads"], env=env, stdout=subprocess.DEVNULL)
    run([BIN / "flask", "panel", "demo"], env=env, stdout=subprocess.DEVNULL)


def drop_database(backend, url):
    if backend == "sqlite":
        path = url.removeprefix("sqlite:///")
        for suffix in ("", "-wal", "-shm"):
            Path(path + suffix).unlink(missing_ok=True)
    else:
        _pg_admin(PG_BASE, 'DROP DATABASE IF EXISTS "rounds_volume_run" WITH (FORCE)')


def in_process(url, step, payload=None):
    """One step of this file in a fresh interpreter against `url` (its JSON answer)."""
    out = subprocess.run(
        [sys.executable, __file__, "_step", step, url],
        cwd=ROOT,
        env=flask_env(url),
        input=json.dumps(payload or {}),
        capture_output=True,
        text=True,
    )
    if out.returncode:
        sys.stderr.write(out.stderr)
        raise RuntimeError(f"step {step} failed")
    return json.loads(out.stdout.strip().splitlines()[-1])


def step_prepare(url, payload):
    """The harness's accounts (known password) and the sizes of the data set."""
    from bench.harness import step_prepare as harness_prepare

    return harness_prepare(url, {"writers": 0, "members_per_writer": 0})


def step_build(url, payload):
    """Two published rounds in the idea stage with 200 and 2,000 ideas, bulk inserted."""
    from sqlalchemy import func, insert, select, update

    from panel.accounts.models import User, UserRole
    from panel.database import act_as_writer, utcnow
    from panel.extensions import db
    from panel.membership.models import Member
    from panel.rounds import services
    from panel.rounds.models import Comment, Idea, IdeaSupport

    app = _app(url)
    rng = random.Random(15)
    built = {}
    with app.app_context():
        act_as_writer()
        owner = db.session.scalar(
            select(User)
            .join(UserRole, UserRole.user_id == User.id)
            .where(UserRole.role == "product_owner")
            .order_by(User.id)
            .limit(1)
        )
        members = db.session.scalars(
            select(Member.id)
            .where(Member.status == "active", Member.user_id.isnot(None))
            .order_by(Member.id)
            .limit(3000)
        ).all()
        now = utcnow()
        started = time.perf_counter()
        for size in payload["sizes"]:
            round_ = services.create_round(
                owner,
                {
                    "title_nl": f"Jouw ideeën voor het netwerk ({size:,} ideeën)",
                    "title_en": f"Your ideas for the network ({size:,} ideas)",
                    "summary_nl": "Wat moet er beter aan ons netwerk en onze app?",
                    "summary_en": "What should be better about our network and our app?",
                    "question_nl": "Wat zou jij als eerste verbeteren?",
                    "question_en": "What would you improve first?",
                    "visibility": "all",
                },
                [],
            )
            services.publish_round(round_, owner)
            db.session.flush()
            ideas = []
            for number in range(size):
                nl, en = TOPICS[number % len(TOPICS)]
                dutch = rng.random() < 0.7
                ideas.append(
                    {
                        "round_id": round_.id,
                        "author_id": rng.choice(members),
                        "title": f"{nl if dutch else en} #{number + 1}",
                        "body": (
                            "Ik zou het fijn vinden als dit kon. Nu bel ik er elke maand over."
                            if dutch
                            else "I'd like this a lot. Today I call about it every month."
                        ),
                        "status": "new",
                        "support_count": 0,
                        "in_outcome": False,
                        # Oldest first, so the page's newest idea is the last one inserted.
                        "created_at": now - datetime.timedelta(minutes=5 * (size - number)),
                    }
                )
            idea_ids = db.session.scalars(
                insert(Idea).returning(Idea.id, sort_by_parameter_order=True), ideas
            ).all()
            authors = dict(zip(idea_ids, (row["author_id"] for row in ideas), strict=True))
            # The idea page measured: the newest idea (top of the list), exactly 25 reactions.
            measured = idea_ids[-1]
            reactions = [measured] * IDEA_PAGE_REACTIONS
            others = idea_ids[:-1]
            reactions += [rng.choice(others) for _ in range(PER_IDEA * size - len(reactions))]
            comments = [
                {
                    "idea_id": idea_id,
                    "author_id": rng.choice(members),
                    "body": rng.choice(REACTIONS),
                    "created_at": now - datetime.timedelta(seconds=rng.randint(1, 86_400)),
                }
                for idea_id in reactions
            ]
            for start in range(0, len(comments), 5000):
                db.session.execute(insert(Comment), comments[start : start + 5000])
            supports = []
            for idea_id in idea_ids:
                chosen = set()
                while len(chosen) < PER_IDEA:
                    member = rng.choice(members)
                    if member != authors[idea_id]:
                        chosen.add(member)
                supports += [{"idea_id": idea_id, "member_id": m} for m in chosen]
            for start in range(0, len(supports), 5000):
                db.session.execute(insert(IdeaSupport), supports[start : start + 5000])
            counted = (
                select(func.count())
                .where(IdeaSupport.idea_id == Idea.id)
                .correlate(Idea)
                .scalar_subquery()
            )
            db.session.execute(
                update(Idea).where(Idea.round_id == round_.id).values(support_count=counted)
            )
            db.session.commit()
            built[str(size)] = {
                "round_id": round_.id,
                "idea_id": measured,
                "ideas": len(idea_ids),
                "reactions": len(comments),
                "supports": len(supports),
            }
        # The kept counts equal a recount.
        wrong = db.session.scalar(
            select(func.count())
            .select_from(Idea)
            .where(
                Idea.support_count
                != select(func.count())
                .where(IdeaSupport.idea_id == Idea.id)
                .correlate(Idea)
                .scalar_subquery()
            )
        )
        built["_seconds"] = round(time.perf_counter() - started, 1)
        built["_counts_wrong"] = wrong
    return built


STEPS = {"prepare": step_prepare, "build": step_build}


# Measuring -------------------------------------------------------------------------------------


def pages(built):
    """(label, ideas in the round, path)."""
    rows = []
    for size in SIZES:
        round_ = built[str(size)]
        base = f"/{LANG}/rounds/{round_['round_id']}"
        rows += [
            ("round page", size, base),
            ("round page, most supported", size, base + "?sort=supported"),
            ("round page, page 50", size, base + "?page=50") if size >= 1000 else None,
            (
                f"idea page ({IDEA_PAGE_REACTIONS} reactions)",
                size,
                f"{base}/ideas/{round_['idea_id']}",
            ),
        ]
    return [row for row in rows if row]


def measure(url, args):
    prep = in_process(url, "prepare")
    print("building the rounds …", flush=True)
    built = in_process(url, "build", {"sizes": list(SIZES)})
    print(f"  built in {built['_seconds']} s; kept counts wrong: {built['_counts_wrong']}")
    results = []
    load_before = os.getloadavg()
    with gunicorn(url, args.workers) as (_process, port):
        panelist, _cpu = login(port, prep["accounts"]["panelist"])
        cookie = panelist.cookie_header()
        hello = wrk(port, HELLO_PATH, None, args.seconds, args.connections, args.workers)
        print(f"  hello: {hello['rps']:.0f}/s", flush=True)
        # The app's own floor: what every request pays for (no page, no session).
        rows = [("/healthz (the app's floor)", 0, "/healthz"), *pages(built)]
        for label, size, path in rows:
            one = single_user(panelist, path, args.single)
            if one["status"] != 200:
                raise RuntimeError(f"{path} answered {one['status']}")
            load = wrk(port, path, cookie, args.seconds, args.connections, args.workers)
            row = dict(one, **load, label=label, size=size, path=path)
            row["ratio"] = load["rps"] / hello["rps"]
            results.append(row)
            print(
                f"  {label} @ {size}: {load['rps']:.1f}/s = {row['ratio']:.3f}x hello, "
                f"{one['queries']:.0f} queries, {one['cpu_ms']:.0f} ms CPU, {one['bytes']:,} bytes",
                flush=True,
            )
    load_after = os.getloadavg()
    return {
        "hello": hello,
        "pages": results,
        "built": built,
        "sizes": prep["sizes"],
        "load": (load_before, load_after),
    }


def same_queries(results):
    """Each page's query count with 200 ideas equals its count with 2,000."""
    by_label = {}
    for row in results:
        by_label.setdefault(row["label"], {})[row["size"]] = row["queries"]
    return {label: counts for label, counts in by_label.items() if len(counts) > 1}


def report(result, backend, base, args, command):
    hello = result["hello"]
    built = result["built"]["2000"]
    before, after = result["load"]
    lines = [
        f"## {'SQLite' if backend == 'sqlite' else 'PostgreSQL'}, on a copy of the {base} data",
        "",
        f"- date: {datetime.datetime.now(datetime.UTC):%Y-%m-%d %H:%M} UTC",
        f"- machine: {machine()}",
        "- load average (1/5/15 min) before the load runs: {:.1f}/{:.1f}/{:.1f}, after: "
        "{:.1f}/{:.1f}/{:.1f}".format(*before, *after),
        f"- command: `{command}`",
        f"- database: {backend}, a copy of the {base} data "
        f"({result['sizes']['members']:,} members, {result['sizes']['rounds']:,} rounds) plus "
        f"a round of {built['ideas']:,} ideas / {built['reactions']:,} reactions / "
        f"{built['supports']:,} supports and one of 200 / 1,000 / 1,000; kept support counts "
        f"that differ from a recount: {result['built']['_counts_wrong']}",
        f"- load runs: wrk, {args.connections} connections, {args.seconds:g} s per page; "
        f"single-user: {args.single} requests per page",
        "",
        f"Bare WSGI hello: **{hello['rps']:,.0f} requests/s** (p50 {hello['p50']:.1f} ms).",
        "",
        "| page | ideas in the round | requests/s | × hello | × /healthz "
        "| p50 / p95 under load (ms) | single-user p50 (ms) | queries | worker CPU (ms) | bytes |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    floor = next(row["rps"] for row in result["pages"] if row["path"] == "/healthz")
    for row in result["pages"]:
        lines.append(
            f"| {row['label']} | {row['size']:,} | {row['rps']:.1f} | "
            f"**{row['ratio']:.3f}×** | {row['rps'] / floor:.2f}× | "
            f"{row['p50']:.0f} / {row['p95']:.0f} | "
            f"{row['p50_1u']:.0f} | {row['queries']:.0f} | {row['cpu_ms']:.0f} | "
            f"{row['bytes']:,} |"
        )
    lines += ["", "Query counts with 200 and with 2,000 ideas in the round:", ""]
    for label, counts in same_queries(result["pages"]).items():
        verdict = "the same" if len(set(counts.values())) == 1 else "**different**"
        shown = ", ".join(f"{counts[s]:.0f} at {s:,}" for s in sorted(counts))
        lines.append(f"- {label}: {shown} — {verdict}")
    main_rows = [r for r in result["pages"] if r["size"] == 2000 and "page 50" not in r["label"]]
    met = all(row["ratio"] >= TARGET for row in main_rows)
    cores = os.cpu_count() or 1
    lines += [
        "",
        f"Target: ≥ {TARGET:.2f}× hello at 2,000 ideas: "
        + ("met in this run." if met else "**not met in this run**.")
        + f" Errors under load: {sum(r['errors'] for r in result['pages'])}.",
        "",
        "What bounds it: a sync worker spends the worker CPU above on each request. With "
        f"{cores} cores wholly free, a page of c ms CPU is served at most {cores} × 1000 / c "
        "times a second:",
        "",
    ]
    for row in main_rows:
        ceiling = cores * 1000 / max(row["cpu_ms"], 0.1)
        lines.append(
            f"- {row['label']}: {row['cpu_ms']:.0f} ms → at most {ceiling:,.0f}/s "
            f"= {ceiling / hello['rps']:.3f}× this run's hello"
        )
    lines += [
        "",
        "QUALITY.md's bar for logged-in read pages is ≥ 0.40× the /healthz rate of the same run "
        "(the × /healthz column).",
        "",
    ]
    return "\n".join(lines)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", default="sqlite", choices=["sqlite", "postgresql"])
    parser.add_argument("--base", default="demo", choices=["demo", "L"])
    parser.add_argument("--seconds", type=float, default=5, help="wrk seconds per page")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--single", type=int, default=15, help="single-user requests per page")
    parser.add_argument("--keep", action="store_true", help="keep the copied database")
    parser.add_argument("--no-report", action="store_true", help="don't write the docs file")
    parser.add_argument("--append", action="store_true", help="add this run to the docs file")
    args = parser.parse_args()
    command = "python bench/rounds_volume.py " + " ".join(shlex.quote(a) for a in sys.argv[1:])
    url = copy_database(args.db, args.base)
    try:
        result = measure(url, args)
    finally:
        if not args.keep:
            drop_database(args.db, url)
    text = report(result, args.db, args.base, args, command.strip())
    print(text)
    if not args.no_report:
        if args.append and REPORT.exists():
            REPORT.write_text(REPORT.read_text().rstrip("\n") + "\n\n" + text)
        else:
            REPORT.write_text(HEADER + text)
        print(f"written to {REPORT.relative_to(ROOT)}")


if __name__ == "__main__":
    if len(sys.argv) >= 4 and sys.argv[1] == "_step":
        answer = STEPS[sys.argv[2]](sys.argv[3], json.loads(sys.stdin.read() or "{}"))
        print(json.dumps(answer, default=str))
    else:
        main()

"""Smoke test of the benchmark harness (bench/harness.py) at a tiny size: the real gunicorn with
the shipped config and bench/wsgi_bench.py, wrk, a login through the form, the report. The
harness itself is a tool run by hand (`make bench`), never by the test suite."""

import os
import shutil
import sys
from pathlib import Path

import pytest

from panel.accounts.services import create_user, set_password
from panel.extensions import db
from panel.security import Role

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))
import harness  # noqa: E402

pytestmark = pytest.mark.skipif(shutil.which("wrk") is None, reason="wrk is not installed")


@pytest.fixture
def bench_url(tmp_path, monkeypatch):
    """A database with the tables and one reviewer who logs in with the harness's password."""
    monkeypatch.setattr(harness, "BENCH_DIR", tmp_path)
    # PostgreSQL when the suite runs on it (PANEL_TEST_DATABASE_URL), else a SQLite file.
    url = os.environ.get("PANEL_TEST_DATABASE_URL") or f"sqlite:///{tmp_path / 'bench.sqlite3'}"
    app = harness._app(url)
    with app.app_context():
        db.drop_all()
        db.create_all()
        user = create_user("bench-reviewer@example.org", "Bench Reviewer", "nl", [Role.REVIEWER])
        set_password(user, harness.PASSWORD)
        db.session.commit()
    return url


def test_floors_pages_and_workers_are_measured(bench_url):
    with harness.gunicorn(bench_url, 1) as (process, port):
        hello = harness.wrk(port, "/__hello", None, 1, 4, workers=1)
        healthz = harness.wrk(port, "/healthz", None, 1, 4, workers=1)
        floor = harness.single_user(harness.Client(port), "/healthz", 5)
        client, login_cpu_us = harness.login(port, "bench-reviewer@example.org")
        page = harness.single_user(client, "/nl/insights/inbox", 3)
        loaded = harness.wrk(port, "/nl/insights/inbox", client.cookie_header(), 1, 2, workers=1)
        rss = harness.worker_rss_mb(process.pid)
    for run in (hello, healthz, loaded):
        assert run["requests"] > 0 and run["rps"] > 0 and run["errors"] == 0
        assert 0 < run["p50"] <= run["p95"] <= run["p99"]
    # The bench-only headers: the statements and the worker CPU of each request.
    assert floor["status"] == 200 and floor["queries"] >= 1 and floor["cpu_ms"] > 0
    assert page["status"] == 200 and page["queries"] > floor["queries"]
    assert login_cpu_us > 0
    assert len(rss) == 1 and 20 < rss[0] < 1000


def test_report_keeps_the_other_database_column(tmp_path):
    def result(backend, rps):
        page = {"label": "stream inbox", "status": 200, "rps": rps, "ratio": 0.5, "errors": 0}
        page.update(p50=1, p95=2, p99=3, p95_1u=4, queries=7, cpu_ms=5, bytes=2048)
        return {
            "backend": backend,
            "size": "S",
            "sizes": {"members": 10},
            "hello": {"rps": 4 * rps},
            "healthz": {"rps": 2 * rps},
            "healthz_1u": {"p95_1u": 1, "queries": 2, "cpu_ms": 1},
            "pages": [page],
            "writes": {"missing": "no open release"},
        }

    out = tmp_path / "benchmarks.md"

    class Args:
        workers, connections = 4, 32

    harness.write_report({"sqlite": result("sqlite", 100)}, out, "make bench", Args)
    kept = harness.previous_results(out, "S")
    assert list(kept) == ["sqlite"]
    assert harness.previous_results(out, "L") == {}
    harness.write_report(dict(kept, postgresql=result("postgresql", 300)), out, "make bench", Args)
    text = out.read_text()
    assert "| stream inbox | 100/s · **0.50×**" in text
    assert "| 300/s · **0.50×**" in text
    assert "| `/healthz` | 200/s · **0.50× hello**" in text
    assert "not measured: no open release" in text

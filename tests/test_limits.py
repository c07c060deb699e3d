"""Per-IP limits count once per installation: shared storage across workers, and no start on
per-process storage with several workers in production."""

import http.cookiejar
import os
import re
import subprocess
import sys
import time
import types
import urllib.error
import urllib.parse
import urllib.request
import uuid

import pytest
import redis
from sqlalchemy import create_engine

from panel import check_production_settings, create_app
from panel.config import PROJECT_ROOT, TestConfig
from panel.extensions import db as panel_db
from tests.conftest import free_port, vars_of

REDIS_URL = os.environ.get("PANEL_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
STRONG_KEY = "k" * 40


class Production(TestConfig):
    ENV = "production"
    SECRET_KEY = STRONG_KEY
    WORKERS = 4


def test_several_workers_refuse_memory_storage_in_production():
    with pytest.raises(RuntimeError, match="PANEL_RATELIMIT_STORAGE_URI=redis://"):
        create_app(dict(vars_of(Production), RATELIMIT_STORAGE_URI="memory://"))


def test_memory_storage_with_several_workers_only_when_told():
    app = create_app(
        dict(vars_of(Production), RATELIMIT_STORAGE_URI="memory://", RATELIMIT_ALLOW_MEMORY=True)
    )
    assert app.config["WORKERS"] == 4


def test_one_worker_or_development_may_count_in_memory():
    create_app(dict(vars_of(Production), RATELIMIT_STORAGE_URI="memory://", WORKERS=1))
    create_app(dict(vars_of(Production), RATELIMIT_STORAGE_URI="memory://", ENV="development"))


def test_shared_storage_passes_the_check():
    # Checked without making an app: an app would point the shared limiter at Redis for the
    # rest of the test session.
    config = vars_of(Production) | {"RATELIMIT_STORAGE_URI": REDIS_URL}
    check_production_settings(types.SimpleNamespace(config=config))


def _gunicorn_check(**env):
    environment = {
        key: value for key, value in os.environ.items() if not key.startswith("PANEL_")
    } | {"PANEL_SECRET_KEY": STRONG_KEY, "PANEL_DATABASE_URL": "sqlite://", **env}
    return subprocess.run(
        [
            os.path.join(os.path.dirname(sys.executable), "gunicorn"),
            "-c",
            "gunicorn.conf.py",
            "--check-config",
            "wsgi:app",
        ],
        cwd=PROJECT_ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_gunicorn_conf_tells_the_app_its_four_workers():
    refused = _gunicorn_check()
    assert refused.returncode != 0
    assert "PANEL_RATELIMIT_STORAGE_URI=redis://" in refused.stdout + refused.stderr
    assert _gunicorn_check(PANEL_WORKERS="1").returncode == 0


SERVER = """
import sys
from werkzeug.serving import make_server
from panel import create_app
from panel.extensions import db

app = create_app({
    "ENV": "production",
    "SECRET_KEY": sys.argv[1],
    "SQLALCHEMY_DATABASE_URI": sys.argv[2],
    "RATELIMIT_STORAGE_URI": sys.argv[3],
    "RATELIMIT_KEY_PREFIX": sys.argv[4],
    "RATELIMIT_LOGIN": "5 per minute",
    "WORKERS": 2,
    "WTF_CSRF_ENABLED": False,
    "SERVER_NAME": None,
})
with app.app_context():
    db.create_all()
server = make_server("127.0.0.1", 0, app)
print(server.port, flush=True)
server.serve_forever()
"""


@pytest.fixture
def redis_url():
    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2).ping()
    except redis.exceptions.ConnectionError as error:
        pytest.skip(f"Redis is not reachable at {REDIS_URL} ({error}); CI runs this test")
    return REDIS_URL


def _start_worker(tmp_path, storage_uri, prefix, name):
    with open(tmp_path / f"{name}.log", "w") as log:  # the process keeps its own copy
        process = subprocess.Popen(
            [
                sys.executable,
                "-c",
                SERVER,
                STRONG_KEY,
                "sqlite:///" + str(tmp_path / "panel.sqlite3"),
                storage_uri,
                prefix,
            ],
            cwd=PROJECT_ROOT,
            stdout=subprocess.PIPE,
            stderr=log,
            text=True,
        )
    port = process.stdout.readline().strip()
    if not port:
        process.wait(timeout=10)
        pytest.fail((tmp_path / f"{name}.log").read_text())
    return process, f"http://127.0.0.1:{port}"


def _login_attempt(base_url):
    data = urllib.parse.urlencode({"email": "nobody@example.org", "password": "x" * 12}).encode()
    try:
        with urllib.request.urlopen(f"{base_url}/en/login", data=data, timeout=30) as reply:
            return reply.status
    except urllib.error.HTTPError as error:
        return error.code


def test_two_workers_share_one_login_limit(tmp_path, redis_url):
    """Two app processes (two gunicorn workers) on one Redis: the sixth attempt across both is
    refused, where each would have allowed five of its own with memory:// storage."""
    prefix = f"panel-test-{uuid.uuid4().hex}"
    workers = []
    try:
        workers.append(_start_worker(tmp_path, redis_url, prefix, "first"))
        workers.append(_start_worker(tmp_path, redis_url, prefix, "second"))
        (_, first), (_, second) = workers
        codes = [_login_attempt(url) for url in (first, second, first, second, first, second)]
        assert codes == [200] * 5 + [429]
        assert _login_attempt(first) == 429
    finally:
        for process, _ in workers:
            process.terminate()
            process.wait(timeout=10)
        client = redis.Redis.from_url(redis_url)
        for key in client.scan_iter(f"*{prefix}*"):
            client.delete(key)


def test_four_gunicorn_workers_hold_one_limit(tmp_path, redis_url):
    """The shipped gunicorn.conf.py, four workers, production settings, one Redis: five login
    attempts per minute from one address, whichever worker takes them."""
    database_url = "sqlite:///" + str(tmp_path / "panel.sqlite3")
    engine = create_engine(database_url)
    panel_db.metadata.create_all(engine)
    engine.dispose()
    prefix = f"panel-test-{uuid.uuid4().hex}"
    port = free_port()
    environment = {k: v for k, v in os.environ.items() if not k.startswith("PANEL_")} | {
        "PANEL_SECRET_KEY": STRONG_KEY,
        "PANEL_DATABASE_URL": database_url,
        "PANEL_SECURE_COOKIES": "0",
        "PANEL_RATELIMIT_STORAGE_URI": redis_url,
        "PANEL_RATELIMIT_KEY_PREFIX": prefix,
        "PANEL_RATELIMIT_LOGIN": "5 per minute",
        "PANEL_WORKERS": "4",
        "PANEL_BIND": f"127.0.0.1:{port}",
    }
    with open(tmp_path / "gunicorn.log", "w") as log:
        server = subprocess.Popen(
            [os.path.join(os.path.dirname(sys.executable), "gunicorn"), "-c", "gunicorn.conf.py"]
            + ["wsgi:app"],
            cwd=PROJECT_ROOT,
            env=environment,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            try:
                with urllib.request.urlopen(f"{base}/healthz", timeout=5):
                    break
            except OSError:
                assert server.poll() is None, (tmp_path / "gunicorn.log").read_text()
                time.sleep(0.1)
        opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
        )
        with opener.open(f"{base}/en/login", timeout=30) as page:
            token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page.read().decode())
        data = urllib.parse.urlencode(
            {"csrf_token": token.group(1), "email": "nobody@example.org", "password": "x" * 12}
        ).encode()
        codes = []
        for _ in range(8):
            try:
                with opener.open(f"{base}/en/login", data=data, timeout=30) as reply:
                    codes.append(reply.status)
            except urllib.error.HTTPError as error:
                codes.append(error.code)
        assert codes == [200] * 5 + [429] * 3
    finally:
        server.terminate()
        server.wait(timeout=30)
        client = redis.Redis.from_url(redis_url)
        for key in client.scan_iter(f"*{prefix}*"):
            client.delete(key)


def test_limits_hold_and_nothing_fails_while_redis_is_out_of_reach(tmp_path):
    """Nothing listens at the Redis address: each worker counts in its own memory meanwhile;
    logging in never ends on a 500 page."""
    nowhere = f"redis://127.0.0.1:{free_port()}/0"
    worker, url = _start_worker(tmp_path, nowhere, f"panel-test-{uuid.uuid4().hex}", "alone")
    try:
        assert [_login_attempt(url) for _ in range(6)] == [200] * 5 + [429]
    finally:
        worker.terminate()
        worker.wait(timeout=10)
    assert "falling back to in-memory storage" in (tmp_path / "alone.log").read_text()


def _gunicorn_check_elsewhere(tmp_path, *options, **env):
    """gunicorn started from another directory with --chdir: gunicorn.conf.py is never read."""
    environment = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("PANEL_") and key != "WEB_CONCURRENCY"
    } | {"PANEL_SECRET_KEY": STRONG_KEY, "PANEL_DATABASE_URL": "sqlite://", **env}
    return subprocess.run(
        [
            os.path.join(os.path.dirname(sys.executable), "gunicorn"),
            *options,
            "--chdir",
            str(PROJECT_ROOT),
            "--check-config",
            "wsgi:app",
        ],
        cwd=tmp_path,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_workers_started_without_the_conf_refuse_memory_storage(tmp_path):
    """`gunicorn -w 4 --chdir X wsgi:app` from elsewhere never reads gunicorn.conf.py, so the app
    is not told its workers: production refuses memory:// unless told it is one worker."""
    refused = _gunicorn_check_elsewhere(tmp_path, "-w", "4")
    assert refused.returncode != 0
    assert "PANEL_RATELIMIT_STORAGE_URI=redis://" in refused.stdout + refused.stderr
    assert _gunicorn_check_elsewhere(tmp_path, "-w", "4", WEB_CONCURRENCY="4").returncode != 0
    assert _gunicorn_check_elsewhere(tmp_path, PANEL_WORKERS="1").returncode == 0
    assert _gunicorn_check_elsewhere(tmp_path, WEB_CONCURRENCY="1").returncode == 0
    allowed = _gunicorn_check_elsewhere(tmp_path, "-w", "4", PANEL_RATELIMIT_ALLOW_MEMORY="1")
    assert allowed.returncode == 0


def test_an_unknown_worker_count_refuses_memory_storage_in_production():
    with pytest.raises(RuntimeError, match="PANEL_WORKERS unset"):
        create_app(dict(vars_of(Production), RATELIMIT_STORAGE_URI="memory://", WORKERS=None))

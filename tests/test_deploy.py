"""What docs/deploy.md ships holds together: the gunicorn settings, and every job in the systemd
units and the crontab is a real `flask panel` command with options it accepts, each scheduled
both ways. (The guide itself was walked by hand; see its last section.)"""

import logging
import os
import re
import runpy
import shlex
import subprocess
import sys
from datetime import timedelta
from pathlib import Path
from types import SimpleNamespace

import click
import pytest
from gunicorn.config import Config

from panel.cli import panel_cli

ROOT = Path(__file__).resolve().parent.parent
DEPLOY = ROOT / "deploy"
JOBS = {
    "send-mail",
    "send-reminders",
    "refresh-health",
    "purge",
    "resume-paused",
    "refresh-levels",
    "send-digests",
    "backup",
}


@pytest.fixture
def gunicorn_conf(monkeypatch):
    monkeypatch.setenv("PANEL_WORKERS", "3")
    monkeypatch.setenv("PANEL_ACCESS_LOG", "-")
    return runpy.run_path(str(ROOT / "gunicorn.conf.py"))


def test_gunicorn_settings(gunicorn_conf):
    assert gunicorn_conf["workers"] == 3
    assert gunicorn_conf["timeout"] == 30 and gunicorn_conf["graceful_timeout"] == 30
    assert gunicorn_conf["preload_app"] is False  # HUP loads new code
    assert gunicorn_conf["control_socket_disable"] is True
    assert gunicorn_conf["accesslog"] == "-"
    # Neither the query string nor the raw request line (which carries it) is logged.
    assert "%(q)s" not in gunicorn_conf["access_log_format"]
    assert "%(r)s" not in gunicorn_conf["access_log_format"]


@pytest.mark.parametrize(
    ("path", "logged"),
    [
        ("/nl/password/reset/IjEi.aBc-123", "/nl/password/reset/[token]"),
        ("/en/welcome/IjEi.aBc-123", "/en/welcome/[token]"),
        ("/nl/join/confirm/IjEi.aBc-123", "/nl/join/confirm/[token]"),
        ("/nl/rounds/3", "/nl/rounds/3"),
        ("/healthz", "/healthz"),
    ],
)
def test_the_access_log_leaves_out_link_tokens(gunicorn_conf, path, logged):
    config = Config()
    config.set("accesslog", "-")
    config.set("access_log_format", gunicorn_conf["access_log_format"])
    logger = gunicorn_conf["logger_class"](config)
    response = SimpleNamespace(status="200 OK", sent=10, headers=[])
    request = SimpleNamespace(headers=[("X-FORWARDED-FOR", "192.0.2.7")])
    environ = {
        "REQUEST_METHOD": "GET",
        "RAW_URI": path + "?token=x",
        "PATH_INFO": path,
        "QUERY_STRING": "token=x",
        "SERVER_PROTOCOL": "HTTP/1.1",
    }
    atoms = logger.atoms(response, request, environ, timedelta(milliseconds=12))
    line = gunicorn_conf["access_log_format"] % atoms
    assert line.startswith("192.0.2.7 ")
    assert f'"GET {logged}" 200 10 12ms' in line
    assert "IjEi" not in line and "token=x" not in line


def scheduled_commands():
    """(where, argv after `flask panel`) of every job in the units and the crontab."""
    found = []
    for unit in sorted((DEPLOY / "systemd").glob("klantenteam-*.service")):
        (line,) = re.findall(r"^ExecStart=\S+/flask panel (.+)$", unit.read_text(), re.M)
        found.append((unit.name, shlex.split(line)))
    for line in (DEPLOY / "crontab").read_text().splitlines():
        if "$RUN " in line and not line.startswith("#"):
            found.append(("crontab", shlex.split(line.split("$RUN ", 1)[1].split(">")[0])))
    return found


def test_every_scheduled_job_is_a_command_with_valid_options():
    commands = scheduled_commands()
    for where, argv in commands:
        command = panel_cli.get_command(None, argv[0])
        assert command is not None, f"{where}: no command {argv[0]}"
        try:
            command.make_context(argv[0], argv[1:], resilient_parsing=False)
        except click.UsageError as error:  # pragma: no cover - the failure message
            pytest.fail(f"{where}: {' '.join(argv)}: {error}")
    # Each job both ways: a systemd service with its timer, and a crontab line.
    in_units = {argv[0] for where, argv in commands if where != "crontab"}
    in_crontab = {argv[0] for where, argv in commands if where == "crontab"}
    assert in_units == in_crontab == JOBS
    for unit in (DEPLOY / "systemd").glob("klantenteam-*.service"):
        assert unit.with_suffix(".timer").is_file(), unit.name


@pytest.mark.parametrize("env_file, level", [("", "WARNING"), ("PANEL_LOG_LEVEL=INFO\n", "INFO")])
def test_cron_jobs_log_only_warnings_unless_the_installation_says(tmp_path, env_file, level):
    """Cron mails what a job writes to stderr: run-job has the app log warnings and errors only
    (a minute's 'outbox: 3 sent' would be a mail a minute), unless the env file sets a level."""
    flask = tmp_path / ".venv" / "bin" / "flask"
    flask.parent.mkdir(parents=True)
    flask.write_text('#!/bin/sh\necho "$PANEL_LOG_LEVEL $*"\n')
    flask.chmod(0o755)
    (tmp_path / "env").write_text(env_file)
    result = subprocess.run(
        ["sh", str(DEPLOY / "run-job"), "send-mail"],
        env={
            "PATH": os.environ["PATH"],
            "KLANTENTEAM_DIR": str(tmp_path),
            "KLANTENTEAM_ENV": str(tmp_path / "env"),
            "TMPDIR": str(tmp_path),
        },
        capture_output=True,
        text=True,
        check=True,
    )
    assert result.stdout.strip() == f"{level} panel send-mail"


def test_the_app_logs_at_the_level_it_is_given():
    code = (
        "import logging; from panel import create_app; "
        "create_app({'TESTING': True, 'SQLALCHEMY_DATABASE_URI': 'sqlite://'}); "
        "print(logging.getLogger().level)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        env=dict(os.environ, PANEL_LOG_LEVEL="warning", PANEL_ENV="development"),
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    assert result.stdout.strip().splitlines()[-1] == str(logging.WARNING)

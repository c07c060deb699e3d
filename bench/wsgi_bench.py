"""The app as the benchmark serves it: `gunicorn -c gunicorn.conf.py bench.wsgi_bench:app`.

The same app as wsgi.py, with three additions that exist only here (never in production):

- `/__hello`: a bare WSGI hello answered before the app is reached, so the harness measures the
  machine's own limit in the same gunicorn as the app's pages;
- `/__flask_hello`: a minimal separate Flask app (one route, no extensions, no hooks) answers
  "hello", so the gap between the WSGI hello and `/healthz` splits into what Flask itself costs
  and what the panel adds on top;
- two response headers on every app response: `X-Bench-Queries` (SQL statements the request ran
  up to its response, counted by a SQLAlchemy engine event) and `X-Bench-CPU-us` (the worker's
  CPU time for it). Sync workers run one request at a time, so one counter per process is enough.
"""

import time

from flask import Flask
from sqlalchemy import event
from sqlalchemy.engine import Engine

from wsgi import app as panel_app

HELLO_PATH = "/__hello"
FLASK_HELLO_PATH = "/__flask_hello"
flask_hello = Flask(__name__)


@flask_hello.route(FLASK_HELLO_PATH)
def flask_hello_view():
    return "hello"


_counter = {"queries": 0}


@event.listens_for(Engine, "before_cursor_execute")
def _count_query(conn, cursor, statement, parameters, context, executemany):
    _counter["queries"] += 1


def hello(environ, start_response):
    start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", "5")])
    return [b"hello"]


def app(environ, start_response):
    if environ.get("PATH_INFO") == HELLO_PATH:
        return hello(environ, start_response)
    if environ.get("PATH_INFO") == FLASK_HELLO_PATH:
        return flask_hello(environ, start_response)
    _counter["queries"] = 0
    started = time.process_time()

    def measured_start_response(status, headers, exc_info=None):
        cpu_us = int((time.process_time() - started) * 1_000_000)
        headers = list(headers) + [
            ("X-Bench-Queries", str(_counter["queries"])),
            ("X-Bench-CPU-us", str(cpu_us)),
        ]
        return start_response(status, headers, exc_info)

    return panel_app(environ, measured_start_response)

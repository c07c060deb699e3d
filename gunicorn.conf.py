"""gunicorn settings: `gunicorn -c gunicorn.conf.py wsgi:app`.

Every setting comes from the environment, so one file serves every host:

    PANEL_WORKERS=4                                   worker processes (default 4)
    PANEL_BIND=127.0.0.1:8000                         where the reverse proxy finds the app
    PANEL_RATELIMIT_STORAGE_URI=redis://127.0.0.1:6379/0   per-IP limits shared by all workers
    PANEL_PROXY_COUNT=1                               proxies in front that set X-Forwarded-For
    PANEL_WORKER_TIMEOUT=30                           seconds a request may take before its worker
                                                      is killed (and restarted)
    PANEL_ACCESS_LOG=-                                access log to stderr (the journal); unset:
                                                      none, the reverse proxy keeps one

The app is told how many workers serve it (PANEL_WORKERS): with more than one it refuses to start
on memory:// rate-limit storage, which would count every client's attempts once per worker.
"""

import gc
import os
import re

from gunicorn.glogging import Logger

workers = int(os.environ.get("PANEL_WORKERS") or 4)
bind = os.environ.get("PANEL_BIND", "127.0.0.1:8000")
timeout = int(os.environ.get("PANEL_WORKER_TIMEOUT") or 30)
# Requests reach gunicorn through the reverse proxy; forwarded headers are the app's business
# (PANEL_PROXY_COUNT, Werkzeug's ProxyFix), so gunicorn does not rewrite them itself.
forwarded_allow_ips = ""
# A worker that gets SIGTERM (a restart, `systemctl reload`) finishes its requests for this long.
graceful_timeout = 30
# Not preloaded: `kill -HUP` (systemctl reload) then starts new workers on the new code, one
# deploy without a dropped request; and each worker builds its own app and database pool.
preload_app = False
# No control socket (gunicorn 24+ opens ~/.gunicorn/gunicorn.ctl): signals and systemctl do the
# managing, the service user has no home to write to, and two instances would share the path.
control_socket_disable = True
# The access log: the client as the proxy saw it, the path without its query string, the
# status, the size and the time taken. Links with a token in their path (password reset,
# invitation, join confirmation) are logged without it (RedactingLogger below).
accesslog = os.environ.get("PANEL_ACCESS_LOG") or None
access_log_format = '%({x-forwarded-for}i)s %(t)s "%(m)s %(U)s" %(s)s %(B)s %(M)sms'
TOKEN_IN_PATH = re.compile(r"^(/[a-z]{2}/(?:password/reset|welcome|join/confirm)/)[^/]+")


class RedactingLogger(Logger):
    def atoms(self, resp, req, environ, request_time):
        atoms = super().atoms(resp, req, environ, request_time)
        atoms["U"] = TOKEN_IN_PATH.sub(r"\1[token]", atoms["U"] or "")
        return atoms


logger_class = RedactingLogger

os.environ["PANEL_WORKERS"] = str(workers)


def on_starting(server):
    """`-w N` on the command line wins over this file: tell the app the number that runs."""
    os.environ["PANEL_WORKERS"] = str(server.cfg.workers)


def post_worker_init(worker):
    """The app is loaded (preload_app is off, so each worker built its own): its ~150,000
    long-lived objects (modules, models, templates, translations) go to the collector's
    permanent generation. Without this, every full collection walked them all again: a pause of
    ~80 ms CPU now and then on whatever request was running (docs/performance.md)."""
    gc.collect()
    gc.freeze()

"""gunicorn settings: `gunicorn -c gunicorn.conf.py wsgi:app`.

Every setting comes from the environment, so one file serves every host:

    PANEL_WORKERS=4                                   worker processes (default 4)
    PANEL_BIND=127.0.0.1:8000                         where the reverse proxy finds the app
    PANEL_RATELIMIT_STORAGE_URI=redis://127.0.0.1:6379/0   per-IP limits shared by all workers
    PANEL_PROXY_COUNT=1                               proxies in front that set X-Forwarded-For

The app is told how many workers serve it (PANEL_WORKERS): with more than one it refuses to start
on memory:// rate-limit storage, which would count every client's attempts once per worker.
"""

import os

workers = int(os.environ.get("PANEL_WORKERS") or 4)
bind = os.environ.get("PANEL_BIND", "127.0.0.1:8000")
timeout = int(os.environ.get("PANEL_WORKER_TIMEOUT") or 30)
# Requests reach gunicorn through the reverse proxy; forwarded headers are the app's business
# (PANEL_PROXY_COUNT, Werkzeug's ProxyFix), so gunicorn does not rewrite them itself.
forwarded_allow_ips = ""

os.environ["PANEL_WORKERS"] = str(workers)


def on_starting(server):
    """`-w N` on the command line wins over this file: tell the app the number that runs."""
    os.environ["PANEL_WORKERS"] = str(server.cfg.workers)

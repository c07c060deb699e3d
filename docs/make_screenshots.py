"""`make screenshots`: every main page, in Dutch and English, from the demo data, as PNG files in
docs/screenshots/. Serves the app on a throw-away demo database and drives Debian's Chromium."""

import os
import subprocess
import sys
import tempfile
import time
import urllib.request

from playwright.sync_api import sync_playwright

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "docs", "screenshots")
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PASSWORD = "co-creatie-demo"
PAGES = [
    # (file name, account or None, path)
    ("public-home", None, "/"),
    ("public-join", None, "/join"),
    ("panelist-dashboard", "panellid@klantenteam.example", "/me"),
    ("panelist-rounds", "panellid@klantenteam.example", "/rounds"),
    ("panelist-round", "panellid@klantenteam.example", "/rounds/1"),
    ("panelist-feedback-form", "panellid@klantenteam.example", "/feedback/24"),
    ("panelist-contributions", "panellid@klantenteam.example", "/me/contributions"),
    ("owner-rounds", "eigenaar@klantenteam.example", "/owner/rounds"),
    ("owner-round", "eigenaar@klantenteam.example", "/owner/rounds/1"),
    ("owner-invite", "eigenaar@klantenteam.example", "/owner/rounds/1/invite"),
    ("owner-results-trend", "eigenaar@klantenteam.example", "/results/"),
    ("owner-release-results", "eigenaar@klantenteam.example", "/results/releases/23"),
    ("reviewer-inbox", "reviewer@klantenteam.example", "/insights/inbox"),
    ("reviewer-insight", "reviewer@klantenteam.example", "/insights/streams"),
    ("manager-panel-health", "manager@klantenteam.example", "/manage/health"),
    ("manager-members", "manager@klantenteam.example", "/manage/members"),
    ("admin-users", "admin@klantenteam.example", "/admin/users"),
    ("admin-audit", "admin@klantenteam.example", "/admin/audit"),
]


def main():
    os.makedirs(OUT, exist_ok=True)
    workdir = tempfile.mkdtemp()
    port = 5099
    env = dict(
        os.environ,
        FLASK_APP="wsgi.py",
        PANEL_ENV="development",
        PANEL_DATABASE_URL=f"sqlite:///{workdir}/gallery.sqlite3",
        PANEL_BASE_URL=f"http://127.0.0.1:{port}",
    )
    flask = [sys.executable, "-m", "flask"]
    subprocess.run(flask + ["db", "upgrade"], cwd=ROOT, env=env, check=True, capture_output=True)
    subprocess.run(flask + ["panel", "demo"], cwd=ROOT, env=env, check=True, capture_output=True)
    server = subprocess.Popen(
        flask + ["run", "--port", str(port)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(50):
            try:
                urllib.request.urlopen(base + "/healthz")
                break
            except OSError:
                time.sleep(0.2)
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=FLAGS)
            for lang in ("nl", "en"):
                sessions = {}
                for name, account, path in PAGES:
                    if account not in sessions:
                        context = browser.new_context(viewport={"width": 1280, "height": 860})
                        page = context.new_page()
                        if account:
                            page.goto(f"{base}/{lang}/login")
                            page.fill("#email", account)
                            page.fill("#password", PASSWORD)
                            page.click("main form[action$='/login'] button[type=submit]")
                        sessions[account] = page
                    page = sessions[account]
                    page.goto(f"{base}/{lang}{path}")
                    target = os.path.join(OUT, f"{lang}-{name}.png")
                    page.screenshot(path=target)
                    print(target)
            browser.close()
    finally:
        server.terminate()


if __name__ == "__main__":
    main()

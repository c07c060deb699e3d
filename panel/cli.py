"""Operator commands: `flask panel …` and `flask translate …`."""

import os
import subprocess
import sys
from datetime import timedelta

import click
from flask.cli import AppGroup

from .accounts import two_factor
from .accounts.models import FailedLogin, LoginSession, User
from .accounts.services import create_user, find_user_by_email, password_problem
from .backup import BackupError, backup_name, make_backup, prune, restore_backup
from .config import PROJECT_ROOT
from .database import act_as_reader, act_as_writer, stop_acting_as_writer, utcnow
from .demo import DEMO_PASSWORD, load_demo, volume
from .extensions import db
from .feedback import services as feedback
from .insights import services as insights
from .insights import triage as insights_triage
from .mail import FAILED, SENT, UNSURE, OutboxMessage, deliver_outbox
from .membership import health as membership_health
from .membership import joining as membership_joining
from .membership import services as membership
from .recognition import levels as recognition_levels
from .rounds import services as rounds
from .security import Role
from .submissions import purge_form_submissions


@click.group("panel", cls=AppGroup)
def panel_cli():
    """Run and look after the panel."""
    # Every `flask panel` job writes: take SQLite's write lock at the start of its transactions.
    token = act_as_writer()
    click.get_current_context().call_on_close(lambda: stop_acting_as_writer(token))


translate_cli = AppGroup("translate", help="Keep the translations up to date.")

POT_FILE = os.path.join(PROJECT_ROOT, "translations", "messages.pot")
TRANSLATIONS = os.path.join(PROJECT_ROOT, "translations")


def register_cli(app):
    app.cli.add_command(panel_cli)
    app.cli.add_command(translate_cli)


@panel_cli.command("create-admin")
@click.option("--email", prompt=True)
@click.option("--name", prompt=True)
@click.option("--language", type=click.Choice(["nl", "en"]), default="nl")
@click.password_option()
def create_admin(email, name, language, password):
    """Create an administrator account."""
    if find_user_by_email(email):
        raise click.ClickException("There is already an account with that e-mail address.")
    problem = password_problem(password, email=email, name=name)
    if problem:
        raise click.ClickException(problem)
    create_user(email, name, language, roles=[Role.ADMIN], password=password)
    db.session.commit()
    click.echo(f"Administrator {email} created.")


@panel_cli.command("reset-two-factor")
@click.argument("email")
def reset_two_factor(email):
    """Turn off two-factor login for EMAIL (a sole administrator who lost both phone and
    recovery codes). Their sessions end; an administrator enrols again at the next login.
    Audit-logged as done from the command line."""
    user = find_user_by_email(email)
    if user is None:
        raise click.ClickException("There is no account with that e-mail address.")
    if not user.totp_secret:
        raise click.ClickException("That account has no two-factor login to reset.")
    two_factor.reset(user, actor=None, via="command line")
    db.session.commit()
    click.echo(f"Two-factor login reset for {email}; they set it up again at their next login.")


@panel_cli.command("demo")
@click.option("--if-empty", is_flag=True, help="Only when the database has no users yet.")
@click.option(
    "--size",
    type=click.Choice(["demo", *volume.SIZES]),
    default="demo",
    show_default=True,
    help="demo: the small demo; S, M, L, XL: the demo and data at volume (QUALITY.md's sizes).",
)
@click.option("--seed", type=int, default=None, help="Seed of the random generator.")
def demo(if_empty, size, seed):
    """Load demo data: an installation in full swing, and print the demo accounts."""
    has_users = db.session.query(User.id).first() is not None
    if if_empty and has_users:
        click.echo("Demo data: the database already has users, nothing loaded.")
        return
    if size == "demo":
        accounts = load_demo() if seed is None else load_demo(seed=seed)
    else:
        if has_users:
            raise click.ClickException("Data at volume needs an empty database.")
        click.echo(f"Data at size {size}, one progress line per table:")
        accounts, counts = volume.generate(size, seed=seed, echo=click.echo)
        click.echo(f"{sum(counts.values()):,} rows written in bulk.")
    db.session.commit()
    click.echo(
        f"Demo data loaded. Log in at http://127.0.0.1:5000 with password '{DEMO_PASSWORD}' as:"
    )
    for role, email in accounts:
        click.echo(f"  {role:<15} {email}")


@panel_cli.command("send-mail")
@click.option("--limit", default=500, show_default=True)
def send_mail(limit):
    """Deliver due messages from the outbox (safe to run from cron every minute)."""
    sent, failed = deliver_outbox(limit=limit)
    click.echo(f"{sent} sent, {failed} failed attempts.")


@panel_cli.command("purge")
@click.option("--yes", is_flag=True, help="Don't ask for confirmation (for cron).")
def purge(yes):
    """Remove data past its retention period (safe to run from cron)."""
    if not yes:
        click.confirm(
            "Remove unconfirmed applications older than 30 days, expired sessions, "
            "old failed logins, sent and failed e-mail and used form tokens?",
            abort=True,
        )
    now = utcnow()
    counts = {
        "unconfirmed applications": membership_joining.purge_unconfirmed(now),
        "expired sessions": LoginSession.query.filter(LoginSession.expires_at < now).delete(),
        "failed logins": FailedLogin.query.filter(
            FailedLogin.created_at < now - timedelta(days=1)
        ).delete(),
        "sent e-mails": OutboxMessage.query.filter(
            OutboxMessage.status == SENT, OutboxMessage.sent_at < now - timedelta(days=30)
        ).delete(),
        # Mail that failed for good (or may have gone out) is kept 30 days for a resend.
        "failed e-mails": OutboxMessage.query.filter(
            OutboxMessage.status.in_((FAILED, UNSURE)),
            db.func.coalesce(OutboxMessage.first_failed_at, OutboxMessage.created_at)
            < now - timedelta(days=30),
        ).delete(synchronize_session=False),
        "used form tokens": purge_form_submissions(now),
    }
    db.session.commit()
    for what, count in counts.items():
        click.echo(f"{count} {what} removed.")


@panel_cli.command("send-reminders")
def send_reminders():
    """Send the day-before session reminders, once each (safe to run every few minutes)."""
    now = utcnow()
    opened = feedback.open_due_releases(now)
    db.session.commit()
    # One commit per session and per release: a reminder claimed is a reminder sent.
    sessions = 0
    for session_id in rounds.sessions_due_for_reminder(now):
        sessions += rounds.remind_session(session_id, now)
        db.session.commit()
    releases = 0
    for release_id in feedback.releases_due_for_reminder(now):
        releases += feedback.remind_release(release_id, now)
        db.session.commit()
    click.echo(
        f"{opened} releases opened for feedback. {sessions} session reminders sent. "
        f"{releases} feedback reminders sent."
    )


@panel_cli.command("send-digests")
def send_digests():
    """Weekly e-mail per stream member: new, overdue and decided insights (sent once a week)."""
    now = utcnow()
    sent = 0
    # One commit per digest: a digest claimed is a digest queued, also with two runs at once.
    for user_id, stream_ids in insights.digest_recipients().items():
        sent += insights.send_digest(user_id, stream_ids, now)
        db.session.commit()
    click.echo(f"{sent} digests sent.")


@panel_cli.command("resume-paused")
def resume_paused():
    """Make members whose pause has ended active again (run daily from cron)."""
    count = membership.resume_expired_pauses()
    db.session.commit()
    click.echo(f"{count} paused members are active again.")


@panel_cli.command("refresh-health")
def refresh_health():
    """Count the panel health figures about all members again (every ten minutes from cron)."""
    token = act_as_reader()  # it counts first: other writers go on meanwhile
    try:
        counted = membership_health.refresh()
        db.session.commit()
    finally:
        stop_acting_as_writer(token)
    click.echo("Panel health counted." if counted else "Panel health was counted this minute.")


@panel_cli.command("backup")
@click.option("--to", "target", type=click.Path(dir_okay=False), help="The backup file to write.")
@click.option(
    "--dir",
    "directory",
    type=click.Path(file_okay=False),
    help="Write klantenteam-<UTC time>.sqlite3 (or .dump for PostgreSQL) into this directory.",
)
@click.option("--keep-daily", type=click.IntRange(min=1), help="With --dir: keep N daily backups.")
@click.option("--keep-weekly", type=click.IntRange(min=0), help="With --dir: and N weekly ones.")
def backup(target, directory, keep_daily, keep_weekly):
    """Back up the whole database while the app runs (SQLite backup API, or pg_dump)."""
    if bool(target) == bool(directory):
        raise click.UsageError("Give either --to FILE or --dir DIRECTORY.")
    if keep_daily is None and keep_weekly is not None or keep_daily and not directory:
        raise click.UsageError("--keep-daily (and --keep-weekly) go with --dir.")
    if directory:
        os.makedirs(directory, mode=0o700, exist_ok=True)
        target = os.path.join(directory, backup_name(db.engine.url))
    try:
        written = make_backup(db.engine, target)
    except BackupError as error:
        raise click.ClickException(str(error)) from error
    click.echo(f"Backup written to {written} ({written.stat().st_size:,} bytes).")
    if keep_daily:
        for path in prune(directory, keep_daily, keep_weekly or 0):
            click.echo(f"Old backup {path} removed.")


@panel_cli.command("restore")
@click.argument("source", type=click.Path(exists=True, dir_okay=False))
@click.option("--force", is_flag=True, help="Replace a database that holds data.")
def restore(source, force):
    """Restore a backup into the database (stop the app and the jobs first)."""
    db.session.remove()  # no transaction of ours holds a table while it is replaced
    try:
        restore_backup(db.engine, source, force=force)
    except BackupError as error:
        raise click.ClickException(str(error)) from error
    click.echo(f"Database restored from {source}. Run `flask db upgrade` if the app is newer.")


def _pybabel(*args):
    # From the project's folder, so that the catalog's source locations are relative paths.
    subprocess.run(
        [sys.executable, "-m", "babel.messages.frontend", *args], check=True, cwd=PROJECT_ROOT
    )


@translate_cli.command("extract")
def extract():
    """Collect the strings of the code and templates into translations/messages.pot."""
    _pybabel(
        "extract",
        "-F",
        "babel.cfg",
        "-k",
        "_l",
        "-k",
        "_lp:1c,2",
        "-k",
        "lazy_pgettext:1c,2",
        # Source locations and the `# Translators:` notes help whoever translates a string.
        "--add-comments=Translators:",
        "--sort-output",
        "-o",
        POT_FILE,
        ".",
    )


@translate_cli.command("update")
def update():
    """Extract, then merge new strings into the Dutch catalog."""
    extract.callback()
    _pybabel(
        "update", "-i", POT_FILE, "-d", TRANSLATIONS, "--no-fuzzy-matching", "--ignore-obsolete"
    )


@translate_cli.command("compile")
def compile_catalogs():
    """Compile the catalogs for use by the running app."""
    _pybabel("compile", "-d", TRANSLATIONS, "--statistics")


@panel_cli.command("reindex-triage")
def reindex_triage():
    """Fill triage's list of every contribution and its search index anew (after an upgrade
    that adds it, a bulk load, or to repair it)."""
    count = insights_triage.rebuild()
    db.session.commit()
    click.echo(f"Contributions in triage: {count}.")


@panel_cli.command("refresh-levels")
def refresh_levels():
    """Count every member's contributor level over the last 12 months again (nightly)."""
    changed = recognition_levels.refresh_levels()
    db.session.commit()
    click.echo(f"Contributor levels counted: {changed} members changed level.")

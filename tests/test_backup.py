"""`flask panel backup` and `flask panel restore` (panel/backup.py) on SQLite and PostgreSQL.

A backup of the demo, restored into the database it came from and into a new one, holds every
row: the same tables with the same row counts, and the same values in a few columns (a checksum
over every row of them, timestamps included). PostgreSQL needs pg_dump and pg_restore (the
PostgreSQL client); without them those tests skip with the reason."""

import hashlib
import os
import shutil
import sqlite3
from datetime import datetime

import pytest
from sqlalchemy import create_engine, inspect, select, text
from sqlalchemy.engine import make_url

from panel.accounts.models import User
from panel.backup import BackupError, make_backup, prune, restore_backup
from panel.demo import load_demo
from panel.extensions import db as _db
from panel.feedback.models import Response
from panel.rounds.models import Idea

# Columns whose values must come back exactly, timestamps among them.
CHECKED = {
    "users": ("id", "email", "name", "password_hash", "totp_secret", "created_at"),
    "feedback_responses": ("id", "release_id", "member_id", "score", "improve_text"),
    "ideas": ("id", "round_id", "title", "body", "support_count", "created_at"),
    "audit_entries": ("id", "action", "created_at"),
}


def needs_pg_client(url):
    if url.get_backend_name() != "sqlite" and not shutil.which("pg_dump"):
        pytest.skip("pg_dump/pg_restore are not installed (apt-get install postgresql-client)")


def snapshot(engine):
    """Every table's row count, and a checksum of the CHECKED columns of every row."""
    with engine.connect() as connection:
        quote = connection.dialect.identifier_preparer.quote
        names = sorted(inspect(connection).get_table_names())
        counts = {
            name: connection.execute(text(f"SELECT count(*) FROM {quote(name)}")).scalar()
            for name in names
        }
        sums = {}
        for name, columns in CHECKED.items():
            table = _db.metadata.tables[name]
            rows = connection.execute(
                select(*(table.c[column] for column in columns)).order_by(table.c.id)
            ).all()
            sums[name] = (len(rows), hashlib.sha256(repr(rows).encode()).hexdigest())
    return counts, sums


def cli(app, *args):
    _db.session.remove()  # the test's own transaction holds no table a restore replaces
    return app.test_cli_runner().invoke(args=["panel", *args])


@pytest.fixture
def empty_database(app, tmp_path):
    """A second database, without a single table: where a backup is restored after a loss."""
    url = make_url(app.config["SQLALCHEMY_DATABASE_URI"])
    if url.get_backend_name() == "sqlite":
        yield url.set(database=str(tmp_path / "restored.sqlite3"))
        return
    name = f"{url.database}_restore"
    server = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with server.connect() as connection:
        connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}"')
        connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
    try:
        yield url.set(database=name)
    finally:
        with server.connect() as connection:
            connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        server.dispose()


def test_a_backup_of_the_demo_restores_every_row(app, db, tmp_path, empty_database):
    needs_pg_client(db.engine.url)
    load_demo()
    db.session.commit()
    before = snapshot(db.engine)
    assert before[0]["users"] > 200 and before[1]["feedback_responses"][0] > 1000
    assert sum(1 for count in before[0].values() if count) >= 30  # tables with rows

    backup = tmp_path / (
        "demo.sqlite3" if db.engine.url.get_backend_name() == "sqlite" else "demo.dump"
    )
    result = cli(app, "backup", "--to", str(backup))
    assert result.exit_code == 0, result.output
    assert backup.stat().st_mode & 0o777 == 0o600  # every member's data: the owner's eyes only
    assert not list(tmp_path.glob("*.partial"))

    # Changed after the backup: the database holds rows, so a restore without --force refuses
    # and leaves it as it is.
    Idea.query.filter(Idea.id <= 5).delete()
    Response.query.filter(Response.id % 2 == 0).delete()
    db.session.commit()
    changed = snapshot(db.engine)
    assert changed != before
    result = cli(app, "restore", str(backup))
    assert result.exit_code != 0
    assert "not empty" in result.output and "--force" in result.output
    assert snapshot(db.engine) == changed

    # --force puts back exactly what the backup holds.
    result = cli(app, "restore", "--force", str(backup))
    assert result.exit_code == 0, result.output
    assert snapshot(db.engine) == before
    # New rows follow on (PostgreSQL's sequences came back with the tables).
    newest = db.session.scalar(select(User.id).order_by(User.id.desc()).limit(1))
    user = User(email="after.restore@example.org", name="After", locale="en")
    db.session.add(user)
    db.session.commit()
    assert user.id > newest

    # A database without a single table (the disaster case) gets every row too.
    other = create_engine(empty_database)
    try:
        restore_backup(other, backup)
        assert snapshot(other) == before
    finally:
        other.dispose()


def test_restore_refuses_a_file_that_is_no_backup(app, db, tmp_path, make_user):
    needs_pg_client(db.engine.url)
    make_user()
    db.session.commit()
    bogus = tmp_path / "notes.dump"
    bogus.write_text("not a backup at all\n")
    result = cli(app, "restore", "--force", str(bogus))
    assert result.exit_code != 0
    assert "Error:" in result.output
    assert User.query.count() == 1  # nothing was touched


def test_a_backup_never_overwrites_a_file(app, db, tmp_path):
    needs_pg_client(db.engine.url)
    target = tmp_path / "kept.bin"
    target.write_bytes(b"precious")
    with pytest.raises(BackupError):
        make_backup(db.engine, target)
    assert target.read_bytes() == b"precious"


def test_backup_into_a_directory_keeps_the_retention(app, db, tmp_path):
    needs_pg_client(db.engine.url)
    directory = tmp_path / "backups"
    directory.mkdir()
    suffix = "sqlite3" if db.engine.url.get_backend_name() == "sqlite" else "dump"
    # Fifty old nightly backups (names only: retention goes by the time in the name).
    for day in range(1, 51):
        stamp = datetime(2020, 1, 1).toordinal() + day
        name = datetime.fromordinal(stamp).strftime("klantenteam-%Y%m%dT020000Z.") + suffix
        (directory / name).write_bytes(b"old")
    (directory / "notes.txt").write_text("not a backup: never removed")

    result = cli(app, "backup", "--dir", str(directory), "--keep-daily", "3", "--keep-weekly", "3")
    assert result.exit_code == 0, result.output
    left = sorted(path.name for path in directory.iterdir())
    assert "notes.txt" in left
    made = [name for name in left if not name.startswith("klantenteam-2020")]
    assert len(made) == 2  # today's backup and the notes
    # Three days: today's and the last two of 2020; three weeks: today's, 2020's week 8 (ending
    # on Thursday 20 February, the last backup) and week 7 (its newest: Sunday 16 February).
    assert [name for name in left if name.startswith("klantenteam-2020")] == [
        f"klantenteam-20200216T020000Z.{suffix}",
        f"klantenteam-20200219T020000Z.{suffix}",
        f"klantenteam-20200220T020000Z.{suffix}",
    ]


def test_prune_keeps_the_newest_of_each_day_and_week(tmp_path):
    names = [
        "klantenteam-20260105T020000Z.dump",  # Monday, week 2
        "klantenteam-20260106T020000Z.dump",
        "klantenteam-20260106T140000Z.dump",  # the newest of Tuesday
        "klantenteam-20260111T020000Z.dump",  # Sunday: newest of week 2
        "klantenteam-20260112T020000Z.dump",  # Monday, week 3
        "klantenteam-20260113T020000Z.dump",
        "klantenteam-20251231T020000Z.dump",  # week 1 of 2026 (ISO), newest of it
        "klantenteam-20251229T020000Z.dump",
        "other-20260113T020000Z.dump",
    ]
    for name in names:
        (tmp_path / name).write_bytes(b"")
    removed = {path.name for path in prune(tmp_path, keep_daily=2, keep_weekly=3)}
    assert removed == {
        "klantenteam-20260105T020000Z.dump",
        "klantenteam-20260106T020000Z.dump",
        "klantenteam-20260106T140000Z.dump",
        "klantenteam-20251229T020000Z.dump",
    }
    # Only the newest of all, newest first in the answer.
    assert [path.name for path in prune(tmp_path, keep_daily=1, keep_weekly=0)] == [
        "klantenteam-20260112T020000Z.dump",
        "klantenteam-20260111T020000Z.dump",
        "klantenteam-20251231T020000Z.dump",
    ]
    assert sorted(path.name for path in tmp_path.iterdir()) == [
        "klantenteam-20260113T020000Z.dump",
        "other-20260113T020000Z.dump",
    ]


def test_a_sqlite_backup_is_one_file_while_the_app_writes(app, db, tmp_path, make_user):
    if db.engine.url.get_backend_name() != "sqlite":
        pytest.skip("SQLite's backup API")
    make_user()
    db.session.commit()
    # A writer holds an open transaction meanwhile: the copy is the last committed state.
    writer = sqlite3.connect(db.engine.url.database)
    writer.execute("BEGIN IMMEDIATE")
    writer.execute("DELETE FROM users")
    try:
        target = make_backup(db.engine, tmp_path / "live.sqlite3")
    finally:
        writer.rollback()
        writer.close()
    assert not os.path.exists(f"{target}-wal")
    copy = sqlite3.connect(target)
    assert copy.execute("PRAGMA journal_mode").fetchone()[0] == "delete"
    assert copy.execute("SELECT count(*) FROM users").fetchone()[0] == 1
    copy.close()

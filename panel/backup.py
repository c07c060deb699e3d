"""Backups of the whole database and their restore: `flask panel backup` and `flask panel restore`.

SQLite is copied with its online backup API (`sqlite3.Connection.backup`): a consistent copy
taken while the app serves requests (under WAL a reader holds nobody up), written as a single
self-contained file. PostgreSQL is dumped with `pg_dump --format=custom` and read back with
`pg_restore`. A backup is written next to its final name and renamed when it is complete and
checked, so a file with a backup's name is always a whole backup; it is readable by its owner only
(it holds every member's personal data).

Retention (`prune`): of the backups in a directory, the newest of each of the last `keep_daily`
days and of each of the last `keep_weekly` ISO weeks are kept, the rest removed. Only files named
like a backup of this command are ever touched.
"""

import os
import re
import shutil
import sqlite3
import subprocess
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import inspect, literal, select, table

PREFIX = "klantenteam"
NAME = re.compile(rf"^{PREFIX}-(\d{{8}}T\d{{6}}Z)\.(sqlite3|dump)$")
# Tables that a freshly migrated, still empty database already fills.
BOOKKEEPING_TABLES = {"alembic_version", "sqlite_sequence"}


class BackupError(Exception):
    """Something the operator must see and correct; nothing was overwritten."""


def backup_name(url, now=None):
    """The file name of a backup made now: klantenteam-20260130T020000Z.sqlite3 (or .dump)."""
    stamp = (now or datetime.now(UTC)).strftime("%Y%m%dT%H%M%SZ")
    return f"{PREFIX}-{stamp}.{'sqlite3' if url.get_backend_name() == 'sqlite' else 'dump'}"


def make_backup(engine, target):
    """Write a complete, checked backup of the database behind `engine` to the file `target`."""
    target = Path(target)
    if target.exists():
        raise BackupError(f"{target} exists already; a backup never overwrites a file.")
    partial = target.with_name(target.name + ".partial")
    # Created here, owner-only, so that pg_dump and SQLite write into a file nobody else reads.
    os.close(os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600))
    try:
        if engine.url.get_backend_name() == "sqlite":
            _sqlite_backup(_sqlite_path(engine.url), partial)
        else:
            _run(
                "pg_dump",
                "--format=custom",
                f"--file={partial}",
                f"--dbname={_libpq_uri(engine.url)}",
                url=engine.url,
            )
            _run("pg_restore", "--list", str(partial), url=engine.url)  # a readable archive
        os.replace(partial, target)
    finally:
        if partial.exists():
            partial.unlink()
    return target


def restore_backup(engine, source, force=False):
    """Replace the database behind `engine` by the backup in `source`.

    Refuses (BackupError) when the database holds any row, unless `force`; the backup is checked
    before anything is touched. The caller has ended its own transactions: every connection of
    the engine is closed here, and the app and its jobs must be stopped meanwhile.
    """
    source = Path(source)
    if not source.is_file():
        raise BackupError(f"{source} is not a file.")
    sqlite = engine.url.get_backend_name() == "sqlite"
    if sqlite:
        _check_sqlite_backup(source)
    else:
        _run("pg_restore", "--list", str(source), url=engine.url)
    filled = filled_tables(engine)
    if filled and not force:
        raise BackupError(
            f"The database is not empty ({len(filled)} tables hold rows, e.g. {filled[0]}): "
            "restore into an empty database, or add --force to replace what is in it."
        )
    engine.dispose()
    if sqlite:
        _sqlite_restore(source, _sqlite_path(engine.url))
    else:
        _run(
            "pg_restore",
            "--clean",
            "--if-exists",
            "--no-owner",
            "--no-privileges",
            "--single-transaction",
            "--exit-on-error",
            f"--dbname={_libpq_uri(engine.url)}",
            str(source),
            url=engine.url,
        )


def filled_tables(engine):
    """The tables that hold at least one row (bookkeeping tables left out), by name."""
    with engine.connect() as connection:
        names = sorted(set(inspect(connection).get_table_names()) - BOOKKEEPING_TABLES)
        filled = [
            name
            for name in names
            if connection.execute(select(literal(1)).select_from(table(name)).limit(1)).first()
        ]
        connection.rollback()
    return filled


def prune(directory, keep_daily, keep_weekly):
    """Remove the backups in `directory` that the retention doesn't keep; returns their paths.

    Kept: the newest backup of each of the `keep_daily` most recent days (UTC) that have one, the
    newest of each of the `keep_weekly` most recent ISO weeks, and always the newest of all.
    """
    directory = Path(directory)
    backups = sorted(
        (
            (datetime.strptime(match.group(1), "%Y%m%dT%H%M%SZ"), path)
            for path in directory.iterdir()
            if (match := NAME.match(path.name)) and path.is_file()
        ),
        reverse=True,
    )
    keep = set()
    days, weeks = {}, {}
    for moment, path in backups:  # newest first: the first seen of a day or week is its newest
        days.setdefault(moment.date(), path)
        weeks.setdefault(moment.isocalendar()[:2], path)
    keep.update(list(days.values())[:keep_daily])
    keep.update(list(weeks.values())[:keep_weekly])
    if backups:
        keep.add(backups[0][1])
    removed = [path for _, path in backups if path not in keep]
    for path in removed:
        path.unlink()
    return removed


# SQLite -----------------------------------------------------------------------------------


def _sqlite_path(url):
    path = url.database
    if not path or path == ":memory:" or url.query.get("mode") == "memory":
        raise BackupError("An in-memory SQLite database has nothing to back up or restore.")
    return Path(path)


def _connect_existing(path):
    """A connection to an existing SQLite file (never creates one by a typo)."""
    if not Path(path).is_file():
        raise BackupError(f"There is no SQLite database at {path}.")
    return sqlite3.connect(Path(path).resolve().as_uri() + "?mode=rw", uri=True)


def _sqlite_backup(path, target):
    source = _connect_existing(path)
    copy = sqlite3.connect(target)
    try:
        # One step: a single read transaction, so the copy is one consistent moment. Under WAL
        # the app's writers carry on meanwhile.
        source.backup(copy)
        # A single file, without -wal and -shm beside it.
        copy.execute("PRAGMA journal_mode=DELETE")
        result = copy.execute("PRAGMA integrity_check").fetchone()[0]
        if result != "ok":
            raise BackupError(f"The copy failed its integrity check: {result}")
    finally:
        copy.close()
        source.close()


def _check_sqlite_backup(path):
    try:
        connection = sqlite3.connect(Path(path).resolve().as_uri() + "?mode=ro", uri=True)
        try:
            result = connection.execute("PRAGMA integrity_check").fetchone()[0]
            tables = connection.execute(
                "SELECT count(*) FROM sqlite_master WHERE type = 'table'"
            ).fetchone()[0]
        finally:
            connection.close()
    except sqlite3.DatabaseError as error:
        raise BackupError(f"{path} is not a SQLite backup: {error}") from error
    if result != "ok" or not tables:
        raise BackupError(f"{path} is not a usable SQLite backup ({result}, {tables} tables).")


def _sqlite_restore(source, path):
    """Copy the backup over the database with the same backup API: page by page, under SQLite's
    own locks, so the database's -wal and -shm files stay in step (a file copy over a WAL
    database would not)."""
    backup = sqlite3.connect(Path(source).resolve().as_uri() + "?mode=ro", uri=True)
    database = sqlite3.connect(path)
    try:
        database.execute("PRAGMA busy_timeout=10000")
        backup.backup(database)
        database.execute("PRAGMA journal_mode=WAL")
    finally:
        database.close()
        backup.close()


# PostgreSQL -------------------------------------------------------------------------------


def _libpq_uri(url):
    """The database's address for pg_dump/pg_restore, without the password (that goes in the
    environment, where `ps` doesn't show it)."""
    return url.set(drivername="postgresql", password=None).render_as_string(hide_password=False)


def _run(program, *args, url):
    executable = shutil.which(program)
    if executable is None:
        raise BackupError(
            f"{program} was not found: install the PostgreSQL client of the server's version "
            "(Debian: apt-get install postgresql-client)."
        )
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = url.password
    # A list of arguments, no shell: nothing in them is read as a command.
    result = subprocess.run(
        [executable, *args], env=env, capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        raise BackupError(f"{program} failed: {result.stderr.strip()}")
    return result.stdout

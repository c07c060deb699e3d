"""Database conventions: aware UTC timestamps and SQLite settings for concurrent use."""

from contextvars import ContextVar
from datetime import UTC, datetime

from flask import has_request_context, request
from sqlalchemy import DateTime, event
from sqlalchemy.engine import Engine
from sqlalchemy.types import TypeDecorator

READ_ONLY_METHODS = ("GET", "HEAD", "OPTIONS")
_writer = ContextVar("panel_sqlite_writer", default=False)


def act_as_writer():
    """Outside requests (CLI jobs), begin SQLite transactions with the write lock taken.

    Returns a token for stop_acting_as_writer(), so the setting never outlives the job.
    """
    return _writer.set(True)


def stop_acting_as_writer(token):
    _writer.reset(token)


def utcnow():
    """The current time as an aware UTC datetime."""
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator):
    """Stores UTC and always hands back aware datetimes, on SQLite too."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; use panel.database.utcnow()")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def _is_sqlite(dbapi_connection):
    return type(dbapi_connection).__module__.startswith("sqlite3")


@event.listens_for(Engine, "connect")
def _configure_sqlite(dbapi_connection, connection_record):
    if not _is_sqlite(dbapi_connection):
        return
    # Let SQLAlchemy's begin event below decide how a transaction starts.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


@event.listens_for(Engine, "begin")
def _begin_sqlite(connection):
    if connection.dialect.name != "sqlite":
        return
    # Writers (POST requests, CLI jobs) take the write lock up front, so that a read-then-write
    # transaction never fails on a snapshot another writer has moved on from; page reads stay
    # deferred and run side by side under WAL.
    if has_request_context():
        writer = request.method not in READ_ONLY_METHODS
    else:
        writer = _writer.get()
    connection.exec_driver_sql("BEGIN IMMEDIATE" if writer else "BEGIN")

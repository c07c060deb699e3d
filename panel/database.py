"""Database conventions: aware UTC timestamps, Amsterdam days and months, SQLite settings."""

import time
from contextvars import ContextVar
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from flask import current_app, has_request_context
from sqlalchemy import DateTime, String, case, event, func, literal_column, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Engine
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.expression import FunctionElement
from sqlalchemy.types import TypeDecorator

from .extensions import db

_writer = ContextVar("panel_sqlite_writer", default=False)


def act_as_writer():
    """Outside requests (CLI jobs), begin SQLite transactions with the write lock taken (every
    other transaction takes it at its first write).

    Returns a token for stop_acting_as_writer(), so the setting never outlives the job.
    """
    return _writer.set(True)


def act_as_reader():
    """For a job that reads for long and writes a little at the end (`flask panel
    refresh-health`): its SQLite transactions take the write lock at their first write, as a
    request's do, so other writers are not kept waiting while it counts.

    Returns a token for stop_acting_as_writer().
    """
    return _writer.set(False)


def stop_acting_as_writer(token):
    _writer.reset(token)


# The panel's calendar: "today", months and working days are Amsterdam's, whatever the server's
# time zone (TZ) or the database session's time zone says.
AMSTERDAM = ZoneInfo("Europe/Amsterdam")


def utcnow():
    """The current time as an aware UTC datetime."""
    return datetime.now(UTC)


def amsterdam_today(now=None):
    """Today's date in Amsterdam (never date.today(): that is the server's time zone)."""
    return (now or utcnow()).astimezone(AMSTERDAM).date()


def month_key(moment):
    """'YYYY-MM' of the Amsterdam month an aware time falls in."""
    return moment.astimezone(AMSTERDAM).strftime("%Y-%m")


def month_start(now=None, back=0):
    """The start of the Amsterdam month `back` months before the one `now` falls in, in UTC."""
    local = (now or utcnow()).astimezone(AMSTERDAM)
    index = local.year * 12 + local.month - 1 - back
    start = datetime(index // 12, index % 12 + 1, 1, tzinfo=AMSTERDAM)
    return start.astimezone(UTC)


def month_keys(now=None, months=12):
    """The last `months` Amsterdam months up to and including now's, oldest first: 'YYYY-MM'."""
    return [month_key(month_start(now, back)) for back in range(months - 1, -1, -1)]


class local_month(FunctionElement):  # noqa: N801 - used like a SQL function: local_month(col)
    """SQL for 'YYYY-MM' of the Amsterdam month a stored UTC time falls in, on both databases.

    PostgreSQL converts with its time zone database, so the session's TimeZone setting plays no
    part. SQLite has no time zones: an Amsterdam month starts at 23:00 UTC the day before (CET)
    from November to March and at 22:00 UTC (CEST) from April to October, because summer time
    starts and ends on the last Sunday of March and of October, before the month turns. So a UTC
    time in March to September moves two hours on, any other one hour: that lands in the right
    Amsterdam month (not always at the right hour around a switch, which a month never needs).
    """

    type = String()
    inherit_cache = True
    name = "local_month"


@compiles(local_month)
def _local_month_sqlite(element, compiler, **kw):
    (column,) = element.clauses
    # Literals, not parameters: the same expression in SELECT and GROUP BY must read the same.
    summer = func.strftime(literal_column("'%m'"), column).between(
        literal_column("'03'"), literal_column("'09'")
    )
    shift = case((summer, literal_column("'+2 hours'")), else_=literal_column("'+1 hours'"))
    return compiler.process(func.strftime(literal_column("'%Y-%m'"), column, shift), **kw)


@compiles(local_month, "postgresql")
def _local_month_postgresql(element, compiler, **kw):
    (column,) = element.clauses
    return compiler.process(
        func.to_char(
            func.timezone(literal_column("'Europe/Amsterdam'"), column),
            literal_column("'YYYY-MM'"),
        ),
        **kw,
    )


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
    # CLI jobs (act_as_writer) take the write lock up front. Everything else, POST requests
    # included, begins deferred: its reads run side by side with every other reader and writer
    # under WAL, and the write lock is taken only at its first write (_take_write_lock).
    writer = not has_request_context() and _writer.get()
    connection.info[_LOCK_HELD] = writer
    connection.exec_driver_sql("BEGIN IMMEDIATE" if writer else "BEGIN")


_LOCK_HELD = "panel_sqlite_write_lock"
_WRITES = ("INSERT", "UPDATE", "DELETE", "REPLACE", "SAVEPOINT", "CREATE", "DROP", "ALTER")


def _writes(statement, context):
    """True for a statement that writes, or that locks what it reads (SELECT … FOR UPDATE, which
    SQLite's dialect leaves out of the SQL: the write lock stands in for the row lock)."""
    if statement.lstrip()[:9].upper().startswith(_WRITES):
        return True
    if context is None:
        return False
    if context.isinsert or context.isupdate or context.isdelete:
        return True
    compiled = getattr(context, "compiled", None)
    return getattr(getattr(compiled, "statement", None), "_for_update_arg", None) is not None


@event.listens_for(Engine, "before_cursor_execute")
def _take_write_lock(connection, cursor, statement, parameters, context, executemany):
    """SQLite: at a transaction's first write (or locking read), end its read-only part and go
    on in a write transaction (BEGIN IMMEDIATE), which waits its turn (busy_timeout).

    Nothing has been written yet, so ending the read part loses nothing; the new transaction
    reads the database as committed now, like PostgreSQL's READ COMMITTED after a lock. Only
    the writing part holds the lock, so requests read in parallel and write one after the
    other, briefly. A deferred transaction that simply wrote would instead fail with
    SQLITE_BUSY_SNAPSHOT whenever another writer had committed since its first read."""
    if connection.dialect.name != "sqlite":
        return
    info = connection.info
    if info.get(_LOCK_HELD, True) or not _writes(statement, context):
        return
    raw = connection.connection.dbapi_connection
    if raw.in_transaction:
        raw.execute("COMMIT")
    raw.execute("BEGIN IMMEDIATE")
    info[_LOCK_HELD] = True


def race_pause(setting):
    """Race tests set `setting` (seconds) in the app's config to widen the gap between what a
    request read and what it writes; 0, the default, costs nothing."""
    delay = current_app.config.get(setting, 0)
    if delay:
        time.sleep(delay)


def conflict_insert(model):
    """An INSERT into the model's table for the database in use, which takes ON CONFLICT:
    `.on_conflict_do_nothing(index_elements=…)` ("unless already there", the key decides, also
    when two requests insert at once) or `.on_conflict_do_update(…)`. SQLite and PostgreSQL both
    know the clause; SQLAlchemy builds it per dialect."""
    dialect = postgresql if db.session.get_bind().dialect.name == "postgresql" else sqlite
    return dialect.insert(model)


def distinct_values(column, name):
    """The distinct values of an indexed column as a select (column `value`), read one index
    step each: a recursive "smallest value after this one". A DISTINCT reads every row (neither
    PostgreSQL nor, always, SQLite skip through an index by themselves); this costs one probe
    per distinct value, so it suits a column with few values in many rows (who made the
    insights, who acted in the audit log)."""
    found = select(func.min(column).label("value")).cte(name, recursive=True)
    following = select(func.min(column)).where(column > found.c.value).scalar_subquery()
    found = found.union_all(select(following).where(found.c.value.isnot(None)))
    return select(found.c.value).where(found.c.value.isnot(None))

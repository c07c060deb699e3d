"""Finding people by a part of their name or e-mail address, indexed at any size.

Each user's name and address are kept folded (lower case, accents taken off, so "zoe" finds
"Zoë") in user_search, one row per user: written when a user is added or their name or address
changes (whichever part of the app changes it), deleted with the user (erasure deletes the user,
the foreign key cascades). The index over it is per database: on SQLite an FTS5 table with the
trigram tokenizer over these rows (kept in step by triggers), on PostgreSQL a pg_trgm GIN index.
Both find a part of three or more characters through the index; a shorter one reads the small
folded rows. See docs/performance.md, "Member search".
"""

import unicodedata

from sqlalchemy import (
    DDL,
    event,
    exists,
    false,
    insert,
    inspect,
    literal_column,
    select,
    text,
    update,
)

from ..extensions import db
from .models import User

# Characters the index needs to find a part (FTS5 trigram, pg_trgm): shorter ones are read.
INDEXED_LENGTH = 3


class UserSearch(db.Model):
    __tablename__ = "user_search"

    # INTEGER PRIMARY KEY: SQLite's rowid, which the FTS5 table's rows are keyed by.
    user_id = db.Column(
        db.Integer,
        db.ForeignKey("users.id", ondelete="CASCADE"),
        primary_key=True,
        autoincrement=False,
    )
    folded = db.Column(db.Text, nullable=False)


# Letters that are not a base letter plus an accent in Unicode, written as people type them.
LETTERS = str.maketrans({"ø": "o", "æ": "ae", "œ": "oe", "ł": "l", "đ": "d", "ı": "i", "þ": "th"})


def fold(value):
    """Lower case without accents and with single spaces: 'Zoë  Ødegård' -> 'zoe odegard'."""
    decomposed = unicodedata.normalize("NFKD", (value or "").casefold())
    bare = "".join(char for char in decomposed if not unicodedata.combining(char))
    return " ".join(bare.translate(LETTERS).split())


def search_key(name, email):
    # A line apart: a folded search term has no line break, so it never spans name and address.
    return "\n".join(fold(part) for part in (name, email) if part)


def _like_pattern(needle):
    escaped = needle.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def matching_user_ids(term):
    """A subquery (column user_id) of the users whose name or e-mail address holds `term`
    (folded), read from the index; None when nothing is left of the term to look for. Joined to
    (not IN), it drives the query and a LIMIT stops it early, however many match."""
    needle = fold(term)
    if not needle:
        return None
    if db.engine.dialect.name == "sqlite" and len(needle) >= INDEXED_LENGTH:
        # A quoted FTS5 string: the trigram tokenizer matches it anywhere in the text; nothing
        # in it is query syntax once its own quotes are doubled.
        phrase = '"' + needle.replace('"', '""') + '"'
        ids = (
            select(literal_column("rowid").label("user_id"))
            .select_from(text("user_search_fts"))
            .where(text("user_search_fts MATCH :phrase").bindparams(phrase=phrase))
        )
    else:
        ids = select(UserSearch.user_id).where(
            UserSearch.folded.like(_like_pattern(needle), escape="\\")
        )
    return ids.subquery("matching_users")


def user_holds(term, user_id):
    """The same test for one row at a time (user_id: the column of the outer query), for
    reading a list in its own order until a page is full when many match."""
    needle = fold(term)
    if not needle:
        return false()
    return exists().where(
        UserSearch.user_id == user_id,
        UserSearch.folded.like(_like_pattern(needle), escape="\\"),
    )


@event.listens_for(User, "after_insert")
def _user_added(mapper, connection, user):
    connection.execute(
        insert(UserSearch.__table__).values(
            user_id=user.id, folded=search_key(user.name, user.email)
        )
    )


@event.listens_for(User, "after_update")
def _user_changed(mapper, connection, user):
    attributes = inspect(user).attrs
    if not (attributes.name.history.has_changes() or attributes.email.history.has_changes()):
        return
    key = search_key(user.name, user.email)
    table = UserSearch.__table__
    changed = connection.execute(update(table).where(table.c.user_id == user.id).values(folded=key))
    if changed.rowcount == 0:
        connection.execute(insert(table).values(user_id=user.id, folded=key))


@event.listens_for(User, "after_delete")
def _user_deleted(mapper, connection, user):
    # The foreign key cascades too; this also holds where foreign keys are not enforced.
    table = UserSearch.__table__
    connection.execute(table.delete().where(table.c.user_id == user.id))


def index_unindexed_users(batch=5000):
    """Add the rows of users written in bulk (the volume generator), which bypass the events."""
    table = UserSearch.__table__
    rows = db.session.execute(
        select(User.id, User.name, User.email)
        .outerjoin(UserSearch, UserSearch.user_id == User.id)
        .where(UserSearch.user_id.is_(None))
        .order_by(User.id)
    ).all()
    for start in range(0, len(rows), batch):
        db.session.execute(
            insert(table),
            [
                {"user_id": user_id, "folded": search_key(name, email)}
                for user_id, name, email in rows[start : start + batch]
            ],
        )
    return len(rows)


# The index, made by hand per database (the migration makes the same; migrations/env.py and
# tests/test_migrations.py leave these names out of the comparison with the models).
SQLITE_INDEX = [
    "CREATE VIRTUAL TABLE user_search_fts USING fts5(folded,"
    " content='user_search', content_rowid='user_id', tokenize='trigram')",
    "CREATE TRIGGER user_search_fts_insert AFTER INSERT ON user_search BEGIN"
    " INSERT INTO user_search_fts(rowid, folded) VALUES (new.user_id, new.folded); END",
    "CREATE TRIGGER user_search_fts_delete AFTER DELETE ON user_search BEGIN"
    " INSERT INTO user_search_fts(user_search_fts, rowid, folded)"
    " VALUES ('delete', old.user_id, old.folded); END",
    "CREATE TRIGGER user_search_fts_update AFTER UPDATE OF folded ON user_search BEGIN"
    " INSERT INTO user_search_fts(user_search_fts, rowid, folded)"
    " VALUES ('delete', old.user_id, old.folded);"
    " INSERT INTO user_search_fts(rowid, folded) VALUES (new.user_id, new.folded); END",
]
POSTGRES_INDEX = [
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "CREATE INDEX ix_user_search_trgm ON user_search USING gin (folded gin_trgm_ops)",
]
for statement in SQLITE_INDEX:
    event.listen(UserSearch.__table__, "after_create", DDL(statement).execute_if(dialect="sqlite"))
for statement in POSTGRES_INDEX:
    event.listen(
        UserSearch.__table__, "after_create", DDL(statement).execute_if(dialect="postgresql")
    )
event.listen(
    UserSearch.__table__,
    "before_drop",
    DDL("DROP TABLE IF EXISTS user_search_fts").execute_if(dialect="sqlite"),
)

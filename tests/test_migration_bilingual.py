"""Migration c3b1ling0006 with data in it: single-language answers, venues and insight titles
move into the column of the language they were most likely written in."""

import os
from datetime import UTC, datetime

from flask_migrate import downgrade, upgrade
from sqlalchemy import Boolean, DateTime, Integer, MetaData, Numeric, create_engine, insert, select

from panel import create_app
from panel.config import PROJECT_ROOT, TestConfig

from .conftest import vars_of
from .test_migrations import empty_database_url  # noqa: F401 (fixture)

MIGRATIONS = os.path.join(PROJECT_ROOT, "migrations")
BEFORE, AFTER = "b3re1ease003", "c3b1ling0006"
NOW = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)


def add(connection, metadata, table, **values):
    """Insert a row, filling the other required columns with plain values."""
    table = metadata.tables[table]
    for column in table.columns:
        if column.name in values or column.nullable or column.primary_key:
            continue
        if column.server_default is not None:
            continue
        if isinstance(column.type, DateTime):
            values[column.name] = NOW
        elif isinstance(column.type, Boolean):
            values[column.name] = False
        elif isinstance(column.type, (Integer, Numeric)):
            values[column.name] = 0
        else:
            values[column.name] = "x"
    connection.execute(insert(table).values(**values))


def test_single_language_text_moves_to_its_most_likely_language(empty_database_url):  # noqa: F811
    app = create_app(dict(vars_of(TestConfig), SQLALCHEMY_DATABASE_URI=empty_database_url))
    engine = create_engine(empty_database_url)
    with app.app_context():
        upgrade(directory=MIGRATIONS, revision=BEFORE)
        metadata = MetaData()
        metadata.reflect(engine)
        with engine.begin() as connection:
            for user_id, locale in ((1, "nl"), (2, "en"), (3, "en"), (4, "nl")):
                add(
                    connection,
                    metadata,
                    "users",
                    id=user_id,
                    email=f"u{user_id}@x.nl",
                    locale=locale,
                )
            add(connection, metadata, "rounds", id=1, owner_id=1)  # a Dutch owner
            add(connection, metadata, "rounds", id=2, owner_id=2)  # an English owner
            add(connection, metadata, "rounds", id=3, owner_id=None)
            # Idea 1 was answered by English-speaking user 3 in the Dutch owner's round.
            add(connection, metadata, "ideas", id=1, round_id=1, answer="Thanks, we'll do it")
            add(
                connection,
                metadata,
                "audit_entries",
                actor_id=4,
                action="idea.answer",
                target_type="ideas",
                target_id=1,
            )
            add(
                connection,
                metadata,
                "audit_entries",
                actor_id=3,
                action="idea.answer",
                target_type="ideas",
                target_id=1,
            )
            add(connection, metadata, "ideas", id=2, round_id=2, answer="Good one")
            add(connection, metadata, "ideas", id=3, round_id=3, answer="Goed idee")
            add(connection, metadata, "ideas", id=4, round_id=1, answer=None)
            add(
                connection,
                metadata,
                "sessions",
                id=1,
                round_id=1,
                capacity=5,
                seats_taken=0,
                venue="Hoofdkantoor",
            )
            add(
                connection,
                metadata,
                "sessions",
                id=2,
                round_id=2,
                capacity=5,
                seats_taken=0,
                venue="Head office",
            )
            add(
                connection,
                metadata,
                "sessions",
                id=3,
                round_id=2,
                capacity=5,
                seats_taken=0,
                venue=None,
            )
            add(connection, metadata, "insights", id=1, title="Traag", created_by_id=1)
            add(connection, metadata, "insights", id=2, title="Slow", created_by_id=2)
            add(connection, metadata, "insights", id=3, title="Onbekend", created_by_id=None)

        upgrade(directory=MIGRATIONS, revision=AFTER)
        metadata = MetaData()
        metadata.reflect(engine)
        with engine.connect() as connection:

            def rows(table, *columns):
                t = metadata.tables[table]
                query = select(t.c.id, *(t.c[c] for c in columns)).order_by(t.c.id)
                return [tuple(row) for row in connection.execute(query)]

            assert rows("ideas", "answer_nl", "answer_en") == [
                (1, None, "Thanks, we'll do it"),  # the last one who answered it
                (2, None, "Good one"),  # the round owner's language
                (3, "Goed idee", None),  # nobody known: Dutch
                (4, None, None),
            ]
            assert rows("sessions", "venue_nl", "venue_en") == [
                (1, "Hoofdkantoor", None),
                (2, None, "Head office"),
                (3, None, None),
            ]
            assert rows("insights", "title_nl", "title_en") == [
                (1, "Traag", ""),
                (2, "", "Slow"),
                (3, "Onbekend", ""),
            ]
            assert "answer" not in metadata.tables["ideas"].c
            assert "news_items" in metadata.tables

        downgrade(directory=MIGRATIONS, revision=BEFORE)
        metadata = MetaData()
        metadata.reflect(engine)
        with engine.connect() as connection:
            ideas = metadata.tables["ideas"]
            answers = connection.execute(select(ideas.c.answer).order_by(ideas.c.id)).scalars()
            assert list(answers) == ["Thanks, we'll do it", "Good one", "Goed idee", None]
    engine.dispose()

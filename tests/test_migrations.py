"""Migrations: one head, no application imports, an empty database upgraded gives the models."""

import ast
import os
import uuid

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask_migrate import upgrade
from sqlalchemy import create_engine

from panel import create_app
from panel.config import PROJECT_ROOT, TestConfig
from panel.extensions import db

from .conftest import POSTGRES_URL, vars_of


@pytest.fixture
def empty_database_url(tmp_path):
    if not POSTGRES_URL:
        yield "sqlite:///" + str(tmp_path / "migrations.sqlite3")
        return
    import psycopg

    name = "panel_migrations_" + uuid.uuid4().hex[:8]
    admin_url = POSTGRES_URL.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(admin_url, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    yield POSTGRES_URL.rsplit("/", 1)[0] + "/" + name
    with psycopg.connect(admin_url, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE "{name}" WITH (FORCE)')


def include_object(obj, name, type_, reflected, compare_to):
    """The full-text search objects are made by hand, per database, outside the models."""
    return (
        not (name or "").startswith(
            (
                "feedback_search",
                "ideas_search",
                "insights_search",
                "triage_search",
                "user_search_fts",
            )
        )
        and not (type_ == "column" and name == "search")
        and name
        not in (
            "ix_feedback_responses_search",
            "ix_ideas_search",
            "ix_insights_search",
            "ix_triage_items_search",
            "ix_user_search_trgm",
        )
    )


def test_single_head():
    from alembic.config import Config as AlembicConfig

    config = AlembicConfig(os.path.join(PROJECT_ROOT, "migrations", "alembic.ini"))
    config.set_main_option("script_location", os.path.join(PROJECT_ROOT, "migrations"))
    assert len(ScriptDirectory.from_config(config).get_heads()) == 1


@pytest.mark.parametrize(
    "name",
    sorted(
        name
        for name in os.listdir(os.path.join(PROJECT_ROOT, "migrations", "versions"))
        if name.endswith(".py")
    )
    + ["../env.py"],
)
def test_migrations_do_not_import_the_application(name):
    """A revision must not change when the models do, so it imports nothing from panel."""
    path = os.path.join(PROJECT_ROOT, "migrations", "versions", name)
    with open(path, encoding="utf-8") as file:
        tree = ast.parse(file.read())
    imported = [
        alias.name
        for node in ast.walk(tree)
        if isinstance(node, ast.Import)
        for alias in node.names
    ]
    imported += [node.module or "" for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)]
    assert not [module for module in imported if module.split(".")[0] == "panel"]


def test_upgrade_from_empty_matches_the_models(empty_database_url):
    app = create_app(dict(vars_of(TestConfig), SQLALCHEMY_DATABASE_URI=empty_database_url))
    with app.app_context():
        upgrade(directory=os.path.join(PROJECT_ROOT, "migrations"))
        engine = create_engine(empty_database_url)
        with engine.connect() as connection:
            context = MigrationContext.configure(
                connection, opts={"compare_type": True, "include_object": include_object}
            )
            differences = compare_metadata(context, db.metadata)
        engine.dispose()
        db.engine.dispose()
    assert differences == []

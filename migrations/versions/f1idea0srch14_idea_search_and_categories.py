"""ideas: a round's bilingual categories, and full-text search over ideas

Revision ID: f1idea0srch14
Revises: f4merg0outc17
Create Date: 2026-11-30 22:10:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'f1idea0srch14'
down_revision = 'f4merg0outc17'
branch_labels = None
depends_on = None

# The same DDL as SQLITE_SEARCH / POSTGRES_SEARCH in panel/rounds/idea_search.py at this
# revision, written out so that the migration does not change when the code does. On SQLite the
# triggers belong to the ideas table: a later batch migration that rebuilds `ideas` drops them,
# so it must create them again (or come before this one).
ACCENTED = "àáâãäåèéêëìíîïòóôõöùúûüýÿçñ"
PLAIN = "aaaaaaeeeeiiiiooooouuuuyycn"
SQLITE_SEARCH = [
    "CREATE VIRTUAL TABLE ideas_search USING fts5(title, body,"
    " tokenize='unicode61 remove_diacritics 2')",
    "CREATE TRIGGER ideas_search_insert AFTER INSERT ON ideas BEGIN"
    " INSERT INTO ideas_search(rowid, title, body) VALUES (new.id, new.title, new.body); END",
    "CREATE TRIGGER ideas_search_delete AFTER DELETE ON ideas BEGIN"
    " DELETE FROM ideas_search WHERE rowid = old.id; END",
    "CREATE TRIGGER ideas_search_update AFTER UPDATE OF title, body ON ideas BEGIN"
    " DELETE FROM ideas_search WHERE rowid = old.id;"
    " INSERT INTO ideas_search(rowid, title, body) VALUES (new.id, new.title, new.body); END",
    "INSERT INTO ideas_search(rowid, title, body) SELECT id, title, body FROM ideas",
]
POSTGRES_SEARCH = [
    "ALTER TABLE ideas ADD COLUMN search tsvector GENERATED ALWAYS AS"
    " (to_tsvector('simple', translate(lower(coalesce(title, '') || ' ' || coalesce(body, '')),"
    f" '{ACCENTED}', '{PLAIN}'))) STORED",
    "CREATE INDEX ix_ideas_search ON ideas USING gin (search)",
]


def upgrade():
    op.create_table(
        'idea_categories',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('round_id', sa.Integer(), nullable=False),
        sa.Column('name_nl', sa.String(length=60), nullable=False),
        sa.Column('name_en', sa.String(length=60), nullable=False),
        sa.Column('position', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ['round_id'],
            ['rounds.id'],
            name=op.f('fk_idea_categories_round_id_rounds'),
            ondelete='CASCADE',
        ),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_idea_categories')),
    )
    with op.batch_alter_table('idea_categories', schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f('ix_idea_categories_round_id'), ['round_id'], unique=False
        )
    if op.get_bind().dialect.name == "sqlite":
        # Added in place: a batch rebuild of `ideas` drops the table, and with foreign keys on
        # SQLite first deletes its rows, cascading to every reaction and support.
        op.execute(
            "ALTER TABLE ideas ADD COLUMN category_id INTEGER"
            " CONSTRAINT fk_ideas_category_id_idea_categories REFERENCES idea_categories (id)"
        )
    else:
        op.add_column('ideas', sa.Column('category_id', sa.Integer(), nullable=True))
        op.create_foreign_key(
            op.f('fk_ideas_category_id_idea_categories'),
            'ideas',
            'idea_categories',
            ['category_id'],
            ['id'],
        )
    op.create_index(op.f('ix_ideas_category_id'), 'ideas', ['category_id'], unique=False)
    # "Ideas I support": from the member's supports, not a scan of all of them.
    op.create_index(
        'ix_idea_supports_member', 'idea_supports', ['member_id', 'idea_id'], unique=False
    )
    statements = SQLITE_SEARCH if op.get_bind().dialect.name == "sqlite" else POSTGRES_SEARCH
    for statement in statements:
        op.execute(statement)


def downgrade():
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TABLE IF EXISTS ideas_search")
        for name in ("insert", "delete", "update"):
            op.execute(f"DROP TRIGGER IF EXISTS ideas_search_{name}")
    else:
        op.execute("DROP INDEX IF EXISTS ix_ideas_search")
        op.execute("ALTER TABLE ideas DROP COLUMN IF EXISTS search")
    op.drop_index('ix_idea_supports_member', table_name='idea_supports')
    op.drop_index(op.f('ix_ideas_category_id'), table_name='ideas')
    if op.get_bind().dialect.name == "sqlite":
        # SQLite drops a column that has a foreign key only by rebuilding the table (migrations
        # run with foreign keys off there: see migrations/env.py).
        with op.batch_alter_table('ideas', schema=None) as batch_op:
            batch_op.drop_column('category_id')
    else:
        op.drop_constraint(
            op.f('fk_ideas_category_id_idea_categories'), 'ideas', type_='foreignkey'
        )
        op.drop_column('ideas', 'category_id')
    with op.batch_alter_table('idea_categories', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_idea_categories_round_id'))
    op.drop_table('idea_categories')

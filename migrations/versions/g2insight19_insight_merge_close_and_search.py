"""insights: merged into another, closed (duplicate / won't act) with a reason; full-text search

Revision ID: g2insight19
Revises: g1triage18
Create Date: 2026-12-01 01:20:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'g2insight19'
down_revision = 'g1triage18'
branch_labels = None
depends_on = None

# The same DDL as SQLITE_SEARCH / POSTGRES_SEARCH in panel/insights/insight_search.py at this
# revision, written out so that the migration does not change when the code does. On SQLite the
# triggers belong to the insights table: a later batch migration that rebuilds `insights` drops
# them, so it must create them again.
ACCENTED = "àáâãäåèéêëìíîïòóôõöùúûüýÿçñ"
PLAIN = "aaaaaaeeeeiiiiooooouuuuyycn"
SQLITE_SEARCH = [
    "CREATE VIRTUAL TABLE insights_search USING fts5(title_nl, title_en, description,"
    " tokenize='unicode61 remove_diacritics 2')",
    "CREATE TRIGGER insights_search_insert AFTER INSERT ON insights BEGIN"
    " INSERT INTO insights_search(rowid, title_nl, title_en, description)"
    " VALUES (new.id, new.title_nl, new.title_en, new.description); END",
    "CREATE TRIGGER insights_search_delete AFTER DELETE ON insights BEGIN"
    " DELETE FROM insights_search WHERE rowid = old.id; END",
    "CREATE TRIGGER insights_search_update AFTER UPDATE OF title_nl, title_en, description"
    " ON insights BEGIN"
    " DELETE FROM insights_search WHERE rowid = old.id;"
    " INSERT INTO insights_search(rowid, title_nl, title_en, description)"
    " VALUES (new.id, new.title_nl, new.title_en, new.description); END",
    "INSERT INTO insights_search(rowid, title_nl, title_en, description)"
    " SELECT id, title_nl, title_en, description FROM insights",
]
POSTGRES_SEARCH = [
    "ALTER TABLE insights ADD COLUMN search tsvector GENERATED ALWAYS AS"
    " (to_tsvector('simple', translate(lower(coalesce(title_nl, '') || ' '"
    " || coalesce(title_en, '') || ' ' || coalesce(description, '')),"
    f" '{ACCENTED}', '{PLAIN}'))) STORED",
    "CREATE INDEX ix_insights_search ON insights USING gin (search)",
]
# (column, referenced table) of the new foreign keys.
FOREIGN_KEYS = [
    ('merged_into_id', 'insights'),
    ('closed_by_id', 'users'),
    ('duplicate_of_id', 'insights'),
]


def upgrade():
    sqlite = op.get_bind().dialect.name == "sqlite"
    if sqlite:
        # Rebuilt in batch mode (migrations run with foreign keys off on SQLite: see env.py, so
        # the rebuild deletes no evidence or routes); insights has no triggers yet to lose.
        with op.batch_alter_table('insights', schema=None) as batch_op:
            for column, table in FOREIGN_KEYS:
                batch_op.add_column(sa.Column(column, sa.Integer(), nullable=True))
                batch_op.create_foreign_key(
                    batch_op.f(f"fk_insights_{column}_{table}"),
                    table,
                    [column],
                    ['id'],
                    ondelete='SET NULL',
                )
    else:
        for column, table in FOREIGN_KEYS:
            op.add_column('insights', sa.Column(column, sa.Integer(), nullable=True))
            op.create_foreign_key(
                op.f(f"fk_insights_{column}_{table}"),
                'insights',
                table,
                [column],
                ['id'],
                ondelete='SET NULL',
            )
    op.add_column('insights', sa.Column('merged_at', sa.DateTime(timezone=True), nullable=True))
    op.add_column('insights', sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True))
    op.add_column('insights', sa.Column('close_kind', sa.String(length=10), nullable=True))
    op.add_column('insights', sa.Column('closed_reason_nl', sa.Text(), nullable=True))
    op.add_column('insights', sa.Column('closed_reason_en', sa.Text(), nullable=True))
    op.create_index(
        op.f('ix_insights_merged_into_id'), 'insights', ['merged_into_id'], unique=False
    )
    op.create_index('ix_insights_created_by', 'insights', ['created_by_id'], unique=False)
    op.create_index(
        'ix_insights_evidence_count', 'insights', ['evidence_count', 'id'], unique=False
    )
    op.create_index(
        'ix_insights_closed',
        'insights',
        ['created_at', 'id'],
        unique=False,
        sqlite_where=sa.text('closed_at IS NOT NULL'),
        postgresql_where=sa.text('closed_at IS NOT NULL'),
    )
    for statement in SQLITE_SEARCH if sqlite else POSTGRES_SEARCH:
        op.execute(statement)


def downgrade():
    sqlite = op.get_bind().dialect.name == "sqlite"
    if sqlite:
        op.execute("DROP TABLE IF EXISTS insights_search")
        for name in ("insert", "delete", "update"):
            op.execute(f"DROP TRIGGER IF EXISTS insights_search_{name}")
    else:
        op.execute("DROP INDEX IF EXISTS ix_insights_search")
        op.execute("ALTER TABLE insights DROP COLUMN IF EXISTS search")
    op.drop_index('ix_insights_closed', table_name='insights')
    op.drop_index('ix_insights_evidence_count', table_name='insights')
    op.drop_index('ix_insights_created_by', table_name='insights')
    op.drop_index(op.f('ix_insights_merged_into_id'), table_name='insights')
    for column in ('closed_reason_en', 'closed_reason_nl', 'close_kind', 'closed_at', 'merged_at'):
        op.drop_column('insights', column)
    if sqlite:
        # SQLite drops a column with a foreign key only by rebuilding the table; the search
        # triggers are gone already (above).
        with op.batch_alter_table('insights', schema=None) as batch_op:
            for column, _table in FOREIGN_KEYS:
                batch_op.drop_column(column)
    else:
        for column, table in FOREIGN_KEYS:
            op.drop_constraint(op.f(f"fk_insights_{column}_{table}"), 'insights', type_='foreignkey')
            op.drop_column('insights', column)

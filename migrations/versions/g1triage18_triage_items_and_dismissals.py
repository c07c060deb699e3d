"""triage: one row per contribution (with its search index) and "No action" dismissals

Revision ID: g1triage18
Revises: f1idea0srch14
Create Date: 2026-12-01 01:30:00

The tables start empty: fill them with `flask panel reindex-triage` after upgrading (the words
are stemmed in Python, which a migration does not import).
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'g1triage18'
down_revision = 'f1idea0srch14'
branch_labels = None
depends_on = None

# The same DDL as SQLITE_TRIAGE_SEARCH / POSTGRES_TRIAGE_SEARCH in
# panel/insights/triage_models.py at this revision, written out so the migration stays as it is.
SQLITE_SEARCH = [
    "CREATE VIRTUAL TABLE triage_search USING fts5(words, content='triage_items',"
    " content_rowid='id', tokenize='unicode61 remove_diacritics 2')",
    "CREATE TRIGGER triage_search_insert AFTER INSERT ON triage_items BEGIN"
    " INSERT INTO triage_search(rowid, words) VALUES (new.id, new.words); END",
    "CREATE TRIGGER triage_search_delete AFTER DELETE ON triage_items BEGIN"
    " INSERT INTO triage_search(triage_search, rowid, words) VALUES ('delete', old.id, old.words);"
    " END",
    "CREATE TRIGGER triage_search_update AFTER UPDATE OF words ON triage_items BEGIN"
    " INSERT INTO triage_search(triage_search, rowid, words) VALUES ('delete', old.id, old.words);"
    " INSERT INTO triage_search(rowid, words) VALUES (new.id, new.words); END",
]
POSTGRES_SEARCH = [
    "ALTER TABLE triage_items ADD COLUMN search tsvector"
    " GENERATED ALWAYS AS (to_tsvector('simple', words)) STORED",
    "CREATE INDEX ix_triage_items_search ON triage_items USING gin (search)",
]


def upgrade():
    op.create_table(
        'triage_items',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=10), nullable=False),
        sa.Column('source_id', sa.Integer(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('release_id', sa.Integer(), nullable=True),
        sa.Column('round_id', sa.Integer(), nullable=True),
        sa.Column('score_group', sa.String(length=10), nullable=True),
        sa.Column('customer_type', sa.String(length=20), nullable=True),
        sa.Column('platform', sa.String(length=10), nullable=True),
        sa.Column('age_band', sa.String(length=5), nullable=True),
        sa.Column('language', sa.String(length=2), nullable=True),
        sa.Column('words', sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ['release_id'],
            ['releases.id'],
            name=op.f('fk_triage_items_release_id_releases'),
            ondelete='CASCADE',
        ),
        sa.ForeignKeyConstraint(
            ['round_id'],
            ['rounds.id'],
            name=op.f('fk_triage_items_round_id_rounds'),
            ondelete='CASCADE',
        ),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_triage_items')),
        sa.UniqueConstraint('kind', 'source_id', name='uq_triage_items_source'),
    )
    with op.batch_alter_table('triage_items', schema=None) as batch_op:
        batch_op.create_index('ix_triage_items_created', ['created_at', 'id'], unique=False)
        batch_op.create_index('ix_triage_items_release', ['release_id', 'created_at'], unique=False)
        batch_op.create_index('ix_triage_items_round', ['round_id', 'created_at'], unique=False)
        batch_op.create_index('ix_triage_items_kind', ['kind', 'created_at'], unique=False)
    op.create_table(
        'triage_dismissals',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=10), nullable=False),
        sa.Column('source_id', sa.Integer(), nullable=False),
        sa.Column('dismissed_by_id', sa.Integer(), nullable=True),
        sa.Column('dismissed_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ['dismissed_by_id'],
            ['users.id'],
            name=op.f('fk_triage_dismissals_dismissed_by_id_users'),
            ondelete='SET NULL',
        ),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_triage_dismissals')),
        sa.UniqueConstraint('kind', 'source_id', name='uq_triage_dismissals_source'),
    )
    statements = SQLITE_SEARCH if op.get_bind().dialect.name == 'sqlite' else POSTGRES_SEARCH
    for statement in statements:
        op.execute(statement)


def downgrade():
    if op.get_bind().dialect.name == 'sqlite':
        op.execute("DROP TABLE IF EXISTS triage_search")
    op.drop_table('triage_dismissals')
    with op.batch_alter_table('triage_items', schema=None) as batch_op:
        batch_op.drop_index('ix_triage_items_kind')
        batch_op.drop_index('ix_triage_items_round')
        batch_op.drop_index('ix_triage_items_release')
        batch_op.drop_index('ix_triage_items_created')
    op.drop_table('triage_items')

"""insights: merged into another, closed (duplicate / won't act) with a reason; full-text search

Revision ID: g2insight19
Revises: g1triage18
Create Date: 2026-12-01 01:20:00

"""
import re
import unicodedata

import snowballstemmer
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'g2insight19'
down_revision = 'g1triage18'
branch_labels = None
depends_on = None

# The same DDL as SQLITE_SEARCH / POSTGRES_SEARCH in panel/insights/insight_search.py at this
# revision, written out so that the migration does not change when the code does. The index is
# written from Python (neither database stems words): no triggers, so a later batch migration
# rebuilding `insights` loses nothing.
SQLITE_SEARCH = [
    "CREATE VIRTUAL TABLE insights_search USING fts5(title_nl, title_en, description,"
    " tokenize='unicode61 remove_diacritics 2')",
]
POSTGRES_SEARCH = [
    "CREATE TABLE insights_search (insight_id integer PRIMARY KEY"
    " REFERENCES insights (id) ON DELETE CASCADE, search tsvector NOT NULL)",
    "CREATE INDEX ix_insights_search ON insights_search USING gin (search)",
]
SQLITE_WRITE = (
    "INSERT INTO insights_search(rowid, title_nl, title_en, description)"
    " VALUES (:id, :title_nl, :title_en, :description)"
)
POSTGRES_WRITE = (
    "INSERT INTO insights_search (insight_id, search) VALUES (:id,"
    " setweight(to_tsvector('simple', CAST(:titles AS text)), 'A')"
    " || setweight(to_tsvector('simple', CAST(:description AS text)), 'B'))"
)

# The index's words as panel.insights.triage.index_words makes them at this revision (a
# migration imports nothing from panel): each word folded (lower case, no accents), then its
# Dutch and English Snowball stems.
_DUTCH = snowballstemmer.stemmer("dutch")
_ENGLISH = snowballstemmer.stemmer("english")


def _index_words(text_):
    decomposed = unicodedata.normalize("NFKD", text_ or "")
    folded = "".join(c for c in decomposed if not unicodedata.combining(c)).lower()
    out = []
    for word in dict.fromkeys(w for w in re.findall(r"[^\W_]+", folded) if len(w) <= 40):
        out.append(word)
        out.extend(s for s in (_DUTCH.stemWord(word), _ENGLISH.stemWord(word)) if s != word)
    return " ".join(dict.fromkeys(out))


def _fill_index(sqlite):
    """Index the insights there are (a new one is indexed by the application as it is saved)."""
    connection = op.get_bind()
    rows = connection.execute(
        sa.text("SELECT id, title_nl, title_en, description FROM insights ORDER BY id")
    ).all()
    entries = [
        {
            "id": row[0],
            "title_nl": _index_words(row[1]),
            "title_en": _index_words(row[2]),
            "description": _index_words(row[3]),
        }
        for row in rows
    ]
    if not entries:
        return
    if sqlite:
        connection.execute(sa.text(SQLITE_WRITE), entries)
    else:
        connection.execute(
            sa.text(POSTGRES_WRITE),
            [
                {
                    "id": e["id"],
                    "titles": f"{e['title_nl']} {e['title_en']}",
                    "description": e["description"],
                }
                for e in entries
            ],
        )


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
    _fill_index(sqlite)


def downgrade():
    sqlite = op.get_bind().dialect.name == "sqlite"
    op.execute("DROP TABLE IF EXISTS insights_search")
    op.drop_index('ix_insights_closed', table_name='insights')
    op.drop_index('ix_insights_evidence_count', table_name='insights')
    op.drop_index('ix_insights_created_by', table_name='insights')
    op.drop_index(op.f('ix_insights_merged_into_id'), table_name='insights')
    for column in ('closed_reason_en', 'closed_reason_nl', 'close_kind', 'closed_at', 'merged_at'):
        op.drop_column('insights', column)
    if sqlite:
        # SQLite drops a column with a foreign key only by rebuilding the table.
        with op.batch_alter_table('insights', schema=None) as batch_op:
            for column, _table in FOREIGN_KEYS:
                batch_op.drop_column(column)
    else:
        for column, table in FOREIGN_KEYS:
            op.drop_constraint(op.f(f"fk_insights_{column}_{table}"), 'insights', type_='foreignkey')
            op.drop_column('insights', column)

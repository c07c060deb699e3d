"""member search by a part of a name or e-mail address: the folded user_search rows and their index

Revision ID: e3srch0memb12
Revises: e2samp0idx11
Create Date: 2026-11-30 22:20:00

"""
import unicodedata

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'e3srch0memb12'
down_revision = 'e2samp0idx11'
branch_labels = None
depends_on = None

# The same DDL as SQLITE_INDEX / POSTGRES_INDEX in panel/accounts/user_search.py at this
# revision, written out so that the migration does not change when the models do.
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


LETTERS = str.maketrans({"ø": "o", "æ": "ae", "œ": "oe", "ł": "l", "đ": "d", "ı": "i", "þ": "th"})


def _fold(value):
    # panel.accounts.user_search.fold at this revision.
    decomposed = unicodedata.normalize("NFKD", (value or "").casefold())
    bare = "".join(char for char in decomposed if not unicodedata.combining(char))
    return " ".join(bare.translate(LETTERS).split())


def upgrade():
    table = op.create_table(
        'user_search',
        sa.Column('user_id', sa.Integer(), autoincrement=False, nullable=False),
        sa.Column('folded', sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_user_search_user_id_users'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('user_id', name=op.f('pk_user_search')),
    )
    # Every user there is, folded; the index is built once after (faster than row by row).
    bind = op.get_bind()
    users = bind.execute(sa.text("SELECT id, name, email FROM users ORDER BY id")).all()
    rows = [
        {"user_id": user_id, "folded": "\n".join(_fold(part) for part in (name, email) if part)}
        for user_id, name, email in users
    ]
    for start in range(0, len(rows), 5000):
        op.bulk_insert(table, rows[start:start + 5000])
    if bind.dialect.name == "sqlite":
        for statement in SQLITE_INDEX:
            op.execute(statement)
        op.execute("INSERT INTO user_search_fts(user_search_fts) VALUES ('rebuild')")
    else:
        for statement in POSTGRES_INDEX:
            op.execute(statement)


def downgrade():
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TABLE IF EXISTS user_search_fts")
    else:
        op.execute("DROP INDEX IF EXISTS ix_user_search_trgm")
    op.drop_table('user_search')

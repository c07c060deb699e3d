"""SQLite: the comments' full-text index also holds each comment's release, so a search within
one release intersects two lists in the index instead of reading every match of every release

Revision ID: e4rels0page13
Revises: e3srch0memb12
Create Date: 2026-11-30 22:45:00

"""
from alembic import op

# revision identifiers, used by Alembic.
revision = 'e4rels0page13'
down_revision = 'e3srch0memb12'
branch_labels = None
depends_on = None

# Written out (not imported from the models) so that this migration does not change when they do.
COLUMNS = {
    'new': ('improve_text', 'problem_text', 'release_id'),
    'old': ('improve_text', 'problem_text'),
}


def search_ddl(columns):
    names = ', '.join(columns)
    new = ', '.join(f'new.{c}' for c in columns)
    old = ', '.join(f'old.{c}' for c in columns)
    return [
        f"CREATE VIRTUAL TABLE feedback_search USING fts5({names}, "
        "content='feedback_responses', content_rowid='id', "
        "tokenize='unicode61 remove_diacritics 2')",
        "CREATE TRIGGER feedback_search_insert AFTER INSERT ON feedback_responses BEGIN "
        f"INSERT INTO feedback_search(rowid, {names}) VALUES (new.id, {new}); END",
        "CREATE TRIGGER feedback_search_delete AFTER DELETE ON feedback_responses BEGIN "
        f"INSERT INTO feedback_search(feedback_search, rowid, {names}) "
        f"VALUES ('delete', old.id, {old}); END",
        "CREATE TRIGGER feedback_search_update AFTER UPDATE OF improve_text, problem_text "
        "ON feedback_responses BEGIN "
        f"INSERT INTO feedback_search(feedback_search, rowid, {names}) "
        f"VALUES ('delete', old.id, {old}); "
        f"INSERT INTO feedback_search(rowid, {names}) VALUES (new.id, {new}); END",
        # Filled from the responses (6.5 s for 2 million at size L).
        "INSERT INTO feedback_search(feedback_search) VALUES ('rebuild')",
    ]


def replace_search(columns):
    # PostgreSQL filters the tsvector's GIN matches by the release's index: nothing to change.
    if op.get_bind().dialect.name != 'sqlite':
        return
    for trigger in ('insert', 'delete', 'update'):
        op.execute(f'DROP TRIGGER IF EXISTS feedback_search_{trigger}')
    op.execute('DROP TABLE IF EXISTS feedback_search')
    for statement in search_ddl(columns):
        op.execute(statement)


def upgrade():
    replace_search(COLUMNS['new'])


def downgrade():
    replace_search(COLUMNS['old'])

"""triage: a release's comments counted per score group from one index

Revision ID: g5triage22
Revises: g4admin21
Create Date: 2026-12-01 03:25:00

"""
from alembic import op

# revision identifiers, used by Alembic.
revision = 'g5triage22'
down_revision = 'g4admin21'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index(
        'ix_triage_items_release_groups',
        'triage_items',
        ['release_id', 'kind', 'score_group'],
        unique=False,
    )


def downgrade():
    op.drop_index('ix_triage_items_release_groups', table_name='triage_items')

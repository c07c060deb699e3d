"""panel health: the kept snapshot of the figures that count all members

Revision ID: e1hlth0snap10
Revises: d2idx0rnds09
Create Date: 2026-11-30 22:30:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'e1hlth0snap10'
down_revision = 'd2idx0rnds09'
branch_labels = None
depends_on = None


def upgrade():
    # One row per count (to the minute, unique: one count per minute), written by
    # `flask panel refresh-health` and the manager's refresh button; the page reads the newest.
    op.create_table(
        'health_snapshots',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('taken_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('figures', sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_health_snapshots')),
        sa.UniqueConstraint('taken_at', name=op.f('uq_health_snapshots_taken_at')),
    )


def downgrade():
    op.drop_table('health_snapshots')

"""streams and tags: archived_at (no longer offered for new routing or tagging, history kept)

Revision ID: g4admin21
Revises: g3inbox20
Create Date: 2026-12-01 01:20:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'g4admin21'
down_revision = 'g3inbox20'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('streams', schema=None) as batch_op:
        batch_op.add_column(sa.Column('archived_at', sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table('tags', schema=None) as batch_op:
        batch_op.add_column(sa.Column('archived_at', sa.DateTime(timezone=True), nullable=True))


def downgrade():
    with op.batch_alter_table('tags', schema=None) as batch_op:
        batch_op.drop_column('archived_at')
    with op.batch_alter_table('streams', schema=None) as batch_op:
        batch_op.drop_column('archived_at')

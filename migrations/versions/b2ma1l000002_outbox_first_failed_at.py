"""outbox: when a message's failures began, so retries last days and the admin is warned

Revision ID: b2ma1l000002
Revises: b1f0rms00001
Create Date: 2026-11-30 17:30:00.000000

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'b2ma1l000002'
down_revision = 'b1f0rms00001'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('outbox_messages', schema=None) as batch_op:
        batch_op.add_column(sa.Column('first_failed_at', sa.DateTime(timezone=True), nullable=True))


def downgrade():
    with op.batch_alter_table('outbox_messages', schema=None) as batch_op:
        batch_op.drop_column('first_failed_at')

"""routes: assigned to a reviewer of the stream (the stream inbox's "mine" and "unassigned")

Revision ID: g3inbox20
Revises: g2insight19
Create Date: 2026-12-01 01:20:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'g3inbox20'
down_revision = 'g2insight19'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('routes', schema=None) as batch_op:
        batch_op.add_column(sa.Column('assigned_to_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f('fk_routes_assigned_to_id_users'),
            'users',
            ['assigned_to_id'],
            ['id'],
            ondelete='SET NULL',
        )
        batch_op.create_index(batch_op.f('ix_routes_assigned_to_id'), ['assigned_to_id'], unique=False)


def downgrade():
    with op.batch_alter_table('routes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_routes_assigned_to_id'))
        batch_op.drop_constraint(batch_op.f('fk_routes_assigned_to_id_users'), type_='foreignkey')
        batch_op.drop_column('assigned_to_id')

"""user_roles: the role index also holds the user, so "who has these roles" is read from the
index alone (the audit log's person filter: 43 ms -> 0.1 ms at size XL on SQLite, 890,000 roles)

Revision ID: i2roles25
Revises: i1inbox24
Create Date: 2026-12-01 10:20:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = 'i2roles25'
down_revision = 'i1inbox24'
branch_labels = None
depends_on = None


def upgrade():
    op.drop_index('ix_user_roles_role', table_name='user_roles')
    op.create_index('ix_user_roles_role', 'user_roles', ['role', 'user_id'])


def downgrade():
    op.drop_index('ix_user_roles_role', table_name='user_roles')
    op.create_index('ix_user_roles_role', 'user_roles', ['role'])

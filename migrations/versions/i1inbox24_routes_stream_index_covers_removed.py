"""routes: the stream/status index also holds removed_at, so the inbox counts a stream's open
routes from the index alone (12 ms -> 0.7 ms for 14,000 open routes at size L on SQLite)

Revision ID: i1inbox24
Revises: h1ship23
Create Date: 2026-12-01 09:50:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = 'i1inbox24'
down_revision = 'h1ship23'
branch_labels = None
depends_on = None


def upgrade():
    op.drop_index('ix_routes_stream_status_due', table_name='routes')
    op.create_index(
        'ix_routes_stream_status_due', 'routes', ['stream_id', 'status', 'removed_at', 'due_at']
    )


def downgrade():
    op.drop_index('ix_routes_stream_status_due', table_name='routes')
    op.create_index('ix_routes_stream_status_due', 'routes', ['stream_id', 'status', 'due_at'])

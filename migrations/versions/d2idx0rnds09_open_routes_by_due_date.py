"""the stream inbox at volume: open routes in due-date order (a partial index)

Revision ID: d2idx0rnds09
Revises: d1idx0feed08
Create Date: 2026-11-30 20:15:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'd2idx0rnds09'
down_revision = 'd1idx0feed08'
branch_labels = None
depends_on = None

# The inbox's default view: routes still open, soonest due first. Only open routes are in the
# index (about 20,000 at size L, of many more), read in order and stopped after one page instead
# of sorting all of them. The same condition as panel.insights.models.OPEN_ROUTE_INDEX_WHERE.
OPEN = "removed_at IS NULL AND status IN ('new', 'acknowledged', 'in_progress', 'planned')"


def upgrade():
    op.create_index(
        'ix_routes_open_due',
        'routes',
        ['due_at', 'id'],
        sqlite_where=sa.text(OPEN),
        postgresql_where=sa.text(OPEN),
    )


def downgrade():
    op.drop_index('ix_routes_open_due', table_name='routes')

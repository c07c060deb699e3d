"""indexes for feedback and panel health at volume: a member's invitations, a release's
newest comments, and the member figures of panel health read from indexes alone

Revision ID: d1idx0feed08
Revises: c3b1ling0006
Create Date: 2026-11-30 20:00:00

"""
from alembic import op

# revision identifiers, used by Alembic.
revision = 'd1idx0feed08'
down_revision = 'c3b1ling0006'
branch_labels = None
depends_on = None


def upgrade():
    # "My feedback" and the dashboard look up one member's invitations; the key starts with the
    # release, so without this every invitation (4.8 M at size L) was read.
    op.create_index(
        'ix_feedback_invitations_member', 'feedback_invitations', ['member_id', 'release_id']
    )
    # A release's 50 newest comments are read in index order instead of sorting all responses.
    op.create_index(
        'ix_feedback_responses_release_updated',
        'feedback_responses',
        ['release_id', 'updated_at', 'id'],
    )
    # Panel health: index-only reads instead of member scans (100,000 members at size L).
    op.create_index('ix_members_status_last_active', 'members', ['status', 'last_active_at'])
    op.create_index(
        'ix_members_status_left_reason', 'members', ['status', 'left_at', 'leave_reason']
    )
    op.create_index(
        'ix_members_source_funnel', 'members', ['source', 'confirmed_at', 'activated_at']
    )


def downgrade():
    op.drop_index('ix_members_source_funnel', table_name='members')
    op.drop_index('ix_members_status_left_reason', table_name='members')
    op.drop_index('ix_members_status_last_active', table_name='members')
    op.drop_index('ix_feedback_responses_release_updated', table_name='feedback_responses')
    op.drop_index('ix_feedback_invitations_member', table_name='feedback_invitations')

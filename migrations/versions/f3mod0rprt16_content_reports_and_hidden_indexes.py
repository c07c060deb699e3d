"""reports of ideas and reactions; the moderation queue's indexes of hidden items

Revision ID: f3mod0rprt16
Revises: f2repl0edit15
Create Date: 2026-11-30 22:15:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'f3mod0rprt16'
down_revision = 'f2repl0edit15'
branch_labels = None
depends_on = None

IS_IDEA = "comment_id IS NULL"
IS_COMMENT = "comment_id IS NOT NULL"
OPEN = "closed_at IS NULL"
HIDDEN = "hidden_at IS NOT NULL"


def upgrade():
    op.create_table(
        'content_reports',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('round_id', sa.Integer(), nullable=False),
        sa.Column('idea_id', sa.Integer(), nullable=False),
        sa.Column('comment_id', sa.Integer(), nullable=True),
        sa.Column('reporter_id', sa.Integer(), nullable=False),
        sa.Column('reason', sa.String(length=20), nullable=False),
        sa.Column('text', sa.String(length=1000), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('closed_as', sa.String(length=10), nullable=True),
        sa.ForeignKeyConstraint(['round_id'], ['rounds.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['idea_id'], ['ideas.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['comment_id'], ['comments.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['reporter_id'], ['users.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_content_reports_reporter_id', 'content_reports', ['reporter_id'])
    op.create_index(
        'uq_content_reports_idea_reporter',
        'content_reports',
        ['idea_id', 'reporter_id'],
        unique=True,
        sqlite_where=sa.text(IS_IDEA),
        postgresql_where=sa.text(IS_IDEA),
    )
    op.create_index(
        'uq_content_reports_comment_reporter',
        'content_reports',
        ['comment_id', 'reporter_id'],
        unique=True,
        sqlite_where=sa.text(IS_COMMENT),
        postgresql_where=sa.text(IS_COMMENT),
    )
    op.create_index(
        'ix_content_reports_open',
        'content_reports',
        ['round_id', 'created_at'],
        sqlite_where=sa.text(OPEN),
        postgresql_where=sa.text(OPEN),
    )
    op.create_index(
        'ix_ideas_hidden',
        'ideas',
        ['hidden_at'],
        sqlite_where=sa.text(HIDDEN),
        postgresql_where=sa.text(HIDDEN),
    )
    op.create_index(
        'ix_comments_hidden',
        'comments',
        ['hidden_at'],
        sqlite_where=sa.text(HIDDEN),
        postgresql_where=sa.text(HIDDEN),
    )


def downgrade():
    op.drop_index('ix_comments_hidden', table_name='comments')
    op.drop_index('ix_ideas_hidden', table_name='ideas')
    op.drop_table('content_reports')

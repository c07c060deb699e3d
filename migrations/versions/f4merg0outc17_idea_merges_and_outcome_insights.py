"""duplicate ideas merged into another idea; the insights a round's outcome came from

Revision ID: f4merg0outc17
Revises: f3mod0rprt16
Create Date: 2026-11-30 22:00:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'f4merg0outc17'
down_revision = 'f3mod0rprt16'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('ideas', schema=None) as batch_op:
        batch_op.add_column(sa.Column('merged_into_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('merged_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.create_foreign_key(
            'fk_ideas_merged_into_id_ideas', 'ideas', ['merged_into_id'], ['id'],
            ondelete='SET NULL',
        )
    op.create_table(
        'outcome_insights',
        sa.Column('round_id', sa.Integer(), nullable=False),
        sa.Column('insight_id', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['insight_id'], ['insights.id'], name=op.f('fk_outcome_insights_insight_id_insights'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['round_id'], ['rounds.id'], name=op.f('fk_outcome_insights_round_id_rounds'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('round_id', 'insight_id', name=op.f('pk_outcome_insights')),
    )
    op.create_index('ix_outcome_insights_insight', 'outcome_insights', ['insight_id'])


def downgrade():
    op.drop_index('ix_outcome_insights_insight', table_name='outcome_insights')
    op.drop_table('outcome_insights')
    with op.batch_alter_table('ideas', schema=None) as batch_op:
        batch_op.drop_constraint('fk_ideas_merged_into_id_ideas', type_='foreignkey')
        batch_op.drop_column('merged_at')
        batch_op.drop_column('merged_into_id')

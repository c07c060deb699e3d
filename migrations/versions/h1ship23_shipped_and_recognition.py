"""shipped and recognition: changes linked to insights and ideas, who asked, who was told;
contributor levels; the thank-you ledger and its budgets

Revision ID: h1ship23
Revises: g5triage22
Create Date: 2026-12-01 04:40:00

"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = 'h1ship23'
down_revision = 'g5triage22'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'change_insights',
        sa.Column('change_id', sa.Integer(), nullable=False),
        sa.Column('insight_id', sa.Integer(), nullable=False),
        sa.Column('linked_by_id', sa.Integer(), nullable=True),
        sa.Column('linked_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['change_id'], ['release_changes.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['insight_id'], ['insights.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['linked_by_id'], ['users.id'], ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('change_id', 'insight_id'),
    )
    op.create_index('ix_change_insights_insight', 'change_insights', ['insight_id', 'change_id'])
    op.create_table(
        'change_ideas',
        sa.Column('change_id', sa.Integer(), nullable=False),
        sa.Column('idea_id', sa.Integer(), nullable=False),
        sa.Column('linked_by_id', sa.Integer(), nullable=True),
        sa.Column('linked_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['change_id'], ['release_changes.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['idea_id'], ['ideas.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['linked_by_id'], ['users.id'], ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('change_id', 'idea_id'),
    )
    op.create_index('ix_change_ideas_idea', 'change_ideas', ['idea_id', 'change_id'])
    op.create_table(
        'change_askers',
        sa.Column('change_id', sa.Integer(), nullable=False),
        sa.Column('member_id', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['change_id'], ['release_changes.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['member_id'], ['members.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('change_id', 'member_id'),
    )
    op.create_index('ix_change_askers_member', 'change_askers', ['member_id', 'change_id'])
    op.create_table(
        'shipped_notices',
        sa.Column('release_id', sa.Integer(), nullable=False),
        sa.Column('member_id', sa.Integer(), nullable=False),
        sa.Column('sent_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['release_id'], ['releases.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['member_id'], ['members.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('release_id', 'member_id'),
    )
    op.create_table(
        'thank_yous',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('member_id', sa.Integer(), nullable=True),
        sa.Column('kind', sa.String(length=12), nullable=False),
        sa.Column('reason', sa.String(length=300), nullable=False),
        sa.Column('message', sa.Text(), server_default='', nullable=False),
        sa.Column('value_cents', sa.Integer(), nullable=False),
        sa.Column('quarter', sa.String(length=7), nullable=False),
        sa.Column('given_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('given_by_id', sa.Integer(), nullable=True),
        sa.CheckConstraint('value_cents >= 0', name='ck_thank_yous_value'),
        sa.ForeignKeyConstraint(['member_id'], ['members.id'], ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['given_by_id'], ['users.id'], ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_thank_yous_member', 'thank_yous', ['member_id', 'given_at'])
    op.create_index('ix_thank_yous_quarter', 'thank_yous', ['quarter', 'given_at'])
    op.create_table(
        'thank_you_budgets',
        sa.Column('quarter', sa.String(length=7), nullable=False),
        sa.Column('amount_cents', sa.Integer(), nullable=False),
        sa.Column('set_by_id', sa.Integer(), nullable=True),
        sa.Column('set_at', sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint('amount_cents >= 0', name='ck_thank_you_budgets_amount'),
        sa.ForeignKeyConstraint(['set_by_id'], ['users.id'], ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('quarter'),
    )
    with op.batch_alter_table('members') as batch_op:
        batch_op.add_column(sa.Column('contributor_level', sa.String(length=12), nullable=True))
        batch_op.add_column(
            sa.Column('show_level', sa.Boolean(), server_default='0', nullable=False)
        )
    with op.batch_alter_table('panel_settings') as batch_op:
        batch_op.add_column(
            sa.Column('level_regular_at', sa.Integer(), server_default='4', nullable=False)
        )
        batch_op.add_column(
            sa.Column('level_ambassador_at', sa.Integer(), server_default='12', nullable=False)
        )
    with op.batch_alter_table('ideas') as batch_op:
        batch_op.add_column(sa.Column('shipped_version', sa.String(length=30), nullable=True))
    with op.batch_alter_table('routes') as batch_op:
        batch_op.add_column(sa.Column('shipped_release_id', sa.Integer(), nullable=True))
        batch_op.create_index('ix_routes_shipped_release_id', ['shipped_release_id'])
        batch_op.create_foreign_key(
            'fk_routes_shipped_release_id', 'releases', ['shipped_release_id'], ['id'],
            ondelete='SET NULL',
        )


def downgrade():
    with op.batch_alter_table('routes') as batch_op:
        batch_op.drop_constraint('fk_routes_shipped_release_id', type_='foreignkey')
        batch_op.drop_index('ix_routes_shipped_release_id')
        batch_op.drop_column('shipped_release_id')
    with op.batch_alter_table('ideas') as batch_op:
        batch_op.drop_column('shipped_version')
    with op.batch_alter_table('panel_settings') as batch_op:
        batch_op.drop_column('level_ambassador_at')
        batch_op.drop_column('level_regular_at')
    with op.batch_alter_table('members') as batch_op:
        batch_op.drop_column('show_level')
        batch_op.drop_column('contributor_level')
    op.drop_table('thank_you_budgets')
    op.drop_index('ix_thank_yous_quarter', table_name='thank_yous')
    op.drop_index('ix_thank_yous_member', table_name='thank_yous')
    op.drop_table('thank_yous')
    op.drop_table('shipped_notices')
    op.drop_index('ix_change_askers_member', table_name='change_askers')
    op.drop_table('change_askers')
    op.drop_index('ix_change_ideas_idea', table_name='change_ideas')
    op.drop_table('change_ideas')
    op.drop_index('ix_change_insights_insight', table_name='change_insights')
    op.drop_table('change_insights')

"""taking part: replies to reactions, own edits and withdrawals (issue 15)

Revision ID: f2repl0edit15
Revises: e4rels0page13
Create Date: 2026-11-30 22:05:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'f2repl0edit15'
down_revision = 'e4rels0page13'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('ideas', schema=None) as batch_op:
        batch_op.add_column(sa.Column('edited_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('withdrawn_at', sa.DateTime(timezone=True), nullable=True))

    with op.batch_alter_table('comments', schema=None) as batch_op:
        batch_op.add_column(sa.Column('parent_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('edited_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('withdrawn_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.create_foreign_key(
            'fk_comments_parent_id_comments', 'comments', ['parent_id'], ['id'], ondelete='CASCADE'
        )
        batch_op.create_index('ix_comments_parent', ['parent_id', 'id'], unique=False)


def downgrade():
    with op.batch_alter_table('comments', schema=None) as batch_op:
        batch_op.drop_index('ix_comments_parent')
        batch_op.drop_constraint('fk_comments_parent_id_comments', type_='foreignkey')
        batch_op.drop_column('withdrawn_at')
        batch_op.drop_column('edited_at')
        batch_op.drop_column('parent_id')

    with op.batch_alter_table('ideas', schema=None) as batch_op:
        batch_op.drop_column('withdrawn_at')
        batch_op.drop_column('edited_at')

"""one release per version; a correction note on a change whose wording is locked

Revision ID: b3re1ease003
Revises: b2ma1l000002
Create Date: 2026-11-30 17:20:00.000000

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'b3re1ease003'
down_revision = 'b2ma1l000002'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('release_changes', schema=None) as batch_op:
        batch_op.add_column(sa.Column('correction_nl', sa.String(length=500), server_default='', nullable=False))
        batch_op.add_column(sa.Column('correction_en', sa.String(length=500), server_default='', nullable=False))

    # Releases that already share a version keep their data: the later ones get a suffix.
    releases = sa.table('releases', sa.column('id', sa.Integer), sa.column('version', sa.String))
    connection = op.get_bind()
    seen = set()
    for release_id, version in connection.execute(
        sa.select(releases.c.id, releases.c.version).order_by(releases.c.id)
    ).all():
        if version in seen:
            connection.execute(
                releases.update()
                .where(releases.c.id == release_id)
                .values(version=f"{version[:22]} ({release_id})")
            )
        seen.add(version)

    with op.batch_alter_table('releases', schema=None) as batch_op:
        batch_op.create_unique_constraint('uq_releases_version', ['version'])


def downgrade():
    with op.batch_alter_table('releases', schema=None) as batch_op:
        batch_op.drop_constraint('uq_releases_version', type_='unique')

    with op.batch_alter_table('release_changes', schema=None) as batch_op:
        batch_op.drop_column('correction_en')
        batch_op.drop_column('correction_nl')

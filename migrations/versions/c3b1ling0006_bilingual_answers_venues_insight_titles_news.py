"""official idea answers, venue names and insight titles in Dutch and English; news items

Revision ID: c3b1ling0006
Revises: c2ma1l000005
Create Date: 2026-11-30 19:00:00.000000

The single-language text moves into the column of the language it was most likely written in:
an idea's answer into the language of the staff member who last answered it (the audit log
knows who), else of the round's owner, else Dutch (the panel's default language); a venue into
the language of its round's owner, else Dutch; an insight's title into its author's language,
else Dutch. The other half stays empty and is shown marked until staff fill it in.
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'c3b1ling0006'
down_revision = 'c2ma1l000005'
branch_labels = None
depends_on = None

users = sa.table('users', sa.column('id', sa.Integer), sa.column('locale', sa.String))
rounds = sa.table('rounds', sa.column('id', sa.Integer), sa.column('owner_id', sa.Integer))
audit = sa.table(
    'audit_entries',
    sa.column('id', sa.Integer),
    sa.column('actor_id', sa.Integer),
    sa.column('action', sa.String),
    sa.column('target_type', sa.String),
    sa.column('target_id', sa.Integer),
)


def _language(locale):
    return 'en' if locale == 'en' else 'nl'


def _copy(connection, table, row_id, field, text, locale):
    if text is None:
        return
    connection.execute(
        table.update().where(table.c.id == row_id).values({f'{field}_{_language(locale)}': text})
    )


def upgrade():
    with op.batch_alter_table('ideas', schema=None) as batch_op:
        batch_op.add_column(sa.Column('answer_nl', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('answer_en', sa.Text(), nullable=True))
    with op.batch_alter_table('sessions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('venue_nl', sa.String(length=150), nullable=True))
        batch_op.add_column(sa.Column('venue_en', sa.String(length=150), nullable=True))
    with op.batch_alter_table('insights', schema=None) as batch_op:
        batch_op.add_column(sa.Column('title_nl', sa.String(length=200), server_default='', nullable=False))
        batch_op.add_column(sa.Column('title_en', sa.String(length=200), server_default='', nullable=False))

    connection = op.get_bind()
    locale_of = dict(connection.execute(sa.select(users.c.id, users.c.locale)).all())
    owner_of_round = dict(connection.execute(sa.select(rounds.c.id, rounds.c.owner_id)).all())

    ideas = sa.table(
        'ideas',
        sa.column('id', sa.Integer),
        sa.column('round_id', sa.Integer),
        sa.column('answer', sa.Text),
        sa.column('answer_nl', sa.Text),
        sa.column('answer_en', sa.Text),
    )
    answerer = {}
    for target_id, actor_id in connection.execute(
        sa.select(audit.c.target_id, audit.c.actor_id)
        .where(audit.c.action == 'idea.answer', audit.c.target_type == 'ideas')
        .order_by(audit.c.id)
    ).all():
        if actor_id is not None:
            answerer[target_id] = actor_id
    for idea_id, round_id, answer in connection.execute(
        sa.select(ideas.c.id, ideas.c.round_id, ideas.c.answer).where(ideas.c.answer.isnot(None))
    ).all():
        who = answerer.get(idea_id) or owner_of_round.get(round_id)
        _copy(connection, ideas, idea_id, 'answer', answer, locale_of.get(who))

    sessions = sa.table(
        'sessions',
        sa.column('id', sa.Integer),
        sa.column('round_id', sa.Integer),
        sa.column('venue', sa.String),
        sa.column('venue_nl', sa.String),
        sa.column('venue_en', sa.String),
    )
    for session_id, round_id, venue in connection.execute(
        sa.select(sessions.c.id, sessions.c.round_id, sessions.c.venue).where(
            sessions.c.venue.isnot(None)
        )
    ).all():
        _copy(connection, sessions, session_id, 'venue', venue,
              locale_of.get(owner_of_round.get(round_id)))

    insights = sa.table(
        'insights',
        sa.column('id', sa.Integer),
        sa.column('created_by_id', sa.Integer),
        sa.column('title', sa.String),
        sa.column('title_nl', sa.String),
        sa.column('title_en', sa.String),
    )
    for insight_id, author_id, title in connection.execute(
        sa.select(insights.c.id, insights.c.created_by_id, insights.c.title)
    ).all():
        _copy(connection, insights, insight_id, 'title', title, locale_of.get(author_id))

    with op.batch_alter_table('ideas', schema=None) as batch_op:
        batch_op.drop_column('answer')
    with op.batch_alter_table('sessions', schema=None) as batch_op:
        batch_op.drop_column('venue')
    with op.batch_alter_table('insights', schema=None) as batch_op:
        batch_op.drop_column('title')

    op.create_table(
        'news_items',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('subject_nl', sa.String(length=150), server_default='', nullable=False),
        sa.Column('subject_en', sa.String(length=150), server_default='', nullable=False),
        sa.Column('body_nl', sa.Text(), server_default='', nullable=False),
        sa.Column('body_en', sa.Text(), server_default='', nullable=False),
        sa.Column('created_by_id', sa.Integer(), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('sent_by_id', sa.Integer(), nullable=True),
        sa.Column('recipient_count', sa.Integer(), server_default='0', nullable=False),
        sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['sent_by_id'], ['users.id'], ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id'),
    )
    with op.batch_alter_table('news_items', schema=None) as batch_op:
        batch_op.create_index('ix_news_items_sent_at', ['sent_at'], unique=False)


def downgrade():
    with op.batch_alter_table('news_items', schema=None) as batch_op:
        batch_op.drop_index('ix_news_items_sent_at')
    op.drop_table('news_items')

    connection = op.get_bind()
    with op.batch_alter_table('insights', schema=None) as batch_op:
        batch_op.add_column(sa.Column('title', sa.String(length=200), server_default='', nullable=False))
    with op.batch_alter_table('sessions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('venue', sa.String(length=150), nullable=True))
    with op.batch_alter_table('ideas', schema=None) as batch_op:
        batch_op.add_column(sa.Column('answer', sa.Text(), nullable=True))
    for table, field in (('insights', 'title'), ('sessions', 'venue'), ('ideas', 'answer')):
        t = sa.table(table, sa.column(field), sa.column(f'{field}_nl'), sa.column(f'{field}_en'))
        connection.execute(
            t.update().values({field: sa.func.coalesce(
                sa.func.nullif(t.c[f'{field}_nl'], ''), t.c[f'{field}_en'])})
        )
    with op.batch_alter_table('insights', schema=None) as batch_op:
        batch_op.drop_column('title_en')
        batch_op.drop_column('title_nl')
    with op.batch_alter_table('sessions', schema=None) as batch_op:
        batch_op.drop_column('venue_en')
        batch_op.drop_column('venue_nl')
    with op.batch_alter_table('ideas', schema=None) as batch_op:
        batch_op.drop_column('answer_en')
        batch_op.drop_column('answer_nl')

"""The shipped tests' shared setup: a product owner, releases with two changes, a published
round, insights resting on members' reactions and ideas with supporters.

A test module adjusts the defaults with module-level settings:
OWNER (make_user keywords), RELEASE (new_release keywords) and ROUND_STAGE."""

from datetime import timedelta
from functools import partial

import pytest
from sqlalchemy import select

from panel.database import utcnow
from panel.feedback import services as feedback
from panel.insights.models import Evidence, Insight, seed_default_streams
from panel.rounds import services as rounds
from panel.rounds.models import Idea, IdeaStatus, IdeaSupport
from panel.security import Role
from panel.shipped.models import ChangeAsker

ROUND_FIELDS = {
    "title_nl": "Betere app",
    "title_en": "Better app",
    "summary_nl": "Samen bouwen",
    "summary_en": "Build together",
    "question_nl": "Wat mis je?",
    "question_en": "What do you miss?",
    "visibility": "all",
}

CHANGES = [
    {
        "title_nl": "Verbruik per dag",
        "title_en": "Usage per day",
        "description_nl": "Zie je verbruik per dag",
        "description_en": "See your usage per day",
    },
    {
        "title_nl": "Donkere modus",
        "title_en": "Dark mode",
        "description_nl": "Rustig voor je ogen",
        "description_en": "Calm on your eyes",
    },
]


def new_release(
    db,
    owner,
    version="11.12",
    publish=False,
    changes=CHANGES,
    months_ago=0,
    month=None,
    opens_in=timedelta(hours=-1),
    audience="all",
):
    """A release of these changes, opened `opens_in` from now for a week; its month is `month`,
    else that of `months_ago` times 31 days back; published if asked."""
    now = utcnow()
    data = {
        "version": version,
        "month": month or (now - timedelta(days=31 * months_ago)).date().replace(day=1),
        "opens_at": now + opens_in,
        "closes_at": now + opens_in + timedelta(days=7),
        "audience": audience,
        "sample_size": 5 if audience == "sample" else None,
    }
    release = feedback.save_release(None, data, [dict(change) for change in changes], owner)
    if publish:
        feedback.publish_release(release, owner)
    db.session.commit()
    return release


def new_round(db, owner, stage=None):
    """A published round (the default streams seeded), in this stage if given."""
    seed_default_streams()
    round_ = rounds.create_round(owner, dict(ROUND_FIELDS), [])
    if stage:
        round_.stage = stage
    rounds.publish_round(round_, owner)
    db.session.commit()
    return round_


def evidence_of(db, comments, en="Show usage per day"):
    """An insight resting on these reactions (each of its author)."""
    insight = Insight(title_nl="Verbruik laten zien", title_en=en, description="")
    db.session.add(insight)
    db.session.flush()
    for comment in comments:
        db.session.add(
            Evidence(
                insight_id=insight.id,
                kind="comment",
                source_id=comment.id,
                member_id=comment.author_id,
            )
        )
    db.session.commit()
    return insight


def make_idea(db, round_, author, supporters=(), title="Laat mijn verbruik per dag zien"):
    """A selected idea of this author (None: a former member) with these supporters."""
    idea = Idea(
        round_id=round_.id,
        author_id=author.id if author else None,
        title=title,
        body="Dan weet ik waar mijn bundel blijft.",
        status=IdeaStatus.SELECTED.value,
        support_count=len(supporters),
    )
    db.session.add(idea)
    db.session.flush()
    for member in supporters:
        db.session.add(IdeaSupport(idea_id=idea.id, member_id=member.id))
    db.session.commit()
    return idea


def askers_of(db, change):
    """The member ids kept as the change's askers, as committed."""
    db.session.rollback()  # a fresh look at what was committed
    return set(
        db.session.scalars(select(ChangeAsker.member_id).where(ChangeAsker.change_id == change.id))
    )


@pytest.fixture
def owner(request, make_user):
    settings = getattr(request.module, "OWNER", {"name": "Olga Owner", "locale": "en"})
    return make_user(roles=[Role.PRODUCT_OWNER], **settings)


@pytest.fixture
def make_release(request, db, owner):
    """make_release(version=..., publish=..., ...) → new_release with the module's defaults."""
    return partial(new_release, db, owner, **getattr(request.module, "RELEASE", {}))


@pytest.fixture
def round_(request, db, owner):
    return new_round(db, owner, stage=getattr(request.module, "ROUND_STAGE", "idea"))


def make_insight(
    db, members=(), nl="Verbruik per dag laten zien", en="Show usage per day", former_member=True
):
    """An insight resting on one reaction of each of these members (and, unless
    former_member=False, one of a former member)."""
    insight = Insight(title_nl=nl, title_en=en, description="")
    db.session.add(insight)
    db.session.flush()
    pieces = [*members, None] if former_member else list(members)
    for number, member in enumerate(pieces, 1):
        db.session.add(
            Evidence(
                insight_id=insight.id,
                kind="comment",
                source_id=insight.id * 1000 + number,
                member_id=member.id if member else None,
            )
        )
    insight.evidence_count = len(pieces)
    db.session.commit()
    return insight

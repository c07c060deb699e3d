"""Marks for the members who asked: on the feedback form and under My contributions."""

from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import and_, exists, literal, or_, select, union_all

from ..extensions import db
from ..feedback.models import Release, ReleaseChange
from ..insights.models import Evidence
from ..notifications import kinds
from ..rounds.models import Idea, IdeaSupport
from .announce import KIND
from .models import ChangeAsker, ChangeIdea, ChangeInsight
from .notices import shipped_phrase

# My contributions lists this many of the changes a member asked for, newest first.
LATEST = 20


@dataclass
class Shipped:
    """A published change the member asked for: ‘Usage per day’ is in version 11.12, and how
    they asked (their idea, an idea they supported, their inbreng in a linked insight)."""

    phrase: object
    ways: list


def form_marks(release, member=None):
    """Answers signals.release_form_marks: {change id: "You asked for this"} for the changes
    of `release` the member asked for (one query)."""
    if member is None or member.id is None:
        return {}
    asked = db.session.scalars(
        select(ChangeAsker.change_id)
        .join(ReleaseChange, ReleaseChange.id == ChangeAsker.change_id)
        .where(ReleaseChange.release_id == release.id, ChangeAsker.member_id == member.id)
    )
    # Translators: beside a change on the feedback form, for a panelist whose input led to it
    text = _("You asked for this")
    return {change_id: text for change_id in asked}


def contribution_marks(member, keys=()):
    """Answers signals.contribution_marks: {(kind, source id): [text]} — "You asked for this:
    ‘Usage per day’ is in version 11.12" for the member's ideas a published change ships, and
    for their contributions that are evidence of an insight a published change answers, when
    the member is one of that change's kept askers (ChangeAsker), so this page, the form's mark,
    the message and the results agree on who asked. One query, whatever the number of
    contributions."""
    keys = list(keys)
    if member is None or member.id is None or not keys:
        return {}
    idea_ids = [source_id for kind, source_id in keys if kind == "idea"]
    shipped = (
        select(
            ReleaseChange.title_nl,
            ReleaseChange.title_en,
            ReleaseChange.position,
            Release.version,
            Release.published_at,
        )
        .join(Release, Release.id == ReleaseChange.release_id)
        # The kept askers, as the form, the message and the results count them.
        .join(
            ChangeAsker,
            and_(ChangeAsker.change_id == ReleaseChange.id, ChangeAsker.member_id == member.id),
        )
        .where(Release.published_at.isnot(None))
    )
    ways = []
    if idea_ids:
        ways.append(
            shipped.add_columns(ChangeIdea.idea_id.label("source_id"))
            .add_columns(_kind("idea"))
            .join(ChangeIdea, ChangeIdea.change_id == ReleaseChange.id)
            .where(ChangeIdea.idea_id.in_(idea_ids))
        )
    ways.append(
        shipped.add_columns(Evidence.source_id.label("source_id"))
        .add_columns(Evidence.kind.label("kind"))
        .join(ChangeInsight, ChangeInsight.change_id == ReleaseChange.id)
        .join(Evidence, Evidence.insight_id == ChangeInsight.insight_id)
        .where(Evidence.member_id == member.id, _any_key(keys))
    )
    rows = db.session.execute(union_all(*ways)).all()
    title = kinds.get(KIND).title_for
    marks = {}
    seen = set()
    for title_nl, title_en, _position, version, _published, source_id, kind in sorted(
        rows, key=lambda row: (row[4], row[2], row[0])
    ):
        text = title({"change": {"nl": title_nl, "en": title_en}, "version": version})
        if (kind, source_id, str(text)) in seen:  # one insight and the idea itself: said once
            continue
        seen.add((kind, source_id, str(text)))
        marks.setdefault((kind, source_id), []).append(text)
    return marks


def contribution_sections(member):
    """Answers signals.contribution_sections: what the member asked for that shipped, in
    published releases, newest first (the latest LATEST): also the ideas they only supported,
    which are not among their own contributions. One query; no section when there is none."""
    if member is None or member.id is None:
        return []
    change = ReleaseChange.id
    authored = exists().where(
        ChangeIdea.change_id == change, Idea.id == ChangeIdea.idea_id, Idea.author_id == member.id
    )
    supported = exists().where(
        ChangeIdea.change_id == change,
        IdeaSupport.idea_id == ChangeIdea.idea_id,
        IdeaSupport.member_id == member.id,
    )
    told = exists().where(
        ChangeInsight.change_id == change,
        Evidence.insight_id == ChangeInsight.insight_id,
        Evidence.member_id == member.id,
    )
    rows = db.session.execute(
        select(
            ReleaseChange.title_nl,
            ReleaseChange.title_en,
            Release.version,
            authored.label("authored"),
            supported.label("supported"),
            told.label("told"),
        )
        .join(ChangeAsker, ChangeAsker.change_id == ReleaseChange.id)
        .join(Release, Release.id == ReleaseChange.release_id)
        .where(ChangeAsker.member_id == member.id, Release.published_at.isnot(None))
        .order_by(
            Release.published_at.desc(),
            Release.id.desc(),
            ReleaseChange.position,
            ReleaseChange.id,
        )
        .limit(LATEST + 1)
    ).all()
    if not rows:
        return []
    shipped = [
        Shipped(
            shipped_phrase({"nl": title_nl, "en": title_en}, version),
            [
                text
                for way, text in (
                    (by_idea, _("From your idea")),
                    (by_support, _("An idea you supported")),
                    (by_insight, _("What you told us, through an insight")),
                )
                if way
            ],
        )
        for title_nl, title_en, version, by_idea, by_support, by_insight in rows[:LATEST]
    ]
    return [
        (
            "shipped/_contribution_asked.html",
            {"shipped": shipped, "more": len(rows) > LATEST, "latest": LATEST},
        )
    ]


def _kind(name):
    return literal(name).label("kind")


def _any_key(keys):
    """SQL: the evidence is one of these (kind, source id) contributions."""
    by_kind = {}
    for kind, source_id in keys:
        by_kind.setdefault(kind, []).append(source_id)
    return or_(
        *(
            and_(Evidence.kind == kind, Evidence.source_id.in_(ids))
            for kind, ids in sorted(by_kind.items())
        )
    )

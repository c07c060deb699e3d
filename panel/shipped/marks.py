"""Marks for the members who asked: on the feedback form and under My contributions."""

from flask_babel import gettext as _
from sqlalchemy import and_, literal, or_, select, union_all

from ..extensions import db
from ..feedback.models import Release, ReleaseChange
from ..insights.models import Evidence
from ..notifications import kinds
from .announce import KIND
from .models import ChangeAsker, ChangeIdea, ChangeInsight


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
    for their contributions that are evidence of an insight a published change answers. One
    query, whatever the number of contributions."""
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

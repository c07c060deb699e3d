"""Your impact, on the panelist's dashboard: what the member's taking part led to."""

from dataclasses import dataclass

from sqlalchemy import distinct, func, select

from ..extensions import db
from ..feedback.models import Release, ReleaseChange
from ..insights.models import Evidence
from ..membership.models import TAKING_PART
from ..rounds.models import Attendance, Idea, Registration
from ..shipped.models import ChangeAsker


@dataclass(frozen=True)
class Impact:
    ideas: int  # visible ideas the member posted (not hidden, withdrawn or merged away)
    supports: int  # the support those ideas got
    insights: int  # insights the member's contributions are evidence of
    shipped: int  # changes the member asked for, in published releases
    sessions: int  # sessions the member attended

    @property
    def is_empty(self):
        return not (self.ideas or self.insights or self.shipped or self.sessions)


def impact_of(member):
    """The member's impact, counted in one query (four scalar subqueries, each on an index
    that starts with the member: it costs the same whatever their history)."""
    ideas = select(func.count(), func.coalesce(func.sum(Idea.support_count), 0)).where(
        Idea.author_id == member.id,
        Idea.hidden_at.is_(None),
        Idea.withdrawn_at.is_(None),
        Idea.merged_into_id.is_(None),
    )
    insights = select(func.count(distinct(Evidence.insight_id))).where(
        Evidence.member_id == member.id
    )
    shipped = (
        select(func.count(distinct(ChangeAsker.change_id)))
        .join(ReleaseChange, ReleaseChange.id == ChangeAsker.change_id)
        .join(Release, Release.id == ReleaseChange.release_id)
        .where(ChangeAsker.member_id == member.id, Release.published_at.isnot(None))
    )
    sessions = select(func.count()).where(
        Registration.member_id == member.id,
        Registration.attendance == Attendance.ATTENDED.value,
    )
    idea_rows = ideas.subquery()
    row = db.session.execute(
        select(
            idea_rows.c[0],
            idea_rows.c[1],
            insights.scalar_subquery(),
            shipped.scalar_subquery(),
            sessions.scalar_subquery(),
        )
    ).one()
    return Impact(*(int(value or 0) for value in row))


def impact_sections(member):
    """Answers signals.dashboard_sections: [(template name, context)]. Shown to members who
    take part (active or taking a break), not to applicants or people no longer in the panel."""
    if member is None or member.status not in TAKING_PART:
        return []
    return [("recognition/_impact.html", {"impact": impact_of(member), "member": member})]

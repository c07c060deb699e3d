"""Demo: release changes linked to the insights and ideas they answer (the last releases: the chat
that remembers and stays open in the evening, the roaming overview, the network status, the
battery fix), the ideas then shipped in their version and the askers told."""

from sqlalchemy import or_, select

from ..extensions import db
from ..feedback.models import Release, ReleaseChange
from ..insights.models import OPEN_STATUSES, Insight, Route
from ..insights.services import close_as_shipped
from ..rounds.models import Idea
from ..shipped import announce, links
from ..shipped.models import ChangeInsight

# change (English title) -> insights (Dutch title), ideas (Dutch or English title, as written)
LINKS = [
    (
        "Chat with customer service",
        ["Chat ook buiten kantoortijd", "Chat vergeet eerdere vragen"],
        [
            ("Chat ook 's avonds", "Chat in the evening too"),
            ("Chat onthoudt mijn vraag", "Chat remembers my question"),
        ],
    ),
    ("Easier on your battery", ["App verbruikt veel batterij sinds versie 11.8"], []),
    ("Roaming overview", ["Roamingkosten live tonen"], []),
    ("Network status in the background", ["Storingen sneller melden"], []),
]


def demo_shipped(rng, staff, now):
    """Links some of the latest releases' changes to insights and ideas; the askers are told."""
    owner = staff.owner_nl
    releases = {}
    for change_title, insight_titles, idea_titles in LINKS:
        change = db.session.scalars(
            select(ReleaseChange)
            .join(Release, Release.id == ReleaseChange.release_id)
            .where(ReleaseChange.title_en == change_title)
            .order_by(Release.month.desc())
            .limit(1)
        ).first()
        if change is None:
            continue
        for title in insight_titles:
            insight = db.session.scalars(
                select(Insight)
                .where(Insight.title_nl == title, Insight.merged_into_id.is_(None))
                .limit(1)
            ).first()
            if insight is not None:
                links.link_insight(change, insight, owner)
        for titles in idea_titles:
            idea = db.session.scalars(
                select(Idea)
                .where(or_(*(Idea.title == title for title in titles)))
                .order_by(Idea.support_count.desc())
                .limit(1)
            ).first()
            if idea is not None:
                links.link_idea(change, idea, owner)
        releases[change.release.id] = change.release
    for release in releases.values():
        links.refresh_askers(links.change_ids_of(release))
        links.mark_ideas_shipped(release)
        if release.published_at is not None:
            announce.announce_shipped(release)
    close_planned_routes(staff, releases)


def close_planned_routes(staff, releases):
    """A stream that had planned a linked insight closes it as shipped in that version."""
    for release in releases.values():
        if release.published_at is None:
            continue
        routes = db.session.scalars(
            select(Route)
            .join(ChangeInsight, ChangeInsight.insight_id == Route.insight_id)
            .join(ReleaseChange, ReleaseChange.id == ChangeInsight.change_id)
            .where(
                ReleaseChange.release_id == release.id,
                Route.status.in_(OPEN_STATUSES),
                Route.answered_at.is_(None),
                Route.removed_at.is_(None),
            )
            .order_by(Route.id)
        ).all()
        for route in routes:
            close_as_shipped(
                route,
                release,
                "Bedankt dat je het aankaartte!",
                "Thank you for bringing it up!",
                staff.manager,
            )

"""Contributor levels over the last 12 months.

Participation points, counted over the 12 months before now (what a moderator hid or its author
withdrew does not count):

    a session attended          3
    an idea posted              2
    a reaction or reply         1
    a feedback response given   1

Below PanelSettings.level_regular_at points a member is a "starter", from it a "regular", from
level_ambassador_at an "ambassador". The level is kept in members.contributor_level for the
members in the panel (pending, active, paused; others have none): every night by
`flask panel refresh-levels`, and for one member the moment they switch their badge on, so a
badge is never empty. Points are counted in SQL for all members at once: a few set-based
statements, whatever the size of the panel.
"""

from datetime import timedelta
from types import SimpleNamespace

from sqlalchemy import case, event, func, literal, or_, select, union_all, update

from ..audit import record_audit
from ..database import conflict_insert, race_pause, utcnow
from ..enums import TitledEnum
from ..extensions import db
from ..feedback.models import Response
from ..i18n import lazy_gettext as _l
from ..i18n import lazy_pgettext as _lp
from ..membership.models import IN_PANEL, Member, MemberStatus, PanelSettings
from ..rounds.models import Attendance, Comment, Idea, Registration, Session

WINDOW = timedelta(days=365)
WEIGHTS = {"session": 3, "idea": 2, "reaction": 1, "response": 1}


class Level(TitledEnum):
    STARTER = "starter"
    REGULAR = "regular"
    AMBASSADOR = "ambassador"


Level.TITLES = {
    # Translators: a contributor level, shown as a small badge next to a panelist's pseudonym
    "starter": _lp("contributor level", "Starter"),
    # Translators: a contributor level: takes part regularly
    "regular": _lp("contributor level", "Regular"),
    # Translators: a contributor level: takes part the most
    "ambassador": _lp("contributor level", "Ambassador"),
}

# What a badge means: its tooltip, and what a screen reader says instead of the short title.
EXPLANATIONS = {
    "starter": _l("Starter: has only just started taking part in the panel"),
    "regular": _l("Regular: takes part regularly in the panel (over the last 12 months)"),
    "ambassador": _l(
        "Ambassador: one of the panel's most active members (over the last 12 months)"
    ),
}


def explanation_of(level):
    """What this level means, in a sentence ("" for no level or one no longer known)."""
    return EXPLANATIONS.get(level, "")


def level_for(points, settings):
    """The level a member with this many points has under these thresholds."""
    if points >= settings.level_ambassador_at:
        return Level.AMBASSADOR.value
    if points >= settings.level_regular_at:
        return Level.REGULAR.value
    return Level.STARTER.value


def _level_case(points, settings):
    """SQL for level_for(points)."""
    return case(
        (points >= settings.level_ambassador_at, Level.AMBASSADOR.value),
        (points >= settings.level_regular_at, Level.REGULAR.value),
        else_=Level.STARTER.value,
    )


def participation_points(member_ids, since):
    """SELECT (member_id, points) of the members (None: everyone) who took part since `since`;
    a member without any participation has no row."""

    def per_member(member_column, weight, *conditions, joined=None):
        """Points per member from one kind of participation."""
        query = select(member_column.label("member_id"), (func.count() * weight).label("points"))
        if joined is not None:
            query = query.select_from(member_column.table).join(*joined)
        if member_ids is not None:
            query = query.where(member_column.in_(list(member_ids)))
        return query.where(member_column.isnot(None), *conditions).group_by(member_column)

    parts = union_all(
        per_member(
            Idea.author_id,
            WEIGHTS["idea"],
            Idea.created_at >= since,
            Idea.hidden_at.is_(None),
            Idea.withdrawn_at.is_(None),
        ),
        per_member(
            Comment.author_id,
            WEIGHTS["reaction"],
            Comment.created_at >= since,
            Comment.hidden_at.is_(None),
            Comment.withdrawn_at.is_(None),
        ),
        per_member(Response.member_id, WEIGHTS["response"], Response.created_at >= since),
        per_member(
            Registration.member_id,
            WEIGHTS["session"],
            Registration.attendance == Attendance.ATTENDED.value,
            Session.starts_at >= since,
            joined=(Session, Session.id == Registration.session_id),
        ),
    ).subquery()
    return select(parts.c.member_id, func.sum(parts.c.points).label("points")).group_by(
        parts.c.member_id
    )


def points_of(member_id, now=None):
    """One member's participation points over the last 12 months (one query)."""
    found = participation_points([member_id], (now or utcnow()) - WINDOW).subquery()
    return db.session.scalar(select(func.coalesce(func.max(found.c.points), 0)))


def refresh_levels(member_ids=None, now=None):
    """Count the levels again and keep them on the members (None: every member). Three UPDATEs:
    members with points, members in the panel without any (starters), and members no longer in
    the panel (no level). Only rows whose level changes are written. Returns how many changed."""
    settings = PanelSettings.current()
    points = participation_points(member_ids, (now or utcnow()) - WINDOW).subquery()
    chosen = [] if member_ids is None else [Member.id.in_(list(member_ids))]
    in_panel = [Member.status.in_(IN_PANEL), *chosen]
    level = _level_case(points.c.points, settings)

    def changed(new):
        return or_(Member.contributor_level.is_(None), Member.contributor_level != new)

    def run(statement):
        return db.session.execute(statement.execution_options(synchronize_session=False)).rowcount

    total = run(
        update(Member)
        .where(Member.id == points.c.member_id, *in_panel, changed(level))
        .values(contributor_level=level)
    )
    total += run(
        update(Member)
        .where(
            *in_panel,
            Member.id.not_in(select(points.c.member_id)),
            changed(literal(Level.STARTER.value)),
        )
        .values(contributor_level=Level.STARTER.value)
    )
    total += run(
        update(Member)
        .where(Member.status.not_in(IN_PANEL), Member.contributor_level.isnot(None), *chosen)
        .values(contributor_level=None)
    )
    return total


def members_per_level(regular_at, ambassador_at, now=None):
    """{level: members in the panel} under these thresholds, counted now (what the levels page
    shows before and after a change): one grouped query."""
    thresholds = SimpleNamespace(level_regular_at=regular_at, level_ambassador_at=ambassador_at)
    points = participation_points(None, (now or utcnow()) - WINDOW).subquery()
    level = _level_case(func.coalesce(points.c.points, 0), thresholds).label("level")
    rows = db.session.execute(
        select(level, func.count())
        .select_from(Member)
        .outerjoin(points, points.c.member_id == Member.id)
        .where(Member.status.in_(IN_PANEL))
        .group_by(level)
    ).all()
    found = dict(rows)
    return {value: found.get(value, 0) for value in Level.values()}


def save_thresholds(regular_at, ambassador_at, actor):
    """The panel manager sets the thresholds. The settings are one row: it is inserted when not
    there yet (unless someone else just did) and both numbers are written in one UPDATE, so two
    managers saving at once leave one of their two pairs, never a mix and never an error."""
    db.session.execute(
        conflict_insert(PanelSettings)
        .values(id=1, **PanelSettings.DEFAULTS)
        .on_conflict_do_nothing(index_elements=["id"])
    )
    race_pause("LEVELS_RACE_DELAY")
    db.session.execute(
        update(PanelSettings)
        .where(PanelSettings.id == 1)
        .values(level_regular_at=regular_at, level_ambassador_at=ambassador_at)
        .execution_options(synchronize_session=False)
    )
    settings = db.session.get(PanelSettings, 1)
    db.session.refresh(settings)
    record_audit(
        "panel_settings.update",
        target=settings,
        actor=actor,
        level_regular_at=regular_at,
        level_ambassador_at=ambassador_at,
    )
    return settings


def level_of(member, now=None):
    """The member's level counted now (None when they are not in the panel)."""
    if member.status not in IN_PANEL:
        return None
    return level_for(points_of(member.id, now), PanelSettings.current())


@event.listens_for(Member.show_level, "set")
def _count_when_the_badge_is_switched_on(member, value, oldvalue, _initiator):
    """A member who switches their badge on gets their level counted at once (not at the next
    nightly refresh): the badge never shows empty or out of date."""
    if value and oldvalue is not True and member.id is not None:
        member.contributor_level = level_of(member)


def shows_badge(member):
    """Whether a badge goes next to this member's pseudonym: they agreed, have a level and are
    in the panel. Reads columns of the member row the page already loaded: no query. (The
    template global `shows_level_badge`, used by templates/recognition/_level_badge.html.)"""
    return bool(
        member is not None
        and member.show_level
        and member.contributor_level in Level.values()
        and member.status in IN_PANEL
    )


# Panel health ---------------------------------------------------------------------------------


def level_counts():
    """{level: [active members, of whom show their badge]}: one grouped query."""
    rows = db.session.execute(
        select(
            Member.contributor_level,
            func.count(),
            func.coalesce(func.sum(case((Member.show_level.is_(True), 1), else_=0)), 0),
        )
        .where(Member.status == MemberStatus.ACTIVE.value)
        .group_by(Member.contributor_level)
    ).all()
    return {level or "": [count, showing] for level, count, showing in rows}


def health_counts(_sender=None, now=None):
    """Answers signals.panel_health_counts: the distribution is counted with the other kept
    panel health figures (every ten minutes), not for each view of the page."""
    return "levels", level_counts()


def health_section(figures):
    """Answers signals.panel_health_sections: (template name, context). The distribution of the
    active members over the levels, from the kept figures (no query); None until a count that
    holds it has been kept."""
    counts = (getattr(figures, "parts", None) or {}).get("levels")
    if counts is None:
        return "recognition/_levels_health.html", {"rows": None}
    rows = [(level, *counts.get(level.value, [0, 0])) for level in Level]
    uncounted = counts.get("", [0, 0])[0]
    return "recognition/_levels_health.html", {
        "rows": rows,
        "total": sum(count for _level, count, _showing in rows) + uncounted,
        "showing": sum(showing for _level, _count, showing in rows),
        "uncounted": uncounted,
    }

"""How feedback plugs into the rest: the dashboard, export, erasure, panel health, reminders.

Each function here answers a signal (panel/signals.py); connect_signals() connects them all.
"""

from datetime import date, timedelta

from flask import url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import exists, func, select
from sqlalchemy.orm import contains_eager, joinedload, selectinload

from .. import signals
from ..database import local_month, month_start, utcnow
from ..extensions import db
from ..i18n import lazy_gettext as _l
from ..i18n import number_filter
from ..membership.models import MemberStatus
from ..membership.privacy import export_time
from ..membership.views import AttentionItem, Urgency
from ..rounds.models import Registration, Session
from .models import (
    FeedbackInvitation,
    Release,
    ReleaseChange,
    Response,
    TouchpointResponse,
)
from .notices import feedback_kinds
from .nps import Score
from .results import nps_text


def open_feedback(member):
    """One survey at a time: the newest open release the member can still answer (active and
    paused members answer; an applicant can't yet)."""
    if member.status not in (MemberStatus.ACTIVE.value, MemberStatus.PAUSED.value):
        return []
    now = utcnow()
    releases = (
        Release.query.filter(
            Release.published_at.isnot(None), Release.opens_at <= now, Release.closes_at > now
        )
        .order_by(*Release.newest_first())
        .all()
    )
    answered = {
        r.release_id
        for r in Response.query.filter(
            Response.member_id == member.id, Response.release_id.in_([r.id for r in releases])
        )
    }
    invited = {
        i.release_id
        for i in FeedbackInvitation.query.filter(
            FeedbackInvitation.member_id == member.id,
            FeedbackInvitation.release_id.in_([r.id for r in releases]),
        )
    }
    return [
        AttentionItem(
            _l("What do you think of app version %(version)s?", version=release.version),
            url_for("feedback.form", release_id=release.id),
            _l("Give feedback"),
            rank=Urgency.GIVE_FEEDBACK,
        )
        for release in releases
        if release.id not in answered and (release.audience == "all" or release.id in invited)
    ][:1]


def sessions_to_rate(member):
    # NOT EXISTS per registration (an anti-join on the unique registration_id), not NOT IN
    # over every touchpoint answer ever given.
    done = exists().where(TouchpointResponse.registration_id == Registration.id)
    rows = (
        Registration.query.join(Session)
        .options(contains_eager(Registration.session))
        .filter(
            Registration.member_id == member.id,
            Registration.attendance == "attended",
            Session.ends_at > utcnow() - timedelta(days=30),
            ~done,
        )
        .all()
    )
    return [
        AttentionItem(
            _l("How was %(session)s? Two short questions.", session=str(r.session.title)),
            url_for("feedback.touchpoint", registration_id=r.id),
            _l("Tell us"),
            rank=Urgency.GIVE_FEEDBACK,
        )
        for r in rows
    ]


def export_feedback(member):
    """The member's feedback, for them to read: app versions and changes by name, next to
    their numbers."""
    responses = (
        Response.query.options(joinedload(Response.release), selectinload(Response.ratings))
        .filter_by(member_id=member.id)
        .order_by(Response.updated_at)
        .all()
    )
    change_ids = {rating.change_id for r in responses for rating in r.ratings}
    changes = {c.id: c for c in ReleaseChange.query.filter(ReleaseChange.id.in_(change_ids))}
    touchpoints = (
        TouchpointResponse.query.filter_by(member_id=member.id)
        .order_by(TouchpointResponse.created_at)
        .all()
    )
    registrations = {
        r.id: r
        for r in Registration.query.options(joinedload(Registration.session)).filter(
            Registration.id.in_({t.registration_id for t in touchpoints})
        )
    }
    return _("Feedback"), {
        _("App versions"): [
            {
                _("App version"): r.release.version,
                _("Score (0 to 10)"): r.score,
                _("What could be better"): r.improve_text,
                _("Device"): r.problem_device,
                _("Operating system"): r.problem_os,
                _("Problem"): r.problem_text,
                _("Changes you rated (1 to 5)"): [
                    {
                        _("Change"): str(changes[x.change_id].title)
                        if x.change_id in changes
                        else None,
                        _("Change number"): x.change_id,
                        _("Rating"): x.rating if x.rating is not None else _("Haven't used it"),
                    }
                    for x in r.ratings
                ],
                _("Last changed"): export_time(r.updated_at),
            }
            for r in responses
        ],
        _("After sessions"): [
            {
                _("Session"): str(registrations[t.registration_id].session.title)
                if t.registration_id in registrations
                else None,
                _("Would you recommend taking part (0 to 10)"): t.score,
                _("What could be better"): t.better_text,
                _("Date"): export_time(t.created_at),
            }
            for t in touchpoints
        ],
    }


def erase_feedback(member):
    """Leaving: free text goes and the link to the member is cut; scores keep counting."""
    for response in Response.query.filter_by(member_id=member.id):
        response.improve_text = response.problem_text = None
        response.problem_device = response.problem_os = None
        response.member_id = None
    for answer in TouchpointResponse.query.filter_by(member_id=member.id):
        answer.better_text = None
        answer.member_id = None


def health_counts(_sender=None, now=None):
    """For the kept panel health figures (membership.health): the touchpoint scores of the
    last 90 days, and per Amsterdam month of the last six."""
    return "feedback", {
        "last_90_days": count_panel_nps(now),
        "by_month": count_panel_nps_by_month(now=now),
    }


def count_panel_nps(now=None):
    """[count of each score 0-10] of the touchpoint answers of the last 90 days."""
    since = (now or utcnow()) - timedelta(days=90)
    counts = [0] * 11
    for score, count in db.session.execute(
        select(TouchpointResponse.score, func.count())
        .where(TouchpointResponse.created_at > since)
        .group_by(TouchpointResponse.score)
    ):
        counts[score] = count
    return counts


def count_panel_nps_by_month(months=6, now=None):
    """{"YYYY-MM": [count of each score 0-10]} of the touchpoint answers per Amsterdam month."""
    since = month_start(now, months - 1)
    month = local_month(TouchpointResponse.created_at)
    by_month = {}
    for label, score, count in db.session.execute(
        select(month, TouchpointResponse.score, func.count())
        .where(TouchpointResponse.created_at >= since)
        .group_by(month, TouchpointResponse.score)
    ):
        by_month.setdefault(label, [0] * 11)[score] = count
    return by_month


def _kept(kept):
    return kept.parts.get("feedback") if kept is not None else None


def panel_nps(kept=None, now=None):
    """The touchpoint score over the last 90 days: how members rate taking part itself. From
    the kept panel health figures when given, else counted now."""
    counts = _kept(kept)["last_90_days"] if _kept(kept) else count_panel_nps(now)
    score = Score.from_counts(counts)
    return [
        (
            nps_text(score.nps),
            ngettext(
                "panel NPS after sessions, 90 days (%(count)s answer)",
                "panel NPS after sessions, 90 days (%(count)s answers)",
                score.n,
                count=number_filter(score.n),
            ),
        )
    ]


def panel_nps_by_month(kept=None, months=6, now=None):
    """The panel NPS per month: how taking part in the klantenteam is rated over time. From the
    kept panel health figures when given, else counted now."""
    if _kept(kept):
        by_month = _kept(kept)["by_month"]
    else:
        by_month = count_panel_nps_by_month(months, now)
    # The first of each Amsterdam month, for the template to name ("nov 2026").
    rows = [
        (date(int(label[:4]), int(label[5:7]), 1), Score.from_counts(counts))
        for label, counts in sorted(by_month.items())
    ]
    return "feedback/_panel_nps.html", {"rows": rows, "nps_text": nps_text}


def connect_signals():
    signals.notification_kinds.connect(feedback_kinds)
    signals.dashboard_attention.connect(open_feedback)
    signals.dashboard_attention.connect(sessions_to_rate)
    signals.member_export.connect(export_feedback)
    signals.member_leaving.connect(erase_feedback)
    signals.panel_health_figures.connect(panel_nps)
    signals.panel_health_sections.connect(panel_nps_by_month)
    signals.panel_health_counts.connect(health_counts)

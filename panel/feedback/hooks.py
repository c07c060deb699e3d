"""How feedback plugs into the rest: the dashboard, export, erasure, panel health, reminders.

Each function here answers a signal (panel/signals.py); connect_signals() connects them all.
"""

from datetime import date, timedelta

from flask import url_for
from sqlalchemy import func, select
from sqlalchemy.orm import contains_eager, joinedload, selectinload

from .. import signals
from ..database import local_month, month_start, utcnow
from ..extensions import db
from ..i18n import lazy_gettext as _l
from ..i18n import number_filter
from ..membership.models import MemberStatus
from ..membership.views import AttentionItem, Urgency
from ..rounds.models import Registration, Session
from .models import FeedbackInvitation, Release, Response, TouchpointResponse
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
    done = select(TouchpointResponse.registration_id).where(
        TouchpointResponse.registration_id.isnot(None)
    )
    rows = (
        Registration.query.join(Session)
        .options(contains_eager(Registration.session))
        .filter(
            Registration.member_id == member.id,
            Registration.attendance == "attended",
            Session.ends_at > utcnow() - timedelta(days=30),
            Registration.id.not_in(done),
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
    responses = Response.query.options(
        joinedload(Response.release), selectinload(Response.ratings)
    ).filter_by(member_id=member.id)
    return "feedback", {
        "responses": [
            {
                "release": r.release.version,
                "score": r.score,
                "improve": r.improve_text,
                "problem_device": r.problem_device,
                "problem_os": r.problem_os,
                "problem": r.problem_text,
                "ratings": {str(x.change_id): x.rating for x in r.ratings},
                "updated_at": r.updated_at.isoformat(),
            }
            for r in responses
        ],
        "session_questions": [
            {"score": t.score, "better": t.better_text, "created_at": t.created_at.isoformat()}
            for t in TouchpointResponse.query.filter_by(member_id=member.id)
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


def panel_nps(_sender=None, now=None):
    """The touchpoint score over the last 90 days: how members rate taking part itself."""
    since = (now or utcnow()) - timedelta(days=90)
    counts = [0] * 11
    for score, count in db.session.execute(
        select(TouchpointResponse.score, func.count())
        .where(TouchpointResponse.created_at > since)
        .group_by(TouchpointResponse.score)
    ):
        counts[score] = count
    score = Score.from_counts(counts)
    return [
        (
            nps_text(score.nps),
            _l("panel NPS after sessions, 90 days (%(n)s answers)", n=number_filter(score.n)),
        )
    ]


def panel_nps_by_month(_sender=None, months=6, now=None):
    """The panel NPS per month: how taking part in the klantenteam is rated over time."""
    since = month_start(now, months - 1)
    month = local_month(TouchpointResponse.created_at)
    by_month = {}
    for label, score, count in db.session.execute(
        select(month, TouchpointResponse.score, func.count())
        .where(TouchpointResponse.created_at >= since)
        .group_by(month, TouchpointResponse.score)
    ):
        by_month.setdefault(label, [0] * 11)[score] = count
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

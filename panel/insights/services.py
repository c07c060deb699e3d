"""Insight verbs: create from evidence, route by rules or by hand, work the inbox, answer."""

import re
import statistics
from datetime import timedelta

from sqlalchemy import func, or_
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload, selectinload

from ..accounts.models import User
from ..audit import record_audit
from ..database import AMSTERDAM, month_key, month_start, utcnow
from ..errors import NotAllowed
from ..extensions import db
from ..i18n import link_for
from ..mail import queue_mail
from ..membership.models import Member
from ..notifications.services import notify
from .evidence import quotable_source
from .models import (
    DECIDED_STATUSES,
    OPEN_STATUSES,
    DigestLog,
    Evidence,
    Insight,
    InternalNote,
    Route,
    RouteStatus,
    RoutingRule,
    StreamMember,
)
from .notices import stream_params
from .workdays import add_working_days

# Insights and evidence ------------------------------------------------------------------------


def create_insight(
    title_nl, title_en, description, tags, actor, round_id=None, release_id=None, evidence=()
):
    """A new insight; its title in Dutch and English (one may wait: panelists see it marked)."""
    insight = Insight(
        title_nl=(title_nl or "").strip(),
        title_en=(title_en or "").strip(),
        description=description,
        tags=list(tags),
        created_by_id=actor.id,
        round_id=round_id,
        release_id=release_id,
    )
    db.session.add(insight)
    db.session.flush()
    for kind, source_id in evidence:
        add_evidence(insight, kind, source_id, actor)
    route_by_rules(insight, actor)
    record_audit("insight.create", target=insight, actor=actor)
    return insight


def add_evidence(insight, kind, source_id, actor):
    """Add a contribution; the same one twice changes nothing. Returns the evidence or None."""
    source = quotable_source(kind, source_id, actor)
    if source is None:
        raise NotAllowed("source")
    existing = Evidence.query.filter_by(
        insight_id=insight.id, kind=kind, source_id=source_id
    ).first()
    if existing:
        return existing
    evidence = Evidence(
        insight_id=insight.id,
        kind=kind,
        source_id=source_id,
        member_id=source.member.id if source.member else None,
        added_by_id=actor.id,
    )
    db.session.add(evidence)
    insight.evidence_count = (insight.evidence_count or 0) + 1
    if insight.round_id is None and insight.release_id is None:
        insight.round_id, insight.release_id = source.round_id, source.release_id
    db.session.flush()
    return evidence


def retitle_insight(insight, title_nl, title_en, actor):
    """Write the title in both languages (panelists read it); the new words may route the
    insight to more streams, like new tags."""
    insight.title_nl, insight.title_en = (title_nl or "").strip(), (title_en or "").strip()
    record_audit("insight.retitle", target=insight, actor=actor)
    db.session.flush()
    route_by_rules(insight, actor)


def set_tags(insight, tags, actor):
    """New tags may route the insight to more streams (routes are never taken away by rules)."""
    insight.tags = list(tags)
    db.session.flush()
    route_by_rules(insight, actor)


# Routing ----------------------------------------------------------------------------------------


def words_of(text):
    return set(re.findall(r"\w+", (text or "").lower()))


def rule_matches(rule, insight_tags, insight_words):
    """Tags: any of the rule's tags; words: any keyword as a whole word (any case, any language)."""
    tag_test = (
        bool({tag.id for tag in rule.tags} & {tag.id for tag in insight_tags})
        if rule.tags
        else None
    )
    keywords = rule.keyword_list
    word_test = (
        any(_phrase_in(keyword, insight_words) for keyword in keywords) if keywords else None
    )
    tests = [test for test in (tag_test, word_test) if test is not None]
    if not tests:
        return False
    return all(tests) if rule.combine == "and" else any(tests)


def _phrase_in(keyword, insight_words):
    """A keyword (one word, or words that must all be there) as whole words."""
    parts = re.findall(r"\w+", keyword.lower())
    return bool(parts) and all(part in insight_words for part in parts)


def _text_of(insight):
    """What the routing rules read: the title in both languages and the description."""
    return f"{insight.title_nl} {insight.title_en} {insight.description}"


def streams_for(insight):
    """The streams the active rules send this insight to, in rule order."""
    words = words_of(_text_of(insight))
    found = []
    rules = RoutingRule.query.options(
        selectinload(RoutingRule.tags), selectinload(RoutingRule.streams)
    )
    for rule in rules.filter_by(is_active=True).order_by(RoutingRule.position, RoutingRule.id):
        if rule_matches(rule, insight.tags, words):
            for stream in rule.streams:
                if stream not in [s for s, _ in found]:
                    found.append((stream, rule))
    return found


def route_by_rules(insight, actor):
    # Removed routes count as present: a person's decision beats the rules.
    present = {route.stream_id for route in insight.routes}
    for stream, rule in streams_for(insight):
        if stream.id not in present:
            add_route(insight, stream, actor, rule=rule)
            present.add(stream.id)


def add_route(insight, stream, actor, rule=None):
    now = utcnow()
    route = Route(
        insight=insight,
        stream=stream,
        routed_at=now,
        rule_id=rule.id if rule else None,
        routed_by_id=None if rule else actor.id,
        due_at=add_working_days(now, stream.target_days),
    )
    db.session.add(route)
    db.session.flush()
    record_audit(
        "insight.route",
        target=insight,
        actor=actor,
        stream=stream.slug,
        by=f"rule {rule.id}" if rule else "hand",
    )
    return route


def remove_route(route, actor):
    record_audit("insight.unroute", target=route.insight, actor=actor, stream=route.stream.slug)
    route.removed_at = utcnow()


def restore_route(route, actor):
    record_audit(
        "insight.route", target=route.insight, actor=actor, stream=route.stream.slug, by="hand"
    )
    route.removed_at = None


def preview_rule(rule, limit=50):
    """(count, first insights) of existing insights this rule would route somewhere new."""
    insights = Insight.query.options(
        selectinload(Insight.tags), selectinload(Insight.routes)
    ).order_by(Insight.id.desc())
    if rule.keyword_list and (rule.combine == "and" or not rule.tags):
        # Narrow down in the database first; whole-word matching happens below.
        insights = insights.filter(
            or_(
                *[
                    func.lower(
                        Insight.title_nl + " " + Insight.title_en + " " + Insight.description
                    ).like(f"%{word}%")
                    for word in rule.keyword_list
                ]
            )
        )
    matches = []
    for insight in insights.limit(5000):
        if rule_matches(rule, insight.tags, words_of(_text_of(insight))):
            routed = {route.stream_id for route in insight.routes}
            if any(stream.id not in routed for stream in rule.streams):
                matches.append(insight)
    return len(matches), matches[:limit]


# The inbox --------------------------------------------------------------------------------------


def reviewer_stream_ids(user):
    return [row.stream_id for row in StreamMember.query.filter_by(user_id=user.id)]


def set_status(route, status, actor):
    status = RouteStatus(status)
    now = utcnow()
    if route.first_response_at is None and status != RouteStatus.NEW:
        route.first_response_at = now
    route.decided_at = now if status.value in DECIDED_STATUSES else None
    route.status = status.value
    record_audit(
        "route.status",
        target=route.insight,
        actor=actor,
        stream=route.stream.slug,
        status=status.value,
    )


def acknowledge(routes, actor):
    count = 0
    for route in routes:
        if route.status == RouteStatus.NEW.value:
            set_status(route, RouteStatus.ACKNOWLEDGED, actor)
            count += 1
    return count


def add_note(route, body, actor):
    note = InternalNote(route_id=route.id, author_id=actor.id, body=body)
    db.session.add(note)
    return note


def contributors(insight):
    """Members whose contributions are the evidence, still in the panel with an account."""
    ids = {evidence.member_id for evidence in insight.evidence if evidence.member_id}
    return Member.query.filter(Member.id.in_(ids), Member.user_id.isnot(None)).all() if ids else []


def publish_answer(route, answer_nl, answer_en, actor):
    """The stream's public answer; the panelists behind the evidence are told (not who they are)."""
    first = route.answered_at is None
    route.answer_nl, route.answer_en = answer_nl, answer_en
    route.answered_at = utcnow()
    if route.status == RouteStatus.NEW.value:
        set_status(route, RouteStatus.ACKNOWLEDGED, actor)
    record_audit("route.answer", target=route.insight, actor=actor, stream=route.stream.slug)
    if first:
        for member in contributors(route.insight):
            notify(
                member.user,
                "insight_answer",
                link=link_for("loop.contributions", member.user.locale),
                # The answer and the insight, both languages: the mail shows the recipient's.
                mail_context={"route": route},
                **stream_params(route.stream),
            )


# Digest and metrics -----------------------------------------------------------------------------


def iso_week(moment):
    """The Amsterdam ISO week of a time: a digest run at 00:30 on Monday belongs to the new week."""
    year, week, _ = moment.astimezone(AMSTERDAM).isocalendar()
    return f"{year}-W{week:02d}"


def send_digests(now=None):
    """Weekly, once per person: new, overdue and decided insights in their streams."""
    now = now or utcnow()
    return sum(
        send_digest(user_id, stream_ids, now) for user_id, stream_ids in digest_recipients().items()
    )


def digest_recipients():
    """{user id: [stream ids]} of everyone who works in a stream."""
    users = {}
    for row in StreamMember.query.order_by(StreamMember.user_id, StreamMember.stream_id):
        users.setdefault(row.user_id, []).append(row.stream_id)
    return users


def send_digest(user_id, stream_ids, now):
    """One person's digest for the week of `now`: 1 when queued, 0 when this week's went out
    or there is nothing new, overdue or decided in their streams.

    The week is claimed by inserting its DigestLog row in a savepoint: when another run (a second
    cron job at the same moment) claims it first, the insert fails on the primary key and this
    run leaves it, so each digest is queued once. The mail is queued in the same transaction as
    the claim (the CLI commits once per digest)."""
    week = iso_week(now)
    if db.session.get(DigestLog, (user_id, week)):
        return 0
    user = db.session.get(User, user_id)
    if user is None or not user.is_enabled or not user.email:
        return 0
    since = now - timedelta(days=7)
    # The digest names each route's insight and stream.
    base = Route.query.options(joinedload(Route.insight), joinedload(Route.stream)).filter(
        Route.stream_id.in_(stream_ids), Route.removed_at.is_(None)
    )
    new = base.filter(Route.routed_at > since).all()
    overdue = [r for r in base.filter(Route.first_response_at.is_(None), Route.due_at < now)]
    decided = base.filter(Route.decided_at > since).all()
    if not (new or overdue or decided):
        return 0  # nothing to tell: no "0 new, 0 overdue" mail (a later run may still send)
    try:
        with db.session.begin_nested():
            db.session.add(DigestLog(user_id=user_id, week=week))
            db.session.flush()
    except IntegrityError:
        return 0
    queue_mail(
        user.email,
        "stream_digest",
        user.locale,
        user=user,
        new=new,
        overdue=overdue,
        decided=decided,
    )
    return 1


def stream_metrics(stream, months=6, now=None):
    """Open count; per month: routed, median hours to first response, share answered in time."""
    now = now or utcnow()
    live = Route.query.filter(Route.stream_id == stream.id, Route.removed_at.is_(None))
    open_count = live.filter(Route.status.in_(OPEN_STATUSES)).count()
    overdue = live.filter(Route.first_response_at.is_(None), Route.due_at < now).count()
    per_month = {}
    for route in live.filter(Route.routed_at >= month_start(now, months - 1)):
        month = month_key(route.routed_at)
        entry = per_month.setdefault(
            month, {"routed": 0, "hours": [], "in_time": 0, "responded": 0}
        )
        entry["routed"] += 1
        if route.first_response_at:
            entry["responded"] += 1
            entry["hours"].append(
                (route.first_response_at - route.routed_at).total_seconds() / 3600
            )
            entry["in_time"] += route.first_response_at <= route.due_at
        elif route.due_at > now:
            entry["routed"] -= 1  # not due yet: neither in time nor late
    rows = []
    for month in sorted(per_month):
        entry = per_month[month]
        rows.append(
            {
                "month": month,
                "routed": entry["routed"],
                "median_hours": statistics.median(entry["hours"]) if entry["hours"] else None,
                "in_time": entry["in_time"] / entry["routed"] if entry["routed"] else None,
            }
        )
    all_hours = [h for e in per_month.values() for h in e["hours"]]
    in_time = sum(e["in_time"] for e in per_month.values())
    routed = sum(e["routed"] for e in per_month.values())
    return {
        "open": open_count,
        "overdue": overdue,
        "months": rows,
        "median_hours": statistics.median(all_hours) if all_hours else None,
        "in_time": in_time / routed if routed else None,
    }


def erase_evidence_links(member):
    """Leaving: the evidence stays (the insight's weight too) but no longer points to the member."""
    Evidence.query.filter_by(member_id=member.id).update({"member_id": None})

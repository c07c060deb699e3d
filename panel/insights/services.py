"""Insight verbs: create from evidence, route by rules or by hand, work the inbox, answer."""

import re
import statistics
from datetime import timedelta

from flask_babel import gettext
from sqlalchemy import func, or_
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload, selectinload

from ..accounts.models import User, UserRole
from ..audit import record_audit
from ..database import AMSTERDAM, month_key, month_start, race_pause, utcnow
from ..errors import NotAllowed
from ..extensions import db
from ..i18n import link_for, speaking
from ..mail import queue_mail
from ..membership.models import Member
from ..notifications.services import notify
from ..security import Role
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
    Stream,
    StreamMember,
)
from .notices import stream_params
from .workdays import add_working_days, working_days_between

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


def can_work(user_id):
    """The condition that this user id (a column) is someone who can work a stream's inbox: an
    account that is enabled and still has the reviewer role (or is a panel manager, who may
    work every stream). A stream whose members all lost that is without reviewers."""
    reviewers = db.select(UserRole.user_id).where(
        UserRole.role.in_([Role.REVIEWER.value, Role.PANEL_MANAGER.value])
    )
    return user_id.in_(db.select(User.id).where(User.is_enabled.is_(True), User.id.in_(reviewers)))


def reviewer_stream_ids(user):
    return [row.stream_id for row in StreamMember.query.filter_by(user_id=user.id)]


def stream_reviewers(stream_ids):
    """The reviewers of these streams (whom an item may be assigned to), by name."""
    if not stream_ids:
        return []
    members = db.select(StreamMember.user_id).where(StreamMember.stream_id.in_(stream_ids))
    return User.query.filter(User.id.in_(members), can_work(User.id)).order_by(User.name).all()


def assign(route, assignee, actor, seen=None):
    """Give a route to a reviewer of its stream (or to nobody: `assignee` None).

    One conditional UPDATE decides, so two people assigning at once end in one assignee, told
    once: it changes the route only while the assignee is still the one the actor saw (`seen`:
    a user id, 0 for nobody; None: whoever it is) and the new one is (still) in the stream.
    Refused with NotAllowed("not_in_stream") or NotAllowed("changed") (someone was quicker).
    Returns False when the route already had this assignee."""
    new_id = assignee.id if assignee else None
    if new_id == route.assigned_to_id and seen in (None, route.assigned_to_id or 0):
        return False
    race_pause("INBOX_ASSIGN_RACE_PAUSE")
    conditions = [Route.id == route.id]
    if seen is not None:
        conditions.append(Route.assigned_to_id == seen if seen else Route.assigned_to_id.is_(None))
    if new_id is not None:
        conditions.append(
            db.select(StreamMember.user_id)
            .where(StreamMember.stream_id == Route.stream_id, StreamMember.user_id == new_id)
            .exists()
        )
        conditions.append(Route.assigned_to_id.is_(None) | (Route.assigned_to_id != new_id))
    else:
        conditions.append(Route.assigned_to_id.isnot(None))
    changed = db.session.execute(
        db.update(Route)
        .where(*conditions)
        .values(assigned_to_id=new_id)
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.expire(route, ["assigned_to_id", "assigned_to"])
    if not changed:
        if (
            new_id is not None
            and not StreamMember.query.filter_by(stream_id=route.stream_id, user_id=new_id).first()
        ):
            raise NotAllowed("not_in_stream")
        if route.assigned_to_id == new_id:
            return False
        raise NotAllowed("changed")
    record_audit(
        "route.assign",
        target=route.insight,
        actor=actor,
        stream=route.stream.slug,
        route=route.id,
        assignee=new_id or "nobody",
    )
    if assignee is not None and assignee.id != actor.id:
        notify(
            assignee,
            "route_assigned",
            link=link_for("insights.route", assignee.locale, route_id=route.id),
            route_id=route.id,
            **stream_params(route.stream),
        )
    return True


def assign_many(routes, assignee, actor):
    """Bulk: (assigned, refused) counts; a route whose stream the assignee isn't in is skipped."""
    assigned = refused = 0
    for route in routes:
        try:
            assigned += assign(route, assignee, actor)
        except NotAllowed:
            refused += 1
    return assigned, refused


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


def lock_insight_of(route):
    """Lock the row of the insight the route is on, and read both afresh: an answer and a merge
    or close-as-duplicate of its insight (which lock both insights) take turns, so the
    panelists behind either hear the answer once (manage.py tells those a merge adds). A merge
    may have moved the route meanwhile: then the kept insight is locked instead.
    NotAllowed("gone"): the merge folded it into the kept insight's route in the same stream."""
    insight_id = route.insight_id
    while True:
        insight = db.session.scalars(
            db.select(Insight)
            .where(Insight.id == insight_id)
            .with_for_update()
            .execution_options(populate_existing=True)
        ).one()
        now_on = db.session.scalar(db.select(Route.insight_id).where(Route.id == route.id))
        if now_on is None:
            raise NotAllowed("gone")
        if now_on == insight_id:
            break
        insight_id = now_on
    db.session.expire(insight, ["evidence", "routes"])
    db.session.refresh(route)
    race_pause("INSIGHT_RACE_DELAY")


def route_taking_over(insight_id, stream_id):
    """Where to answer instead of a route a merge folded away (lock_insight_of's "gone"): the
    route in the same stream of the insight it was merged into (following later merges too).
    None when the insight was not merged or that insight is not in the stream."""
    insight, seen = db.session.get(Insight, insight_id), set()
    while insight is not None and insight.merged_into_id is not None and insight.id not in seen:
        seen.add(insight.id)
        insight = db.session.get(Insight, insight.merged_into_id)
    if insight is None or not seen:
        return None
    return Route.query.filter_by(insight_id=insight.id, stream_id=stream_id).first()


def publish_answer(route, answer_nl, answer_en, actor):
    """The stream's public answer; the panelists behind the evidence are told (not who they are)."""
    lock_insight_of(route)
    _publish(route, answer_nl, answer_en, actor)


def _publish(route, answer_nl, answer_en, actor):
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


def close_as_shipped(route, release, note_nl, note_en, actor):
    """Done: "shipped in version X" (a published release with a change linked to the insight;
    the view offers only those). The public answer starts with that line in both languages,
    then the reviewer's own words if any, then the answer published before (kept: it is what the
    panelists were told so far). Closed again in another version, the earlier version's line is
    replaced, not repeated. It goes out as every answer does (audit-logged as the status and the
    answer; the version is in the answer)."""
    lock_insight_of(route)
    earlier = route.shipped_release
    route.shipped_release_id = release.id
    if route.status != RouteStatus.DONE.value:
        set_status(route, RouteStatus.DONE, actor)
    answers = {}
    before = {"nl": route.answer_nl, "en": route.answer_en} if route.answered_at else {}
    for lang, note in (("nl", note_nl), ("en", note_en)):
        with speaking(lang):
            line = shipped_line(release)
            old_line = shipped_line(earlier) if earlier else None
        kept = (before.get(lang) or "").strip()
        if old_line and kept.startswith(old_line):
            kept = kept.removeprefix(old_line).strip()
        answers[lang] = " ".join(part for part in (line, (note or "").strip(), kept) if part)
    _publish(route, answers["nl"], answers["en"], actor)


def shipped_line(release):
    """The answer's first line for a route closed as shipped, in the language spoken."""
    return gettext("This is in version %(version)s of the app.", version=release.version)


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
    """{user id: [stream ids]} of everyone who works in a stream; the streams nobody works in
    (no reviewers yet) go to every panel manager, so that what is routed there is seen."""
    users = {}
    working = StreamMember.query.filter(can_work(StreamMember.user_id))
    for row in working.order_by(StreamMember.user_id, StreamMember.stream_id):
        users.setdefault(row.user_id, []).append(row.stream_id)
    unstaffed = unstaffed_stream_ids()
    if unstaffed:
        managers = db.select(UserRole.user_id).where(UserRole.role == Role.PANEL_MANAGER.value)
        for manager_id in db.session.scalars(
            db.select(User.id).where(User.id.in_(managers), User.is_enabled.is_(True))
        ):
            streams = users.setdefault(manager_id, [])
            streams += [stream_id for stream_id in unstaffed if stream_id not in streams]
    return users


def unstaffed_stream_ids():
    """The streams without any reviewer who can work them (see can_work), in their order."""
    staffed = db.select(StreamMember.stream_id).where(can_work(StreamMember.user_id))
    return list(
        db.session.scalars(
            db.select(Stream.id).where(Stream.id.not_in(staffed)).order_by(Stream.position)
        )
    )


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
    unstaffed = set(unstaffed_stream_ids()) & set(stream_ids)
    queue_mail(
        user.email,
        "stream_digest",
        user.locale,
        user=user,
        new=new,
        overdue=overdue,
        decided=decided,
        unstaffed=[route.stream for route in new + overdue if route.stream_id in unstaffed],
    )
    return 1


def stream_metrics(stream, months=6, now=None):
    """What the stream page shows, in working days like the target (workdays.py):

    - first response: the route acknowledged or its status changed (first_response_at), the
      median working days it took, and the share that came within the target (routes not
      answered and not due yet count in neither);
    - answer published: the public answer the panelists get (answered_at), the median working
      days it took, and how many got one.
    Overall and per month routed (the last `months`)."""
    now = now or utcnow()
    live = Route.query.filter(Route.stream_id == stream.id, Route.removed_at.is_(None))
    open_count = live.filter(Route.status.in_(OPEN_STATUSES)).count()
    overdue = live.filter(Route.first_response_at.is_(None), Route.due_at < now).count()
    per_month = {}
    recent = live.with_entities(
        Route.routed_at, Route.due_at, Route.first_response_at, Route.answered_at
    ).filter(Route.routed_at >= month_start(now, months - 1))
    for routed_at, due_at, first_response_at, answered_at in recent:
        entry = per_month.setdefault(
            month_key(routed_at),
            {"routed": 0, "due": 0, "in_time": 0, "response_days": [], "answer_days": []},
        )
        entry["routed"] += 1
        if first_response_at:
            entry["due"] += 1
            entry["response_days"].append(working_days_between(routed_at, first_response_at))
            entry["in_time"] += first_response_at <= due_at
        elif due_at <= now:
            entry["due"] += 1  # late and still waiting: not in time
        if answered_at:
            entry["answer_days"].append(working_days_between(routed_at, answered_at))
    rows = [dict(_summary(per_month[month]), month=month) for month in sorted(per_month)]
    overall = _summary(
        {
            "routed": sum(e["routed"] for e in per_month.values()),
            "due": sum(e["due"] for e in per_month.values()),
            "in_time": sum(e["in_time"] for e in per_month.values()),
            "response_days": [d for e in per_month.values() for d in e["response_days"]],
            "answer_days": [d for e in per_month.values() for d in e["answer_days"]],
        }
    )
    return dict(overall, open=open_count, overdue=overdue, months=rows)


def _summary(entry):
    response, answer = entry["response_days"], entry["answer_days"]
    return {
        "routed": entry["routed"],
        "response_days": statistics.median(response) if response else None,
        "in_time": entry["in_time"] / entry["due"] if entry["due"] else None,
        "answer_days": statistics.median(answer) if answer else None,
        "answered": len(answer),
    }


def reviewer_counts():
    """{stream id: number of reviewers who can work it}; a stream missing has none."""
    return dict(
        db.session.execute(
            db.select(StreamMember.stream_id, func.count())
            .where(can_work(StreamMember.user_id))
            .group_by(StreamMember.stream_id)
        ).all()
    )


def erase_evidence_links(member):
    """Leaving: the evidence stays (the insight's weight too) but no longer points to the member."""
    Evidence.query.filter_by(member_id=member.id).update({"member_id": None})

"""Managing insights (issue 16): edit with a routing preview, add several contributions at once,
merge two insights, close one as a duplicate or as "won't act".

Merging `duplicate` into `kept`: the duplicate's evidence moves to the kept insight (a
contribution both rest on counts once), and so do its routes; where both are in the same stream
the more advanced route stays (live before taken out, then by status, then answered) and an
answer is never lost: the kept route takes the other's answer when it has none, and the other's
internal notes. Tags are united and the rules run again on the kept insight. The duplicate
records `merged_into_id`; its page leads to the kept one. Its panelists are now behind the kept
insight, so they hear its answers: those still to come, and those already published, once (each
answer standing on the kept insight goes to the panelists of the other insight, who had not been
told it: one "insight_answer" each, in bulk). An answer published while the merge runs waits for
it (services.lock_insight_of), so it reaches everyone once. Audit-logged; under a lock of both
rows in id order, so two merges at once, or two insights merged into each other at once, cannot
both happen.

Closing (what a real team means by it, and what the panelists behind it are told):

* "Won't act": the team decided not to act, with a reason in Dutch and/or English, written for
  panelists. The insight's open routes are decided as "declined"; a route that had not answered
  yet answers with the reason. The panelists behind the insight are told once (one
  "insight_answer" notification each, whatever the number of streams): they read the reason on
  My contributions, in their language. Routes that had answered keep their answer. An insight
  that was never routed sends no message: nobody had picked it up.
* "Duplicate of another insight": the same finding is followed up there. Its open routes leave
  the streams' inboxes (taken out, kept with any answer, so the rules don't send it back); its
  contributions are added to the other insight as evidence (once), so the panelists behind it
  hear the other insight's answer when it comes, and see its answers on My contributions. No
  message about the closing: "it is a duplicate" tells a panelist nothing; the answer will. The
  answers the other insight already published go, once, to the panelists this adds to it.
  Unlike a merge, the closed insight keeps its own evidence and page (a record of why).

A closed insight is not routed by rules again (an edit changes its words, not its state).

Contributions added to an insight (add_items): the panelists it newly rests on hear the answers
its live routes already published, once each, as a merge tells them; so whoever is behind an
insight when an answer is published has been told it, which is what merging and closing as
duplicate count on. Adding, closing and merging lock the insight's row, as publishing an answer
does (services.lock_insight_of): they take turns.
"""

from types import SimpleNamespace

from sqlalchemy import Integer, and_, delete, exists, func, insert, literal, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import aliased

from .. import signals
from ..accounts.models import User
from ..audit import record_audit
from ..database import race_pause, utcnow
from ..errors import NotAllowed
from ..extensions import db
from ..i18n import link_for
from ..membership.models import Member
from ..notifications.services import notify
from . import insight_search, services
from .models import (
    OPEN_STATUSES,
    CloseKind,
    Evidence,
    EvidenceKind,
    Insight,
    InternalNote,
    Route,
    RouteStatus,
    StreamMember,
    outcome_insights,
)
from .notices import stream_params, tell_answer

# How many contributions one "Add to insight" / "Make insight" takes at once.
MAX_ITEMS = 50
STATUS_ORDER = {status: rank for rank, status in enumerate(RouteStatus.values())}


# Contribution items ("kind:id") ------------------------------------------------------------------


def parse_items(values):
    """[(kind, id)] from `kind:id` strings (contract 1), known kinds only, each once, in order;
    anything else is left out (never an error). At most MAX_ITEMS."""
    items = []
    for value in values:
        kind, _, number = (value or "").strip().partition(":")
        if kind in EvidenceKind.values() and number.isdigit() and 0 < len(number) <= 9:
            item = (kind, int(number))
            if item not in items:
                items.append(item)
    return items[:MAX_ITEMS]


def item_values(items):
    return [f"{kind}:{source_id}" for kind, source_id in items]


def add_items(insight, items, actor):
    """Add contributions to an insight: {"added": n, "had": n, "hidden": n, "insight": the one
    they went to}. A contribution it rests on already counts as "had"; one a moderator hid (or
    that is gone) is skipped. Under the lock of the insight's row (two adds at once take turns);
    each in a savepoint besides, so a contribution a merge or close copied in meanwhile is
    simply there once (the unique constraint decides).

    The panelists it newly rests on hear the answers its live routes already published, once
    each (one "insight_answer" per answered route, in bulk, as a merge tells them): whoever is
    behind an insight when an answer is published was told it. An answer published meanwhile
    waits for the lock (services.lock_insight_of), so it is told either here or there."""
    counts = {"added": 0, "had": 0, "hidden": 0}
    # The insight's row first, locked and read afresh: two people adding to it at once take
    # turns, so its count is never a lost update; nor can an answer be published in between.
    # One merged into another meanwhile (after the page checked): the kept one takes them, and
    # counts["insight"] says which that is.
    insight = _lock_one(insight.id)
    while insight.merged_into_id is not None:
        insight = _lock_one(insight.merged_into_id)
    counts["insight"] = insight
    race_pause("INSIGHT_RACE_DELAY")
    behind = _users_behind(insight.id)[insight.id]
    for kind, source_id in items:
        before = insight.evidence_count
        try:
            with db.session.begin_nested():
                services.add_evidence(insight, kind, source_id, actor)
        except NotAllowed:
            counts["hidden"] += 1
            continue
        except IntegrityError:
            db.session.refresh(insight)
            counts["had"] += 1
            continue
        counts["added" if insight.evidence_count > before else "had"] += 1
    if counts["added"]:
        _recount(insight.id)
        db.session.refresh(insight)
        new = _users_behind(insight.id)[insight.id] - behind
        told = _tell_missed_answers([(route, new) for route in _answered_routes(insight.id)])
        record_audit(
            "insight.evidence", target=insight, actor=actor, added=counts["added"], told=told
        )
    return counts


def _lock_one(insight_id):
    """The insight's row, locked for the rest of the transaction and read afresh (as _lock_both);
    its routes and evidence are read afresh when next used."""
    insight = db.session.scalars(
        select(Insight)
        .where(Insight.id == insight_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).one()
    db.session.expire(insight, ["evidence", "routes"])
    return insight


def _answered_routes(insight_id):
    """The insight's live routes with a published answer, read afresh (its row is locked)."""
    return db.session.scalars(
        select(Route)
        .where(
            Route.insight_id == insight_id,
            Route.answered_at.isnot(None),
            Route.removed_at.is_(None),
        )
        .order_by(Route.stream_id)
        .execution_options(populate_existing=True)
    ).all()


def _recount(insight_id):
    db.session.execute(
        update(Insight)
        .where(Insight.id == insight_id)
        .values(
            evidence_count=select(func.count())
            .where(Evidence.insight_id == insight_id)
            .scalar_subquery()
        )
        .execution_options(synchronize_session=False)
    )


# Editing with a routing preview ----------------------------------------------------------------


def routing_preview(insight, title_nl, title_en, description, tags):
    """The streams the rules would newly send the insight to with these words and tags, before
    saving: [(stream, rule)]. Streams it is in, or that a person took it out of, are left out."""
    if insight is not None and insight.closed_at is not None:
        return []
    present = {route.stream_id for route in insight.routes} if insight is not None else set()
    draft = SimpleNamespace(
        title_nl=title_nl or "", title_en=title_en or "", description=description or "", tags=tags
    )
    return [
        (stream, rule) for stream, rule in services.streams_for(draft) if stream.id not in present
    ]


def streams_without_reviewers(stream_ids):
    """The ids among `stream_ids` whose inbox nobody reads yet: no member who can work it (an
    enabled account with the reviewer or panel-manager role, services.can_work), the rule of
    the digest, the setup page and the metrics."""
    stream_ids = list(stream_ids)
    if not stream_ids:
        return set()
    staffed = set(
        db.session.scalars(
            select(StreamMember.stream_id)
            .where(StreamMember.stream_id.in_(stream_ids), services.can_work(StreamMember.user_id))
            .distinct()
        )
    )
    return set(stream_ids) - staffed


def edit_insight(insight, title_nl, title_en, description, tags, actor):
    """Save the title (both languages), description and tags; an open insight is then routed by
    the rules again (routes are never taken away). Returns the routes it newly got."""
    before = {route.stream_id for route in insight.routes}
    insight.title_nl, insight.title_en = (title_nl or "").strip(), (title_en or "").strip()
    insight.description = description or ""
    insight.tags = list(tags)
    record_audit("insight.edit", target=insight, actor=actor)
    insight_search.reindex_insight(insight)
    if insight.closed_at is None:
        services.route_by_rules(insight, actor)
    return [route for route in insight.routes if route.stream_id not in before]


# Merging ----------------------------------------------------------------------------------------


def what_moves(duplicate, kept):
    """For the confirm step: how many contributions are new to the kept insight, and how many
    streams it gains."""
    other = aliased(Evidence)
    evidence = db.session.scalar(
        select(func.count())
        .select_from(Evidence)
        .where(
            Evidence.insight_id == duplicate.id,
            ~exists().where(
                other.insight_id == kept.id,
                other.kind == Evidence.kind,
                other.source_id == Evidence.source_id,
            ),
        )
    )
    kept_streams = {route.stream_id for route in kept.routes}
    streams = [
        route.stream for route in duplicate.live_routes if route.stream_id not in kept_streams
    ]
    return {"evidence": evidence, "streams": streams}


def _lock_both(first_id, second_id):
    """Both insights, locked for the rest of the transaction and read afresh, in id order (two
    merges of one pair at once take the locks in the same order). SELECT … FOR UPDATE on
    PostgreSQL; on SQLite the locking read takes the database's write lock."""
    rows = db.session.scalars(
        select(Insight)
        .where(Insight.id.in_([first_id, second_id]))
        .order_by(Insight.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).all()
    found = {insight.id: insight for insight in rows}
    return found.get(first_id), found.get(second_id)


def _route_rank(route):
    return (
        route.removed_at is None,
        STATUS_ORDER.get(route.status, 0),
        route.answered_at is not None,
    )


def merge_insights(duplicate, kept, actor):
    """Merge `duplicate` into `kept`. Refusals: NotAllowed("same"), ("merged": one of them is
    merged already, or was merged meanwhile), ("closed": the kept insight is closed)."""
    if duplicate.id == kept.id:
        raise NotAllowed("same")
    duplicate, kept = _lock_both(duplicate.id, kept.id)
    if duplicate is None or kept is None:
        raise NotAllowed("merged")
    if duplicate.merged_into_id is not None or kept.merged_into_id is not None:
        raise NotAllowed("merged")
    if kept.closed_at is not None:
        raise NotAllowed("closed")
    race_pause("INSIGHT_RACE_DELAY")
    now = utcnow()
    claimed = db.session.execute(
        update(Insight)
        .where(Insight.id == duplicate.id, Insight.merged_into_id.is_(None))
        .values(merged_into_id=kept.id, merged_at=now, evidence_count=0)
        .execution_options(synchronize_session=False)
    ).rowcount
    if claimed != 1:
        raise NotAllowed("merged")
    behind = _users_behind(duplicate.id, kept.id)
    moved = _move_evidence(duplicate.id, kept.id)
    streams, answered = _move_routes(duplicate.id, kept.id)
    _move_outcome_links(duplicate.id, kept.id)
    signals.insight_merged.send(duplicate.id, kept_id=kept.id)
    db.session.refresh(duplicate)
    db.session.refresh(kept)
    kept.tags = list({tag.id: tag for tag in [*kept.tags, *duplicate.tags]}.values())
    if kept.round_id is None and kept.release_id is None:
        kept.round_id, kept.release_id = duplicate.round_id, duplicate.release_id
    _recount(kept.id)
    db.session.flush()
    db.session.refresh(kept)
    services.route_by_rules(kept, actor)
    # Who was told of each answer now standing on the kept insight: the panelists of the insight
    # it was published on. The others are now behind it too: they hear it now, once.
    new = {
        kept.id: behind[duplicate.id] - behind[kept.id],
        duplicate.id: behind[kept.id] - behind[duplicate.id],
    }
    told = _tell_missed_answers(
        [(route, new[origin]) for route, origin in answered if route.removed_at is None]
    )
    record_audit(
        "insight.merge",
        target=duplicate,
        actor=actor,
        merged_into=kept.id,
        evidence=moved,
        routes=streams,
        told=told,
    )
    return kept


def _users_behind(*insight_ids):
    """{insight id: {user id}} of the panelists behind each insight (its evidence's members
    with an account, as services.contributors), in one query."""
    behind = {insight_id: set() for insight_id in insight_ids}
    rows = db.session.execute(
        select(Evidence.insight_id, Member.user_id)
        .join(Member, Member.id == Evidence.member_id)
        .where(Evidence.insight_id.in_(insight_ids), Member.user_id.isnot(None))
        .distinct()
    )
    for insight_id, user_id in rows:
        behind[insight_id].add(user_id)
    return behind


def _tell_missed_answers(pairs):
    """[(answered route, {user id})]: tell each user the route's answer (in bulk, see
    notices.tell_answer); the users are read in one query. Returns how many were told."""
    wanted = set().union(*(user_ids for _route, user_ids in pairs))
    if not wanted:
        return 0
    users = {user.id: user for user in db.session.scalars(select(User).where(User.id.in_(wanted)))}
    return sum(
        tell_answer(route, [users[user_id] for user_id in sorted(user_ids) if user_id in users])
        for route, user_ids in pairs
    )


def _move_evidence(from_id, to_id):
    """Move the evidence; a contribution both rest on stays once (on the kept insight)."""
    other = aliased(Evidence)
    db.session.execute(
        delete(Evidence)
        .where(
            Evidence.insight_id == from_id,
            exists().where(
                other.insight_id == to_id,
                other.kind == Evidence.kind,
                other.source_id == Evidence.source_id,
            ),
        )
        .execution_options(synchronize_session=False)
    )
    return db.session.execute(
        update(Evidence)
        .where(Evidence.insight_id == from_id)
        .values(insight_id=to_id)
        .execution_options(synchronize_session=False)
    ).rowcount


def _move_routes(from_id, to_id):
    """Move the routes; in a stream both are in, keep the more advanced and any answer.
    Returns (how many moved, [(answered route of the kept insight, id of the insight whose
    panelists were told its answer)])."""
    # Read afresh (the rows of both insights are locked): an answer published just before counts.
    routes = db.session.scalars(
        select(Route)
        .where(Route.insight_id.in_([from_id, to_id]))
        .order_by(Route.id)
        .execution_options(populate_existing=True)
    ).all()
    kept_routes = {route.stream_id: route for route in routes if route.insight_id == to_id}
    origin = {
        route.stream_id: to_id for route in kept_routes.values() if route.answered_at is not None
    }
    answered = {stream_id: kept_routes[stream_id] for stream_id in origin}
    moved = 0
    for route in [route for route in routes if route.insight_id == from_id]:
        target = kept_routes.get(route.stream_id)
        if target is None:
            route.insight_id = to_id
            moved += 1
            if route.answered_at is not None:
                origin[route.stream_id], answered[route.stream_id] = from_id, route
            continue
        if _route_rank(route) > _route_rank(target):
            for name in ("status", "first_response_at", "decided_at", "removed_at"):
                setattr(target, name, getattr(route, name))
            target.due_at = min(target.due_at, route.due_at)
        if target.answered_at is None and route.answered_at is not None:
            target.answer_nl, target.answer_en = route.answer_nl, route.answer_en
            target.answered_at = route.answered_at
            origin[route.stream_id], answered[route.stream_id] = from_id, target
        db.session.execute(
            update(InternalNote)
            .where(InternalNote.route_id == route.id)
            .values(route_id=target.id)
            .execution_options(synchronize_session=False)
        )
        db.session.delete(route)
    db.session.flush()
    return moved, [(answered[stream_id], origin[stream_id]) for stream_id in sorted(answered)]


def _move_outcome_links(from_id, to_id):
    """A round's outcome that named the duplicate names the kept insight."""
    link = outcome_insights
    other = outcome_insights.alias("other")
    db.session.execute(
        update(link)
        .where(
            link.c.insight_id == from_id,
            ~exists().where(and_(other.c.insight_id == to_id, other.c.round_id == link.c.round_id)),
        )
        .values(insight_id=to_id)
    )
    db.session.execute(delete(link).where(link.c.insight_id == from_id))


# Closing ----------------------------------------------------------------------------------------


def close_insight(insight, kind, actor, reason_nl="", reason_en="", duplicate_of=None):
    """Close as CloseKind.WONT_ACT (with a reason) or CloseKind.DUPLICATE (of `duplicate_of`):
    see the module's docstring. Refusals: NotAllowed("closed": closed or merged already, or
    meanwhile), ("same"), ("target": the other insight is merged or closed)."""
    kind = CloseKind(kind)
    if kind == CloseKind.DUPLICATE:
        if duplicate_of is None or duplicate_of.id == insight.id:
            raise NotAllowed("same")
        insight, duplicate_of = _lock_both(insight.id, duplicate_of.id)
        if duplicate_of is None or duplicate_of.merged_into_id or duplicate_of.closed_at:
            raise NotAllowed("target")
    else:
        # Locked like an answer (services.lock_insight_of): one published meanwhile is seen
        # here (its route keeps it, nobody is told twice); one published after waits for this.
        insight = _lock_one(insight.id)
    race_pause("INSIGHT_RACE_DELAY")
    now = utcnow()
    claimed = db.session.execute(
        update(Insight)
        .where(
            Insight.id == insight.id,
            Insight.closed_at.is_(None),
            Insight.merged_into_id.is_(None),
        )
        .values(
            closed_at=now,
            closed_by_id=actor.id,
            close_kind=kind.value,
            closed_reason_nl=(reason_nl or "").strip() or None,
            closed_reason_en=(reason_en or "").strip() or None,
            duplicate_of_id=duplicate_of.id if duplicate_of is not None else None,
        )
        .execution_options(synchronize_session=False)
    ).rowcount
    if claimed != 1:
        raise NotAllowed("closed")
    db.session.refresh(insight)
    routes = db.session.scalars(
        select(Route)
        .where(Route.insight_id == insight.id)
        .order_by(Route.id)
        .execution_options(populate_existing=True)
    ).all()
    open_routes = [
        route for route in routes if route.removed_at is None and route.status in OPEN_STATUSES
    ]
    if kind == CloseKind.WONT_ACT:
        _decline(insight, open_routes, actor, now)
    else:
        for route in open_routes:
            services.remove_route(route, actor)
        behind = _users_behind(insight.id, duplicate_of.id)
        _copy_evidence(insight.id, duplicate_of.id)
        # The panelists it adds to the other insight hear the answers it already has, once.
        new = behind[insight.id] - behind[duplicate_of.id]
        _tell_missed_answers([(route, new) for route in _answered_routes(duplicate_of.id)])
    record_audit(
        "insight.close",
        target=insight,
        actor=actor,
        kind=kind.value,
        duplicate_of=duplicate_of.id if duplicate_of is not None else None,
        routes=len(open_routes),
    )
    return insight


def _decline(insight, routes, actor, now):
    answered = []
    for route in routes:
        services.set_status(route, RouteStatus.DECLINED, actor)
        if route.answered_at is None:
            route.answer_nl, route.answer_en = insight.closed_reason_nl, insight.closed_reason_en
            route.answered_at = now
            answered.append(route)
    db.session.flush()
    if answered:
        # One message per panelist, about the first stream that now answers with the reason.
        route = answered[0]
        for member in services.contributors(insight):
            notify(
                member.user,
                "insight_answer",
                link=link_for("loop.contributions", member.user.locale),
                mail_context={"route": route},
                **stream_params(route.stream),
            )


def _copy_evidence(from_id, to_id):
    """The closed duplicate's contributions become evidence of the other insight too (once)."""
    other = aliased(Evidence)
    source = select(
        literal(to_id, Integer),
        Evidence.kind,
        Evidence.source_id,
        Evidence.member_id,
        Evidence.added_by_id,
        Evidence.created_at,
    ).where(
        Evidence.insight_id == from_id,
        ~exists().where(
            other.insight_id == to_id,
            other.kind == Evidence.kind,
            other.source_id == Evidence.source_id,
        ),
    )
    db.session.execute(
        insert(Evidence).from_select(
            ["insight_id", "kind", "source_id", "member_id", "added_by_id", "created_at"], source
        )
    )
    _recount(to_id)


def reopen_insight(insight, actor):
    """Undo a close (not a merge): routes already declined or taken out stay as they are."""
    if insight.merged_into_id is not None or insight.closed_at is None:
        raise NotAllowed("open")
    claimed = db.session.execute(
        update(Insight)
        .where(Insight.id == insight.id, Insight.closed_at.isnot(None))
        .values(closed_at=None, closed_by_id=None, close_kind=None, duplicate_of_id=None)
        .execution_options(synchronize_session=False)
    ).rowcount
    if claimed != 1:
        raise NotAllowed("open")
    db.session.refresh(insight)
    record_audit("insight.reopen", target=insight, actor=actor)
    return insight

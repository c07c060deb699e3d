"""Set-up verbs: adding, removing and archiving streams and tags, and applying a routing rule
to the insights that already exist.

Removing is for a stream or tag that nothing uses; one that is used is archived instead: it is no
longer offered for new routing or tagging, and what it was used for keeps its history.
"""

import re
import unicodedata

from sqlalchemy import delete, exists, func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from ..audit import record_audit
from ..database import race_pause, utcnow
from ..errors import NotAllowed
from ..extensions import db
from ..rounds.models import round_streams
from .models import Insight, Route, Stream, Tag, insight_tags, rule_streams, rule_tags
from .services import add_route, rule_matches, words_of

# Insights read per batch when a rule is tried on all of them.
BATCH = 500


# Streams and tags on offer -----------------------------------------------------------------------


def offered_streams():
    """The streams new routing (rules, by hand, rounds) may choose: not archived."""
    return (
        Stream.query.filter(Stream.archived_at.is_(None)).order_by(Stream.position, Stream.id).all()
    )


def offered_tags():
    """The tags new tagging and rules may choose: not archived."""
    return Tag.query.filter(Tag.archived_at.is_(None)).order_by(Tag.name_nl).all()


def tags_to_offer(kept=()):
    """The tags a tagging form offers: those not archived, and archived ones the insight already
    has (`kept`), so that saving its form keeps them."""
    kept_ids = {tag.id for tag in kept}
    return [
        tag
        for tag in Tag.query.order_by(Tag.name_nl)
        if tag.archived_at is None or tag.id in kept_ids
    ]


def stream_uses():
    """{stream id: (routes, rules, rounds)} for every stream that something uses."""
    uses = {}
    columns = (Route.stream_id, rule_streams.c.stream_id, round_streams.c.stream_id)
    for index, column in enumerate(columns):
        for stream_id, count in db.session.execute(select(column, func.count()).group_by(column)):
            uses.setdefault(stream_id, [0, 0, 0])[index] = count
    return {stream_id: tuple(counts) for stream_id, counts in uses.items()}


def tag_uses():
    """{tag id: (insights, rules)} for every tag that something uses."""
    uses = {}
    for index, column in enumerate((insight_tags.c.tag_id, rule_tags.c.tag_id)):
        for tag_id, count in db.session.execute(select(column, func.count()).group_by(column)):
            uses.setdefault(tag_id, [0, 0])[index] = count
    return {tag_id: tuple(counts) for tag_id, counts in uses.items()}


# Streams -----------------------------------------------------------------------------------------


def slug_for(name):
    """A stream's slug from its English name: ascii letters, digits and '_'."""
    plain = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().lower()
    return re.sub(r"[^a-z0-9]+", "_", plain).strip("_")[:32] or "stream"


def stream_name_taken(name_nl, name_en, stream=None):
    query = Stream.query.filter(
        or_(
            func.lower(Stream.name_nl) == name_nl.strip().lower(),
            func.lower(Stream.name_en) == name_en.strip().lower(),
        )
    )
    if stream is not None:
        query = query.filter(Stream.id != stream.id)
    return db.session.query(query.exists()).scalar()


def create_stream(name_nl, name_en, description_nl, description_en, target_days, actor):
    """A new stream at the end of the list. Two people adding the same name at once make one:
    the other gets NotAllowed("name_taken").

    The slugs in use are read before the names are checked again: a stream of the same name
    committed before that check is seen by it; one committed after it had no slug when they were
    read, so both insert the same slug and the unique key refuses the second. (Checking the name
    only first would let a stream committed in between make this one "business_2".)"""
    if stream_name_taken(name_nl, name_en):
        raise NotAllowed("name_taken")
    race_pause("RACE_PAUSE_STREAM_CREATE")
    base = slug_for(name_en)
    slug = base
    taken = set(db.session.scalars(select(Stream.slug).where(Stream.slug.like(f"{base}%"))).all())
    if stream_name_taken(name_nl, name_en):
        raise NotAllowed("name_taken")
    number = 2
    while slug in taken:
        slug, number = f"{base}_{number}", number + 1
    position = (db.session.scalar(select(func.max(Stream.position))) or 0) + 1
    stream = Stream(
        slug=slug,
        name_nl=name_nl.strip(),
        name_en=name_en.strip(),
        description_nl=description_nl or None,
        description_en=description_en or None,
        target_days=target_days,
        position=position,
    )
    try:
        with db.session.begin_nested():
            db.session.add(stream)
    except IntegrityError:  # the same name (so the same slug) was added a moment ago
        raise NotAllowed("name_taken") from None
    record_audit("stream.create", target=stream, actor=actor, stream=stream.slug)
    return stream


def remove_stream(stream, actor):
    """Delete a stream that nothing uses (no routes, rules or rounds); else NotAllowed("in_use").
    The check and the delete are one statement, so a route added meanwhile keeps the stream."""
    slug, stream_id = stream.slug, stream.id
    unused = ~exists().where(Route.stream_id == stream_id)
    unused &= ~exists().where(rule_streams.c.stream_id == stream_id)
    unused &= ~exists().where(round_streams.c.stream_id == stream_id)
    result = db.session.execute(
        delete(Stream)
        .where(Stream.id == stream_id, unused)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        raise NotAllowed("in_use")
    record_audit("stream.delete", target=stream, actor=actor, stream=slug)
    db.session.expunge(stream)


def archive_stream(stream, actor):
    """No longer offered for routing: the rules stop sending to it; its routes stay, so that its
    reviewers can finish and answer them."""
    result = db.session.execute(
        update(Stream)
        .where(Stream.id == stream.id, Stream.archived_at.is_(None))
        .values(archived_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        raise NotAllowed("already_archived")
    rules = db.session.execute(
        delete(rule_streams).where(rule_streams.c.stream_id == stream.id)
    ).rowcount
    db.session.refresh(stream)
    record_audit("stream.archive", target=stream, actor=actor, stream=stream.slug, rules=rules)
    return rules


def restore_stream(stream, actor):
    result = db.session.execute(
        update(Stream)
        .where(Stream.id == stream.id, Stream.archived_at.isnot(None))
        .values(archived_at=None)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        raise NotAllowed("not_archived")
    db.session.refresh(stream)
    record_audit("stream.restore", target=stream, actor=actor, stream=stream.slug)


# Tags --------------------------------------------------------------------------------------------


def remove_tag(tag, actor):
    """Delete a tag on no insight and in no rule; else NotAllowed("in_use")."""
    tag_id, name = tag.id, tag.name_en
    unused = ~exists().where(insight_tags.c.tag_id == tag_id)
    unused &= ~exists().where(rule_tags.c.tag_id == tag_id)
    result = db.session.execute(
        delete(Tag).where(Tag.id == tag_id, unused).execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        raise NotAllowed("in_use")
    record_audit("tag.delete", target=tag, actor=actor, name=name)
    db.session.expunge(tag)


def archive_tag(tag, actor):
    """No longer offered for tagging or in rules; insights keep it."""
    result = db.session.execute(
        update(Tag)
        .where(Tag.id == tag.id, Tag.archived_at.is_(None))
        .values(archived_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        raise NotAllowed("already_archived")
    db.session.refresh(tag)
    record_audit("tag.archive", target=tag, actor=actor)


def restore_tag(tag, actor):
    result = db.session.execute(
        update(Tag)
        .where(Tag.id == tag.id, Tag.archived_at.isnot(None))
        .values(archived_at=None)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        raise NotAllowed("not_archived")
    db.session.refresh(tag)
    record_audit("tag.restore", target=tag, actor=actor)


# A rule and the insights that exist --------------------------------------------------------------


def _candidates(rule):
    """Existing insights, oldest first, narrowed in the database where the rule allows.
    Merged and closed insights are left alone: nobody works on them any more."""
    query = (
        select(Insight)
        .options(selectinload(Insight.tags), selectinload(Insight.routes))
        .where(Insight.merged_into_id.is_(None), Insight.closed_at.is_(None))
    )
    keywords = rule.keyword_list
    tag_ids = [tag.id for tag in rule.tags]
    text = func.lower(Insight.title_nl + " " + Insight.title_en + " " + Insight.description)
    word_test = or_(*[text.like(f"%{word}%") for word in keywords]) if keywords else None
    tag_test = (
        Insight.id.in_(select(insight_tags.c.insight_id).where(insight_tags.c.tag_id.in_(tag_ids)))
        if tag_ids
        else None
    )
    tests = [test for test in (tag_test, word_test) if test is not None]
    if not tests:
        return None
    if rule.combine == "and":
        for test in tests:
            query = query.where(test)
    else:
        query = query.where(or_(*tests))
    return query.order_by(Insight.id)


def _walk(rule):
    """(insight, [streams it would newly go to]) for every existing insight the rule matches.
    A stream the insight is in, or was taken out of by hand, counts as present (as for rules
    on new insights: a person's decision beats the rules)."""
    query = _candidates(rule)
    if query is None:
        return
    last = 0
    while True:
        batch = db.session.scalars(query.where(Insight.id > last).limit(BATCH)).all()
        if not batch:
            return
        for insight in batch:
            text = f"{insight.title_nl} {insight.title_en} {insight.description}"
            if rule_matches(rule, insight.tags, words_of(text)):
                present = {route.stream_id for route in insight.routes}
                yield insight, [stream for stream in rule.streams if stream.id not in present]
        last = batch[-1].id


def rule_reach(rule, limit=50):
    """What a rule (saved or a draft) does to the insights that exist:
    (how many it matches, how many it would newly route, the first `limit` of those, newest
    first)."""
    matched = newly = 0
    fresh = []
    for insight, streams in _walk(rule):
        matched += 1
        if streams:
            newly += 1
            fresh.append(insight)
    return matched, newly, list(reversed(fresh))[:limit]


def apply_rule(rule, actor):
    """Route every existing insight the rule matches to the rule's streams it is not in yet;
    returns how many insights were newly routed. Audit-logged once (and each route as usual).
    Two people applying at once route each insight to each stream once: a route the other added
    meanwhile fails uq_routes_insight_stream in its own savepoint and is skipped."""
    work = [(insight, streams) for insight, streams in _walk(rule) if streams]
    race_pause("RACE_PAUSE_RULE_APPLY")
    routed = 0
    for insight, streams in work:
        added = False
        for stream in streams:
            try:
                with db.session.begin_nested():
                    add_route(insight, stream, actor, rule=rule)
            except IntegrityError:  # routed there a moment ago
                db.session.expire(insight, ["routes"])
                continue
            added = True
        routed += added
    record_audit("rule.apply", target=rule, actor=actor, insights=routed)
    return routed

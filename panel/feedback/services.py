"""Feedback verbs: publish and open releases, answer, remind, and read results from counts."""

import re
from collections import Counter
from datetime import timedelta

from sqlalchemy import bindparam, func, insert, select, text, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from .. import signals
from ..accounts.models import User
from ..audit import record_audit
from ..database import utcnow
from ..errors import NotAllowed
from ..extensions import db
from ..i18n import link_for
from ..mail import queue_mail_bulk
from ..membership.models import Member, MemberStatus
from ..membership.segments import AgeBand, CustomerType, Platform
from ..notifications import kinds
from ..notifications.models import Notification
from ..notifications.services import users_without_email_for
from ..rounds.sampling import Criteria, draw_sample
from .models import (
    SEGMENT_KINDS,
    Audience,
    ChangeRating,
    FeedbackInvitation,
    RatingCount,
    Release,
    ReleaseChange,
    ReleaseState,
    Response,
    ScoreCount,
)
from .nps import Score

SEGMENT_VALUES = {
    "all": [""],
    "customer_type": [""] + CustomerType.values(),
    "platform": [""] + Platform.values(),
    "age_band": [""] + AgeBand.values(),
}


# Releases -----------------------------------------------------------------------------------


WORDING = ("title_nl", "title_en", "description_nl", "description_en")
CORRECTION = ("correction_nl", "correction_en")


def version_taken(version, release=None):
    """True when another release already has this app version."""
    query = select(Release.id).where(Release.version == version)
    if release is not None and release.id is not None:
        query = query.where(Release.id != release.id)
    return db.session.execute(query.limit(1)).first() is not None


def rated_change_ids(release):
    """The changes of a release that have ratings: their wording is locked."""
    ids = [change.id for change in release.changes if change.id is not None]
    if not ids:
        return set()
    return set(
        db.session.scalars(
            select(ChangeRating.change_id).where(ChangeRating.change_id.in_(ids)).distinct()
        )
    )


def overlapping_releases(opens_at, closes_at, exclude=None):
    """Other releases whose feedback window overlaps [opens_at, closes_at), earliest first."""
    if opens_at is None or closes_at is None:
        return []
    query = Release.query.filter(Release.opens_at < closes_at, Release.closes_at > opens_at)
    if exclude is not None and exclude.id is not None:
        query = query.filter(Release.id != exclude.id)
    return query.order_by(Release.opens_at, Release.id).all()


def save_release(release, data, changes, actor):
    """Create or update a draft or published release with its list of changes.

    Refused with NotAllowed("version_taken") when another release has the version (also when two
    requests make the same version at once: the unique constraint decides), and with
    NotAllowed("wording_locked") when the wording of a change that has ratings would change.
    Nothing is changed when refused."""
    if version_taken(data.get("version"), release):
        raise NotAllowed("version_taken")
    if release is not None and release.published_at is not None:
        locked = rated_change_ids(release)
        for change, values in zip(release.changes, changes, strict=False):
            if change.id in locked and any(
                values.get(name) and values.get(name) != getattr(change, name) for name in WORDING
            ):
                raise NotAllowed("wording_locked")
    try:
        with db.session.begin_nested():
            if release is None:
                release = Release(created_by_id=actor.id)
                db.session.add(release)
            for name in ("version", "month", "opens_at", "closes_at", "audience", "sample_size"):
                setattr(release, name, data.get(name))
            if release.published_at is None:
                release.changes = [
                    ReleaseChange(position=index, **_wording(change))
                    for index, change in enumerate(changes)
                    if any(change.get(name) for name in WORDING)
                ]
            else:
                _update_published_changes(release, changes)
            db.session.flush()
    except IntegrityError:
        raise NotAllowed("version_taken") from None
    return release


def _wording(change):
    return {name: change.get(name) or "" for name in WORDING}


def _update_published_changes(release, changes):
    """Published: the wording may be improved block by block (a block left empty keeps its text;
    a change with ratings keeps its wording, checked before); the correction note may change."""
    for change, values in zip(release.changes, changes, strict=False):
        for name in WORDING:
            if values.get(name):
                setattr(change, name, values[name])
        for name in CORRECTION:
            if name in values:
                setattr(change, name, values[name] or "")


def publish_release(release, actor):
    """Publish when every change is written in both languages; the counts start at zero.

    Refused with NotAllowed("no_changes") or NotAllowed("languages")."""
    if not release.changes:
        raise NotAllowed("no_changes")
    if release.missing_translations():
        raise NotAllowed("languages")
    release.published_at = utcnow()
    db.session.execute(
        insert(ScoreCount),
        [
            {
                "release_id": release.id,
                "segment_kind": kind,
                "segment_value": value,
                "score": score,
                "count": 0,
            }
            for kind in SEGMENT_KINDS
            for value in SEGMENT_VALUES[kind]
            for score in range(11)
        ],
    )
    db.session.execute(
        insert(RatingCount),
        [
            {"change_id": change.id, "rating": rating, "count": 0}
            for change in release.changes
            for rating in range(6)
        ],
    )
    record_audit("release.publish", target=release, actor=actor)
    # Invited first: the members who asked for its changes are then told to answer the form
    # when they may (everyone, or the sample just drawn), and to look at My contributions else.
    open_due_releases()
    signals.release_published.send(release)


def open_due_releases(now=None):
    """Invite the audience of every published release whose window has opened (once each)."""
    now = now or utcnow()
    due = db.session.scalars(
        select(Release.id).where(
            Release.published_at.isnot(None),
            Release.invited_at.is_(None),
            Release.opens_at <= now,
            Release.closes_at > now,
        )
    ).all()
    for release_id in due:
        claimed = db.session.execute(
            update(Release)
            .where(Release.id == release_id, Release.invited_at.is_(None))
            .values(invited_at=now)
        ).rowcount
        if claimed:
            invite_audience(db.session.get(Release, release_id))
    return len(due)


def invite_audience(release):
    """All active members, or a balanced sample of them, get an invitation and a notification."""
    if release.audience == Audience.SAMPLE.value and release.sample_size:
        member_ids = draw_sample_for_release(release, Criteria(), release.sample_size)
    else:
        member_ids = db.session.scalars(
            select(Member.id).where(Member.status == MemberStatus.ACTIVE.value)
        ).all()
    now = utcnow()
    if member_ids:
        db.session.execute(
            insert(FeedbackInvitation),
            [
                {"release_id": release.id, "member_id": member_id, "created_at": now}
                for member_id in member_ids
            ],
        )
    release.invited_count = len(member_ids)
    notify_members(release, member_ids, "release_feedback")


def draw_sample_for_release(release, criteria, n):
    """The members asked for feedback on a release that goes to a sample (seeded by the release)."""
    asked = select(FeedbackInvitation.member_id).where(FeedbackInvitation.release_id == release.id)
    return draw_sample(None, criteria, n, seed=release.id, already_asked=asked)[1]


def notify_members(release, member_ids, kind_name):
    """Bulk notifications and e-mails (rendered once per language) for a release."""
    users = (
        db.session.scalars(
            select(User).join(Member, Member.user_id == User.id).where(Member.id.in_(member_ids))
        ).all()
        if member_ids
        else []
    )
    kind = kinds.get(kind_name)
    params = f'{{"release_id": {release.id}}}'
    now = utcnow()
    if users:
        db.session.execute(
            insert(Notification),
            [
                {
                    "user_id": user.id,
                    "kind": kind.name,
                    "params_json": params,
                    "link": link_for("feedback.form", user.locale, release_id=release.id),
                    "created_at": now,
                }
                for user in users
            ],
        )
    opted_out = users_without_email_for(kind, [user.id for user in users])
    queue_mail_bulk(
        [user for user in users if user.id not in opted_out],
        kind.mail,
        notification_kind=kind,
        params={"release_id": release.id},
        link=None,
        endpoint="feedback.form",
        endpoint_args={"release_id": release.id},
    )


def releases_due_for_reminder(now):
    """Releases closing within two days whose reminder has not gone out."""
    return db.session.scalars(
        select(Release.id).where(
            Release.invited_at.isnot(None),
            Release.reminder_sent_at.is_(None),
            Release.closes_at > now,
            Release.closes_at <= now + timedelta(days=2),
        )
    ).all()


def remind_release(release_id, now):
    """One reminder to a release's non-responders; 0 when another run claimed it first."""
    claimed = db.session.execute(
        update(Release)
        .where(Release.id == release_id, Release.reminder_sent_at.is_(None))
        .values(reminder_sent_at=now)
    ).rowcount
    if not claimed:
        return 0
    release = db.session.get(Release, release_id)
    answered = select(Response.member_id).where(
        Response.release_id == release_id, Response.member_id.isnot(None)
    )
    silent = db.session.scalars(
        select(FeedbackInvitation.member_id)
        .join(Member)
        .where(
            FeedbackInvitation.release_id == release_id,
            Member.status == MemberStatus.ACTIVE.value,
            FeedbackInvitation.member_id.not_in(answered),
        )
    ).all()
    notify_members(release, silent, "release_reminder")
    return len(silent)


# Answering --------------------------------------------------------------------------------------


def check_can_answer(release, member):
    state = release.state()
    if state == ReleaseState.DRAFT:
        raise NotAllowed("draft")
    if state == ReleaseState.SCHEDULED:
        raise NotAllowed("not_open")
    if state == ReleaseState.CLOSED:
        raise NotAllowed("closed")
    if member is None or member.status not in (
        MemberStatus.ACTIVE.value,
        MemberStatus.PAUSED.value,
    ):
        raise NotAllowed("not_member")
    if release.audience == Audience.SAMPLE.value and not db.session.get(
        FeedbackInvitation, (release.id, member.id)
    ):
        raise NotAllowed("not_invited")


def segment_of(member):
    band = member.age_band
    return {
        "customer_type": member.customer_type or "",
        "platform": member.platform or "",
        "age_band": band.value if band else "",
    }


def _score_keys(segments, score):
    """The count rows (segment kind, value, score) one answer counts in."""
    for kind in SEGMENT_KINDS:
        value = "" if kind == "all" else (segments.get(kind) or "")
        if value not in SEGMENT_VALUES[kind]:
            value = ""
        yield kind, value, score


def _count_update(model, *keys):
    """One UPDATE of `model`'s count by :step for the row named by `keys` (bound parameters), run
    with a list of rows at once (executemany): compiled once per process, one statement."""
    table = model.__table__
    return (
        table.update()
        .where(*(table.c[key] == bindparam(f"k_{key}") for key in keys))
        .values(count=table.c["count"] + bindparam("step"))
    )


_SCORE_COUNT_UPDATE = _count_update(
    ScoreCount, "release_id", "segment_kind", "segment_value", "score"
)
_RATING_COUNT_UPDATE = _count_update(RatingCount, "change_id", "rating")


def _apply_counts(release_id, score_steps, rating_steps):
    """Change the kept counts by the given steps: one statement for the score rows and one for
    the rating rows (each run for its rows at once), in one fixed order for every request (score
    rows, then rating rows, each sorted by key): two posts that lock the same count rows lock
    them in the same order and wait for each other instead of deadlocking."""
    score_rows = [
        {
            "k_release_id": release_id,
            "k_segment_kind": kind,
            "k_segment_value": value,
            "k_score": score,
            "step": step,
        }
        for (kind, value, score), step in sorted(score_steps.items())
        if step
    ]
    if score_rows:
        db.session.execute(_SCORE_COUNT_UPDATE, score_rows)
    rating_rows = [
        {"k_change_id": change_id, "k_rating": rating, "step": step}
        for (change_id, rating), step in sorted(rating_steps.items())
        if step
    ]
    if rating_rows:
        db.session.execute(_RATING_COUNT_UPDATE, rating_rows)


def save_response(release, member, data):
    """Create or edit the member's one response; the counts follow in the same transaction.

    Safe when posts arrive together: the member's row is locked first (leaving locks it too),
    so one member's posts run one after the other and each reads the old answer as committed;
    the count rows are then changed in one fixed order. The kept counts equal a recount."""
    check_can_answer(release, member)
    # The lock, and the status as committed now (the member may have left): one column read.
    db.session.refresh(member, ["status"], with_for_update=True)
    check_can_answer(release, member)
    # The response and its ratings in one read (the lock on the response row only: PostgreSQL
    # can't lock the empty side of an outer join).
    response = (
        db.session.execute(
            select(Response)
            .where(Response.release_id == release.id, Response.member_id == member.id)
            .options(joinedload(Response.ratings))
            .with_for_update(of=Response)
            .execution_options(populate_existing=True)
        )
        .unique()
        .scalar_one_or_none()
    )
    now = utcnow()
    score_steps, rating_steps = Counter(), Counter()
    if response is None:
        segments = segment_of(member)
        response = Response(
            release_id=release.id,
            member_id=member.id,
            created_at=now,
            score=data["score"],
            **segments,
        )
        db.session.add(response)
        old_ratings = {}
    else:
        segments = {
            "customer_type": response.customer_type,
            "platform": response.platform,
            "age_band": response.age_band,
        }
        score_steps.update(dict.fromkeys(_score_keys(segments, response.score), -1))
        response.score = data["score"]
        old_ratings = {r.change_id: r for r in response.ratings}
    score_steps.update(dict.fromkeys(_score_keys(segments, data["score"]), 1))
    for change_id, rating in data.get("ratings", {}).items():
        # rating: 1…5, or None for haven't used it; unanswered changes are left out.
        old = old_ratings.get(change_id)
        if old is None:
            response.ratings.append(ChangeRating(change_id=change_id, rating=rating))
        elif old.rating != rating:
            rating_steps[change_id, old.rating or 0] -= 1
            old.rating = rating
        else:
            continue
        rating_steps[change_id, rating or 0] += 1
    _save_texts(response, data, now)
    db.session.flush()
    _apply_counts(release.id, score_steps, rating_steps)
    member.last_active_at = now
    return response


def _save_texts(response, data, now):
    for name in ("improve_text", "problem_device", "problem_os", "problem_text"):
        setattr(response, name, (data.get(name) or "").strip() or None)
    response.updated_at = now


# Results ----------------------------------------------------------------------------------------


def score_counts(release_ids, kind="all"):
    """{release_id: {segment value: [11 counts]}} from the kept counts (no scan of responses)."""
    result = {}
    rows = db.session.execute(
        select(
            ScoreCount.release_id, ScoreCount.segment_value, ScoreCount.score, ScoreCount.count
        ).where(ScoreCount.release_id.in_(release_ids), ScoreCount.segment_kind == kind)
    )
    for release_id, value, score, count in rows:
        result.setdefault(release_id, {}).setdefault(value, [0] * 11)[score] = count
    return result


def release_score_counts(release):
    """{segment kind: {segment value: [11 counts]}} of one release, every kind in one read."""
    result = {kind: {} for kind in SEGMENT_KINDS}
    rows = db.session.execute(
        select(
            ScoreCount.segment_kind, ScoreCount.segment_value, ScoreCount.score, ScoreCount.count
        ).where(ScoreCount.release_id == release.id)
    )
    for kind, value, score, count in rows:
        result.setdefault(kind, {}).setdefault(value, [0] * 11)[score] = count
    return result


def release_score(release, kept=None):
    """(Score, [11 counts]) of the whole panel; `kept` as release_score_counts() reads it."""
    kept = release_score_counts(release) if kept is None else kept
    counts = kept["all"].get("", [0] * 11)
    return Score.from_counts(counts), counts


def rating_summary(release):
    """Per change: (change, average of 1–5 or None, share 'haven't used it', answers)."""
    counts = {}
    for change_id, rating, count in db.session.execute(
        select(RatingCount.change_id, RatingCount.rating, RatingCount.count).where(
            RatingCount.change_id.in_([c.id for c in release.changes])
        )
    ):
        counts.setdefault(change_id, [0] * 6)[rating] = count
    summary = []
    for change in release.changes:
        row = counts.get(change.id, [0] * 6)
        rated = sum(row[1:])
        total = rated + row[0]
        average = sum(r * row[r] for r in range(1, 6)) / rated if rated else None
        summary.append((change, average, row[0] / total if total else None, total))
    return summary


def recount(release):
    """The score counts recomputed from the responses, for checks: {kind: {value: [11]}}."""
    result = {kind: {} for kind in SEGMENT_KINDS}
    for response in Response.query.filter_by(release_id=release.id):
        segments = {
            "all": "",
            "customer_type": response.customer_type or "",
            "platform": response.platform or "",
            "age_band": response.age_band or "",
        }
        for kind in SEGMENT_KINDS:
            result[kind].setdefault(segments[kind], [0] * 11)[response.score] += 1
    return result


# A release's comments are paged in the order of ix_feedback_responses_release_updated; their
# number is counted only up to a bound, never by reading every response of the release: at size L
# a release has ~10,000 comments among ~34,000 responses, and counting 1,000 of them read ~3,500
# rows (7-12 ms on SQLite), counting 100 of them under 1 ms.
COUNT_COMMENTS_UP_TO = 100


def comments_query(release, words=None, group=None, segment_kind=None, segment_value=None):
    """A select of a release's comments, newest first: full-text search, score group and
    segment filters. Read in index order (release, updated_at, id): never sorted in full."""
    query = select(Response).where(
        Response.release_id == release.id,
        Response.improve_text.isnot(None) | Response.problem_text.isnot(None),
    )
    # "score + 0" is not looked up in ix_feedback_responses_release_score: otherwise SQLite reads
    # every match from that index and sorts them all (a third of the release for detractors).
    score = Response.score + 0
    if group == "promoter":
        query = query.where(score >= 9)
    elif group == "passive":
        query = query.where(score.between(7, 8))
    elif group == "detractor":
        query = query.where(score <= 6)
    if segment_kind in ("customer_type", "platform", "age_band") and segment_value:
        query = query.where(getattr(Response, segment_kind) == segment_value)
    # Words only (letters and digits): the search syntax of either database never reaches it.
    terms = re.findall(r"\w+", words or "")[:8]
    if terms:
        if db.engine.dialect.name == "postgresql":
            query = query.where(
                text("search @@ to_tsquery('simple', :words)").bindparams(
                    words=" & ".join(term + ":*" for term in terms)
                )
            )
        else:
            # The release and the words, both answered by the index (not every match of
            # every release); release_id is a column of the index only for this.
            words_match = " ".join('"' + term + '"*' for term in terms)
            match = (
                f'{{release_id}}: "{int(release.id)}"'
                f" AND {{improve_text problem_text}}: ({words_match})"
            )
            query = query.where(
                Response.id.in_(
                    select(text("rowid"))
                    .select_from(text("feedback_search"))
                    .where(text("feedback_search MATCH :match").bindparams(match=match))
                )
            )
    return query.order_by(Response.updated_at.desc(), Response.id.desc())


def count_comments(comments, most):
    """A select of how many rows `comments` has, counted up to most + 1: more than `most` is
    all a page needs to know, and counting stops there. Counted in the list's own order: without
    it PostgreSQL chose a sequential scan (a guess that the release's rows come early in the
    table) or a bitmap of every response of the release."""
    bounded = comments.with_only_columns(Response.id).limit(most + 1)
    return select(func.count()).select_from(bounded.subquery())


def search_comments(
    release, words=None, group=None, segment_kind=None, segment_value=None, limit=50
):
    """The newest `limit` comments of a release that match the filters."""
    query = comments_query(release, words, group, segment_kind, segment_value)
    return db.session.scalars(query.limit(limit)).all()


def rebuild_counts(release):
    """Set the kept counts from the responses (for bulk loads; normal answers keep them live)."""
    recounted = recount(release)
    db.session.execute(
        update(ScoreCount).where(ScoreCount.release_id == release.id).values(count=0)
    )
    for kind, values in recounted.items():
        for value, counts in values.items():
            for score, count in enumerate(counts):
                if count:
                    db.session.execute(
                        update(ScoreCount)
                        .where(
                            ScoreCount.release_id == release.id,
                            ScoreCount.segment_kind == kind,
                            ScoreCount.segment_value == value,
                            ScoreCount.score == score,
                        )
                        .values(count=count)
                    )
    change_ids = [change.id for change in release.changes]
    db.session.execute(
        update(RatingCount).where(RatingCount.change_id.in_(change_ids)).values(count=0)
    )
    for change_id, rating, count in db.session.execute(
        select(ChangeRating.change_id, ChangeRating.rating, func.count())
        .where(ChangeRating.change_id.in_(change_ids))
        .group_by(ChangeRating.change_id, ChangeRating.rating)
    ):
        db.session.execute(
            update(RatingCount)
            .where(RatingCount.change_id == change_id, RatingCount.rating == (rating or 0))
            .values(count=count)
        )

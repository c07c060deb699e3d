"""'My contributions': everything a member gave, and what became of it."""

from dataclasses import dataclass, field

from flask import url_for
from sqlalchemy import and_, literal_column, or_, select, union_all
from sqlalchemy.orm import joinedload, selectinload

from .. import signals
from ..extensions import db
from ..feedback.models import Response, TouchpointResponse
from ..i18n import lazy_gettext as _l
from ..paging import Page, count_of, paginate
from ..rounds.models import Comment, Idea, Registration, Session
from .models import Evidence, Insight, Route

PER_PAGE = 20


@dataclass
class Contribution:
    when: object
    kind: str  # translated label
    text: str
    link: str | None = None
    status: str | None = None  # an idea's status, a score …
    answer: str | None = None  # the owner's official answer to an idea
    insights: list = field(
        default_factory=list
    )  # [(insight, [route with a public answer or status])]
    outcome: object = None  # the round whose outcome this idea led to
    # A reaction names the idea it was on (None: that idea is hidden from the reader).
    on_idea: object = None
    # Said instead of the text and link when the member withdrew it (its words are gone).
    withdrawn: str | None = None
    # (evidence kind, source id): how the insights and the domains above know this contribution.
    key: tuple | None = None
    # What the domains above say about it ("You asked for this: … is in version 11.12").
    marks: list = field(default_factory=list)


@dataclass
class ContributionsPage(Page):
    # What the domains above show first (on the first page): [(template name, context)].
    sections: list = field(default_factory=list)


def insights_for(source_ids):
    """{(kind, source id): [Insight]} for the evidence of {kind: [source id]}, in one query."""
    found = {}
    wanted = [
        and_(Evidence.kind == kind, Evidence.source_id.in_(ids))
        for kind, ids in source_ids.items()
        if ids
    ]
    if not wanted:
        return found
    # Each insight shows the streams it is in, with their status and answer.
    rows = (
        Evidence.query.options(
            selectinload(Evidence.insight).selectinload(Insight.routes).joinedload(Route.stream)
        )
        .filter(or_(*wanted))
        .all()
    )
    for evidence in rows:
        found.setdefault((evidence.kind, evidence.source_id), []).append(evidence.insight)
    return found


def _kind(name):
    return literal_column(f"'{name}'").label("kind")


def contribution_keys(member):
    """(kind, id) of everything the member gave, newest first: one select over the five tables,
    so a page of it is read in SQL, not by loading everything. What they said could be better
    after a session is one when it has words (as in triage) and its session is still there."""
    parts = [
        db.select(_kind("idea"), Idea.id.label("key"), Idea.created_at.label("at")).where(
            Idea.author_id == member.id
        ),
        db.select(_kind("comment"), Comment.id.label("key"), Comment.created_at.label("at")).where(
            Comment.author_id == member.id
        ),
        db.select(
            _kind("response"), Response.id.label("key"), Response.updated_at.label("at")
        ).where(Response.member_id == member.id),
        db.select(_kind("session"), Registration.id.label("key"), Session.starts_at.label("at"))
        .join(Session, Session.id == Registration.session_id)
        .where(Registration.member_id == member.id, Registration.attendance == "attended"),
        db.select(
            _kind("touchpoint"),
            TouchpointResponse.id.label("key"),
            TouchpointResponse.created_at.label("at"),
        ).where(
            TouchpointResponse.member_id == member.id,
            TouchpointResponse.better_text.isnot(None),
            TouchpointResponse.better_text != "",
            TouchpointResponse.registration_id.isnot(None),
        ),
    ]
    keys = union_all(*parts).subquery()
    kind, key, at = keys.c
    return db.select(kind, key).order_by(at.desc(), kind, key.desc())


def contributions_of(member):
    """A page of everything a member gave, newest first, with what became of it: one query
    for the page, one per kind of contribution and one for the insights, whatever the page;
    the first page also shows the domains' sections (signals.contribution_sections)."""
    keys = contribution_keys(member)
    page = paginate(keys, count_of(keys), PER_PAGE, scalars=False)
    wanted = {kind: [] for kind in ("idea", "comment", "response", "session", "touchpoint")}
    for kind, key in page.items:
        wanted[kind].append(key)
    # Every kind is read, also when this page has none of it: the page costs the same queries.
    ideas = Idea.query.options(joinedload(Idea.round)).filter(Idea.id.in_(wanted["idea"]))
    comments = Comment.query.options(joinedload(Comment.idea)).filter(
        Comment.id.in_(wanted["comment"])
    )
    responses = Response.query.options(joinedload(Response.release)).filter(
        Response.id.in_(wanted["response"])
    )
    # Sessions taken part in and what was said after one: one read of their registrations.
    attended = db.session.execute(
        select(Registration, TouchpointResponse)
        .outerjoin(TouchpointResponse, TouchpointResponse.registration_id == Registration.id)
        .options(joinedload(Registration.session))
        .where(
            # One IN on the registration's key, both sides in it: an OR naming the outer-joined
            # touchpoint column made SQLite scan all 390,000 registrations at XL (60 ms), and an
            # OR of two INs made PostgreSQL filter them all (38 ms).
            Registration.id.in_(
                union_all(
                    select(Registration.id).where(Registration.id.in_(wanted["session"])),
                    select(TouchpointResponse.registration_id).where(
                        TouchpointResponse.id.in_(wanted["touchpoint"])
                    ),
                )
            )
        )
    ).all()
    found = {
        "idea": {idea.id: idea for idea in ideas},
        "comment": {comment.id: comment for comment in comments},
        "response": {response.id: response for response in responses},
        "session": {
            registration.id: registration
            for registration, _answer in attended
            if registration.id in wanted["session"]
        },
        "touchpoint": {
            answer.id: answer
            for _registration, answer in attended
            if answer is not None and answer.id in wanted["touchpoint"]
        },
    }
    insights = insights_for(
        {
            "idea": list(found["idea"]),
            "comment": list(found["comment"]),
            "response": list(found["response"]),
            "session": [r.session_id for r in found["session"].values()],
            "touchpoint": list(found["touchpoint"]),
        }
    )
    make = {
        "idea": _idea,
        "comment": _comment,
        "response": _response,
        "session": _session,
        "touchpoint": _touchpoint,
    }
    items = [
        make[kind](found[kind][key], insights)
        for kind, key in page.items
        if key in found[kind]  # gone since the page was read
    ]
    add_marks(member, items)
    sections = (
        [s for found in signals.answers(signals.contribution_sections, member) for s in found]
        if page.page == 1
        else []
    )
    return ContributionsPage(items, page.total, page.page, page.per_page, sections)


def add_marks(member, items):
    """Ask the domains above once for the whole page what they say about each contribution."""
    keys = [item.key for item in items]
    for found in signals.answers(signals.contribution_marks, member, keys=keys):
        for item in items:
            item.marks.extend(found.get(item.key, []))


def _idea(idea, insights):
    if idea.is_withdrawn:
        return Contribution(
            idea.created_at,
            _l("Your idea"),
            "",
            insights=insights.get(("idea", idea.id), []),
            withdrawn=_l("You withdrew this idea."),
            key=("idea", idea.id),
        )
    return Contribution(
        idea.created_at,
        _l("Your idea"),
        idea.title,
        url_for("rounds.idea_page", round_id=idea.round_id, idea_id=idea.id),
        status=idea.status_title,
        answer=idea.answer,
        insights=insights.get(("idea", idea.id), []),
        outcome=idea.round
        if idea.in_outcome
        and idea.round.outcome_public_at
        or (idea.in_outcome and idea.round.outcome_written_at)
        else None,
        key=("idea", idea.id),
    )


def _comment(comment, insights):
    idea = comment.idea  # joined with the page's reactions: no query per row
    on_idea = None if idea.is_hidden or idea.is_withdrawn else idea
    if comment.is_withdrawn:
        return Contribution(
            comment.created_at,
            _l("Your reaction"),
            "",
            insights=insights.get(("comment", comment.id), []),
            on_idea=on_idea,
            withdrawn=_l("You withdrew this reaction."),
            key=("comment", comment.id),
        )
    return Contribution(
        comment.created_at,
        _l("Your reaction"),
        comment.body,
        url_for("rounds.idea_page", round_id=idea.round_id, idea_id=idea.id),
        insights=insights.get(("comment", comment.id), []),
        on_idea=on_idea,
        key=("comment", comment.id),
    )


def _response(response, insights):
    text = " — ".join(part for part in (response.improve_text, response.problem_text) if part)
    return Contribution(
        response.updated_at,
        _l("Your app feedback"),
        text,
        url_for("feedback.form", release_id=response.release_id),
        status=_l(
            "Score %(score)s for version %(version)s",
            score=response.score,
            version=response.release.version,
        ),
        insights=insights.get(("response", response.id), []),
        key=("response", response.id),
    )


def _session(registration, insights):
    session = registration.session
    return Contribution(
        session.starts_at,
        _l("You took part in a session"),
        str(session.title),
        url_for("rounds.round_page", round_id=session.round_id),
        insights=insights.get(("session", session.id), []),
        key=("session", session.id),
    )


def _touchpoint(answer, insights):
    session = answer.registration.session  # read with the page's registrations
    return Contribution(
        answer.created_at,
        _l("Your feedback after a session"),
        answer.better_text,
        url_for("rounds.round_page", round_id=session.round_id),
        status=_l(
            "Score %(score)s for the session “%(session)s”",
            score=answer.score,
            session=str(session.title),
        ),
        insights=insights.get(("touchpoint", answer.id), []),
        key=("touchpoint", answer.id),
    )

"""'My contributions': everything a member gave, and what became of it."""

from dataclasses import dataclass, field

from flask import url_for
from sqlalchemy import and_, or_
from sqlalchemy.orm import joinedload, selectinload

from ..feedback.models import Response
from ..i18n import lazy_gettext as _l
from ..rounds.models import Comment, Idea, Registration
from .models import Evidence, Insight, Route


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


def contributions_of(member):
    items = []
    ideas = Idea.query.options(joinedload(Idea.round)).filter_by(author_id=member.id).all()
    comments = Comment.query.options(joinedload(Comment.idea)).filter_by(author_id=member.id).all()
    responses = (
        Response.query.options(joinedload(Response.release)).filter_by(member_id=member.id).all()
    )
    attended = (
        Registration.query.options(joinedload(Registration.session))
        .filter_by(member_id=member.id, attendance="attended")
        .all()
    )
    insights = insights_for(
        {
            "idea": [i.id for i in ideas],
            "comment": [c.id for c in comments],
            "response": [r.id for r in responses],
            "session": [r.session_id for r in attended],
        }
    )
    for idea in ideas:
        items.append(
            Contribution(
                idea.created_at,
                _l("Your idea"),
                idea.title,
                url_for("rounds.idea_page", round_id=idea.round_id, idea_id=idea.id),
                status=idea.status_enum.title,
                answer=idea.answer,
                insights=insights.get(("idea", idea.id), []),
                outcome=idea.round
                if idea.in_outcome
                and idea.round.outcome_public_at
                or (idea.in_outcome and idea.round.outcome_written_at)
                else None,
            )
        )
    for comment in comments:
        items.append(
            Contribution(
                comment.created_at,
                _l("Your reaction"),
                comment.body,
                url_for(
                    "rounds.idea_page", round_id=comment.idea.round_id, idea_id=comment.idea_id
                ),
                insights=insights.get(("comment", comment.id), []),
            )
        )
    for response in responses:
        text = " — ".join(part for part in (response.improve_text, response.problem_text) if part)
        items.append(
            Contribution(
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
            )
        )
    for registration in attended:
        session = registration.session
        items.append(
            Contribution(
                session.starts_at,
                _l("You took part in a session"),
                str(session.title),
                url_for("rounds.round_page", round_id=session.round_id),
                insights=insights.get(("session", session.id), []),
            )
        )
    return sorted(items, key=lambda item: item.when, reverse=True)

"""The contributions an insight can rest on: what they say, whose they are, where they come from."""

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from ..extensions import db
from ..feedback.models import Response, TouchpointResponse
from ..rounds.models import Comment, Idea, Registration, Round, Session
from ..rounds.moderation import moderated_text
from ..rounds.permissions import can_manage_round, can_read_session_notes
from ..security import Role


@dataclass
class Source:
    kind: str
    id: int
    text: str
    member: object  # the contributing Member, or None (session notes, or the member left)
    round_id: int | None
    release_id: int | None


# Each kind of source, and what making its Source reads besides the row itself.
MODELS = {
    "response": Response,
    "idea": Idea,
    "comment": Comment,
    "session": Session,
    "touchpoint": TouchpointResponse,
}
LOADS = {
    "response": [joinedload(Response.member)],
    "idea": [joinedload(Idea.author)],
    "comment": [joinedload(Comment.author), joinedload(Comment.idea)],
    "session": [joinedload(Session.round)],
    "touchpoint": [
        joinedload(TouchpointResponse.member),
        joinedload(TouchpointResponse.registration).joinedload(Registration.session),
    ],
}


def load_source(kind, source_id):
    """The source of a piece of evidence, or None when it does not exist, is hidden, or was
    withdrawn by its author (its words are gone)."""
    if kind not in MODELS:
        return None
    return _source(kind, db.session.get(MODELS[kind], source_id, options=LOADS[kind]))


def hidden_source(kind, source_id):
    """True for an idea or reaction that is there but hidden by a moderator: it can't be
    quoted, and the page says so instead of answering 404."""
    if kind not in ("idea", "comment"):
        return False
    row = db.session.get(MODELS[kind], source_id)
    return row is not None and row.is_hidden


def quotable_source(kind, source_id, reader):
    """The source `reader` may quote as evidence, or None: like load_source, and a session's
    staff-only notes only for those who may read them (who runs the round)."""
    source = load_source(kind, source_id)
    if kind == "session" and source is not None:
        session = db.session.get(Session, source_id)
        if not can_read_session_notes(reader, session):
            return None
    if kind == "touchpoint" and source is not None and not can_quote_touchpoint(reader, source):
        return None
    return source


def can_quote_touchpoint(reader, source):
    """What a panelist said after a session is for who runs its round (as in triage); one whose
    session is gone is for panel managers."""
    if source.round_id is None:
        return reader.has_role(Role.PANEL_MANAGER)
    return can_manage_round(reader, db.session.get(Round, source.round_id))


def load_quotes(evidence):
    """[(evidence, its Source or None)] for an insight's evidence: one query per kind of source."""
    wanted = {}
    for item in evidence:
        wanted.setdefault(item.kind, set()).add(item.source_id)
    sources = {}
    for kind, ids in wanted.items():
        if kind in MODELS:
            model = MODELS[kind]
            rows = db.session.scalars(select(model).options(*LOADS[kind]).where(model.id.in_(ids)))
            sources.update(((kind, row.id), _source(kind, row)) for row in rows)
    return [(item, sources.get((item.kind, item.source_id))) for item in evidence]


def _source(kind, row):
    if row is None:
        return None
    if kind == "response":
        text = " — ".join(part for part in (row.improve_text, row.problem_text) if part)
        return Source(
            kind, row.id, text, row.member if row.member_id else None, None, row.release_id
        )
    if kind == "idea":
        if row.is_hidden or row.is_withdrawn:
            return None
        text = moderated_text(f"{row.title}: {row.body}")
        return Source(kind, row.id, text, row.author, row.round_id, None)
    if kind == "comment":
        if row.is_hidden or row.is_withdrawn:
            return None
        return Source(kind, row.id, moderated_text(row.body), row.author, row.idea.round_id, None)
    if kind == "touchpoint":
        if not (row.better_text or "").strip():
            return None
        registration = row.registration
        round_id = registration.session.round_id if registration is not None else None
        return Source(
            kind, row.id, row.better_text, row.member if row.member_id else None, round_id, None
        )
    if not row.notes:
        return None
    return Source(kind, row.id, row.notes, None, row.round_id, None)

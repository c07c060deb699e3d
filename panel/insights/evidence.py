"""The contributions an insight can rest on: what they say, whose they are, where they come from."""
from dataclasses import dataclass

from ..extensions import db
from ..feedback.models import Response
from ..rounds.models import Comment, Idea, Session


@dataclass
class Source:
    kind: str
    id: int
    text: str
    member: object      # the contributing Member, or None (session notes, or the member left)
    round_id: int | None
    release_id: int | None


def load_source(kind, source_id):
    """The source of a piece of evidence, or None when it does not exist (or is hidden)."""
    if kind == "response":
        response = db.session.get(Response, source_id)
        if response is None:
            return None
        text = " — ".join(part for part in (response.improve_text, response.problem_text) if part)
        return Source(kind, source_id, text, response.member if response.member_id else None,
                      None, response.release_id)
    if kind == "idea":
        idea = db.session.get(Idea, source_id)
        if idea is None or idea.is_hidden:
            return None
        return Source(kind, source_id, f"{idea.title}: {idea.body}", idea.author, idea.round_id, None)
    if kind == "comment":
        comment = db.session.get(Comment, source_id)
        if comment is None or comment.is_hidden:
            return None
        return Source(kind, source_id, comment.body, comment.author, comment.idea.round_id, None)
    if kind == "session":
        session = db.session.get(Session, source_id)
        if session is None or not session.notes:
            return None
        return Source(kind, source_id, session.notes, None, session.round_id, None)
    return None

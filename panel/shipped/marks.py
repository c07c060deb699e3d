"""Marks for the members who asked: on the feedback form and under My contributions (helper B)."""


def form_marks(release, member=None):
    """Answers signals.release_form_marks: {change id: text}."""
    return {}


def contribution_marks(member, keys=()):
    """Answers signals.contribution_marks: {(kind, source id): [text]}."""
    return {}

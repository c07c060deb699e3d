"""What a round's outcome came from besides its ideas: the insights it rests on.

Insights live in a higher layer, so rounds asks for them with a signal (signals.outcome_insights)
and the insights domain answers; the owner links them on an insights page that the outcome form
links to."""

from .. import signals


def outcome_insights_for(rounds):
    """{round id: [insight]} for the rounds whose outcome is shown, in one query per receiver
    whatever the number of rounds."""
    ids = [round_.id for round_ in rounds if round_ is not None]
    found = {}
    if not ids:
        return found
    for answer in signals.answers(signals.outcome_insights, ids):
        for round_id, insights in answer.items():
            found.setdefault(round_id, []).extend(insights)
    return found


def outcome_insights_of(round_):
    """The insights one round's outcome came from (for its page)."""
    return outcome_insights_for([round_]).get(round_.id, [])

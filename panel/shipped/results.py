"""The release results page, per linked change: the rating and NPS among the panelists who asked
for it against everyone else who responded, with the statistics the page already uses
(feedback.nps.Score, greyed under feedback.results.SMALL_CELL).

Counted in a fixed number of grouped reads, however many changes, askers or responses: the
askers' answers are found from the kept askers (change_askers) through the one response a member
gives a release (its unique key, release and member) and that response's rating of the change
(its key, response and change); everyone else is the kept counts minus the askers.
"""

from dataclasses import dataclass

from flask_babel import gettext, ngettext
from sqlalchemy import and_, func, select

from ..extensions import db
from ..feedback.models import ChangeRating, RatingCount, ReleaseChange, Response, ScoreCount
from ..feedback.nps import Score, compare
from ..feedback.results import SMALL_CELL, nps_text
from .models import ChangeAsker, ChangeIdea, ChangeInsight

TEMPLATE = "shipped/_results_askers.html"


@dataclass(frozen=True)
class Group:
    """One group's answers about a change: the NPS of its responses and its ratings 1–5."""

    score: Score
    ratings: tuple  # how many rated 1, 2, 3, 4, 5

    @property
    def rated(self):
        return sum(self.ratings)

    @property
    def average(self):
        rated = self.rated
        if not rated:
            return None
        return sum(value * self.ratings[value - 1] for value in range(1, 6)) / rated

    @property
    def too_small(self):
        """Fewer responses than the page reads conclusions from."""
        return self.score.n < SMALL_CELL


@dataclass(frozen=True)
class AskedChange:
    """A linked change: who asked for it, and their answers against everyone else's."""

    change: ReleaseChange
    insights: int
    ideas: int
    asked: int  # members who asked for it (the kept askers)
    askers: Group
    others: Group

    @property
    def difference(self):
        """nps.Change of the askers against everyone else; None when a group is too small."""
        if self.askers.too_small or self.others.too_small:
            return None
        return compare(self.others.score, self.askers.score)


def per_change(model):
    """How many rows of `model` (a table with change_id) each ReleaseChange of the outer query
    has: a correlated count, so one read counts every change at once."""
    return (
        select(func.count())
        .where(model.change_id == ReleaseChange.id)
        .correlate(ReleaseChange)
        .scalar_subquery()
    )


def linked_counts(release):
    """{change id: (insights, ideas, askers)} of the release's changes that are linked: one read."""
    insights, ideas, askers = (
        per_change(ChangeInsight),
        per_change(ChangeIdea),
        per_change(ChangeAsker),
    )
    rows = db.session.execute(
        select(ReleaseChange.id, insights, ideas, askers).where(
            ReleaseChange.release_id == release.id
        )
    )
    return {
        change_id: (n_insights, n_ideas, n_askers)
        for change_id, n_insights, n_ideas, n_askers in rows
        if n_insights or n_ideas
    }


def askers_answers(release, change_ids):
    """{change id: ([11 score counts], [6 rating counts: 0 = haven't used it])} among each
    change's askers who responded: one grouped read."""
    rows = db.session.execute(
        select(ChangeAsker.change_id, Response.score, ChangeRating.rating, func.count())
        .join(
            Response,
            and_(Response.release_id == release.id, Response.member_id == ChangeAsker.member_id),
        )
        .outerjoin(
            ChangeRating,
            and_(
                ChangeRating.response_id == Response.id,
                ChangeRating.change_id == ChangeAsker.change_id,
            ),
        )
        .where(ChangeAsker.change_id.in_(change_ids))
        .group_by(ChangeAsker.change_id, Response.score, ChangeRating.rating)
    )
    found = {}
    for change_id, score, rating, count in rows:
        scores, ratings = found.setdefault(change_id, ([0] * 11, [0] * 6))
        scores[score] += count
        # No rating row: the asker skipped the question; None in the row: haven't used it.
        if rating is not None:
            ratings[rating] += count
    return found


def everyone(release, change_ids):
    """([11 score counts] of the release, {change id: [6 rating counts]}) from the kept counts."""
    scores = [0] * 11
    for score, count in db.session.execute(
        select(ScoreCount.score, ScoreCount.count).where(
            ScoreCount.release_id == release.id,
            ScoreCount.segment_kind == "all",
            ScoreCount.segment_value == "",
        )
    ):
        scores[score] = count
    ratings = {}
    for change_id, rating, count in db.session.execute(
        select(RatingCount.change_id, RatingCount.rating, RatingCount.count).where(
            RatingCount.change_id.in_(change_ids)
        )
    ):
        ratings.setdefault(change_id, [0] * 6)[rating] = count
    return scores, ratings


def asked_changes(release):
    """[AskedChange] for the release's linked changes, in the release's order: four reads when
    something is linked, one when nothing is."""
    linked = linked_counts(release)
    if not linked:
        return []
    change_ids = sorted(linked)
    answers = askers_answers(release, change_ids)
    all_scores, all_ratings = everyone(release, change_ids)
    result = []
    for change in release.changes:
        if change.id not in linked:
            continue
        n_insights, n_ideas, n_askers = linked[change.id]
        scores, ratings = answers.get(change.id, ([0] * 11, [0] * 6))
        totals = all_ratings.get(change.id, [0] * 6)
        # Everyone else: the kept counts less the askers (never below zero: a count kept while
        # a response was being saved cannot make the other group negative).
        other_scores = [max(all_scores[k] - scores[k], 0) for k in range(11)]
        other_ratings = [max(totals[k] - ratings[k], 0) for k in range(6)]
        result.append(
            AskedChange(
                change=change,
                insights=n_insights,
                ideas=n_ideas,
                asked=n_askers,
                askers=Group(Score.from_counts(scores), tuple(ratings[1:])),
                others=Group(Score.from_counts(other_scores), tuple(other_ratings[1:])),
            )
        )
    return result


def difference_words(change):
    """The askers' NPS against everyone else's, said in words (nps.Change, or None)."""
    if change is None:
        return gettext("Not compared: a group has too few responses.")
    points = round(abs(change.points))
    if change.significant and change.direction == "rise":
        return ngettext(
            "Those who asked for it score %(num)s point higher: a significant difference.",
            "Those who asked for it score %(num)s points higher: a significant difference.",
            points,
        )
    if change.significant and change.direction == "fall":
        return ngettext(
            "Those who asked for it score %(num)s point lower: a significant difference.",
            "Those who asked for it score %(num)s points lower: a significant difference.",
            points,
        )
    return gettext(
        "No significant difference between the groups (%(points)s points).",
        points=nps_text(change.points),
    )


def linked_words(insights, ideas):
    """Where a change came from, counted: "from 3 insights and 2 ideas"."""
    insight_words = ngettext("%(num)s insight", "%(num)s insights", insights)
    idea_words = ngettext("%(num)s idea", "%(num)s ideas", ideas)
    if insights and ideas:
        return gettext("from %(insights)s and %(ideas)s", insights=insight_words, ideas=idea_words)
    if insights:
        return gettext("from %(insights)s", insights=insight_words)
    return gettext("from %(ideas)s", ideas=idea_words)


def askers_sections(release):
    """Answers signals.release_results_sections: [(template name, context)]; nothing for a
    draft, nor when none of the release's changes is linked."""
    if release.published_at is None:
        return []
    rows = asked_changes(release)
    if not rows:
        return []
    return [
        (
            TEMPLATE,
            {
                "rows": rows,
                "small_cell": SMALL_CELL,
                "nps_text": nps_text,
                "difference_words": difference_words,
                "linked_words": linked_words,
            },
        )
    ]

"""The insight workbench in the demo (issue 16): an insight merged into another, one closed as
"won't act" with its reason to panelists, and one closed as a duplicate of another."""

from datetime import timedelta

from ..feedback.models import Response
from ..insights import manage, services
from ..insights.models import Insight


def demo_merged_and_closed(staff, now):
    """Three small stories on top of load_insights (the insights it names exist there)."""
    bill = Insight.query.filter_by(title_nl="De rekening is lastig te lezen").first()
    usage = Insight.query.filter_by(title_nl="Verbruik per dag laten zien").first()
    if bill is not None:
        # Written twice by two colleagues: the second is merged into the first.
        twin = _written(
            "Rekening is onduidelijk",
            "The bill is unclear",
            "Panelleden snappen de opbouw van de rekening niet.",
            staff.manager,
            _said("rekening", 2),
            now - timedelta(days=6),
        )
        manage.merge_insights(twin, bill, staff.owner_nl)
    paper = _said("rekening", 1, skip=2)
    if paper:
        post = _written(
            "Rekening weer op papier per post",
            "The bill on paper by post again",
            "Een paar panelleden willen de rekening weer op papier.",
            staff.owner_nl,
            paper,
            now - timedelta(days=12),
        )
        manage.close_insight(
            post,
            "wont_act",
            staff.owner_nl,
            "We sturen geen papieren rekening meer. In de app staat hij altijd klaar, en je kunt"
            " hem als pdf bewaren of printen.",
            "We no longer send paper bills. The bill is always ready in the app, and you can"
            " save or print it as a PDF.",
        )
    daily = _said("verbruik", 1)
    if usage is not None and daily:
        copy = _written(
            "Dagverbruik in de app",
            "Daily usage in the app",
            "",
            staff.manager,
            daily,
            now - timedelta(days=3),
        )
        manage.close_insight(copy, "duplicate", staff.manager, duplicate_of=usage)


def _said(word, number, skip=0):
    """Feedback that mentions `word`, newest first."""
    return (
        Response.query.filter(Response.improve_text.ilike(f"%{word}%"))
        .order_by(Response.id.desc())
        .offset(skip)
        .limit(number)
        .all()
    )


def _written(title_nl, title_en, description, author, sources, created):
    insight = services.create_insight(
        title_nl,
        title_en,
        description,
        [],
        author,
        evidence=[("response", response.id) for response in sources],
    )
    insight.created_at = created
    for route in insight.routes:
        route.routed_at = created
    return insight

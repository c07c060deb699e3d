"""The insights a round's outcome came from (PRODUCT.md: "links the ideas and insights it came
from"). The owner links them here, from the outcome form; rounds shows their titles wherever the
outcome is shown by asking signals.outcome_insights, which this module answers."""

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import delete, insert, select
from wtforms import IntegerField
from wtforms.validators import NumberRange, Optional

from ..audit import record_audit
from ..extensions import db
from ..forms import BaseForm, CheckboxesField
from ..i18n import lazy_gettext as _l
from ..rounds.models import Round
from ..rounds.permissions import can_manage_round
from ..security import form_checks_csrf
from . import bp
from .models import Insight, outcome_insights

# How many of the round's own insights the page offers (newest first); others by number.
OFFERED = 100


class OutcomeInsightsForm(BaseForm):
    insights = CheckboxesField(_l("Insights it came from"), coerce=int)
    number = IntegerField(
        _l("Another insight, by its number"),
        validators=[
            Optional(),
            NumberRange(min=1, max=999_999_999, message=_l("Enter an insight's number.")),
        ],
    )


def linked_insights(round_ids):
    """Answers signals.outcome_insights: {round id: [Insight]} in one query."""
    rows = db.session.execute(
        select(outcome_insights.c.round_id, Insight)
        .join(Insight, Insight.id == outcome_insights.c.insight_id)
        .where(outcome_insights.c.round_id.in_(list(round_ids)))
        .order_by(outcome_insights.c.round_id, Insight.id)
    ).all()
    found = {}
    for round_id, insight in rows:
        found.setdefault(round_id, []).append(insight)
    return found


def link_outcome_insights(round_, insight_ids, actor):
    """The outcome of `round_` came from exactly these insights (those that exist).

    The round's row is locked first, so two saves at once end as one of them, never a mix or
    a duplicate-key error."""
    db.session.execute(select(Round.id).where(Round.id == round_.id).with_for_update()).scalar_one()
    wanted = set(db.session.scalars(select(Insight.id).where(Insight.id.in_(list(insight_ids)))))
    current = set(
        db.session.scalars(
            select(outcome_insights.c.insight_id).where(outcome_insights.c.round_id == round_.id)
        )
    )
    if current - wanted:
        db.session.execute(
            delete(outcome_insights).where(
                outcome_insights.c.round_id == round_.id,
                outcome_insights.c.insight_id.in_(current - wanted),
            )
        )
    if wanted - current:
        db.session.execute(
            insert(outcome_insights),
            [{"round_id": round_.id, "insight_id": id_} for id_ in sorted(wanted - current)],
        )
    record_audit("round.outcome_insights", target=round_, actor=actor, insights=sorted(wanted))
    return wanted


@bp.route("/rounds/<int:round_id>/outcome", methods=["GET", "POST"])
@form_checks_csrf
def outcome_links(round_id):
    """Tick the insights the round's outcome came from; add another by its number."""
    round_ = db.session.get(Round, round_id) or abort(404)
    if not can_manage_round(current_user, round_):
        abort(403)
    linked = linked_insights([round_.id]).get(round_.id, [])
    offered = db.session.scalars(
        select(Insight)
        .where(Insight.round_id == round_.id)
        .order_by(Insight.id.desc())
        .limit(OFFERED)
    ).all()
    choices = list({insight.id: insight for insight in linked + list(offered)}.values())
    form = OutcomeInsightsForm()
    form.insights.choices = [(insight.id, insight.title.plain(120)) for insight in choices]
    if not form.is_submitted():
        form.insights.data = [insight.id for insight in linked]
    if form.validate_on_submit():
        chosen = set(form.insights.data or [])
        if form.number.data:
            if db.session.get(Insight, form.number.data) is None:
                form.number.errors.append(_("There is no insight with that number."))
                return render_template(
                    "insights/outcome_links.html", round=round_, form=form, linked=linked
                )
            chosen.add(form.number.data)
        link_outcome_insights(round_, chosen, current_user)
        flash(_("The insights the outcome came from are saved."), "success")
        return redirect(url_for("owner.outcome", round_id=round_.id))
    return render_template("insights/outcome_links.html", round=round_, form=form, linked=linked)

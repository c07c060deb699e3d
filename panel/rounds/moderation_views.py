"""Thin views for reports (panelists) and the moderation queue (panel managers, administrators)."""

import re

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from wtforms import HiddenField, RadioField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, ValidationError

from ..errors import NotAllowed
from ..extensions import db
from ..forms import CHOOSE, REQUIRED, BaseForm, ConfirmForm, choices
from ..i18n import lazy_gettext as _l
from ..paging import paginate
from ..security import Role, form_checks_csrf, guard_blueprint
from . import bp, services
from .forms import HideForm
from .models import Comment, Idea
from .moderation import (
    ReportReason,
    dismiss_reports,
    item_reports,
    load_items,
    queue_rows,
    redact,
    report_content,
    rounds_in_queue,
    unhide_content,
)
from .permissions import can_moderate
from .views import _idea_or_404, member_or_none

moderation_bp = guard_blueprint(Blueprint("moderation", __name__), Role.PANEL_MANAGER, Role.ADMIN)

REPORT_REFUSALS = {
    "own": _l("This is your own text. You can't report it."),
    "reported": _l("You already reported this. Thank you, a moderator will look at it."),
    "withdrawn": _l("Its author withdrew it, so there is nothing left to report."),
}


class ReportForm(BaseForm):
    reason = RadioField(
        _l("What is wrong with it?"),
        choices=choices(ReportReason.choices()),
        validators=[InputRequired(CHOOSE)],
    )
    note = TextAreaField(
        _l("Anything a moderator should know?"),
        description=_l("Optional, unless you chose “Something else”. Only moderators read it."),
        validators=[Length(max=1000)],
        render_kw={"rows": 3},
    )
    back = HiddenField()

    def validate_note(self, field):
        if self.reason.data == ReportReason.OTHER.value and not (field.data or "").strip():
            raise ValidationError(_l("Please tell us what is wrong with it."))


def reported_item_or_404(round_id, idea_id, comment_id):
    """The idea (and reaction) a user may see, or 404: what they can see, they can report."""
    round_, idea = _idea_or_404(round_id, idea_id)
    comment = None
    if comment_id is not None:
        comment = db.session.get(Comment, comment_id)
        if comment is None or comment.idea_id != idea.id:
            abort(404)
        if comment.is_hidden and not can_moderate(current_user):
            member = member_or_none()
            if member is None or comment.author_id != member.id:
                abort(404)
    return round_, idea, comment


def safe_back(back, round_id, idea_id):
    """Back to the idea page the report link was on (its page of reactions and order kept);
    anything else goes to the idea page itself."""
    idea_url = url_for("rounds.idea_page", round_id=round_id, idea_id=idea_id)
    if back and (back == idea_url or back.startswith(idea_url + "?")) and "#" not in back:
        return back
    return idea_url


@bp.route("/rounds/<int:round_id>/ideas/<int:idea_id>/report", methods=["GET", "POST"])
@bp.route(
    "/rounds/<int:round_id>/ideas/<int:idea_id>/comments/<int:comment_id>/report",
    methods=["GET", "POST"],
)
@form_checks_csrf
def report(round_id, idea_id, comment_id=None):
    round_, idea, comment = reported_item_or_404(round_id, idea_id, comment_id)
    form = ReportForm()
    if request.method == "GET":
        form.back.data = request.args.get("back", "")
    back = safe_back(form.back.data, round_id, idea_id)
    anchor = f"#comment-{comment.id}" if comment is not None else ""
    if form.validate_on_submit():
        try:
            report_content(idea, comment, current_user, form.reason.data, form.note.data)
        except NotAllowed as error:
            db.session.rollback()
            flash(str(REPORT_REFUSALS[error.code]), "info")
        else:
            flash(_("Thank you for telling us. A moderator will look at it."), "success")
        return redirect(back + anchor)
    return render_template(
        "rounds/report.html",
        round=round_,
        idea=idea,
        comment=comment,
        form=form,
        back=back + anchor,
    )


# The moderation queue -----------------------------------------------------------------------------

ITEMS_PER_PAGE = 20

MODERATION_REFUSALS = {
    "already_hidden": _l("It was hidden already."),
    "not_hidden": _l("It isn't hidden (any more). Someone may have just made it visible again."),
    "no_reports": _l("There are no open reports on it (any more)."),
    "not_found": _l(
        "Those words aren't in the text. Copy them exactly as they are written, and try again."
    ),
    "changed": _l("The text changed while you were looking at it. Please look again."),
    "field": _l("Please choose an answer."),
}


class RedactForm(BaseForm):
    field = RadioField(
        _l("Remove words from"),
        choices=[("body", _l("the text")), ("title", _l("the title"))],
        default="body",
        validators=[InputRequired(CHOOSE)],
    )
    snippet = StringField(
        _l("The exact words to remove"),
        description=_l(
            "Copy them from the text, e.g. a phone number. Wherever they occur, readers see "
            "“[removed by the moderator]” instead."
        ),
        validators=[DataRequired(REQUIRED), Length(max=300)],
    )


def queue_filters():
    """The queue's filters from the address: a round's number and a reason (anything else
    is no filter)."""
    round_arg = request.args.get("round", "")
    reason = request.args.get("reason", "")
    round_id = int(round_arg) if re.fullmatch(r"[1-9][0-9]{0,8}", round_arg) else None
    return round_id, (reason if reason in ReportReason.values() else None)


def back_to(default):
    """Back to the queue page (with its filters) or item page the action was sent from."""
    back = request.form.get("back", "")
    home = url_for("moderation.queue")
    if back.startswith(home) and "#" not in back and "//" not in back and "\\" not in back:
        return back
    return default


def item_or_404(kind, item_id):
    item = db.session.get(Idea if kind == "ideas" else Comment, item_id) or abort(404)
    return item


@moderation_bp.route("")
def queue():
    round_id, reason = queue_filters()
    rows, count = queue_rows(round_id, reason)
    page = paginate(rows, count, ITEMS_PER_PAGE, scalars=False)
    return render_template(
        "manage/moderation.html",
        page=page,
        items=load_items(page.items),
        rounds=rounds_in_queue(round_id),
        round_id=round_id,
        reason=reason,
        reasons=ReportReason.choices(),
        hide_form=HideForm(),
    )


CLOSED_AS = {
    "hidden": _l("Closed: hidden"),
    "unhidden": _l("Closed: made visible again"),
    "dismissed": _l("Closed: dismissed"),
    "withdrawn": _l("Closed: withdrawn by the author"),
}


def render_item(kind, item, redact_form):
    return render_template(
        "manage/moderation_item.html",
        kind=kind,
        item=item,
        idea=item.idea if kind == "comments" else item,
        comment=item if kind == "comments" else None,
        reports=item_reports(item),
        closed_titles={code: str(title) for code, title in CLOSED_AS.items()},
        hide_form=HideForm(),
        redact_form=redact_form,
    )


@moderation_bp.route("/<any(ideas, comments):kind>/<int:item_id>")
def item(kind, item_id):
    return render_item(kind, item_or_404(kind, item_id), RedactForm())


def refuse(error):
    db.session.rollback()
    flash(str(MODERATION_REFUSALS.get(error.code, MODERATION_REFUSALS["changed"])), "info")


@moderation_bp.route("/<any(ideas, comments):kind>/<int:item_id>/hide", methods=["POST"])
@form_checks_csrf
def hide(kind, item_id):
    item = item_or_404(kind, item_id)
    form = HideForm()
    back = back_to(url_for("moderation.item", kind=kind, item_id=item_id))
    if not form.validate_on_submit():
        flash(_("Give a reason; the author sees it."), "error")
        return redirect(url_for("moderation.item", kind=kind, item_id=item_id))
    try:
        services.hide_content(item, form.reason.data, current_user)
    except NotAllowed as error:
        refuse(error)
    else:
        flash(_("It is hidden. The author sees your reason."), "success")
    return redirect(back + f"#{kind}-{item_id}")


@moderation_bp.route("/<any(ideas, comments):kind>/<int:item_id>/unhide", methods=["POST"])
@form_checks_csrf
def unhide(kind, item_id):
    item = item_or_404(kind, item_id)
    back = back_to(url_for("moderation.item", kind=kind, item_id=item_id))
    if ConfirmForm().validate_on_submit():
        try:
            unhide_content(item, current_user)
        except NotAllowed as error:
            refuse(error)
        else:
            flash(_("It is visible again. The author is told."), "success")
    return redirect(back + f"#{kind}-{item_id}")


@moderation_bp.route("/<any(ideas, comments):kind>/<int:item_id>/dismiss", methods=["POST"])
@form_checks_csrf
def dismiss(kind, item_id):
    item = item_or_404(kind, item_id)
    back = back_to(url_for("moderation.item", kind=kind, item_id=item_id))
    if ConfirmForm().validate_on_submit():
        try:
            count = dismiss_reports(item, current_user)
        except NotAllowed as error:
            refuse(error)
        else:
            flash(
                ngettext(
                    "%(num)s report is dismissed. The text stays as it is.",
                    "%(num)s reports are dismissed. The text stays as it is.",
                    count,
                ),
                "success",
            )
    return redirect(back + f"#{kind}-{item_id}")


@moderation_bp.route("/<any(ideas, comments):kind>/<int:item_id>/redact", methods=["GET", "POST"])
@form_checks_csrf
def redact_item(kind, item_id):
    item = item_or_404(kind, item_id)
    if request.method == "GET":
        return redirect(url_for("moderation.item", kind=kind, item_id=item_id))
    form = RedactForm()
    if kind == "comments":
        form.field.choices = [("body", form.field.choices[0][1])]
    if form.validate_on_submit():
        try:
            redact(item, form.field.data, form.snippet.data, current_user)
        except NotAllowed as error:
            db.session.rollback()
            form.snippet.errors.append(
                str(MODERATION_REFUSALS.get(error.code, MODERATION_REFUSALS["changed"]))
            )
        else:
            flash(_("Removed. Readers see “[removed by the moderator]” there."), "success")
            return redirect(url_for("moderation.item", kind=kind, item_id=item_id))
    # What was typed stays in the form, with the error beside it.
    return render_item(kind, item, form)

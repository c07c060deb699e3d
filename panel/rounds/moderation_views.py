"""Thin views for reports (panelists) and the moderation queue (panel managers, administrators)."""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from wtforms import HiddenField, RadioField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional, ValidationError

from ..errors import NotAllowed
from ..extensions import db
from ..forms import CHOOSE, BaseForm, choices
from ..i18n import lazy_gettext as _l
from ..security import form_checks_csrf
from . import bp
from .models import Comment
from .moderation import ReportReason, report_content
from .permissions import can_moderate
from .views import _idea_or_404, member_or_none

REPORT_REFUSALS = {
    "own": _l("This is your own text. You can't report it."),
    "reported": _l("You already reported this. Thank you: a moderator will look at it."),
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
        validators=[Optional(), Length(max=1000)],
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

"""Thin views: the notifications list, opening one, and the e-mail preferences."""

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..extensions import db
from ..forms import ConfirmForm
from ..paging import count_of, paginate
from ..security import form_checks_csrf, safe_next
from . import bp, services
from .forms import EmailPreferencesForm, kind_choices
from .kinds import all_kinds
from .models import Notification, NotificationPreference

PAGE_SIZE = 30


@bp.route("/notifications")
def index():
    query = (
        db.select(Notification)
        .where(Notification.user_id == current_user.id)
        .order_by(Notification.id.desc())
    )
    page = paginate(query, count_of(query), PAGE_SIZE)
    return render_template("notifications/index.html", page=page)


@bp.route("/notifications/<int:notification_id>/open", methods=["POST"])
def open_one(notification_id):
    notification = db.session.get(Notification, notification_id)
    if notification is None or notification.user_id != current_user.id:
        abort(404)
    if ConfirmForm().validate_on_submit():
        services.open_notification(notification)
    return redirect(safe_next(notification.link, url_for("notifications.index")))


@bp.route("/notifications/read", methods=["POST"])
def mark_all_read():
    if ConfirmForm().validate_on_submit():
        services.mark_all_read(current_user)
        flash(_("All notifications are marked as read."), "success")
    return redirect(url_for("notifications.index"))


@bp.route("/notifications/settings", methods=["GET", "POST"])
@form_checks_csrf
def settings():
    switched_off = {
        row.kind
        for row in NotificationPreference.query.filter_by(
            user_id=current_user.id, email_enabled=False
        )
    }
    form = EmailPreferencesForm()
    form.email_kinds.choices = kind_choices(current_user)
    if form.validate_on_submit():
        services.set_email_preferences(current_user, set(form.email_kinds.data or []))
        flash(_("Your e-mail preferences are saved."), "success")
        return redirect(url_for("notifications.settings"))
    if not form.is_submitted():
        form.email_kinds.data = [kind for kind in all_kinds() if kind not in switched_off]
    essential = [kind for kind in all_kinds().values() if kind.essential]
    return render_template("notifications/settings.html", form=form, essential=essential)

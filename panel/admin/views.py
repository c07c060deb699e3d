"""Thin views for administrators: users, the audit log and the outbox."""

from datetime import UTC, datetime, time, timedelta

from flask import Response as HttpResponse
from flask import (
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    stream_with_context,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from sqlalchemy import or_
from sqlalchemy.orm import joinedload, selectinload

from ..accounts import services as accounts
from ..accounts import two_factor
from ..accounts.models import User, UserRole
from ..audit import ACTION_TITLES, AuditEntry
from ..database import AMSTERDAM, distinct_values, utcnow
from ..errors import NotAllowed
from ..exports import CsvRows, attachment
from ..extensions import db
from ..forms import ConfirmForm, choices
from ..insights.rules import offered_streams
from ..mail import DISCARDED, ERASED, FAILED, OutboxMessage, delivery_trouble
from ..membership import privacy as membership_privacy
from ..paging import count_of, paginate
from ..security import STAFF_ROLES, Role, form_checks_csrf
from ..submissions import answered_before, claim_submission
from . import bp
from . import services as admin
from .forms import (
    AuditFilterForm,
    EditUserForm,
    InviteUserForm,
    PrivacyStatementForm,
    UserSearchForm,
)

PAGE_SIZE = 50


def _escape_like(text):
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


@bp.route("/users")
def users():
    form = UserSearchForm(request.args)
    query = db.select(User).where(User.email.isnot(None))
    if form.validate():
        if form.q.data:
            pattern = f"%{_escape_like(form.q.data.lower())}%"
            query = query.where(
                or_(
                    User.email.like(pattern, escape="\\"),
                    db.func.lower(User.name).like(pattern, escape="\\"),
                )
            )
        if form.role.data:
            query = query.where(
                User.id.in_(db.select(UserRole.user_id).where(UserRole.role == form.role.data))
            )
    # Each row shows the user's roles.
    page = paginate(
        query.options(selectinload(User.role_rows)).order_by(User.name, User.id),
        count_of(query),
        PAGE_SIZE,
    )
    return render_template("admin/users.html", form=form, page=page)


@bp.route("/users/new", methods=["GET", "POST"])
@form_checks_csrf
def invite_user():
    form = InviteUserForm()
    form.streams.choices = choices((stream.id, stream.name) for stream in offered_streams())
    if form.validate_on_submit():
        if not claim_submission(form):
            return answered_before(form, url_for("admin.users"))
        user = accounts.invite_staff_member(
            form.email.data, form.name.data, form.locale.data, form.roles.data, actor=current_user
        )
        admin.put_in_streams(user, form.streams.data, current_user)
        flash(
            _("%(name)s is invited and gets an e-mail to choose a password.", name=user.name),
            "success",
        )
        return redirect(url_for("admin.users"))
    return render_template("admin/user_form.html", form=form, user=None)


@bp.route("/users/<int:user_id>", methods=["GET", "POST"])
@form_checks_csrf
def edit_user(user_id):
    user = db.session.get(User, user_id) or abort(404)
    form = EditUserForm(obj=user)
    current_streams = admin.user_streams(user)
    # The streams on offer, and archived ones they are still in (so they can be taken out).
    offered = offered_streams()
    offered += [stream for stream in current_streams if stream not in offered]
    form.streams.choices = choices((stream.id, stream.name) for stream in offered)
    if not form.is_submitted():
        form.roles.data = [role.value for role in user.role_list]
        form.streams.data = [stream.id for stream in current_streams]
    if form.validate_on_submit():
        if user.id == current_user.id and (
            Role.ADMIN.value not in form.roles.data or not form.is_enabled.data
        ):
            form.roles.errors.append(_("You can't take away your own administrator access."))
        else:
            accounts.update_user(
                user,
                current_user,
                form.name.data,
                form.locale.data,
                form.roles.data,
                form.is_enabled.data,
            )
            admin.set_streams(user, form.streams.data, offered, current_user)
            flash(_("The changes to %(name)s are saved.", name=user.display_name), "success")
            return redirect(url_for("admin.users"))
    return render_template("admin/user_form.html", form=form, user=user)


@bp.route("/users/<int:user_id>/two-factor/reset", methods=["POST"])
def reset_two_factor(user_id):
    """Turn off someone's two-factor login (a lost phone); audit-logged, their sessions end."""
    user = db.session.get(User, user_id) or abort(404)
    if ConfirmForm().validate_on_submit() and user.two_factor_enabled:
        two_factor.reset(user, current_user)
        flash(
            _(
                "Two-factor login for %(name)s is off and they are logged out everywhere. "
                "They can set it up again after logging in.",
                name=user.display_name,
            ),
            "success",
        )
    return redirect(url_for("admin.edit_user", user_id=user.id))


def _audit_filters():
    """The audit log's filter form (choices filled) and its entries' select, filtered by the
    fields that are valid (a wrong date is told, the rest still filters)."""
    form = AuditFilterForm(request.args)
    # Everyone on the staff now, and former staff who appear in the log (their roles gone, so
    # not a panelist either). Panelists who acted (changed their own password) are left out:
    # there can be thousands, and their entries are found by the action.
    # Both read from indexes, never every user or entry: the staff roles by role, and the log's
    # distinct actors one index step each (a plain DISTINCT made PostgreSQL read all 100,000
    # entries at XL: 26 -> 0.5 ms; 'role != panelist' read all 890,000 roles).
    actors = distinct_values(AuditEntry.actor_id, "actors").subquery()
    is_panelist = db.exists().where(
        UserRole.user_id == actors.c.value, UserRole.role == Role.PANELIST.value
    )
    people = db.union(
        db.select(UserRole.user_id).where(UserRole.role.in_([role.value for role in STAFF_ROLES])),
        db.select(actors.c.value).where(~is_panelist),
    )
    staff = db.session.execute(
        db.select(User.id, User.name).where(User.id.in_(people)).order_by(User.name, User.id)
    ).all()
    form.person.choices = choices(
        [("", _("Everyone")), ("system", _("System"))]
        + [(str(user_id), name) for user_id, name in staff]
    )
    form.action.choices = choices(
        [("", _("Every action"))]
        + sorted(((code, str(title)) for code, title in ACTION_TITLES.items()), key=lambda c: c[1])
    )
    form.validate()
    query = db.select(AuditEntry)
    if form.person.data and not form.person.errors:
        if form.person.data == "system":
            query = query.where(AuditEntry.actor_id.is_(None))
        else:
            query = query.where(AuditEntry.actor_id == int(form.person.data))
    if form.action.data and not form.action.errors:
        query = query.where(AuditEntry.action == form.action.data)
    if form.since.data and not form.since.errors and not form.until.errors:
        query = query.where(AuditEntry.created_at >= _amsterdam_midnight(form.since.data))
    if form.until.data and not form.until.errors:
        next_day = form.until.data + timedelta(days=1)
        query = query.where(AuditEntry.created_at < _amsterdam_midnight(next_day))
    return form, query


def _amsterdam_midnight(day):
    return datetime.combine(day, time(), tzinfo=AMSTERDAM).astimezone(UTC)


def _filter_args(form):
    """The filters in use, as address arguments (for the CSV link)."""
    return {
        name: request.args[name]
        for name in ("person", "action", "since", "until")
        if request.args.get(name) and not getattr(form, name).errors
    }


@bp.route("/audit")
def audit_log():
    form, entries = _audit_filters()
    # Each entry shows who did it.
    page = paginate(
        entries.options(joinedload(AuditEntry.actor)).order_by(AuditEntry.id.desc()),
        count_of(entries),
        PAGE_SIZE,
    )
    return render_template(
        "admin/audit_log.html", page=page, form=form, filter_args=_filter_args(form)
    )


@bp.route("/audit.csv")
def audit_log_csv():
    """The filtered audit log as a CSV file: headers and actions in the exporter's language,
    times on Amsterdam's clock."""
    _form, entries = _audit_filters()
    query = (
        entries.options(joinedload(AuditEntry.actor))
        .order_by(AuditEntry.id.desc())
        .execution_options(yield_per=1000)
    )

    def lines():
        rows = CsvRows()
        yield rows.line([_("When"), _("Who"), _("What"), _("Code"), _("Record"), _("Details")])
        for entry in db.session.scalars(query):
            yield rows.line(
                [
                    entry.created_at.astimezone(AMSTERDAM).strftime("%Y-%m-%d %H:%M"),
                    entry.actor.display_name if entry.actor else _("System"),
                    str(entry.action_title),
                    entry.action,
                    str(entry.target_title),
                    "; ".join(f"{label}: {value}" for label, value in entry.detail_lines),
                ]
            )

    return HttpResponse(
        stream_with_context(lines()),
        mimetype="text/csv",
        headers={"Content-Disposition": attachment(f"audit-log-{utcnow():%Y-%m-%d}.csv")},
    )


@bp.context_processor
def outbox_alert():
    # A function, so that only the pages that show the alert (admin/outbox_alert.html) ask.
    return {"mail_delivery_trouble": delivery_trouble}


@bp.route("/outbox")
def outbox():
    page = paginate(
        db.select(OutboxMessage)
        .where(OutboxMessage.status != DISCARDED)
        .order_by(OutboxMessage.id.desc()),
        db.select(db.func.count(OutboxMessage.id)).where(OutboxMessage.status != DISCARDED),
        PAGE_SIZE,
    )
    failed = db.session.scalar(
        db.select(db.func.count(OutboxMessage.id)).where(
            OutboxMessage.status == FAILED, OutboxMessage.to_address != ERASED
        )
    )
    return render_template("admin/outbox.html", page=page, failed=failed)


@bp.route("/outbox/<int:message_id>/requeue", methods=["POST"])
def requeue_outbox_message(message_id):
    message = db.session.get(OutboxMessage, message_id) or abort(404)
    if ConfirmForm().validate_on_submit():
        try:
            admin.requeue_message(message, current_user)
        except NotAllowed:
            flash(_("This e-mail can't be sent again."), "error")
        else:
            flash(
                _("The e-mail to %(address)s is back in the queue.", address=message.to_address),
                "success",
            )
    return redirect(url_for("admin.outbox"))


@bp.route("/outbox/requeue", methods=["POST"])
def requeue_failed_mail():
    if ConfirmForm().validate_on_submit():
        count = admin.requeue_failed_mail(current_user)
        if count:
            flash(
                ngettext(
                    "%(num)s e-mail is back in the queue.",
                    "%(num)s e-mails are back in the queue.",
                    count,
                ),
                "success",
            )
        else:
            flash(_("There is no failed e-mail to send again."), "success")
    return redirect(url_for("admin.outbox"))


@bp.route("/outbox/<int:message_id>")
def outbox_message(message_id):
    if not current_app.config["MAIL_PREVIEW"]:
        abort(404)
    message = db.session.get(OutboxMessage, message_id) or abort(404)
    return render_template("admin/outbox_message.html", message=message)


@bp.route("/privacy", methods=["GET", "POST"])
@form_checks_csrf
def privacy_statement():
    current = membership_privacy.current_statement()
    form = PrivacyStatementForm(obj=current)
    if not form.is_submitted():
        form.changes_nl.data = form.changes_en.data = ""
    if form.validate_on_submit():
        if not claim_submission(form):
            return answered_before(form, url_for("admin.privacy_statement"))
        statement = membership_privacy.publish_statement(
            form.body_nl.data,
            form.body_en.data,
            form.changes_nl.data,
            form.changes_en.data,
            actor=current_user,
        )
        flash(
            _(
                "Version %(version)s is published. Members accept it at their next visit.",
                version=statement.version,
            ),
            "success",
        )
        return redirect(url_for("admin.privacy_statement"))
    return render_template("admin/privacy.html", form=form, current=current)

"""Thin views: joining, the privacy statement, and the member's own pages."""

import json
from dataclasses import dataclass, field
from enum import IntEnum

from flask import (
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, fresh_login_required, logout_user

from .. import signals
from ..exports import attachment
from ..extensions import limiter
from ..forms import ConfirmForm
from ..i18n import current_language, date_filter
from ..security import form_checks_csrf, public
from ..signals import answers
from ..submissions import answered_before, claim_submission, first_to_write
from . import bp, joining, services
from .forms import AcceptStatementForm, JoinForm, LeaveForm, PauseForm, ProfileForm
from .models import ConsentPurpose, MemberStatus, PrivacyStatement
from .privacy import (
    accept_statement,
    current_statement,
    export_filename,
    export_member_data,
    has_consent,
    leave_panel,
    member_consents,
    needs_new_consent,
    set_recording_consent,
)


def _join_limit():
    return current_app.config["RATELIMIT_JOIN"]


def current_member():
    """The logged-in user's membership, or 404 for accounts without one (staff)."""
    member = services.find_member_for(current_user)
    if member is None:
        abort(404)
    return member


# Joining ------------------------------------------------------------------------------------


@bp.route("/join", methods=["GET", "POST"])
@public
@form_checks_csrf
@limiter.limit(_join_limit, methods=["POST"])
def join():
    if current_user.is_authenticated and request.method == "GET":
        return redirect(url_for("membership.dashboard"))
    form = JoinForm(source=request.args.get("source", ""), locale=current_language())
    if form.validate_on_submit():
        # Screening that declines is told at the form: nothing is stored or mailed.
        declined = joining.decline_reason(form.birth_year.data, form.customer_type.data)
        if declined is not None:
            return render_template(
                "membership/join.html", form=form, statement=current_statement(), declined=declined
            )
        if not claim_submission(form):
            return answered_before(form, url_for("membership.join_sent", lang=form.locale.data))
        # Two applications for one address at the same moment: the second gets the same answer.
        first_to_write(
            lambda: joining.join_panel(form.data, form.locale.data, source=form.source.data)
        )
        return redirect(url_for("membership.join_sent", lang=form.locale.data))
    return render_template("membership/join.html", form=form, statement=current_statement())


@bp.route("/join/sent")
@public
def join_sent():
    return render_template("membership/join_sent.html")


@bp.route("/join/confirm/<token>", methods=["GET", "POST"])
@public
def confirm(token):
    member = joining.member_from_confirm_token(token)
    if member is None:
        return render_template("membership/confirm_invalid.html"), 400
    if member.status != MemberStatus.APPLICANT.value:
        return render_template("membership/confirmed.html", status="already", reason=None)
    form = ConfirmForm()
    if form.validate_on_submit():
        status, reason = joining.confirm_membership(member)
        return render_template("membership/confirmed.html", status=status, reason=reason)
    return render_template("membership/confirm.html", form=form)


# The privacy statement ----------------------------------------------------------------------


@bp.route("/privacy")
@public
def privacy():
    statement = current_statement()
    return _privacy_page(statement)


@bp.route("/privacy/<int:version>")
@public
def privacy_version(version):
    statement = PrivacyStatement.query.filter_by(version=version).first_or_404()
    return _privacy_page(statement)


def _privacy_page(statement):
    versions = PrivacyStatement.query.order_by(PrivacyStatement.version.desc()).all()
    return render_template(
        "membership/privacy.html",
        statement=statement,
        versions=versions,
        latest=versions[0].version if versions else statement.version,
    )


@bp.route("/me/privacy-update", methods=["GET", "POST"])
@form_checks_csrf
def privacy_update():
    member = current_member()
    statement = current_statement()
    form = AcceptStatementForm()
    if form.validate_on_submit():
        accept_statement(member, statement, current_language())
        flash(_("Thank you. You're all set."), "success")
        return redirect(url_for("membership.dashboard"))
    return render_template("membership/privacy_update.html", form=form, statement=statement)


# The member's own pages ---------------------------------------------------------------------


@bp.route("/me")
def dashboard():
    member = current_member()
    return render_template(
        "membership/dashboard.html",
        member=member,
        attention=dashboard_attention(member),
        # Your impact, your thank-yous… (signals.dashboard_sections), in the domains' order.
        sections=[s for found in answers(signals.dashboard_sections, member) for s in found],
    )


def dashboard_attention(member):
    """What needs the member's attention, in each domain (signals.dashboard_attention), most
    urgent first; items of the same urgency keep the order their domain gave them."""
    items = [item for found in answers(signals.dashboard_attention, member) for item in found]
    return sorted(items, key=lambda item: item.rank)


class Urgency(IntEnum):
    """The dashboard's order, what to do next first (issue 14): take a free seat in an open
    round, give the feedback that is open, answer an invitation; then the rounds you take part
    in and the sessions coming up."""

    TAKE_A_SEAT = 10
    GIVE_FEEDBACK = 20
    ANSWER_INVITATION = 30
    TAKING_PART = 40
    COMING_UP = 50


@dataclass
class AttentionItem:
    """Something on the dashboard: a sentence, a link, and optional one-click answers (POST).
    Every item says how urgent it is (an Urgency): the dashboard lists the most urgent first."""

    text: str
    url: str
    label: str
    answers: list = field(default_factory=list)  # [(post url, label, is_primary)]
    rank: Urgency = field(kw_only=True)


@bp.route("/me/profile", methods=["GET", "POST"])
@form_checks_csrf
def profile():
    member = current_member()
    form = ProfileForm(obj=member)
    if not form.is_submitted():
        form.name.data, form.locale.data = current_user.name, current_user.locale
        form.interests.data = member.interests
        form.consent_recording.data = has_consent(member, ConsentPurpose.RECORDING.value)
        form.physical_region.data = member.physical_region or ""
    if form.validate_on_submit():
        services.update_profile(member, current_user, form.data)
        set_recording_consent(member, form.consent_recording.data, current_user.locale)
        # Switching the badge on counts the member's level at once (recognition.levels).
        member.show_level = form.show_level.data
        flash(_("Your profile is saved."), "success")
        return redirect(url_for("membership.profile", lang=current_user.locale))
    return render_template(
        "membership/profile.html", form=form, member=member, consents=member_consents(member)
    )


@bp.route("/me/pause", methods=["GET", "POST"])
@form_checks_csrf
def pause():
    member = current_member()
    if member.status not in (MemberStatus.ACTIVE.value, MemberStatus.PAUSED.value):
        flash(_("You can pause only while you're an active member."), "error")
        return redirect(url_for("membership.dashboard"))
    form = PauseForm()
    if form.validate_on_submit():
        services.pause(member, form.until.data)
        flash(
            _(
                "Enjoy your break! We won't invite you until %(date)s.",
                date=date_filter(form.until.data, "long"),
            ),
            "success",
        )
        return redirect(url_for("membership.dashboard"))
    return render_template("membership/pause.html", form=form, member=member)


@bp.route("/me/confirm/new-link", methods=["POST"])
@limiter.limit(_join_limit)
def new_confirm_link():
    """An applicant who lost the confirmation mail asks for a new link from the dashboard."""
    member = current_member()
    if member.status == MemberStatus.APPLICANT.value:
        joining.send_new_confirm_link(member)
        flash(
            _(
                "We've sent a new link to %(email)s. Check your inbox (and spam folder).",
                email=current_user.email,
            ),
            "success",
        )
    return redirect(url_for("membership.dashboard"))


@bp.route("/me/resume", methods=["POST"])
def resume():
    member = current_member()
    if member.status == MemberStatus.PAUSED.value:
        services.resume(member)
        flash(_("Welcome back! You're active again."), "success")
    return redirect(url_for("membership.dashboard"))


@bp.route("/me/export")
@fresh_login_required
def export():
    member = current_member()
    data = export_member_data(member)
    body = json.dumps(data, indent=2, ensure_ascii=False)
    filename = export_filename(member)
    return Response(
        body,
        mimetype="application/json",
        headers={"Content-Disposition": attachment(filename)},
    )


@bp.route("/me/leave", methods=["GET", "POST"])
@fresh_login_required
@form_checks_csrf
def leave():
    member = current_member()
    form = LeaveForm()
    if form.validate_on_submit():
        leave_panel(member, form.reason.data or None)
        logout_user()
        session.clear()
        return redirect(url_for("membership.goodbye"))
    return render_template("membership/leave.html", form=form, member=member)


@bp.route("/goodbye")
@public
def goodbye():
    return render_template("membership/goodbye.html")


# Endpoints a member may use before accepting a new privacy statement.
STATEMENT_EXEMPT = {
    "static",
    "root.healthz",
    "root.set_language",
    "accounts.logout",
    "membership.privacy",
    "membership.privacy_version",
    "membership.privacy_update",
    "membership.export",
    "membership.leave",
    "membership.goodbye",
    "accounts.login",
}


def require_current_statement():
    """before_request: a member asked to accept a new privacy statement does that first."""
    if request.endpoint in STATEMENT_EXEMPT or request.endpoint is None:
        return None
    if not current_user.is_authenticated:
        return None
    member = services.find_member_for(current_user)
    if member is not None and needs_new_consent(member):
        return redirect(url_for("membership.privacy_update", lang=current_language()))
    return None

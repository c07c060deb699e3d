"""Thin views: log in and out, reset and change the password, the account page."""

from flask import abort, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, fresh_login_required, login_fresh, logout_user

from ..errors import NotAllowed
from ..extensions import limiter
from ..i18n import current_language
from ..security import (
    Role,
    enrolment_step,
    form_checks_csrf,
    must_enrol,
    public,
    safe_next,
    second_factor_step,
    two_factor_required,
    verify_password,
)
from . import bp, services, two_factor
from .forms import (
    AccountForm,
    ChangePasswordForm,
    CodeForm,
    ConfirmWithCodeForm,
    EnrolForm,
    LoginForm,
    NewPasswordForm,
    RecoveryCodeForm,
    ResetRequestForm,
)


def landing_page(user):
    """Where a user starts after logging in."""
    if user.has_role(Role.PANELIST) and user.member is not None:
        return url_for("membership.dashboard")
    if user.has_role(Role.PANEL_MANAGER):
        return url_for("manage.panel_health")
    if user.has_role(Role.PRODUCT_OWNER):
        return url_for("owner.rounds")
    if user.has_role(Role.REVIEWER):
        return url_for("insights.inbox")
    if user.has_role(Role.ADMIN):
        return url_for("admin.users")
    return url_for("accounts.account")


def _login_limit():
    return current_app.config["RATELIMIT_LOGIN"]


def _reset_limit():
    return current_app.config["RATELIMIT_RESET"]


@bp.route("/login", methods=["GET", "POST"])
@public
@form_checks_csrf
@limiter.limit(_login_limit, methods=["POST"])
def login():
    if current_user.is_authenticated and login_fresh() and request.method == "GET":
        return redirect(landing_page(current_user))
    form = LoginForm(next=request.args.get("next", ""))
    if form.validate_on_submit():
        user = services.authenticate(form.email.data, form.password.data)
        if user is not None:
            services.start_session(user, remember=form.remember.data)
            if user.second_factor_pending:
                session["after_code"] = safe_next(form.next.data, "")
                return redirect(url_for("accounts.second_factor"))
            return redirect(safe_next(form.next.data, landing_page(user)))
        form.form_errors.append(
            _("That e-mail address and password don't match an account. Check them and try again.")
        )
    return render_template("accounts/login.html", form=form)


@bp.route("/logout", methods=["POST"])
@second_factor_step
@enrolment_step
def logout():
    services.end_session(current_user)
    flash(_("You are logged out. See you soon!"), "success")
    return redirect(url_for("public.home"))


@bp.route("/password/forgot", methods=["GET", "POST"])
@public
@form_checks_csrf
@limiter.limit(_reset_limit, methods=["POST"])
def forgot_password():
    form = ResetRequestForm()
    if form.validate_on_submit():
        services.request_password_reset(form.email.data, locale=current_language())
        flash(
            _(
                "If an account exists for that address, we've sent it a link to choose a new "
                "password. The link works for two hours."
            ),
            "success",
        )
        return redirect(url_for("accounts.login"))
    return render_template("accounts/forgot_password.html", form=form)


@bp.route("/password/reset/<token>", methods=["GET", "POST"])
@public
@form_checks_csrf
@limiter.limit(_reset_limit, methods=["POST"])
def reset_password(token):
    return _choose_password(token, "reset")


@bp.route("/welcome/<token>", methods=["GET", "POST"])
@public
@form_checks_csrf
@limiter.limit(_reset_limit, methods=["POST"])
def accept_invitation(token):
    return _choose_password(token, "invitation")


def _choose_password(token, purpose):
    user = services.load_password_token(token, purpose)
    if user is None:
        return render_template("accounts/link_invalid.html", purpose=purpose), 400
    form = NewPasswordForm()
    form.policy_email, form.policy_name = user.email, user.name
    if form.validate_on_submit():
        services.reset_password(user, form.password.data)
        services.start_session(user)
        flash(_("Your new password is set and you are logged in."), "success")
        return redirect(landing_page(user))
    return render_template("accounts/choose_password.html", form=form, purpose=purpose, user=user)


@bp.route("/account", methods=["GET", "POST"])
@form_checks_csrf
def account():
    form = AccountForm(obj=current_user)
    if form.validate_on_submit():
        current_user.name = form.name.data
        services.set_language(current_user, form.locale.data)
        flash(
            _(
                "Your details are saved.",
            ),
            "success",
        )
        return redirect(url_for("accounts.account", lang=current_user.locale))
    return render_template("accounts/account.html", form=form)


@bp.route("/account/password", methods=["GET", "POST"])
@fresh_login_required
@form_checks_csrf
def change_password():
    form = ChangePasswordForm()
    form.policy_email, form.policy_name = current_user.email, current_user.name
    if form.validate_on_submit():
        matches, _rehash = verify_password(current_user.password_hash, form.current_password.data)
        if not matches:
            form.current_password.errors.append(_("That is not your current password."))
        else:
            services.change_password(current_user._get_current_object(), form.password.data)
            flash(_("Your password is changed. Other devices have been logged out."), "success")
            return redirect(url_for("accounts.account"))
    return render_template("accounts/change_password.html", form=form)


# Two-factor login ---------------------------------------------------------------------------


@bp.route("/login/code", methods=["GET", "POST"])
@second_factor_step
@form_checks_csrf
@limiter.limit(_login_limit, methods=["POST"])
def second_factor():
    """The second step of logging in: the code from the app, or a recovery code."""
    if not getattr(current_user, "second_factor_pending", False):
        # Logged in already (require_login let only a logged-in user through): nothing to send.
        if request.method == "POST":
            abort(400)
        return redirect(landing_page(current_user))
    code_form = CodeForm(prefix="totp")
    recovery_form = RecoveryCodeForm(prefix="recovery")
    use_recovery = request.method == "POST" and "recovery-recovery_code" in request.form
    form = recovery_form if use_recovery else code_form
    if request.method == "POST" and form.validate_on_submit():
        user = current_user._get_current_object()
        row = services.current_login_session(user)
        if row is None:
            return redirect(url_for("accounts.login"))
        check = two_factor.check_recovery_code if use_recovery else two_factor.check_code
        outcome = check(user, row, form.data["recovery_code" if use_recovery else "code"])
        if outcome == "ok":
            after = session.get("after_code", "")
            services.pass_second_factor(user, row)
            if use_recovery:
                left = two_factor.recovery_codes_left(user)
                flash(
                    ngettext(
                        "You used a recovery code. It won't work again. "
                        "You have %(num)d recovery code left.",
                        "You used a recovery code. It won't work again. "
                        "You have %(num)d recovery codes left.",
                        left,
                    )
                    if left
                    else _(
                        "You used your last recovery code. Make new ones now in your account, "
                        "under Two-factor login."
                    ),
                    "info",
                )
            return redirect(safe_next(after, landing_page(user)))
        if outcome == "ended":
            logout_user()
            session.clear()
            flash(_("That was too many wrong codes. Please log in again."), "error")
            return redirect(url_for("accounts.login"))
        field = recovery_form.recovery_code if use_recovery else code_form.code
        field.errors = [
            _("That recovery code is not right, or it was used before.")
            if use_recovery
            else _wrong_code()
        ]
    return render_template(
        "accounts/second_factor.html",
        code_form=code_form,
        recovery_form=recovery_form,
        use_recovery=use_recovery,
    )


@bp.route("/account/two-factor", methods=["GET", "POST"])
@enrolment_step
@fresh_login_required
@form_checks_csrf
def two_factor_settings():
    """Set up two-factor login: a QR code and the typed secret, confirmed with a code."""
    user = current_user._get_current_object()
    if not two_factor.may_enrol(user):
        abort(404)
    if user.two_factor_enabled:
        if request.method == "POST":  # on already: the same form sent twice, or a stale page
            stale = EnrolForm()
            stale.validate()
            if stale.csrf_expired:
                abort(400)
            return redirect(url_for("accounts.two_factor_settings"))
        return _two_factor_status(user)
    secret = two_factor.enrolment_secret(user)
    form = EnrolForm()
    if form.validate_on_submit():
        try:
            codes = two_factor.enrol(user, secret, form.code.data)
        except NotAllowed:  # on already: the same form sent twice
            return redirect(url_for("accounts.two_factor_settings"))
        if codes is not None:
            return render_template("accounts/recovery_codes.html", codes=codes)
        form.code.errors = [
            _("That code is not right. Check that the time on your phone is set automatically.")
        ]
    uri = two_factor.provisioning_uri(user, secret)
    return render_template(
        "accounts/two_factor.html",
        form=form,
        required=must_enrol(user),
        qr_code=two_factor.qr_code_svg(uri, _("QR code to scan with your authenticator app")),
        secret=two_factor.grouped(secret),
    )


# The two forms below keep nothing typed when their page has expired (the bare CSRF page): all
# they hold is a code that is stale after 30 seconds anyway.


def _two_factor_status(user, renew_form=None, off_form=None):
    required = two_factor_required(user)
    return render_template(
        "accounts/two_factor.html",
        form=None,
        required=required,
        codes_left=two_factor.recovery_codes_left(user),
        renew_form=renew_form or ConfirmWithCodeForm(prefix="renew"),
        off_form=None if required else off_form or ConfirmWithCodeForm(prefix="off"),
    )


@bp.route("/account/two-factor/recovery-codes", methods=["POST"])
@limiter.limit(_login_limit)
def renew_recovery_codes():
    """Ten new recovery codes, confirmed with a code from the app; shown once."""
    user = current_user._get_current_object()
    if not user.two_factor_enabled:
        return redirect(url_for("accounts.two_factor_settings"))
    form = ConfirmWithCodeForm(prefix="renew")
    if form.validate_on_submit():
        codes = two_factor.renew_recovery_codes(user, form.code.data)
        if codes is not None:
            return render_template("accounts/recovery_codes.html", codes=codes, renewed=True)
        form.code.errors = [_wrong_code()]
    return _two_factor_status(user, renew_form=form)


@bp.route("/account/two-factor/off", methods=["POST"])
@limiter.limit(_login_limit)
def turn_off_two_factor():
    """Turn two-factor login off (not for an administrator who must use it)."""
    user = current_user._get_current_object()
    if not user.two_factor_enabled:
        return redirect(url_for("accounts.two_factor_settings"))
    form = ConfirmWithCodeForm(prefix="off")
    if form.validate_on_submit():
        try:
            turned_off = two_factor.turn_off(user, form.code.data)
        except NotAllowed:
            flash(_("As an administrator you need two-factor login. It stays on."), "error")
            return redirect(url_for("accounts.two_factor_settings"))
        if turned_off:
            flash(_("Two-factor login is off. Logging in needs only your password."), "success")
            return redirect(url_for("accounts.account"))
        form.code.errors = [_wrong_code()]
    return _two_factor_status(user, off_form=form)


def _wrong_code():
    return _("That code is not right. Type the code your app shows now. Each code works once.")

"""Thin views: log in and out, reset and change the password, the account page."""

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, fresh_login_required, login_fresh

from ..extensions import limiter
from ..security import Role, form_checks_csrf, public, safe_next, verify_password
from . import bp, services
from .forms import AccountForm, ChangePasswordForm, LoginForm, NewPasswordForm, ResetRequestForm


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
            return redirect(safe_next(form.next.data, landing_page(user)))
        form.form_errors.append(
            _("That e-mail address and password don't match an account. Check them and try again.")
        )
    return render_template("accounts/login.html", form=form)


@bp.route("/logout", methods=["POST"])
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
        services.request_password_reset(form.email.data)
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

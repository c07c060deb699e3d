"""Forms for logging in, resetting and changing passwords, and the account page."""

from wtforms import BooleanField, EmailField, HiddenField, PasswordField, RadioField, StringField
from wtforms.validators import DataRequired, Email, EqualTo, Length, ValidationError

from ..forms import CHOOSE, REQUIRED, BaseForm, choices
from ..i18n import LANGUAGE_NAMES
from ..i18n import lazy_gettext as _l
from .services import password_problem


class NewPasswordMixin:
    """Checks the password policy; subclasses define `password` and `confirm`."""

    def validate_password(self, field):
        problem = password_problem(
            field.data,
            email=getattr(self, "policy_email", None),
            name=getattr(self, "policy_name", None),
        )
        if problem:
            raise ValidationError(problem)


class LoginForm(BaseForm):
    email = EmailField(
        _l("E-mail address"),
        validators=[DataRequired(REQUIRED), Length(max=254)],
        render_kw={"autocomplete": "username"},
    )
    password = PasswordField(
        _l("Password"),
        validators=[DataRequired(REQUIRED), Length(max=128)],
        render_kw={"autocomplete": "current-password"},
    )
    remember = BooleanField(_l("Keep me logged in on this device"))
    next = HiddenField()


class ResetRequestForm(BaseForm):
    email = EmailField(
        _l("E-mail address"),
        validators=[
            DataRequired(REQUIRED),
            Email(_l("Please enter a valid e-mail address.")),
            Length(max=254),
        ],
        render_kw={"autocomplete": "email"},
    )


PASSWORD_HINT = _l(
    "At least 8 characters. A short sentence of a few words is strong and easy to remember."
)


class NewPasswordForm(NewPasswordMixin, BaseForm):
    password = PasswordField(
        _l("New password"),
        validators=[DataRequired(REQUIRED)],
        description=PASSWORD_HINT,
        render_kw={"autocomplete": "new-password"},
    )
    confirm = PasswordField(
        _l("Repeat the new password"),
        validators=[
            DataRequired(REQUIRED),
            EqualTo("password", _l("The two passwords are not the same.")),
        ],
        render_kw={"autocomplete": "new-password"},
    )


class ChangePasswordForm(NewPasswordForm):
    current_password = PasswordField(
        _l("Current password"),
        validators=[DataRequired(REQUIRED)],
        render_kw={"autocomplete": "current-password"},
    )


class AccountForm(BaseForm):
    name = StringField(
        _l("Name"),
        validators=[DataRequired(REQUIRED), Length(max=120)],
        render_kw={"autocomplete": "name"},
    )
    locale = RadioField(
        _l("Language for the site and e-mails"),
        choices=choices(LANGUAGE_NAMES.items()),
        validators=[DataRequired(CHOOSE)],
    )


CODE_HINT = _l("The 6 digits your authenticator app shows now.")


def _code_field(label):
    return StringField(
        label,
        validators=[DataRequired(REQUIRED), Length(max=20)],
        description=CODE_HINT,
        render_kw={
            "autocomplete": "one-time-code",
            "inputmode": "numeric",
            "autocapitalize": "off",
            "spellcheck": "false",
            "maxlength": "20",
        },
    )


class CodeForm(BaseForm):
    code = _code_field(_l("Code from your authenticator app"))


class RecoveryCodeForm(BaseForm):
    recovery_code = StringField(
        _l("Recovery code"),
        validators=[DataRequired(REQUIRED), Length(max=30)],
        description=_l("One of the ten codes you saved when you set up two-factor login."),
        render_kw={
            "autocomplete": "off",
            "autocapitalize": "off",
            "spellcheck": "false",
            "maxlength": "30",
        },
    )


class EnrolForm(BaseForm):
    code = _code_field(_l("Code from your authenticator app"))


class ConfirmWithCodeForm(BaseForm):
    """Renewing the recovery codes or turning two-factor login off: a code from the app."""

    code = _code_field(_l("Code from your authenticator app"))

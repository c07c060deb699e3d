"""Forms to invite and edit staff and other users."""

from wtforms import (
    BooleanField,
    DateField,
    EmailField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Email, Length, Optional, ValidationError

from ..accounts.services import find_user_by_email
from ..forms import CHOOSE, REQUIRED, BaseForm, CheckboxesField, choices
from ..i18n import LANGUAGE_NAMES
from ..i18n import lazy_gettext as _l
from ..security import Role


def role_choices():
    return choices((role.value, role.title) for role in Role)


class UserForm(BaseForm):
    name = StringField(_l("Name"), validators=[DataRequired(REQUIRED), Length(max=120)])
    locale = RadioField(
        _l("Language"),
        choices=choices(LANGUAGE_NAMES.items()),
        default="nl",
        validators=[DataRequired(CHOOSE)],
    )
    roles = CheckboxesField(_l("Roles"), choices=role_choices)


class InviteUserForm(UserForm):
    email = EmailField(
        _l("E-mail address"),
        validators=[
            DataRequired(REQUIRED),
            Email(_l("Please enter a valid e-mail address.")),
            Length(max=254),
        ],
    )

    def validate_email(self, field):
        if find_user_by_email(field.data) is not None:
            raise ValidationError(_l("There is already an account with this e-mail address."))

    streams = CheckboxesField(
        _l("Streams (for a reviewer)"),
        coerce=int,
        description=_l("The streams whose inbox they work through."),
    )

    def validate_roles(self, field):
        if not field.data:
            raise ValidationError(_l("Choose at least one role."))

    def validate_streams(self, field):
        if field.data and Role.REVIEWER.value not in (self.roles.data or []):
            raise ValidationError(_l("Streams are for reviewers: tick the reviewer role too."))


class EditUserForm(UserForm):
    streams = CheckboxesField(
        _l("Streams (for a reviewer)"),
        coerce=int,
        description=_l("The streams whose inbox they work through."),
    )
    is_enabled = BooleanField(_l("Account is active (can log in)"))

    def validate_streams(self, field):
        if field.data and Role.REVIEWER.value not in (self.roles.data or []):
            raise ValidationError(_l("Streams are for reviewers: tick the reviewer role too."))


class UserSearchForm(BaseForm):
    class Meta:
        csrf = False

    q = StringField(_l("Search by name or e-mail"), validators=[Optional(), Length(max=100)])
    role = RadioField(
        _l("Role"),
        choices=choices([("", _l("All roles"))] + [(role.value, role.title) for role in Role]),
        default="",
        validators=[Optional()],
    )


class PrivacyStatementForm(BaseForm):
    body_nl = TextAreaField(
        _l("Privacy statement in Dutch"),
        validators=[DataRequired(REQUIRED), Length(max=50_000)],
        description=_l(
            "Plain text. The first line is the title; leave a blank line between paragraphs."
        ),
        render_kw={"rows": 16, "lang": "nl"},
    )
    body_en = TextAreaField(
        _l("Privacy statement in English"),
        validators=[DataRequired(REQUIRED), Length(max=50_000)],
        render_kw={"rows": 16, "lang": "en"},
    )
    changes_nl = StringField(
        _l("What changed, in Dutch"),
        validators=[DataRequired(REQUIRED), Length(max=500)],
        description=_l("Members see this when they are asked to accept the new version."),
        render_kw={"lang": "nl"},
    )
    changes_en = StringField(
        _l("What changed, in English"),
        validators=[DataRequired(REQUIRED), Length(max=500)],
        render_kw={"lang": "en"},
    )


class AuditFilterForm(BaseForm):
    """The audit log's filters: a plain GET form, its values in the address (so the CSV export
    and the pages follow them)."""

    class Meta:
        csrf = False

    person = SelectField(_l("Who"), validators=[Optional()])
    action = SelectField(_l("What"), validators=[Optional()])
    since = DateField(_l("From"), validators=[Optional()])
    until = DateField(_l("Up to and including"), validators=[Optional()])

    def validate_until(self, field):
        if field.data and self.since.data and field.data < self.since.data:
            raise ValidationError(_l("The end date is before the start date."))

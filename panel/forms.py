"""Base forms (a CSRF token, a double-submission token, whitespace stripped), shared fields and
Amsterdam-time helpers."""

from datetime import UTC
from zoneinfo import ZoneInfo

from flask_wtf import FlaskForm
from wtforms import HiddenField, PasswordField, SelectField, SelectMultipleField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.widgets import CheckboxInput, ListWidget

from .i18n import lazy_gettext as _l
from .submissions import new_form_token, submitted_before

# Times are typed and shown in the panel's own time zone and stored in UTC.
AMSTERDAM = ZoneInfo("Europe/Amsterdam")


def clean_text(value):
    """Typed text without surrounding whitespace or NUL characters (PostgreSQL refuses those)."""
    return value.replace("\x00", "").strip() if isinstance(value, str) else value


REQUIRED = _l("Please fill this in.")
CHOOSE = _l("Please choose an answer.")


def choices(pairs):
    """(value, label) pairs as the choices of a select, radio or checkbox field."""
    return [SelectChoice(value, label) for value, label in pairs]


class BaseForm(FlaskForm):
    class Meta:
        def bind_field(self, form, unbound_field, options):
            field_class = unbound_field.field_class
            # Selects too: Optional() treats " " as empty, so it must also arrive as empty.
            if issubclass(field_class, (StringField, SelectField)) and not issubclass(
                field_class, PasswordField
            ):
                options.setdefault("filters", []).append(clean_text)
            return unbound_field.bind(form=form, **options)

    # A new token each time the form is rendered; a form that creates something claims it
    # (panel/submissions.py), so the same rendering sent twice creates one record.
    form_token = HiddenField(default=new_form_token)

    def validate(self, extra_validators=None):
        valid = super().validate(extra_validators)
        if submitted_before(self):
            # The same rendering sent again: its view answers it as the first one was answered
            # (claim_submission refuses the token), whatever its data would now be told.
            csrf = getattr(self, "csrf_token", None)
            return not (csrf is not None and csrf.errors)
        return valid

    @property
    def csrf_expired(self):
        """True when the form was sent with a missing or stale token (its data is kept)."""
        return bool(getattr(self, "csrf_token", None) is not None and self.csrf_token.errors)


class ConfirmForm(BaseForm):
    """An empty POST-only form for buttons that change something (logout, deactivate …)."""


class CheckboxesField(SelectMultipleField):
    """A list of checkboxes; nothing ticked means an empty list, never None."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()

    def process_formdata(self, valuelist):
        super().process_formdata(valuelist)
        if self.data is None:
            self.data = []


def local_to_utc(value):
    """A time typed in Amsterdam time, as aware UTC."""
    return value.replace(tzinfo=AMSTERDAM).astimezone(UTC) if value else None


def utc_to_local(value):
    """An aware UTC time as the naive Amsterdam time a form field shows."""
    return value.astimezone(AMSTERDAM).replace(tzinfo=None) if value else None

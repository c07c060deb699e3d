"""Base forms: every form carries a CSRF token and strips surrounding whitespace."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import PasswordField, SelectField, StringField
from wtforms.fields.choices import SelectChoice


def strip_whitespace(value):
    return value.strip() if isinstance(value, str) else value


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
            if issubclass(field_class, (StringField, SelectField)) and not issubclass(field_class, PasswordField):
                options.setdefault("filters", []).append(strip_whitespace)
            return unbound_field.bind(form=form, **options)

    @property
    def csrf_expired(self):
        """True when the form was sent with a missing or stale token (its data is kept)."""
        return bool(getattr(self, "csrf_token", None) is not None and self.csrf_token.errors)


class ConfirmForm(BaseForm):
    """An empty POST-only form for buttons that change something (logout, deactivate …)."""

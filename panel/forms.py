"""Base forms (a CSRF token, a double-submission token, whitespace stripped), shared fields and
Amsterdam-time helpers."""

import copy
import unicodedata
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from flask import abort, g, request
from flask_babel import ngettext
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    DateTimeField,
    DecimalField,
    FloatField,
    HiddenField,
    IntegerField,
    PasswordField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
    TimeField,
)
from wtforms.fields.choices import SelectChoice, SelectFieldBase
from wtforms.validators import (
    URL,
    AnyOf,
    DataRequired,
    Email,
    EqualTo,
    InputRequired,
    Length,
    NoneOf,
    NumberRange,
    StopValidation,
)
from wtforms.widgets import CheckboxInput, ListWidget

from .converters import MAX_ID
from .i18n import LazyText, number_filter
from .i18n import lazy_gettext as _l
from .submissions import new_form_token, submitted_before

# Times are typed and shown in the panel's own time zone and stored in UTC.
AMSTERDAM = ZoneInfo("Europe/Amsterdam")


# A moderator's redaction in a stored text (panel/rounds/moderation.py): ASCII SUB, "substitute".
# Typed text drops it, so nobody can make their own words look removed by a moderator.
REDACTED = "\x1a"


def clean_text(value):
    """Typed text without surrounding whitespace or NUL characters (PostgreSQL refuses those),
    nor the redaction marker."""
    if not isinstance(value, str):
        return value
    return value.replace("\x00", "").replace(REDACTED, "").strip()


REQUIRED = _l("Please fill this in.")
CHOOSE = _l("Please choose an answer.")
CHECK = _l("Please check what you filled in here.")

# WTForms' own messages ("Not a valid integer value.", "Field cannot be longer than 50 characters.")
# never reach a person: every validator and every typed field gets one of the app's messages
# (BaseForm.Meta.bind_field), and anything WTForms still says goes through OWN_MESSAGES.
INVALID_VALUES = [
    # The most specific class first: DateField and TimeField are DateTimeFields to WTForms.
    (IntegerField, _l("Please enter a whole number.")),
    ((DecimalField, FloatField), _l("Please enter a number.")),
    (DateField, _l("Please enter a date.")),
    (TimeField, _l("Please enter a time, for example 15:00.")),
    (DateTimeField, _l("Please enter a date and a time.")),
    (SelectFieldBase, CHOOSE),
]
OWN_MESSAGES = {
    "This field is required.": REQUIRED,
    "Not a valid integer value.": _l("Please enter a whole number."),
    "Not a valid decimal value.": _l("Please enter a number."),
    "Not a valid float value.": _l("Please enter a number."),
    "Not a valid date value.": _l("Please enter a date."),
    "Not a valid datetime value.": _l("Please enter a date and a time."),
    "Not a valid time value.": _l("Please enter a time, for example 15:00."),
    "Not a valid choice.": CHOOSE,
    "Invalid Choice: could not coerce.": CHOOSE,
    "Invalid choice(s): one or more data inputs could not be coerced.": CHOOSE,
    "'%(value)s' is not a valid choice for this field.": CHOOSE,
    "Invalid email address.": _l("Please enter a valid e-mail address."),
}
EXPIRED = _l(
    "This form had expired, so nothing was saved yet. We kept what you typed: "
    "please check it and send it again."
)
OWN_MESSAGES.update(
    dict.fromkeys(
        ["CSRF token missing.", "CSRF token expired.", "CSRF failed.", "Invalid CSRF Token."],
        EXPIRED,
    )
)


class AppMessages:
    """The translations WTForms asks for its own messages: always one of the app's."""

    def gettext(self, string):
        if string in OWN_MESSAGES:
            return str(OWN_MESSAGES[string])
        # WTForms' messages are sentences; anything else is a label made from a field's name.
        return str(CHECK) if string.endswith(".") else string

    def ngettext(self, singular, plural, n):
        return self.gettext(singular)


APP_MESSAGES = AppMessages()


def too_long(most):
    return LazyText(
        lambda: ngettext(
            "Please shorten this to at most %(count)s character.",
            "Please shorten this to at most %(count)s characters.",
            most,
            count=number_filter(most),
        )
    )


def too_short(least):
    return LazyText(
        lambda: ngettext(
            "Please use at least %(count)s character.",
            "Please use at least %(count)s characters.",
            least,
            count=number_filter(least),
        )
    )


def out_of_range(least, most):
    def message():
        if least is not None and most is not None:
            return _l(
                "Please enter a number from %(min)s to %(max)s.",
                min=number_filter(least),
                max=number_filter(most),
            )
        if least is not None:
            return _l("Please enter a number of %(min)s or more.", min=number_filter(least))
        return _l("Please enter a number of at most %(max)s.", max=number_filter(most))

    return LazyText(lambda: str(message()))


def own_message(validator, field_class):
    """The app's message for a validator written without one."""
    if isinstance(validator, (DataRequired, InputRequired)):
        choosing = issubclass(field_class, (SelectFieldBase, BooleanField))
        return CHOOSE if choosing else REQUIRED
    if isinstance(validator, Length):
        if validator.max is not None and validator.max >= 0:
            return too_long(validator.max) if validator.min < 1 else CHECK
        return too_short(validator.min)
    if isinstance(validator, NumberRange):
        return out_of_range(validator.min, validator.max)
    if isinstance(validator, Email):
        return _l("Please enter a valid e-mail address.")
    if isinstance(validator, EqualTo):
        return _l("Please type the same in both fields.")
    if isinstance(validator, URL):
        return _l("Enter a full web address, starting with https://")
    if isinstance(validator, (AnyOf, NoneOf)):
        return CHOOSE
    return CHECK


def with_own_messages(validators, field_class):
    """The validators, each with a message of the app's own (copies: the form class keeps its)."""
    own = []
    for validator in validators:
        if hasattr(validator, "message") and validator.message is None:
            validator = copy.copy(validator)
            validator.message = own_message(validator, field_class)
        own.append(validator)
    return own


NUL_REFUSED = _l("This contains an invisible character we can't store. Please type it again.")
NUMBER_TOO_LARGE = _l("Please enter a smaller number.")
ONE_LINE = _l("Please type this on one line, without line breaks or invisible characters.")
# Control characters (line breaks, escape …) and the line and paragraph separators: never part
# of a one-line field, which may end up in a mail's subject or a download's file name.
NOT_ON_ONE_LINE = ("Cc", "Zl", "Zp")


def breaks_the_line(text):
    """True when `text` holds a character a one-line field can't keep (a tab is allowed: it
    becomes a space)."""
    return any(unicodedata.category(c) in NOT_ON_ONE_LINE for c in text if c != "\t")


def tabs_to_spaces(value):
    return value.replace("\t", " ") if isinstance(value, str) else value


def refuse_line_breaks(form, field):
    """In a one-line text field, CR, LF and other control characters are a form error (after
    refuse_nul: NUL keeps its own message)."""
    if any(isinstance(value, str) and breaks_the_line(value) for value in field.raw_data or ()):
        raise StopValidation(str(ONE_LINE))


def is_one_line(field_class):
    """A typed one-line text field: StringField and its kinds (e-mail, URL …), not a text area,
    password or hidden field."""
    return issubclass(field_class, StringField) and not issubclass(
        field_class, (TextAreaField, PasswordField, HiddenField)
    )


def bounded_int(value):
    """int() for a choice's value, refusing what no database id or count can be (ValueError makes
    the field answer 'Please choose an answer.')."""
    number = int(value)
    if not -MAX_ID <= number <= MAX_ID:
        raise ValueError("out of the database's integer range")
    return number


def refuse_nul(form, field):
    """First in every field's chain: NUL in what was sent is a form error, on every database
    (PostgreSQL refuses it in text, SQLite would store it); nothing after it runs."""
    if any(isinstance(value, str) and "\x00" in value for value in field.raw_data or ()):
        raise StopValidation(str(NUL_REFUSED))


def refuse_huge_number(form, field):
    """A typed number the database's INTEGER columns can't hold is a form error, before any
    validator compares it with a column."""
    if isinstance(field.data, int) and not -MAX_ID <= field.data <= MAX_ID:
        raise StopValidation(str(NUMBER_TOO_LARGE))


def stop_when_unreadable(form, field):
    """What was typed but couldn't be read ("twelve" for a number) has said so already: no
    second message about a range on top of it ("Vul een heel getal in." alone). Nothing typed
    goes on to the validators (Optional() lets an empty field pass, a required one says so)."""
    if field.process_errors and any(str(value).strip() for value in field.raw_data or ()):
        raise StopValidation()


def guard_input(field):
    """Every bound field refuses NUL and out-of-range numbers before anything else reads them.
    A hidden field only drops NUL (clean_text): nobody typed it, so nobody could correct it (a
    login link with next=%00 must still log in)."""
    guards = [stop_when_unreadable] + ([] if isinstance(field, HiddenField) else [refuse_nul])
    if is_one_line(type(field)):
        guards.append(refuse_line_breaks)
    if isinstance(field, IntegerField):
        guards.append(refuse_huge_number)
    field.validators = [*guards, *field.validators]
    if vars(field).get("coerce") is int:  # (a FormField hands getattr to a form not made yet)
        field.coerce = bounded_int
    if isinstance(field, DateTimeField):
        field.process_data = in_local_time(field.process_data)
    return field


def in_local_time(process_data):
    """A stored (aware UTC) time handed to a date-time field as the naive Amsterdam time the
    field shows and is typed in, so it compares with what was typed: a field left out of a
    posted form keeps its stored value, and would otherwise make a validator raise TypeError."""

    def process(value):
        if isinstance(value, datetime) and value.tzinfo is not None:
            value = utc_to_local(value)
        process_data(value)

    return process


def refuse_json_bodies():
    """before_request: the panel takes forms, not JSON. A JSON body would reach WTForms as field
    data (numbers, lists, objects where text belongs), so it is a bad request everywhere."""
    if request.method not in ("GET", "HEAD", "OPTIONS") and request.is_json:
        abort(400)


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
                if is_one_line(field_class):
                    options["filters"].append(tabs_to_spaces)
            if unbound_field.kwargs.get("validators"):
                validators = with_own_messages(unbound_field.kwargs["validators"], field_class)
                unbound_field = copy.copy(unbound_field)
                unbound_field.kwargs = dict(unbound_field.kwargs, validators=validators)
            field = unbound_field.bind(form=form, **options)
            # (vars(): a FormField hands unknown attributes to its form, not made yet)
            for kinds, message in INVALID_VALUES:
                if isinstance(field, kinds) and vars(field).get("invalid_value_message", 0) is None:
                    field.invalid_value_message = message
                    break
            if vars(field).get("invalid_choice_message", 0) is None:
                field.invalid_choice_message = CHOOSE
            return guard_input(field)

        def get_translations(self, form):
            return APP_MESSAGES

        def wrap_formdata(self, form, formdata):
            if g.get("error_page"):
                # The error page's own forms (the logout button) never read a refused body.
                return None
            return super().wrap_formdata(form, formdata)

    # A new token each time the form is rendered; a form that creates something claims it
    # (panel/submissions.py), so the same rendering sent twice creates one record.
    form_token = HiddenField()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.form_token.raw_data:  # rendered, not sent: this rendering's own token
            self.form_token.data = new_form_token(self)

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

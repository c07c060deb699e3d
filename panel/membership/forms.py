"""Forms for joining, the member's own profile, pausing and leaving, and the manager's pages."""

from datetime import timedelta

from wtforms import (
    BooleanField,
    DateField,
    EmailField,
    HiddenField,
    IntegerField,
    PasswordField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import (
    DataRequired,
    Email,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    ValidationError,
)

from ..accounts.forms import PASSWORD_HINT, NewPasswordMixin
from ..database import amsterdam_today
from ..forms import CHOOSE, REQUIRED, BaseForm, CheckboxesField, choices
from ..i18n import LANGUAGE_NAMES
from ..i18n import lazy_gettext as _l
from .segments import (
    AppUsage,
    CustomerType,
    Interest,
    Platform,
    Region,
    YearsAsCustomer,
    region_for_postcode,
)


def this_year():
    return amsterdam_today().year


def check_postcode(form, field):
    if region_for_postcode(field.data) is None:
        raise ValidationError(_l("Enter the four digits of a Dutch postcode, for example 3511."))


def check_birth_year(form, field):
    if field.data is not None and not 1900 <= field.data <= this_year():
        raise ValidationError(_l("Enter the year you were born in, for example 1985."))


def check_physical_region(form, field):
    if form.attends_physical.data and not field.data:
        raise ValidationError(_l("Choose the region where you can come to sessions."))


def region_choices(empty=None):
    pairs = [("", empty)] if empty else []
    return choices(pairs + list(Region.choices()))


class ProfileFields(BaseForm):
    """The screening questions, shared by the join form and the profile page."""

    birth_year = IntegerField(
        _l("Year of birth"),
        validators=[InputRequired(REQUIRED), check_birth_year],
        description=_l("You need to be 16 or older to take part."),
        render_kw={"inputmode": "numeric", "autocomplete": "bday-year"},
    )
    postcode = StringField(
        _l("Postcode"),
        validators=[DataRequired(REQUIRED), Length(max=7), check_postcode],
        description=_l("The four digits are enough. We use them to know your region."),
        render_kw={"autocomplete": "postal-code", "inputmode": "numeric"},
    )
    customer_type = RadioField(
        _l("What kind of customer are you?"),
        choices=choices(CustomerType.choices()),
        validators=[DataRequired(CHOOSE)],
    )
    years_as_customer = RadioField(
        _l("How long have you been a customer?"),
        choices=choices(YearsAsCustomer.choices()),
        validators=[Optional()],
    )
    platform = RadioField(
        _l("Which phone do you use?"),
        choices=choices(Platform.choices()),
        validators=[DataRequired(CHOOSE)],
    )
    app_usage = RadioField(
        _l("How often do you use our app?"),
        choices=choices(AppUsage.choices()),
        validators=[DataRequired(CHOOSE)],
    )
    interests = CheckboxesField(
        _l("Which topics would you like to help with?"), choices=choices(Interest.choices())
    )
    attends_physical = BooleanField(_l("I can come to sessions at a location"))
    physical_region = SelectField(
        _l("In which region?"),
        choices=region_choices(_l("Choose a region")),
        validators=[check_physical_region],
        description=_l("Only if you can come to sessions at a location."),
    )
    attends_online = BooleanField(_l("I can take part in online sessions"))


class JoinForm(NewPasswordMixin, ProfileFields):
    name = StringField(
        _l("Your name"),
        validators=[DataRequired(REQUIRED), Length(max=120)],
        render_kw={"autocomplete": "name"},
    )
    email = EmailField(
        _l("E-mail address"),
        validators=[
            DataRequired(REQUIRED),
            Email(_l("Please enter a valid e-mail address.")),
            Length(max=254),
        ],
        description=_l("We'll send you a link to confirm it."),
        render_kw={"autocomplete": "email"},
    )
    password = PasswordField(
        _l("Choose a password"),
        validators=[DataRequired(REQUIRED)],
        description=PASSWORD_HINT,
        render_kw={"autocomplete": "new-password"},
    )
    locale = RadioField(
        _l("Which language do you prefer?"),
        choices=choices(LANGUAGE_NAMES.items()),
        validators=[DataRequired(CHOOSE)],
    )
    consent_participation = BooleanField(
        _l(
            "I want to take part in the panel, and agree that my data is used for it as "
            "the privacy statement describes."
        ),
        validators=[DataRequired(_l("You can only take part when you agree to this."))],
    )
    consent_recording = BooleanField(
        _l(
            "Sessions I take part in may be recorded, to be used only inside the company "
            "(optional)."
        )
    )
    source = HiddenField()

    def validate_password(self, field):
        self.policy_email, self.policy_name = self.email.data, self.name.data
        super().validate_password(field)


class ProfileForm(ProfileFields):
    name = StringField(
        _l("Your name"),
        validators=[DataRequired(REQUIRED), Length(max=120)],
        render_kw={"autocomplete": "name"},
    )
    locale = RadioField(
        _l("Language for the site and e-mails"),
        choices=choices(LANGUAGE_NAMES.items()),
        validators=[DataRequired(CHOOSE)],
    )
    consent_recording = BooleanField(_l("Sessions I take part in may be recorded (optional)."))
    show_level = BooleanField(
        _l("Show my contributor level next to my ideas and reactions"),
        description=_l(
            "Your level (starter, regular or ambassador) comes from how often you took part in "
            "the last 12 months: sessions, ideas, reactions and feedback. Others see it only if "
            "you switch this on."
        ),
    )


class PauseForm(BaseForm):
    until = DateField(
        _l("Pause until"),
        validators=[InputRequired(REQUIRED)],
        description=_l(
            "Until then we won't invite you. After that date you're active again by yourself."
        ),
    )

    def validate_until(self, field):
        if field.data is None:
            return
        if field.data <= amsterdam_today():
            raise ValidationError(_l("Choose a date after today."))
        if field.data > amsterdam_today() + timedelta(days=366):
            raise ValidationError(_l("You can pause for at most a year."))


LEAVE_REASON_CHOICES = [
    ("too_many_invitations", _l("I got too many invitations")),
    ("not_interesting", _l("The topics don't interest me")),
    ("no_time", _l("I don't have time for it")),
    ("privacy", _l("I'd rather not share my data")),
    ("no_customer", _l("I'm no longer a customer")),
    ("other", _l("Another reason, or I'd rather not say")),
]


class LeaveForm(BaseForm):
    reason = RadioField(
        _l("Would you tell us why? (optional)"),
        choices=choices(LEAVE_REASON_CHOICES),
        validators=[Optional()],
    )
    confirm = BooleanField(
        _l("Yes, I want to leave and have my personal data erased."),
        validators=[DataRequired(_l("Tick this box to confirm."))],
    )


class AcceptStatementForm(BaseForm):
    accept = BooleanField(
        _l("I have read the new privacy statement and want to keep taking part."),
        validators=[DataRequired(_l("Tick this box to continue."))],
    )


# Panel manager ---------------------------------------------------------------------------------


class MemberFilterForm(BaseForm):
    class Meta:
        csrf = False

    q = StringField(
        _l("Search by name, e-mail or member number"), validators=[Optional(), Length(max=100)]
    )
    status = SelectField(_l("Status"), validators=[Optional()])
    customer_type = SelectField(_l("Customer type"), validators=[Optional()])
    age_band = SelectField(_l("Age"), validators=[Optional()])
    region = SelectField(_l("Region"), validators=[Optional()])
    source = StringField(_l("Source"), validators=[Optional(), Length(max=40)])
    inactive = SelectField(
        _l("Last active"),
        validators=[Optional()],
        choices=choices(
            [
                ("", _l("Any time")),
                ("90", _l("Not in the last 90 days")),
                ("365", _l("Not in the last 12 months")),
            ]
        ),
    )
    sort = SelectField(
        _l("Sort by"),
        validators=[Optional()],
        choices=choices(
            [
                ("joined_desc", _l("Newest first")),
                ("joined_asc", _l("Oldest first")),
                ("number", _l("Member number")),
                ("active_desc", _l("Recently active")),
            ]
        ),
    )


class MemberActionForm(BaseForm):
    reason = TextAreaField(
        _l("Reason"),
        validators=[Optional(), Length(max=300)],
        description=_l("The member sees this reason."),
    )

    def require_reason(self):
        if not (self.reason.data or "").strip():
            self.reason.errors.append(_l("Please give a reason."))
            return False
        return True


class QuotaForm(BaseForm):
    customer_type = SelectField(_l("Customer type"), validators=[Optional()])
    age_band = SelectField(_l("Age"), validators=[Optional()])
    region = SelectField(_l("Region"), validators=[Optional()])
    target = IntegerField(
        _l("Target (members)"),
        validators=[
            InputRequired(REQUIRED),
            NumberRange(min=0, max=10_000_000, message=_l("Enter a number from 0.")),
        ],
    )


class SettingsForm(BaseForm):
    manual_approval = BooleanField(
        _l("Approve new members by hand before they take part"),
        description=_l(
            "When this is off, new members are active as soon as they confirm their e-mail "
            "address (unless their segment is full)."
        ),
    )
    accept_non_customers = BooleanField(_l("Accept people who are not a customer"))
    max_invitations_per_30_days = IntegerField(
        _l("At most this many invitations per member in 30 days"),
        validators=[
            InputRequired(REQUIRED),
            NumberRange(min=1, max=30, message=_l("Enter a number from 1 to 30.")),
        ],
    )
    rest_days_after_taking_part = IntegerField(
        _l("Days of rest after taking part"),
        validators=[
            InputRequired(REQUIRED),
            NumberRange(min=0, max=365, message=_l("Enter a number from 0 to 365.")),
        ],
    )


class ExportForm(BaseForm):
    include_contact = BooleanField(_l("Include names and e-mail addresses"))
    reason = StringField(
        _l("Why do you need contact details?"),
        validators=[Length(max=200)],
        description=_l("Required with contact details. It is kept in the audit log."),
    )

    def validate_reason(self, field):
        if self.include_contact.data and not (field.data or "").strip():
            raise ValidationError(_l("Please say why you need contact details."))

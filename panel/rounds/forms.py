"""Forms for rounds, stages, sessions, ideas, invitations and outcomes."""

from datetime import datetime, timedelta

from wtforms import (
    BooleanField,
    DateTimeLocalField,
    HiddenField,
    IntegerField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
    URLField,
)
from wtforms.validators import (
    URL,
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    ValidationError,
)

from ..forms import AMSTERDAM, CHOOSE, REQUIRED, BaseForm, CheckboxesField, choices, local_to_utc
from ..i18n import lazy_gettext as _l
from ..membership.segments import AgeBand, CustomerType, Interest, Platform, Region
from .models import IdeaStatus, SessionKind, Visibility


class RoundForm(BaseForm):
    title_nl = StringField(
        _l("Title in Dutch"), validators=[Length(max=150)], render_kw={"lang": "nl"}
    )
    title_en = StringField(
        _l("Title in English"), validators=[Length(max=150)], render_kw={"lang": "en"}
    )
    summary_nl = TextAreaField(
        _l("Summary in Dutch"), validators=[Length(max=5000)], render_kw={"lang": "nl", "rows": 4}
    )
    summary_en = TextAreaField(
        _l("Summary in English"), validators=[Length(max=5000)], render_kw={"lang": "en", "rows": 4}
    )
    question_nl = TextAreaField(
        _l("The question this round must answer, in Dutch"),
        validators=[Length(max=300)],
        render_kw={"lang": "nl", "rows": 2},
    )
    question_en = TextAreaField(
        _l("The question this round must answer, in English"),
        validators=[Length(max=300)],
        render_kw={"lang": "en", "rows": 2},
    )
    owner_id = SelectField(_l("Owner"), coerce=int, validators=[InputRequired(CHOOSE)])
    streams = CheckboxesField(_l("Streams involved"), coerce=int)
    visibility = RadioField(
        _l("Who can take part"),
        choices=choices(Visibility.choices()),
        default="all",
        validators=[DataRequired(CHOOSE)],
    )
    target_customer_type = SelectField(_l("Target customer type"), validators=[Optional()])
    target_age_band = SelectField(_l("Target age"), validators=[Optional()])
    target_region = SelectField(_l("Target region"), validators=[Optional()])

    def validate_title_nl(self, field):
        if not (field.data or "").strip() and not (self.title_en.data or "").strip():
            raise ValidationError(_l("Give the round a title in at least one language."))


class StageForm(BaseForm):
    to_stage = RadioField(_l("Move to"), validators=[DataRequired(CHOOSE)])
    note_nl = TextAreaField(
        _l("What we learned, what happens next (Dutch)"),
        validators=[DataRequired(REQUIRED), Length(max=3000)],
        render_kw={"lang": "nl", "rows": 4},
    )
    note_en = TextAreaField(
        _l("What we learned, what happens next (English)"),
        validators=[DataRequired(REQUIRED), Length(max=3000)],
        render_kw={"lang": "en", "rows": 4},
    )


class SessionForm(BaseForm):
    title_nl = StringField(
        _l("Title in Dutch"),
        validators=[DataRequired(REQUIRED), Length(max=150)],
        render_kw={"lang": "nl"},
    )
    title_en = StringField(
        _l("Title in English"),
        validators=[DataRequired(REQUIRED), Length(max=150)],
        render_kw={"lang": "en"},
    )
    kind = RadioField(
        _l("Where"),
        choices=choices(SessionKind.choices()),
        default="physical",
        validators=[DataRequired(CHOOSE)],
    )
    venue_nl = StringField(
        _l("Venue in Dutch"), validators=[Length(max=150)], render_kw={"lang": "nl"}
    )
    venue_en = StringField(
        _l("Venue in English"), validators=[Length(max=150)], render_kw={"lang": "en"}
    )
    address = StringField(_l("Address"), validators=[Length(max=200)])
    city = StringField(_l("City"), validators=[Length(max=80)])
    meeting_link = URLField(
        _l("Meeting link"),
        validators=[
            Optional(),
            URL(message=_l("Enter a full web address, starting with https://")),
            Length(max=300),
        ],
        description=_l("Only confirmed participants see it."),
    )
    starts_at = DateTimeLocalField(
        _l("Starts (Amsterdam time)"), format="%Y-%m-%dT%H:%M", validators=[InputRequired(REQUIRED)]
    )
    ends_at = DateTimeLocalField(
        _l("Ends (Amsterdam time)"), format="%Y-%m-%dT%H:%M", validators=[InputRequired(REQUIRED)]
    )
    registration_deadline = DateTimeLocalField(
        _l("Registration closes (Amsterdam time)"),
        format="%Y-%m-%dT%H:%M",
        validators=[InputRequired(REQUIRED)],
    )
    capacity = IntegerField(
        _l("Seats"),
        validators=[
            InputRequired(REQUIRED),
            NumberRange(min=1, max=10000, message=_l("Enter a number from 1 to 10,000.")),
        ],
    )

    def validate_ends_at(self, field):
        if field.data and self.starts_at.data and field.data <= self.starts_at.data:
            raise ValidationError(_l("The end must be after the start."))

    def validate_registration_deadline(self, field):
        if field.data and self.starts_at.data and field.data > self.starts_at.data:
            raise ValidationError(_l("Registration must close before the session starts."))

    def validate_venue_nl(self, field):
        if (
            self.kind.data == "physical"
            and not (field.data or "").strip()
            and not (self.venue_en.data or "").strip()
        ):
            raise ValidationError(_l("Where is it? Give the venue in Dutch or English."))

    def validate_city(self, field):
        if self.kind.data == "physical" and not (field.data or "").strip():
            raise ValidationError(_l("Give the city of a session at a location."))

    def validate_meeting_link(self, field):
        if self.kind.data == "online" and not (field.data or "").strip():
            raise ValidationError(_l("An online session needs a meeting link."))

    def session_data(self):
        data = {
            name: getattr(self, name).data
            for name in (
                "title_nl",
                "title_en",
                "kind",
                "venue_nl",
                "venue_en",
                "address",
                "city",
                "meeting_link",
                "capacity",
            )
        }
        for name in ("starts_at", "ends_at", "registration_deadline"):
            data[name] = local_to_utc(getattr(self, name).data)
        for name in ("venue_nl", "venue_en"):
            data[name] = (data[name] or "").strip() or None
        if data["kind"] == "online":
            data.update(venue_nl=None, venue_en=None, address=None, city=None)
        else:
            data["meeting_link"] = None
        return data


class SessionNotesForm(BaseForm):
    notes = TextAreaField(
        _l("Session notes (staff only)"), validators=[Length(max=20000)], render_kw={"rows": 8}
    )


def id_or_zero(value):
    """A posted id as a number; anything else (nothing chosen, tampering) as 0."""
    text = str(value or "")
    return int(text) if text.isascii() and text.isdigit() and len(text) < 10 else 0


class IdeaForm(BaseForm):
    title = StringField(
        _l("Your idea in a few words"), validators=[DataRequired(REQUIRED), Length(max=150)]
    )
    body = TextAreaField(
        _l("Tell us more"),
        validators=[DataRequired(REQUIRED), Length(max=5000)],
        render_kw={"rows": 5},
    )
    # The round's categories (set by the view); required only when the round has any.
    category_id = SelectField(_l("Category"), coerce=id_or_zero, validate_choice=False, default=0)

    def validate_category_id(self, field):
        known = [choice.value for choice in field.choices or [] if choice.value]
        if known and field.data not in known:
            raise ValidationError(_l("Choose the category that fits your idea best."))


class CategoryForm(BaseForm):
    """A round's category, named in both languages."""

    name_nl = StringField(
        _l("Name in Dutch"),
        validators=[DataRequired(REQUIRED), Length(max=60)],
        render_kw={"lang": "nl"},
    )
    name_en = StringField(
        _l("Name in English"),
        validators=[DataRequired(REQUIRED), Length(max=60)],
        render_kw={"lang": "en"},
    )


class CommentForm(BaseForm):
    body = TextAreaField(
        _l("Your reaction"),
        validators=[DataRequired(REQUIRED), Length(max=3000)],
        render_kw={"rows": 3},
    )


class AnswerForm(BaseForm):
    status = SelectField(
        _l("Status"), choices=choices(IdeaStatus.choices()), validators=[DataRequired(CHOOSE)]
    )
    answer_nl = TextAreaField(
        _l("Official answer in Dutch"),
        validators=[Length(max=3000)],
        render_kw={"lang": "nl", "rows": 3},
    )
    answer_en = TextAreaField(
        _l("Official answer in English"),
        validators=[Length(max=3000)],
        render_kw={"lang": "en", "rows": 3},
    )

    def validate_answer_nl(self, field):
        if not (field.data or "").strip() and not (self.answer_en.data or "").strip():
            raise ValidationError(_l("Write the answer in at least one language."))


class HideForm(BaseForm):
    reason = StringField(
        _l("Reason (the author sees it)"), validators=[DataRequired(REQUIRED), Length(max=300)]
    )


class InvitationForm(BaseForm):
    customer_types = CheckboxesField(
        _l("Customer type"), choices=choices([c for c in CustomerType.choices() if c[0] != "none"])
    )
    age_bands = CheckboxesField(_l("Age"), choices=choices(AgeBand.choices()))
    regions = CheckboxesField(_l("Region"), choices=choices(Region.choices()))
    platforms = CheckboxesField(_l("Phone"), choices=choices(Platform.choices()))
    interests = CheckboxesField(_l("Interested in (any of)"), choices=choices(Interest.choices()))
    physical_region = SelectField(
        _l("Can come to a location in"),
        validators=[Optional()],
        choices=choices([("", _l("No need"))] + list(Region.choices())),
    )
    online = BooleanField(_l("Can take part online"))
    size = IntegerField(
        _l("How many panelists to invite"),
        validators=[
            InputRequired(REQUIRED),
            NumberRange(min=1, max=10000, message=_l("Enter a number from 1 to 10,000.")),
        ],
    )
    balance = RadioField(
        _l("Balance the sample"),
        default="pool",
        validators=[DataRequired(CHOOSE)],
        choices=choices(
            [("pool", _l("Like the eligible members")), ("quota", _l("Like the quota targets"))]
        ),
    )
    seed = HiddenField()


class OutcomeForm(BaseForm):
    outcome_nl = TextAreaField(
        _l("Outcome in Dutch"),
        validators=[DataRequired(REQUIRED), Length(max=5000)],
        render_kw={"lang": "nl", "rows": 5},
    )
    outcome_en = TextAreaField(
        _l("Outcome in English"),
        validators=[DataRequired(REQUIRED), Length(max=5000)],
        render_kw={"lang": "en", "rows": 5},
    )
    ideas = CheckboxesField(_l("Ideas that led to it"), coerce=int)


def default_session_times():
    start = (datetime.now(AMSTERDAM) + timedelta(days=14)).replace(
        hour=19, minute=0, second=0, microsecond=0, tzinfo=None
    )
    return start, start + timedelta(hours=2), start - timedelta(days=2)


class EditIdeaForm(BaseForm):
    """The author's own idea, changed (panel/rounds/reactions.py)."""

    title = StringField(
        _l("Your idea in a few words"), validators=[DataRequired(REQUIRED), Length(max=150)]
    )
    body = TextAreaField(
        _l("Tell us more"),
        validators=[DataRequired(REQUIRED), Length(max=5000)],
        render_kw={"rows": 6},
    )


class EditReactionForm(BaseForm):
    """The author's own reaction or reply, changed."""

    body = TextAreaField(
        _l("Your reaction"),
        validators=[DataRequired(REQUIRED), Length(max=3000)],
        render_kw={"rows": 4},
    )


class ReplyForm(BaseForm):
    """A reply to a reaction."""

    body = TextAreaField(
        _l("Your reply"),
        validators=[DataRequired(REQUIRED), Length(max=3000)],
        render_kw={"rows": 4},
    )

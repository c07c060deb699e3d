"""Forms for insights, the inbox and the set-up of streams, tags and routing rules."""

from wtforms import HiddenField, IntegerField, RadioField, SelectField, StringField, TextAreaField
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    ValidationError,
)

from ..forms import CHOOSE, REQUIRED, BaseForm, CheckboxesField, choices
from ..i18n import lazy_gettext as _l
from .models import RouteStatus


class InsightTitleForm(BaseForm):
    """An insight's title in both languages, at least one of them filled in."""

    title_nl = StringField(
        _l("Title in Dutch"), validators=[Length(max=200)], render_kw={"lang": "nl"}
    )
    title_en = StringField(
        _l("Title in English"), validators=[Length(max=200)], render_kw={"lang": "en"}
    )

    def validate_title_nl(self, field):
        if not (field.data or "").strip() and not (self.title_en.data or "").strip():
            raise ValidationError(_l("Give the insight a title in at least one language."))


class InsightForm(InsightTitleForm):
    description = TextAreaField(
        _l("What did we learn?"), validators=[Length(max=5000)], render_kw={"rows": 5}
    )
    tags = CheckboxesField(_l("Tags"), coerce=int)
    kind = HiddenField()
    source = HiddenField()


class TagsForm(BaseForm):
    tags = CheckboxesField(_l("Tags"), coerce=int)


class AddRouteForm(BaseForm):
    stream_id = SelectField(_l("Send to stream"), coerce=int, validators=[InputRequired(CHOOSE)])


class EvidenceForm(BaseForm):
    insight_id = SelectField(_l("Add to insight"), coerce=int, validators=[InputRequired(CHOOSE)])
    kind = HiddenField(validators=[DataRequired()])
    source = HiddenField(validators=[DataRequired()])


class StatusForm(BaseForm):
    status = SelectField(
        _l("Status"), choices=choices(RouteStatus.choices()), validators=[DataRequired(CHOOSE)]
    )


class NoteForm(BaseForm):
    body = TextAreaField(
        _l("Internal note (staff only)"),
        validators=[DataRequired(REQUIRED), Length(max=5000)],
        render_kw={"rows": 3},
    )


class AnswerForm(BaseForm):
    answer_nl = TextAreaField(
        _l("Public answer in Dutch"),
        validators=[DataRequired(REQUIRED), Length(max=3000)],
        render_kw={"rows": 4, "lang": "nl"},
    )
    answer_en = TextAreaField(
        _l("Public answer in English"),
        validators=[DataRequired(REQUIRED), Length(max=3000)],
        render_kw={"rows": 4, "lang": "en"},
    )


class InboxFilterForm(BaseForm):
    class Meta:
        csrf = False

    status = SelectField(_l("Status"), validators=[Optional()])
    tag = SelectField(_l("Tag"), validators=[Optional()])
    source = SelectField(
        _l("Source"),
        validators=[Optional()],
        choices=choices(
            [
                ("", _l("All")),
                ("round", _l("Co-creation rounds")),
                ("release", _l("App feedback")),
                ("other", _l("Other")),
            ]
        ),
    )
    overdue = SelectField(
        _l("Overdue"),
        validators=[Optional()],
        choices=choices([("", _l("All")), ("yes", _l("Only overdue"))]),
    )
    sort = SelectField(
        _l("Sort by"),
        validators=[Optional()],
        choices=choices(
            [
                ("due", _l("Due first")),
                ("newest", _l("Newest first")),
                ("weight", _l("Most evidence")),
            ]
        ),
    )


class StreamForm(BaseForm):
    name_nl = StringField(_l("Name in Dutch"), validators=[DataRequired(REQUIRED), Length(max=80)])
    name_en = StringField(
        _l("Name in English"), validators=[DataRequired(REQUIRED), Length(max=80)]
    )
    description_nl = StringField(_l("Description in Dutch"), validators=[Length(max=300)])
    description_en = StringField(_l("Description in English"), validators=[Length(max=300)])
    target_days = IntegerField(
        _l("First response within (working days)"),
        validators=[
            InputRequired(REQUIRED),
            NumberRange(min=1, max=60, message=_l("Enter a number from 1 to 60.")),
        ],
    )
    members = CheckboxesField(_l("Reviewers"), coerce=int)


class TagForm(BaseForm):
    name_nl = StringField(_l("Name in Dutch"), validators=[DataRequired(REQUIRED), Length(max=60)])
    name_en = StringField(
        _l("Name in English"), validators=[DataRequired(REQUIRED), Length(max=60)]
    )


class RuleForm(BaseForm):
    name = StringField(_l("Name of the rule"), validators=[DataRequired(REQUIRED), Length(max=120)])
    position = IntegerField(
        _l("Order"), default=10, validators=[InputRequired(REQUIRED), NumberRange(min=0, max=10000)]
    )
    tags = CheckboxesField(_l("If the tags include any of"), coerce=int)
    combine = RadioField(
        _l("Tags and words"),
        default="or",
        validators=[DataRequired(CHOOSE)],
        choices=choices([("or", _l("Either is enough")), ("and", _l("Both must match"))]),
    )
    keywords = StringField(
        _l("Or the text contains any of these words"),
        validators=[Length(max=1000)],
        description=_l("Separate with commas; Dutch and English. Whole words, any case."),
    )
    streams = CheckboxesField(_l("Route to"), coerce=int)


class NewStreamForm(StreamForm):
    """A new stream: its names, description, target and reviewers (StreamForm's fields)."""


class ApplyRuleForm(BaseForm):
    """The confirmation to route the existing insights a rule matches."""


# The stream inbox (issue 16): which stream, whose, and words; assigning a route to a reviewer.


class StreamInboxFilterForm(InboxFilterForm):
    stream = SelectField(_l("Stream"), validators=[Optional()])
    assigned = SelectField(
        _l("Assigned to"),
        validators=[Optional()],
        choices=choices([("", _l("Anyone")), ("mine", _l("Me")), ("unassigned", _l("Nobody yet"))]),
    )
    q = StringField(_l("Search"), validators=[Optional(), Length(max=200)])


class AssignForm(BaseForm):
    """Assign one route (its page) or the ticked routes (the inbox) to a reviewer, or to nobody."""

    assignee = SelectField(_l("Assign to"), coerce=int, validators=[InputRequired(CHOOSE)])
    # The assignee the page showed (0: nobody), so that a colleague's assignment in the meantime
    # is not silently overwritten.
    seen = HiddenField()
    next = HiddenField()

"""The feedback form (built per release) and the release editor."""

from datetime import date

from wtforms import (
    DateField,
    DateTimeLocalField,
    FieldList,
    FormField,
    IntegerField,
    RadioField,
    StringField,
    TextAreaField,
)
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    ValidationError,
)

from ..forms import CHOOSE, REQUIRED, BaseForm, choices, local_to_utc
from ..i18n import lazy_gettext as _l
from .models import Audience

SCORE_CHOICES = choices((str(score), str(score)) for score in range(11))
RATING_CHOICES = [("1", "1"), ("2", "2"), ("3", "3"), ("4", "4"), ("5", "5")]


def feedback_form(release, obj_data=None):
    """A form with a rating question for each change of the release."""

    class FeedbackForm(BaseForm):
        score = RadioField(
            _l("How likely are you to recommend the app to a friend or colleague?"),
            choices=SCORE_CHOICES,
            validators=[InputRequired(_l("Please choose a score from 0 to 10."))],
        )
        improve_text = TextAreaField(
            _l("What should we improve next?"), validators=[Length(max=3000)], render_kw={"rows": 4}
        )
        problem_device = StringField(
            _l("Your phone (brand and model)"), validators=[Length(max=100)]
        )
        problem_os = StringField(_l("Version of iOS or Android"), validators=[Length(max=50)])
        problem_text = TextAreaField(
            _l("What happened?"), validators=[Length(max=3000)], render_kw={"rows": 3}
        )

    for change in release.changes:
        setattr(
            FeedbackForm,
            f"change_{change.id}",
            RadioField(
                str(change.title),
                choices=choices(RATING_CHOICES + [("not_used", _l("Haven't used it"))]),
                validators=[Optional()],
            ),
        )
    return FeedbackForm(data=obj_data)


def ratings_from(form, release):
    ratings = {}
    for change in release.changes:
        value = getattr(form, f"change_{change.id}").data
        if value:
            ratings[change.id] = None if value == "not_used" else int(value)
    return ratings


class ChangeForm(BaseForm):
    class Meta:
        csrf = False

    title_nl = StringField(
        _l("Change in Dutch"), validators=[Length(max=150)], render_kw={"lang": "nl"}
    )
    title_en = StringField(
        _l("Change in English"), validators=[Length(max=150)], render_kw={"lang": "en"}
    )
    description_nl = StringField(
        _l("Short description in Dutch"), validators=[Length(max=500)], render_kw={"lang": "nl"}
    )
    description_en = StringField(
        _l("Short description in English"), validators=[Length(max=500)], render_kw={"lang": "en"}
    )
    correction_nl = StringField(
        _l("Correction in Dutch"), validators=[Length(max=500)], render_kw={"lang": "nl"}
    )
    correction_en = StringField(
        _l("Correction in English"), validators=[Length(max=500)], render_kw={"lang": "en"}
    )


class ReleaseForm(BaseForm):
    version = StringField(
        _l("App version"),
        validators=[DataRequired(REQUIRED), Length(max=30)],
        description=_l("For example 12.4"),
    )
    month = DateField(_l("Month (any day in it)"), validators=[InputRequired(REQUIRED)])
    opens_at = DateTimeLocalField(
        _l("Feedback opens (Amsterdam time)"),
        format="%Y-%m-%dT%H:%M",
        validators=[InputRequired(REQUIRED)],
    )
    closes_at = DateTimeLocalField(
        _l("Feedback closes (Amsterdam time)"),
        format="%Y-%m-%dT%H:%M",
        validators=[InputRequired(REQUIRED)],
    )
    audience = RadioField(
        _l("Who is asked"),
        choices=choices(Audience.choices()),
        default="all",
        validators=[DataRequired(CHOOSE)],
    )
    sample_size = IntegerField(
        _l("Sample size"),
        validators=[
            Optional(),
            NumberRange(min=1, max=1_000_000, message=_l("Enter a number from 1.")),
        ],
    )
    changes = FieldList(FormField(ChangeForm), min_entries=5, max_entries=12)

    def validate_closes_at(self, field):
        # opens_at not sent: it failed already and still holds the stored (UTC-aware) time.
        if self.opens_at.errors:
            return
        if field.data and self.opens_at.data and field.data <= self.opens_at.data:
            raise ValidationError(_l("The window must close after it opens."))

    def validate_sample_size(self, field):
        if self.audience.data == "sample" and not field.data:
            raise ValidationError(_l("How many panelists should the sample have?"))

    def release_data(self):
        month = self.month.data
        return {
            "version": self.version.data,
            "month": date(month.year, month.month, 1),
            "opens_at": local_to_utc(self.opens_at.data),
            "closes_at": local_to_utc(self.closes_at.data),
            "audience": self.audience.data,
            "sample_size": self.sample_size.data if self.audience.data == "sample" else None,
        }

    def change_data(self):
        """One dict per block, in order, empty blocks included (they keep positions stable)."""
        return [
            {
                name: (entry.form[name].data or "").strip()
                for name in (
                    "title_nl",
                    "title_en",
                    "description_nl",
                    "description_en",
                    "correction_nl",
                    "correction_en",
                )
            }
            for entry in self.changes
        ]

    def has_changes(self):
        """True when at least one block describes a change (a correction alone is no change)."""
        wording = ("title_nl", "title_en", "description_nl", "description_en")
        return any(any(change[name] for name in wording) for change in self.change_data())


class TouchpointForm(BaseForm):
    score = RadioField(
        _l("How likely are you to recommend taking part in the panel to a friend?"),
        choices=SCORE_CHOICES,
        validators=[InputRequired(_l("Please choose a score from 0 to 10."))],
    )
    better_text = TextAreaField(
        _l("What could be better?"), validators=[Length(max=2000)], render_kw={"rows": 3}
    )

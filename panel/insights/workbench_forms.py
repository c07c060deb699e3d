"""Forms of the insight workbench (issue 16): edit, add several contributions, merge, close."""

from wtforms import HiddenField, IntegerField, RadioField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length, NumberRange, Optional, ValidationError
from wtforms.widgets import HiddenInput

from ..forms import CHOOSE, BaseForm, CheckboxesField, choices
from ..i18n import lazy_gettext as _l
from .forms import InsightForm, InsightTitleForm, TagsForm
from .models import CloseKind

ARCHIVED_TAG = _l("‘%(tag)s’ is archived, so it can't be added any more. Choose another tag.")


class TagChoicesField(CheckboxesField):
    """The tags of an insight. The view sets `choices` (rules.tags_to_offer: the tags not
    archived, and the archived ones the insight has) and `archived` ({id: name} of the archived
    tags it may not newly get): choosing one of those (a page open since before the archiving)
    is refused by name."""

    archived = {}

    def pre_validate(self, form):
        refused = [self.archived[value] for value in self.data or () if value in self.archived]
        if refused:
            raise ValidationError(str(ARCHIVED_TAG) % {"tag": refused[0]})
        super().pre_validate(form)


class NewInsightForm(InsightForm):
    tags = TagChoicesField(_l("Tags"), coerce=int)


class InsightTagsForm(TagsForm):
    tags = TagChoicesField(_l("Tags"), coerce=int)


class InsightEditForm(InsightTitleForm):
    """Title (both languages), description and tags; "Preview" shows the new routes first."""

    description = TextAreaField(
        _l("What did we learn?"), validators=[Length(max=5000)], render_kw={"rows": 5}
    )
    tags = TagChoicesField(_l("Tags"), coerce=int)


class AddItemsForm(BaseForm):
    """Add contributions (repeated `item=kind:id`, or the old `kind` + `source`) to an insight."""

    insight_id = IntegerField(
        _l("Insight"),
        validators=[InputRequired(CHOOSE), NumberRange(min=1, max=2**31 - 1, message=CHOOSE)],
        widget=HiddenInput(),
    )
    kind = HiddenField()
    source = HiddenField()
    next = HiddenField()


class MergeForm(BaseForm):
    kept_id = IntegerField(
        _l("The insight to keep"),
        validators=[InputRequired(CHOOSE), NumberRange(min=1, max=2**31 - 1, message=CHOOSE)],
        widget=HiddenInput(),
    )


class CloseForm(BaseForm):
    kind = RadioField(
        _l("Why close it?"),
        choices=choices(
            [
                ("wont_act", _l("We won't act on it")),
                ("duplicate", _l("It duplicates another insight")),
            ]
        ),
        validators=[InputRequired(CHOOSE)],
    )
    duplicate_of = StringField(
        _l("Number of the insight it duplicates"),
        validators=[Optional(), Length(max=12)],
        description=_l("The number after # on its page, for example 1234."),
        render_kw={"inputmode": "numeric", "autocomplete": "off"},
    )
    reason_nl = TextAreaField(
        _l("Reason in Dutch"),
        validators=[Length(max=3000)],
        render_kw={"rows": 3, "lang": "nl"},
    )
    reason_en = TextAreaField(
        _l("Reason in English"),
        validators=[Length(max=3000)],
        render_kw={"rows": 3, "lang": "en"},
    )

    def validate_reason_nl(self, field):
        if (
            self.kind.data == CloseKind.WONT_ACT.value
            and not (field.data or "").strip()
            and not (self.reason_en.data or "").strip()
        ):
            raise ValidationError(
                _l("Say why in at least one language: the panelists behind it read it.")
            )

    def validate_duplicate_of(self, field):
        if self.kind.data != CloseKind.DUPLICATE.value:
            return
        number = (field.data or "").strip().removeprefix("#")
        if not number.isdigit() or not 0 < len(number) <= 9:
            raise ValidationError(_l("Give the number of the insight it duplicates."))

    @property
    def duplicate_id(self):
        number = (self.duplicate_of.data or "").strip().removeprefix("#")
        return int(number) if number.isdigit() and 0 < len(number) <= 9 else None

"""The panel manager's form for the contributor level thresholds."""

from wtforms import IntegerField
from wtforms.validators import InputRequired, NumberRange, ValidationError

from ..forms import REQUIRED, BaseForm
from ..i18n import lazy_gettext as _l

MOST_POINTS = 1000


class LevelsForm(BaseForm):
    level_regular_at = IntegerField(
        _l("Regular from"),
        validators=[
            InputRequired(REQUIRED),
            NumberRange(min=1, max=MOST_POINTS, message=_l("Enter a number from 1 to 1,000.")),
        ],
        description=_l("Points in the last 12 months. Below this, a member is a starter."),
    )
    level_ambassador_at = IntegerField(
        _l("Ambassador from"),
        validators=[
            InputRequired(REQUIRED),
            NumberRange(min=2, max=MOST_POINTS, message=_l("Enter a number from 2 to 1,000.")),
        ],
        description=_l("Points in the last 12 months. Higher than the number for a regular."),
    )

    def validate_level_ambassador_at(self, field):
        regular = self.level_regular_at.data
        if field.data is not None and regular is not None and field.data <= regular:
            raise ValidationError(_l("Enter a number higher than the one for a regular."))

"""The language switcher, a small form so that a logged-in member's choice is saved."""

from wtforms import HiddenField
from wtforms.validators import AnyOf, DataRequired, Optional

from ..forms import BaseForm


class LanguageForm(BaseForm):
    lang = HiddenField(validators=[DataRequired(), AnyOf(("nl", "en"))])
    next = HiddenField()
    # The answer to "also receive e-mails in this language?" (absent: the header's switch).
    emails = HiddenField(validators=[Optional(), AnyOf(("yes", "no"))])

"""The ledger's forms: give a thank-you, set a quarter's budget."""

import re
from decimal import Decimal

from wtforms import BooleanField, DecimalField, IntegerField, RadioField, StringField, TextAreaField
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    ValidationError,
)
from wtforms.widgets import TextInput

from ..forms import BaseForm, choices
from ..i18n import lazy_gettext as _l
from ..i18n import number_filter
from .ledger import MESSAGE_LENGTH, MOST_CENTS, REASON_LENGTH
from .models import ThankYouKind

MOST_EUROS = Decimal(MOST_CENTS) / 100
# What an amount is typed with: figures, the decimal mark and thousands separators, the euro sign
# and spaces. Anything else ('1e9', 'Infinity', 'sNaN', '-5') is not an amount.
AMOUNT_CHARACTERS = re.compile(r"[0-9.,€ \u00a0]*")
NOT_AN_AMOUNT = _l("Please enter an amount in euros, for example 12.50.")


class EuroField(DecimalField):
    """An amount in euros as people type it in either language: '12,50', '12.50', '€ 1.250,00',
    '1,250.00'; shown in the page's language. A text box: a number box shows nothing for
    '1.000,00' and refuses '12,50' in some browsers. Phones get their numeric keyboard."""

    widget = TextInput()

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("render_kw", {"inputmode": "decimal", "autocomplete": "off"})
        super().__init__(*args, **kwargs)

    def process_formdata(self, valuelist):
        if valuelist:
            if not AMOUNT_CHARACTERS.fullmatch(valuelist[0]):
                self.data = None
                raise ValueError(str(NOT_AN_AMOUNT))
            valuelist = [readable_amount(valuelist[0])]
        super().process_formdata(valuelist)
        if self.data is not None and not self.data.is_finite():
            self.data = None
            raise ValueError(str(NOT_AN_AMOUNT))

    def _value(self):
        if self.raw_data is None and self.data is not None:
            return number_filter(self.data, 2)
        return super()._value()


def readable_amount(text):
    """'€ 1.250,50' → '1250.50': the last '.' or ',' followed by one or two digits is the
    decimal mark; every other one groups thousands."""
    text = str(text).replace("€", "").replace(" ", "").replace("\u00a0", "").strip()
    match = re.fullmatch(r"(.*?)[.,]([0-9]{1,2})", text)
    whole, fraction = match.groups() if match else (text, "")
    whole = re.sub(r"[.,]", "", whole)
    return f"{whole}.{fraction}" if fraction else whole


def cents(amount):
    """Euros typed (a Decimal) as whole cents."""
    return int((amount * 100).to_integral_value())


class ThankYouForm(BaseForm):
    member_number = IntegerField(
        _l("Member number"),
        validators=[InputRequired(), NumberRange(min=1)],
        description=_l("The number in the member's pseudonym: 4821 for ‘Panelist #4821’."),
    )
    kind = RadioField(
        _l("What you give"),
        choices=choices((kind.value, kind.title) for kind in ThankYouKind),
        validators=[InputRequired()],
    )
    value = EuroField(
        _l("Value in euros"),
        places=2,
        validators=[InputRequired(), NumberRange(min=0, max=MOST_EUROS)],
        description=_l("What it costs the budget. A personal note may be 0."),
    )
    reason = StringField(
        _l("Reason"),
        validators=[DataRequired(), Length(max=REASON_LENGTH)],
        description=_l(
            "For the ledger and for finance, for example ‘Came to three sessions in Utrecht’. "
            "Please leave out the member's name."
        ),
    )
    message = TextAreaField(
        _l("Message to the member"),
        validators=[Optional(), Length(max=MESSAGE_LENGTH)],
        description=_l("What the member reads, in their own language. You may leave it empty."),
    )
    over_budget = BooleanField(
        _l("Give it even if it goes over the budget"),
        description=_l("Only when you know the quarter's budget can take it."),
    )

    def validate_value(self, field):
        if field.data is not None and field.data == 0 and self.kind.data != ThankYouKind.NOTE.value:
            raise ValidationError(
                _l("Only a personal note can be worth nothing. Please enter a value.")
            )

    @property
    def value_cents(self):
        return cents(self.value.data)


class BudgetForm(BaseForm):
    amount = EuroField(
        _l("Budget in euros"),
        places=2,
        validators=[InputRequired(), NumberRange(min=0, max=MOST_EUROS)],
    )

    @property
    def amount_cents(self):
        return cents(self.amount.data)

"""The e-mail preferences form, built from the kinds of notification that may be turned off."""

from ..forms import BaseForm, CheckboxesField, choices
from ..i18n import lazy_gettext as _l
from .kinds import optional_kinds


def kind_choices(user=None):
    return choices((kind.name, kind.setting_label) for kind in optional_kinds(user))


class EmailPreferencesForm(BaseForm):
    email_kinds = CheckboxesField(_l("Send me an e-mail about"), choices=kind_choices)

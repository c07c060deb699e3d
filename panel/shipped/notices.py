"""The notifications the shipped domain sends (answers signals.notification_kinds), and the
words "You asked for this: ‘…’ is in version 11.12" they share with the marks."""

from flask_babel import gettext as _
from flask_babel import ngettext
from markupsafe import escape

from ..i18n import lazy_gettext as _l
from ..notifications.kinds import Kind, Title, both_languages, is_pair, resolved

# Stands in for a change's title while its sentence is translated: the title is put in after,
# as text in the text and marked (when it is shown in the other language) in the HTML.
_SLOT = "\ue001"


def shipped_phrase(change, version, more=0):
    """The words ‘Usage per day’ is in version 11.12 (or ‘…’ and 2 other changes are in …), in
    the language of the moment. `change`: an nl/en pair or a bilingual title (LocalizedText)."""
    title = resolved(change) if is_pair(change) else change
    if more:
        text = ngettext(
            "‘%(change)s’ and %(num)d other change are in version %(version)s",
            "‘%(change)s’ and %(num)d other changes are in version %(version)s",
            more,
            change=_SLOT,
            version=version,
        )
    else:
        text = _("‘%(change)s’ is in version %(version)s", change=_SLOT, version=version)
    return Title(text.replace(_SLOT, str(title)), escape(text).replace(_SLOT, escape(title)))


def asked_params(release, changes):
    """What an "asked_shipped" notification keeps: the release, its version, the first change
    the member asked for (both languages) and how many more."""
    return {
        "release_id": release.id,
        "version": release.version,
        "change": both_languages(changes[0], "title"),
        "more": len(changes) - 1,
    }


def _shipped(params):
    return {
        "shipped": shipped_phrase(
            params.get("change") or "", params.get("version", ""), int(params.get("more") or 0)
        )
    }


def shipped_kinds(_sender=None):
    return [
        Kind(
            "asked_shipped",
            # Translators: %(shipped)s is "‘Usage per day’ is in version 11.12" (translated apart)
            _l("You asked for this: %(shipped)s"),
            _l("When something you asked for is in a new version of the app"),
            mail="asked_shipped",
            display=_shipped,
        ),
    ]

"""Languages: the URL prefix, locale selection, formatting helpers and bilingual content."""

from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import date

from babel import localedata
from flask import current_app, g, has_request_context, request, url_for
from flask_babel import (
    force_locale,
    format_date,
    format_datetime,
    format_decimal,
    format_percent,
    format_time,
    pgettext,
)
from flask_babel import gettext as _
from flask_babel.speaklater import LazyString  # noqa: TID251 (the one place it is wrapped)
from flask_login import current_user
from markupsafe import Markup, escape
from werkzeug.exceptions import NotFound

LANGUAGE_COOKIE = "panel_lang"


class LazyText(LazyString):
    """A translation made when it is shown, in the language of that moment.

    In a template it is text, never markup: Flask-Babel's lazy string tells Jinja its result is
    safe HTML, so a staff-written round title passed as a parameter would reach the page as
    markup. Everything the app translates lazily goes through here (ruff bans the other import).
    """

    def __html__(self):
        return str(escape(str(self)))


def lazy_gettext(string, **variables):
    return LazyText(_, string, **variables)


def lazy_pgettext(context, string, **variables):
    return LazyText(pgettext, context, string, **variables)


_l = lazy_gettext
LANGUAGE_NAMES = {"nl": "Nederlands", "en": "English"}


def supported_languages():
    return current_app.config["LANGUAGES"]


def is_supported(lang):
    return lang in supported_languages()


def pull_language(endpoint, values):
    """url_value_preprocessor: take <lang> out of the view arguments and into g."""
    if values and "lang" in values:
        lang = values.pop("lang")
        if not is_supported(lang):
            raise NotFound()
        g.lang = lang


def add_language(endpoint, values):
    """url_defaults: fill in <lang> for url_for from the current page's language."""
    if "lang" in values or not current_app.url_map.is_endpoint_expecting(endpoint, "lang"):
        return
    values["lang"] = current_language()


def preferred_language():
    """The language for a page without one in its URL: saved, cookie, browser, then Dutch."""
    if current_user and current_user.is_authenticated and is_supported(current_user.locale):
        return current_user.locale
    cookie = request.cookies.get(LANGUAGE_COOKIE)
    if cookie and is_supported(cookie):
        return cookie
    best = request.accept_languages.best_match(supported_languages())
    return best or current_app.config["BABEL_DEFAULT_LOCALE"]


# The language of a message being written for someone else (see `speaking`).
_speaking = ContextVar("panel_speaking", default=None)


@contextmanager
def speaking(lang):
    """Everything made inside the block speaks `lang`: translations, dates and numbers,
    staff-written bilingual text and links. For a message to its recipient, whoever triggered
    it (a Dutch owner writing to English panelists) and also in a CLI job."""
    token = _speaking.set(lang)
    try:
        with force_locale(FORMAT_LOCALES.get(lang, lang)):
            yield
    finally:
        _speaking.reset(token)


def current_language():
    """Babel's locale selector and the language of links on this page (or of a message)."""
    lang = _speaking.get() or g.get("lang")
    if lang:
        return lang
    if request:
        # Error pages for unknown paths still speak the language of the address.
        prefix = request.path[1:3]
        if request.path[3:4] in ("/", "") and is_supported(prefix):
            return prefix
        return preferred_language()
    return current_app.config["BABEL_DEFAULT_LOCALE"]


# English pages use British conventions (22 Nov 2026, 24-hour clock) for a Dutch audience.
FORMAT_LOCALES = {"en": "en_GB", "nl": "nl"}


def babel_locale():
    """Flask-Babel's locale selector: the page's language, with its formatting conventions."""
    return FORMAT_LOCALES.get(current_language(), current_language())


def link_for(endpoint, lang, **values):
    """A site path in `lang` to keep with a notification: url_for in a request, the app's URL map
    in a CLI job (where url_for has no server to build for)."""
    values["lang"] = lang
    if has_request_context():
        return url_for(endpoint, **values)
    return current_app.url_map.bind("localhost").build(endpoint, values)


def url_in_language(lang):
    """This page's address in another language, keeping the path arguments and the query."""
    if request.endpoint and request.url_rule and "lang" in request.url_rule.arguments:
        # The path's own arguments win over a query parameter of the same name (?kind=… on a
        # page whose path has a kind), which would otherwise make an address that can't be.
        args = request.args.to_dict(flat=True)
        args.update(request.view_args or {})
        args["lang"] = lang
        return url_for(request.endpoint, **args)
    return url_for("public.home", lang=lang)


# Formatting helpers, used as template filters.


def british_month_abbreviations():
    """Babel's en_GB abbreviates September as "Sept"; the app writes "3 Sep 2026" like every
    other month (LANGUAGE.md). Changed once, in Babel's locale data, so every date format and
    month label (MMM, LLL) in English follows."""
    months = localedata.load("en_GB")["months"]
    for context in ("format", "stand-alone"):
        abbreviated = months.get(context, {}).get("abbreviated")
        # Babel keeps an inherited table as (alias, overrides) until it is first read.
        table = abbreviated[1] if isinstance(abbreviated, tuple) else abbreviated
        if table and table.get(9) == "Sept":
            table[9] = "Sep"


british_month_abbreviations()

# One date and time format per kind, the same on every page: "30 nov 2026, 15:00" — never
# seconds (Babel's medium and long formats have them) and no numeric dates ("30-11-2026").
DATETIME_DATE_PART = {"short": "medium", "medium": "medium", "long": "long", "full": "full"}


def month_start(value):
    """A month key as the database reports it ("2026-10") as the first day of that month."""
    if isinstance(value, str) and len(value) == 7 and value[4] == "-":
        return date(int(value[:4]), int(value[5:]), 1)
    return value


def datetime_filter(value, format="medium"):
    if not value:
        return ""
    if format in DATETIME_DATE_PART:
        return f"{format_date(value, DATETIME_DATE_PART[format])}, {format_time(value, 'HH:mm')}"
    return format_datetime(value, format)


def time_filter(value, format="HH:mm"):
    return format_time(value, format) if value else ""


def date_filter(value, format="medium"):
    """A date (or a month key "2026-10", e.g. with format "MMM y") in the page's language."""
    return format_date(month_start(value), format) if value else ""


def number_filter(value, digits=None):
    if value is None:
        return ""
    if digits is None:
        return format_decimal(value)
    return format_decimal(value, format="#,##0." + "0" * digits if digits else "#,##0")


def percent_filter(value):
    return format_percent(value) if value is not None else ""


# Bilingual content written by staff.

OTHER_LANGUAGE_LABELS = {"nl": _l("Dutch"), "en": _l("English")}


@dataclass(frozen=True)
class LocalizedText:
    """A piece of staff-written text in the language it was found in."""

    text: str
    lang: str
    is_fallback: bool

    def __str__(self):
        return self.text

    def __bool__(self):
        return bool(self.text)

    @property
    def mark(self):
        """'(in Dutch)' for text shown in the other language; '' otherwise."""
        if not self.is_fallback:
            return ""
        # Translators: marks text shown in the other language because a translation is missing
        return _("(in %(language)s)", language=OTHER_LANGUAGE_LABELS[self.lang])

    def plain(self, length=None):
        """As plain text, where markup can't go (<title>, <option>): the text, shortened to about
        `length` characters at a word if given, then the mark when it is the other language."""
        text = self.text
        if length and len(text) > length:
            text = text[: length + 1].rsplit(" ", 1)[0].rstrip(" ,.;:") + "…"
        return f"{text} {self.mark}" if self.is_fallback else text

    def __html__(self):
        if not self.is_fallback:
            return str(escape(self.text))
        return Markup(
            '<span lang="{lang}">{text}</span> <small class="fallback">{mark}</small>'
        ).format(lang=self.lang, text=self.text, mark=self.mark)


def pick_language(texts, lang=None):
    """Choose from {'nl': ..., 'en': ...} the current language, or the other one, marked."""
    lang = lang or current_language()
    if texts.get(lang):
        return LocalizedText(texts[lang], lang, False)
    for other in ("nl", "en"):
        if other != lang and texts.get(other):
            return LocalizedText(texts[other], other, True)
    return LocalizedText("", lang, False)


class bilingual:
    """Model attribute: `title = bilingual("title")` reads title_nl / title_en."""

    def __init__(self, field):
        self.field = field

    def __get__(self, obj, owner=None):
        if obj is None:
            return self
        return pick_language({lang: getattr(obj, f"{self.field}_{lang}") for lang in ("nl", "en")})

    def complete(self, obj):
        """True when both languages are filled in (needed to publish)."""
        return all((getattr(obj, f"{self.field}_{lang}") or "").strip() for lang in ("nl", "en"))

"""The Dutch catalog is complete and current; formatting and bilingual content per language."""

import os
import re
import subprocess
import sys
from datetime import UTC, datetime

import pytest
from babel.messages.pofile import read_po
from flask_babel import force_locale

from panel.config import PROJECT_ROOT
from panel.i18n import bilingual, date_filter, datetime_filter, number_filter, pick_language

PO_FILE = os.path.join(PROJECT_ROOT, "translations", "nl", "LC_MESSAGES", "messages.po")
PLACEHOLDER = re.compile(r"%\(\w+\)[sdif]|%[sdif]")


@pytest.fixture(scope="module")
def catalog():
    with open(PO_FILE, "rb") as handle:
        return read_po(handle)


def strings_of(message):
    return list(message.string) if isinstance(message.string, (list, tuple)) else [message.string]


def ids_of(message):
    return list(message.id) if isinstance(message.id, (list, tuple)) else [message.id]


def test_every_entry_is_translated_and_not_fuzzy(catalog):
    untranslated = [m.id for m in catalog if m.id and not all(strings_of(m))]
    fuzzy = [m.id for m in catalog if m.id and m.fuzzy]
    assert untranslated == [] and fuzzy == []


def test_placeholders_are_the_same_in_both_languages(catalog):
    wrong = []
    for message in catalog:
        if not message.id:
            continue
        expected = sorted(set(PLACEHOLDER.findall(" ".join(ids_of(message)))))
        for string in strings_of(message):
            if sorted(set(PLACEHOLDER.findall(string))) != expected:
                wrong.append(message.id)
    assert wrong == []


def test_catalog_is_up_to_date_with_the_code(catalog, tmp_path):
    pot = tmp_path / "messages.pot"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "babel.messages.frontend",
            "extract",
            "-F",
            os.path.join(PROJECT_ROOT, "babel.cfg"),
            "-k",
            "_l",
            "-o",
            str(pot),
            ".",
        ],
        cwd=PROJECT_ROOT,
        check=True,
        capture_output=True,
    )
    with open(pot, "rb") as handle:
        extracted = {m.id if isinstance(m.id, str) else m.id[0] for m in read_po(handle) if m.id}
    known = {m.id if isinstance(m.id, str) else m.id[0] for m in catalog if m.id}
    assert sorted(extracted - known) == [], "run `make translations` and translate the new strings"


@pytest.mark.parametrize(
    "lang, expected_date, expected_number",
    [("nl", "3 mrt 2026", "1.234,5"), ("en", "Mar 3, 2026", "1,234.5")],
)
def test_dates_and_numbers_follow_the_language(app, lang, expected_date, expected_number):
    moment = datetime(2026, 3, 3, 23, 30, tzinfo=UTC)
    with app.test_request_context(), force_locale(lang):
        assert date_filter(moment.date()) == expected_date
        assert number_filter(1234.5) == expected_number
        # Shown in Amsterdam time: 23:30 UTC is already the next day there.
        assert ("4 mrt" if lang == "nl" else "Mar 4") in datetime_filter(moment)


class Page:
    title = bilingual("title")

    def __init__(self, title_nl, title_en):
        self.title_nl, self.title_en = title_nl, title_en


@pytest.mark.parametrize("lang", ["nl", "en"])
def test_bilingual_text_picks_the_current_language(app, lang):
    page = Page("Welkom", "Welcome")
    with app.test_request_context(f"/{lang}/"), force_locale(lang):
        from flask import g

        g.lang = lang
        text = page.title
        assert str(text) == ("Welkom" if lang == "nl" else "Welcome")
        assert not text.is_fallback
        assert text.__html__() == str(text)


def test_missing_translation_falls_back_marked(app):
    page = Page("Alleen Nederlands <b>", "")
    with app.test_request_context("/en/"), force_locale("en"):
        from flask import g

        g.lang = "en"
        text = page.title
        assert text.is_fallback and text.lang == "nl"
        html = text.__html__()
        assert '<span lang="nl">Alleen Nederlands &lt;b&gt;</span>' in html
        assert "(in Dutch)" in html
    assert not Page.title.complete(page)
    assert Page.title.complete(Page("a", "b"))


def test_pick_language_with_nothing_written(app):
    with app.test_request_context("/nl/"):
        assert str(pick_language({"nl": "", "en": None}, "nl")) == ""

"""Dutch and English polish: the catalog's tooling, plurals, dates, form messages, the audit log."""

import importlib
import pkgutil

import pytest
from babel.messages.pofile import read_po
from wtforms import (
    DateField,
    DateTimeLocalField,
    DecimalField,
    IntegerField,
    SelectField,
    StringField,
)
from wtforms.validators import DataRequired, Length, NumberRange, Optional

import panel
from panel import cli
from panel.forms import BaseForm
from panel.i18n import speaking


def test_extraction_keeps_locations_and_translator_notes(app, tmp_path, monkeypatch):
    pot = tmp_path / "messages.pot"
    monkeypatch.setattr(cli, "POT_FILE", str(pot))
    result = app.test_cli_runner().invoke(args=["translate", "extract"])
    assert result.exit_code == 0, result.output
    with open(pot, "rb") as handle:
        catalog = read_po(handle)
    marker = catalog.get("(in %(language)s)")
    assert marker is not None
    assert any(path.endswith("panel/i18n.py") for path, _line in marker.locations)
    assert any("other language" in comment for comment in marker.auto_comments)


# WTForms' built-in messages never reach a person ----------------------------------------------


def all_form_classes():
    for module in pkgutil.walk_packages(panel.__path__, "panel."):
        if module.name.endswith(".forms"):
            importlib.import_module(module.name)
    found, todo = [], [BaseForm]
    while todo:
        cls = todo.pop()
        found.append(cls)
        todo.extend(cls.__subclasses__())
    return [cls for cls in found if cls.__module__ != "tests"]


def test_every_validator_of_every_form_has_the_apps_own_message(app):
    forms = all_form_classes()
    assert len(forms) > 30
    missing = []
    with app.test_request_context("/nl/"), speaking("nl"):
        for form_class in forms:
            form = form_class(meta={"csrf": False})
            for field in form:
                for validator in field.validators:
                    if hasattr(validator, "message") and validator.message is None:
                        missing.append(f"{form_class.__name__}.{field.name}: {validator!r}")
                if vars(field).get("invalid_value_message", "") is None:
                    missing.append(f"{form_class.__name__}.{field.name}: typed value")
                if vars(field).get("invalid_choice_message", "") is None:
                    missing.append(f"{form_class.__name__}.{field.name}: choice")
    assert missing == []


class Sample(BaseForm):
    name = StringField("Name", validators=[DataRequired(), Length(max=10_000)])
    count = IntegerField("Count", validators=[NumberRange(min=0, max=10_000)])
    day = DateField("Day", validators=[Optional()])
    moment = DateTimeLocalField("Moment", format="%Y-%m-%dT%H:%M", validators=[Optional()])
    colour = SelectField("Colour", choices=[("red", "Red")], validators=[Optional()])
    amount = DecimalField("Amount", validators=[Optional()])


@pytest.mark.parametrize(
    "lang, expected",
    [
        (
            "nl",
            {
                "name": ["Maak dit korter: hooguit 10.000 tekens."],
                "count": ["Vul een heel getal in."],
                "day": ["Vul een datum in."],
                "moment": ["Vul een datum en een tijd in."],
                "colour": ["Kies een antwoord."],
                "amount": ["Vul een getal in."],
            },
        ),
        (
            "en",
            {
                "name": ["Please shorten this to at most 10,000 characters."],
                "count": ["Please enter a whole number."],
                "day": ["Please enter a date."],
                "moment": ["Please enter a date and a time."],
                "colour": ["Please choose an answer."],
                "amount": ["Please enter a number."],
            },
        ),
    ],
)
def test_typed_values_and_limits_are_refused_in_the_pages_language(app, lang, expected):
    data = {
        "name": "x" * 10_001,
        "count": "twelve",
        "day": "31-02-2026",
        "moment": "tomorrow",
        "colour": "green",
        "amount": "a lot",
    }
    with app.test_request_context(f"/{lang}/", method="POST", data=data), speaking(lang):
        form = Sample(meta={"csrf": False})
        assert not form.validate()
        # (a number that is no number is also out of range: the first message says it)
        assert {name: errors[:1] for name, errors in form.errors.items()} == expected


@pytest.mark.parametrize("lang", ["nl", "en"])
def test_empty_and_out_of_range_say_what_to_do(app, lang):
    with app.test_request_context(f"/{lang}/", method="POST", data={"count": "-1"}), speaking(lang):
        form = Sample(meta={"csrf": False})
        assert not form.validate()
        assert form.errors["name"] == [{"nl": "Vul dit in.", "en": "Please fill this in."}[lang]]
        assert form.errors["count"] == [
            {
                "nl": "Vul een getal van 0 tot en met 10.000 in.",
                "en": "Please enter a number from 0 to 10,000.",
            }[lang]
        ]

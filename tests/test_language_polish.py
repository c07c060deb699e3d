"""Dutch and English polish: the catalog's tooling, plurals, dates, form messages, the audit log."""

import importlib
import pathlib
import pkgutil
import re
from datetime import UTC, datetime

import pytest
from babel.messages.pofile import read_po
from flask import render_template_string
from flask_babel import format_date, ngettext
from wtforms import (
    DateField,
    DateTimeField,
    DateTimeLocalField,
    DecimalField,
    FloatField,
    IntegerField,
    SelectField,
    StringField,
)
from wtforms.fields.choices import SelectFieldBase
from wtforms.validators import DataRequired, Length, NumberRange, Optional

import panel
from panel import cli
from panel.audit import ACTION_TITLES, AuditEntry, record_audit
from panel.database import utcnow
from panel.forms import AMSTERDAM, BaseForm
from panel.i18n import date_filter, datetime_filter, speaking
from panel.insights.models import RouteStatus
from panel.membership.models import MemberStatus
from panel.membership.privacy import publish_statement
from panel.membership.services import MANAGER_ACTIONS
from panel.rounds.models import Comment, Idea, InvitationStatus
from panel.security import Role


@pytest.fixture(scope="module")
def extracted(app, tmp_path_factory):
    """The strings of the code and templates, as `flask translate extract` collects them."""
    pot = tmp_path_factory.mktemp("pot") / "messages.pot"
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(cli, "POT_FILE", str(pot))
        result = app.test_cli_runner().invoke(args=["translate", "extract"])
    assert result.exit_code == 0, result.output
    with open(pot, "rb") as handle:
        return read_po(handle)


def test_extraction_keeps_locations_and_translator_notes(extracted):
    marker = extracted.get("(in %(language)s)")
    assert marker is not None
    assert any(path.endswith("panel/i18n.py") for path, _line in marker.locations)
    assert any("other language" in comment for comment in marker.auto_comments)


# A count next to a plural noun in a string that is not a plural entry: "1 panelleden".
COUNTED_NOUN = re.compile(
    r"%\(\w+\)s (panelists|members|contributions|ideas|reactions|responses|answers|insights|"
    r"streams|seats|sessions|days|hours|e-mails|supporters)\b"
)
# Thresholds that are never 1 (the smallest group the results show).
NEVER_ONE = {"fewer than %(n)s responses", "(fewer than %(n)s)"}


def test_every_count_goes_through_ngettext(extracted):
    single = [
        message.id
        for message in extracted
        if isinstance(message.id, str)
        and COUNTED_NOUN.search(message.id)
        and not any(phrase in message.id for phrase in NEVER_ONE)
    ]
    assert single == []


@pytest.mark.parametrize(
    "count, expected",
    [(1, "1 panellid is uitgenodigd."), (3, "3 panelleden zijn uitgenodigd.")],
)
def test_dutch_plurals_agree_with_the_count(app, count, expected):
    with app.test_request_context("/nl/"), speaking("nl"):
        assert (
            ngettext("%(num)s panelist is invited.", "%(num)s panelists are invited.", count)
            == expected
        )


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


# Fields that turn what was typed into a number, a date or a choice (and can fail to).
TYPED_FIELDS = (IntegerField, DecimalField, FloatField, DateTimeField, SelectFieldBase)


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
                typed = isinstance(field, TYPED_FIELDS)
                if typed and vars(field).get("invalid_value_message") is None:
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


# The audit log ---------------------------------------------------------------------------------

AUDIT_CALL = re.compile(r"record_audit\(\s*(f?)\"([^\"]+)\"")


def recorded_actions():
    """Every action name the code records, with the f-string ones spelled out."""
    actions, patterns = set(), set()
    for path in pathlib.Path(panel.__file__).parent.rglob("*.py"):
        for is_f, name in AUDIT_CALL.findall(path.read_text(encoding="utf-8")):
            (patterns if is_f else actions).add(name)
    # The two names made from a value: a manager's action on a member, and hiding content.
    assert patterns == {"member.{action}", "{item.__tablename__[:-1]}.hide"}
    actions |= {f"member.{action}" for action in MANAGER_ACTIONS}
    actions |= {f"{model.__tablename__[:-1]}.hide" for model in (Idea, Comment)}
    return actions


def test_every_action_the_code_records_has_a_title():
    actions = recorded_actions()
    assert len(actions) > 30
    assert sorted(actions - set(ACTION_TITLES)) == []


def test_every_action_title_is_translated(app):
    with app.test_request_context("/nl/"), speaking("nl"):
        untranslated = [
            code for code, title in ACTION_TITLES.items() if str(title) == title._args[0]
        ]
    assert untranslated == []


def test_audit_details_and_records_read_as_text(app, db, make_user):
    admin = make_user(roles=[Role.ADMIN])
    statement = publish_statement("Privacy", "Privacy", "Nieuw", "New", actor=admin)
    record_audit("members.export", actor=admin, include_contact=True, reason="Interviews")
    record_audit("member.approve", actor=admin, reason=None, status="active")
    record_audit("insight.route", actor=admin, stream="app", by="rule 4")
    record_audit("user.update", target=admin, actor=admin, roles_before=["admin"], roles_after=[])
    db.session.commit()
    entries = {entry.action: entry for entry in AuditEntry.query}
    published = entries["privacy_statement.publish"]
    assert published.target_id == statement.id is not None
    with app.test_request_context("/nl/"), speaking("nl"):
        assert published.action_title == "Privacyverklaring gepubliceerd"
        assert published.target_title == f"Privacyverklaring {statement.id}"
        assert entries["members.export"].detail_lines == [
            ("Met contactgegevens", "ja"),
            ("Reden", "Interviews"),
        ]
        assert entries["member.approve"].detail_lines == [("Status", "Actief")]
        assert entries["insight.route"].detail_lines == [
            ("Hoe", "door routeringsregel 4"),
            ("Stream", "app"),
        ]
        assert entries["user.update"].detail_lines == [
            ("Rollen daarna", "—"),
            ("Rollen daarvoor", "Beheerder"),
        ]
    with app.test_request_context("/en/"), speaking("en"):
        assert entries["members.export"].detail_lines[0] == ("With contact details", "yes")
        assert entries["member.approve"].detail_lines == [("Status", "Active")]


def test_audit_log_page_shows_titles_not_codes(client, make_user, login_as):
    admin = make_user(roles=[Role.ADMIN])
    publish_statement("Privacy", "Privacy", "Nieuw", "New", actor=admin)
    record_audit("members.export", actor=admin, include_contact=False, reason=None)
    login_as(admin)
    page = client.get("/nl/admin/audit").get_data(as_text=True)
    assert "Privacyverklaring gepubliceerd" in page
    assert "Met contactgegevens: nee" in page
    for code in ("privacy_statements", "#None", "include_contact", "True", "False"):
        assert code not in page


# Dates per language ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "lang, day, moment, month",
    [
        ("nl", "3 sep 2026", "3 sep 2026, 15:05", "sep 2026"),
        ("en", "3 Sep 2026", "3 Sep 2026, 15:05", "Sep 2026"),
    ],
)
def test_dates_read_the_same_everywhere_without_seconds(app, lang, day, moment, month):
    at = datetime(2026, 9, 3, 13, 5, 7, tzinfo=UTC)  # 15:05:07 in Amsterdam
    with app.test_request_context(f"/{lang}/"), speaking(lang):
        assert date_filter(at.date()) == day
        assert datetime_filter(at) == moment
        assert datetime_filter(at, "short") == moment  # no numeric "03-09-2026"
        assert date_filter("2026-09", "MMM y") == month  # a month key from the database
        assert format_date(at.date(), "MMM") in ("sep", "Sep")  # charts' month labels too


def test_month_tables_show_months_not_iso_keys(app, client, make_user, login_as):
    manager = make_user(roles=[Role.PANEL_MANAGER])
    login_as(manager)
    page = client.get("/nl/manage/health").get_data(as_text=True)
    table = page[page.index('id="leavers-heading"') :]
    assert not re.search(r"<td>20\d\d-\d\d</td>", table)
    now = utcnow().astimezone(AMSTERDAM)
    with app.test_request_context("/nl/"), speaking("nl"):
        this_month = format_date(now.date(), "MMM y")
    assert f"<td>{this_month}</td>" in table


# One English word, two Dutch meanings ----------------------------------------------------------


def test_declined_says_who_said_no(app, extracted):
    with app.test_request_context("/nl/"), speaking("nl"):
        assert InvitationStatus.title_of("declined") == "Afgeslagen"
        assert MemberStatus.title_of("declined") == "Afgewezen"
        assert RouteStatus.title_of("declined") == "Afgewezen"
    with app.test_request_context("/en/"), speaking("en"):
        assert InvitationStatus.title_of("declined") == "Declined"
    invitation = extracted.get("Declined", context="invitation status")
    assert invitation is not None and invitation.auto_comments


def test_result_counts_agree_and_zero_says_nothing_found(client, make_user, login_as):
    manager = make_user(roles=[Role.PANEL_MANAGER, Role.ADMIN])
    login_as(manager)
    members = client.get("/nl/manage/members").get_data(as_text=True)
    assert "0 leden" not in members
    assert "Geen leden gevonden met deze filters." in members
    users = client.get("/nl/admin/users").get_data(as_text=True)
    assert "1 gebruiker<" in users


def test_a_button_and_a_heading_with_the_same_english_word(app, extracted):
    with app.test_request_context("/nl/"), speaking("nl"):
        rendered = render_template_string(
            '{{ pgettext("button", "Preview") }} / {{ _("Preview") }}'
        )
    assert rendered == "Voorbeeld bekijken / Voorbeeld"
    button = extracted.get("Preview", context="button")
    assert button is not None and button.auto_comments


def test_wtforms_messages_without_a_translation_of_ours_still_speak_the_app(app):
    with app.test_request_context("/nl/"), speaking("nl"):
        translations = BaseForm(meta={"csrf": False}).meta.get_translations(None)
        assert (
            translations.gettext("Invalid input.")
            == "Kijk nog eens naar wat je hier hebt ingevuld."
        )
        assert translations.gettext("Not a valid integer value.") == "Vul een heel getal in."
        # A label WTForms makes from a field's name is no message.
        assert translations.gettext("Form Token") == "Form Token"


def test_a_thank_you_in_the_audit_log_reads_as_text(app, db, make_user):
    """Its kind by title (not 'Closed as: note'), the amount in euros, the quarter by name."""
    admin = make_user(roles=[Role.ADMIN])
    record_audit(
        "thank_you.give",
        actor=admin,
        kind="gift_card",
        value_cents=2500,
        quarter="2026-Q4",
        over_budget=False,
    )
    record_audit("thank_you_budget.set", actor=admin, quarter="2026-Q4", amount_cents=150000)
    db.session.commit()
    entries = {entry.action: entry for entry in AuditEntry.query}
    with app.test_request_context("/nl/"), speaking("nl"):
        assert entries["thank_you.give"].detail_lines == [
            ("Soort", "Cadeaukaart"),
            ("Over het budget heen", "nee"),
            ("Kwartaal", "2026-Q4"),
            ("Waarde (EUR)", "25,00"),
        ]
        assert ("Budget", "1.500,00") in entries["thank_you_budget.set"].detail_lines
    with app.test_request_context("/en/"), speaking("en"):
        assert ("Kind", "Gift card") in entries["thank_you.give"].detail_lines
        assert ("Value (EUR)", "25.00") in entries["thank_you.give"].detail_lines

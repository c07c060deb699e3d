"""Dutch wording of the insight workbench (issue 16 review, item 12): zero counts have their own
wording (LANGUAGE.md rule 9), one sentence at a time (rule 2), ‘…’ quotes (rule 14), buttons
without imperatives (rule 3), past tense for what the audit log says was done."""

import pytest
from flask import render_template
from flask_babel import gettext
from markupsafe import escape

from panel.audit import ACTION_TITLES
from panel.i18n import speaking
from panel.insights import services
from panel.insights.forms import StreamForm
from panel.insights.models import RoutingRule, Stream, StreamMember, Tag, seed_default_streams
from panel.security import Role


@pytest.fixture
def streams(db):
    seed_default_streams()
    db.session.commit()
    return {stream.slug: stream for stream in Stream.query.all()}


@pytest.fixture
def admin(make_user, login_as):
    user = make_user(roles=[Role.ADMIN], name="Ada Admin")
    login_as(user)
    return user


@pytest.mark.parametrize(
    "new, overdue, nl, en",
    [
        (
            2,
            1,
            "Je stream deze week: 2 nieuw, 1 te laat",
            "Your stream this week: 2 new, 1 overdue",
        ),
        (2, 0, "Je stream deze week: 2 nieuw", "Your stream this week: 2 new"),
        (0, 1, "Je stream deze week: 1 te laat", "Your stream this week: 1 overdue"),
        (
            0,
            0,
            "Je stream deze week: wat er besloten is",
            "Your stream this week: what was decided",
        ),
    ],
)
def test_the_digest_subject_names_no_zero(app, new, overdue, nl, en):
    for lang, expected in (("nl", nl), ("en", en)):
        with app.test_request_context(f"/{lang}/"), speaking(lang):
            subject = render_template(
                "mail/stream_digest.subject.txt", new=[1] * new, overdue=[1] * overdue
            )
        assert subject.strip() == expected and "\n" not in subject.strip()


def test_a_used_stream_lists_only_what_uses_it(client, db, streams, admin, make_user):
    manager = make_user(roles=[Role.PANEL_MANAGER])
    billing = streams["billing"]
    services.add_route(
        services.create_insight("Factuur", "Invoice", "", [], manager), billing, manager
    )
    db.session.commit()
    page = client.get(f"/nl/insights/setup/streams/{billing.id}").get_data(as_text=True)
    assert "In gebruik: 1 inzicht. Na archiveren" in page
    assert " 0 " not in page.split("In gebruik:")[1].split("</p>")[0]
    assert ";" not in page.split("In gebruik:")[1].split("</p>")[0]


def test_a_used_tag_lists_only_what_uses_it(client, db, streams, admin):
    tag = Tag(name_nl="Rekening", name_en="Bill")
    db.session.add(tag)
    db.session.add(RoutingRule(name="Bills", tags=[tag], streams=[streams["billing"]]))
    db.session.commit()
    page = client.get(f"/en/insights/setup/tags/{tag.id}").get_data(as_text=True)
    assert "In use: 1 rule. Archived, it is no longer offered for tagging. The insights" in page


def test_a_rule_that_matches_nothing_says_so(client, db, streams, admin):
    rule = RoutingRule(name="Post", keywords="postduif", streams=[streams["billing"]])
    db.session.add(rule)
    db.session.commit()
    data = {
        "name": rule.name,
        "position": "10",
        "keywords": rule.keywords,
        "combine": "or",
        "streams": [str(streams["billing"].id)],
        "preview": "1",
    }
    page = client.post(f"/nl/insights/setup/rules/{rule.id}", data=data).get_data(as_text=True)
    assert "Deze regel past bij geen enkel bestaand inzicht." in page
    assert "0 bestaande" not in page and "er 0" not in page


def test_a_rule_whose_matches_are_routed_already_says_so(client, db, streams, admin, make_user):
    manager = make_user(roles=[Role.PANEL_MANAGER])
    billing = streams["billing"]
    rule = RoutingRule(name="Bills", keywords="invoice", streams=[billing])
    insight = services.create_insight("", "Invoice late", "", [], manager)
    services.add_route(insight, billing, manager)
    db.session.add(rule)
    db.session.commit()
    data = {
        "name": rule.name,
        "position": "10",
        "keywords": rule.keywords,
        "combine": "or",
        "streams": [str(billing.id)],
        "preview": "1",
    }
    page = client.post(f"/nl/insights/setup/rules/{rule.id}", data=data).get_data(as_text=True)
    assert "Deze regel past bij 1 bestaand inzicht." in page
    assert "Geen ervan wordt opnieuw doorgestuurd" in page and "er 0" not in page


def test_a_route_without_contributions_heads_its_quotes_without_a_zero(
    client, db, streams, make_user, login_as
):
    reviewer = make_user(roles=[Role.REVIEWER])
    billing = streams["billing"]
    db.session.add(StreamMember(stream_id=billing.id, user_id=reviewer.id))
    route = services.add_route(
        services.create_insight("Factuur", "Invoice", "", [], reviewer), billing, reviewer
    )
    db.session.commit()
    login_as(reviewer)
    page = client.get(f"/nl/insights/inbox/{route.id}").get_data(as_text=True)
    assert "Wat panelleden zeiden" in page and "Wat 0 panelleden" not in page


def test_an_empty_audit_log_shows_no_zero_count(client, admin):
    page = client.get("/nl/admin/audit?action=quota.delete").get_data(as_text=True)
    assert "0 vermeldingen" not in page
    assert "Geen vermeldingen die bij deze filters passen." in page


def test_catalog_wording(app):
    with app.test_request_context("/nl/"), speaking("nl"):
        assert str(ACTION_TITLES["quota.set"]) == "Quotum ingesteld"
        assert gettext("Set a quota") == "Quotum instellen"  # the quotas page's heading
        assert gettext("Make insight") == "Inzicht maken"
        assert gettext("Apply “%(rule)s” to existing insights", rule="X") == (
            "‘X’ toepassen op bestaande inzichten"
        )
        for english in (
            "It is in use, so it can't be removed; archive it instead.",
            "A tag nothing uses can be removed; a used one can be archived: it is no longer "
            "offered for tagging, and the insights keep it.",
        ):
            assert ";" not in gettext(english)
            assert "niets gebruikt" not in gettext(english)


def test_an_archived_stream_is_not_flagged_as_lacking_reviewers(
    client, db, streams, make_user, login_as
):
    login_as(make_user(roles=[Role.PANEL_MANAGER]))
    billing = streams["billing"]
    db.session.execute(
        Stream.__table__.update()
        .where(Stream.id == billing.id)
        .values(archived_at=db.func.current_timestamp())
    )
    db.session.commit()
    response = client.get("/nl/insights/streams")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    rows = {
        name: next(row for row in page.split("<tr>") if str(escape(name)) in row)
        for name in (billing.name_nl, streams["network"].name_nl)
    }
    assert "gearchiveerd" in rows[billing.name_nl]
    assert "geen beoordelaars" not in rows[billing.name_nl]
    assert "geen beoordelaars" in rows[streams["network"].name_nl]  # nobody reviews it either


@pytest.mark.parametrize(
    "lang, typed, message",
    [
        ("nl", "zes", "Vul een heel getal in."),
        ("en", "six", "Please enter a whole number."),
        ("nl", "0", "Vul een getal van 1 tot en met 60 in."),
    ],
)
def test_a_number_that_is_no_number_is_told_once(app, lang, typed, message):
    """Not "Vul een heel getal in. Vul een getal van 1 tot en met 60 in." (panel/forms.py)."""
    data = {"name_nl": "Netwerk", "name_en": "Network", "target_days": typed}
    with app.test_request_context(f"/{lang}/", method="POST", data=data), speaking(lang):
        form = StreamForm(meta={"csrf": False})
        form.members.choices = []
        assert not form.validate()
        assert form.errors == {"target_days": [message]}


@pytest.mark.parametrize(
    "lang, name", [("nl", "Streams, tags en regels"), ("en", "Streams, tags and rules")]
)
def test_the_navigation_and_the_sub_navigation_name_the_setup_alike(client, admin, lang, name):
    page = client.get(f"/{lang}/insights/setup/streams").get_data(as_text=True)
    assert page.count(f">{name}</a>") == 2  # the main navigation and the insights' sub-navigation

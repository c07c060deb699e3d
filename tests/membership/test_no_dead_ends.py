"""No dead ends for members: a lost confirmation link is recoverable, and the consent table
tells a renewed consent from a withdrawn one."""

import re

import pytest

from panel.accounts.models import User
from panel.config import TestConfig
from panel.database import utcnow
from panel.extensions import limiter
from panel.mail import OutboxMessage, deliver_outbox
from panel.membership.models import Member
from panel.membership.privacy import (
    accept_statement,
    current_statement,
    publish_statement,
    set_recording_consent,
)
from panel.security import Role
from panel.submissions import FormSubmission

from ..conftest import PASSWORD, join_data, mail_body


def confirm_links(body):
    return re.findall(r"http://localhost(/\w\w/join/confirm/\S+)", body)


@pytest.mark.parametrize(
    "lang, words", [("en", "new link to confirm"), ("nl", "nieuwe link aan om dit e-mailadres")]
)
def test_joining_again_unconfirmed_mails_a_fresh_link(client, db, smtp_server, lang, words):
    first = client.post(f"/{lang}/join", data=join_data(locale=lang))
    again = client.post("/en/join", data=join_data(locale="en", name="Quinn Other"))
    fresh = client.post("/en/join", data=join_data(email="fresh@example.org"))
    # The same answer whether or not the address had an application.
    assert first.status_code == again.status_code == fresh.status_code == 302
    assert again.headers["Location"] == fresh.headers["Location"]
    assert Member.query.count() == 2
    deliver_outbox()
    to_jamie = [m for m in smtp_server.messages if m.rcpt_tos == ["jamie@example.org"]]
    assert len(to_jamie) == 2
    body = mail_body(to_jamie[1])
    # In the applicant's own language (the one they joined with), greeted by first name.
    assert words in body and "Jamie" in body and "Quinn" not in body
    assert "nothing has changed" not in body and "niets veranderd" not in body
    (link,) = confirm_links(body)
    assert client.post(link).status_code == 200
    jamie = User.query.filter_by(email="jamie@example.org").one()
    assert jamie.member.status == "active"
    message = OutboxMessage.query.filter_by(kind="confirm_again").one()
    assert message.locale == lang and "/join/confirm/" in message.body_html
    assert (
        message.subject
        == {
            "en": "Your new link to confirm your e-mail address",
            "nl": "Je nieuwe link om je e-mailadres te bevestigen",
        }[lang]
    )


def test_joining_again_as_a_member_still_says_you_have_an_account(
    client, db, make_member, smtp_server
):
    make_member(email="taken@example.org")
    client.post("/en/join", data=join_data(email="taken@example.org"))
    deliver_outbox()
    body = mail_body(smtp_server.messages[-1])
    assert "already have an account" in body and not confirm_links(body)


@pytest.mark.parametrize("lang", ["en", "nl"])
def test_an_unconfirmed_applicant_gets_a_new_link_from_the_dashboard(client, db, smtp_server, lang):
    client.post(f"/{lang}/join", data=join_data(locale=lang))
    response = client.post(
        f"/{lang}/login", data={"email": "jamie@example.org", "password": "a quiet dutch canal"}
    )
    assert response.status_code == 302
    page = client.get(f"/{lang}/me").get_data(as_text=True)
    assert "/me/confirm/new-link" in page
    response = client.post(f"/{lang}/me/confirm/new-link", follow_redirects=True)
    assert "jamie@example.org" in response.get_data(as_text=True)
    assert OutboxMessage.query.filter_by(kind="confirm_again").count() == 1
    deliver_outbox()
    (link,) = confirm_links(mail_body(smtp_server.messages[-1]))
    client.post(link)
    assert Member.query.one().status == "active"
    # Confirmed: asking again sends nothing.
    client.post(f"/{lang}/me/confirm/new-link")
    assert OutboxMessage.query.filter_by(kind="confirm_again").count() == 1
    assert "/me/confirm/new-link" not in client.get(f"/{lang}/me").get_data(as_text=True)


def test_asking_for_new_links_is_rate_limited(app, client, db):
    client.post("/en/join", data=join_data())
    client.post("/en/login", data={"email": "jamie@example.org", "password": "a quiet dutch canal"})
    app.config["RATELIMIT_JOIN"] = "2 per minute"
    limiter.reset()
    try:
        codes = [client.post("/en/me/confirm/new-link").status_code for _ in range(3)]
    finally:
        app.config["RATELIMIT_JOIN"] = TestConfig.RATELIMIT_JOIN
        limiter.reset()
    assert codes == [302, 302, 429]
    assert OutboxMessage.query.filter_by(kind="confirm_again").count() == 2


@pytest.mark.parametrize(
    "lang, replaced, withdrawn",
    [
        ("en", "Replaced by version 2", "Withdrawn on"),
        ("nl", "Vervangen door versie 2", "Ingetrokken op"),
    ],
)
def test_the_consent_table_tells_replaced_from_withdrawn(
    client, db, make_member, make_user, login_as, lang, replaced, withdrawn
):
    member = make_member(locale=lang)
    set_recording_consent(member, True, lang)
    db.session.commit()
    publish_statement(
        "Nieuw\n\nTekst", "New\n\nText", "Kort", "Short", actor=make_user(roles=[Role.ADMIN])
    )
    db.session.commit()
    accept_statement(member, current_statement(), lang)
    db.session.commit()
    set_recording_consent(member, False, lang)
    db.session.commit()
    login_as(member.user, password=PASSWORD)
    page = client.get(f"/{lang}/me/profile").get_data(as_text=True)
    # Participation v1 and recording v1 were replaced by v2; recording v2 was withdrawn.
    assert page.count(replaced) == 2
    assert page.count(withdrawn) == 1
    manager = make_user(roles=[Role.PANEL_MANAGER], locale=lang)
    client.post(f"/{lang}/logout")
    login_as(manager)
    page = client.get(f"/{lang}/manage/members/{member.id}").get_data(as_text=True)
    assert page.count(replaced.lower()) == 2


@pytest.mark.parametrize("lang", ["en", "nl"])
@pytest.mark.parametrize(
    "overrides, reason_text",
    [
        (
            {"customer_type": "none"},
            {"en": "meant for our customers", "nl": "bedoeld voor onze klanten"},
        ),
        (
            {"birth_year": str(utcnow().year - 15)},
            {"en": "16 or older", "nl": "graag terug als het zover is"},
        ),
    ],
)
def test_screening_that_declines_answers_at_the_form(
    client, db, smtp_server, lang, overrides, reason_text
):
    response = client.post(f"/{lang}/join", data=join_data(locale=lang, **overrides))
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert reason_text[lang] in page and 'id="declined-heading"' in page
    assert 'value="Jamie Jansen"' in page  # the form keeps the answers for a typo to be fixed
    assert Member.query.count() == User.query.count() == OutboxMessage.query.count() == 0
    assert FormSubmission.query.count() == 0
    # Fixed: the same form (same token) now goes through.
    token = re.search(r'name="form_token"[^>]*value="([^"]+)"', page).group(1)
    fixed = join_data(locale=lang, form_token=token)
    assert client.post(f"/{lang}/join", data=fixed).status_code == 302
    assert Member.query.count() == 1

"""The footer and the privacy statement name the operator, a contact and the data controller,
and how to complain to the Autoriteit Persoonsgegevens (issue 14)."""

import html
import re

import pytest

from panel.membership.models import PrivacyStatement

FOOTER = {
    "en": [
        "Voorbeeld Telecom B.V. runs Klantenteam.",
        "Questions?",
        'href="mailto:klantenteam@example.com"',
        "Data controller: Voorbeeld Telecom B.V., Stationsplein 1, 3511 AA Utrecht ·",
        "Complain to the Autoriteit Persoonsgegevens",
        'href="https://autoriteitpersoonsgegevens.nl"',
        'href="/en/privacy"',
    ],
    "nl": [
        "Voorbeeld Telecom B.V. organiseert Klantenteam.",
        "Vragen?",
        'href="mailto:klantenteam@example.com"',
        "Verantwoordelijk voor je gegevens: Voorbeeld Telecom B.V., Stationsplein 1, 3511 AA "
        "Utrecht ·",
        "Een klacht indienen bij de Autoriteit Persoonsgegevens",
        'href="https://autoriteitpersoonsgegevens.nl"',
        'href="/nl/privacy"',
    ],
}


def footer_of(page):
    return page[page.index('<footer class="site-footer">') :]


@pytest.mark.parametrize("lang", ["en", "nl"])
def test_every_page_names_the_operator_contact_controller_and_supervisor(
    client, make_member, login_as, lang
):
    pages = [client.get(f"/{lang}/"), client.get(f"/{lang}/nowhere")]
    login_as(make_member(locale=lang).user)
    pages.append(client.get(f"/{lang}/me"))
    for response in pages:
        footer = html.unescape(footer_of(response.get_data(as_text=True)))
        for words in FOOTER[lang]:
            assert words in footer, (response.request.path, words)


@pytest.mark.parametrize(
    "lang, heading, complaint",
    [
        ("en", "Who is responsible", "right to complain to the Autoriteit Persoonsgegevens"),
        ("nl", "Wie is verantwoordelijk", "klacht in te dienen bij de Autoriteit Persoonsgegevens"),
    ],
)
def test_the_first_statement_names_them_from_the_settings(app, client, lang, heading, complaint):
    names = {
        "OPERATOR_ORGANISATION": "Polder Mobiel B.V.",
        "DATA_CONTROLLER": "Polder Mobiel B.V., Dijkweg 3, Lelystad",
        "OPERATOR_CONTACT": "panel@polder.example",
        "PRIVACY_CONTACT": "fg@polder.example",
    }
    before = {key: app.config[key] for key in names}
    app.config.update(names)
    try:
        page = html.unescape(client.get(f"/{lang}/privacy").get_data(as_text=True))
    finally:
        app.config.update(before)
    body = getattr(PrivacyStatement.query.one(), f"body_{lang}")
    for value in names.values():
        assert value in body
    assert complaint in body and "https://autoriteitpersoonsgegevens.nl" in body
    assert re.search(f"<h2[^>]*>{heading}</h2>", page)
    assert ".." not in body  # names that end in a full stop ("B.V.") don't end a sentence


@pytest.mark.parametrize(
    "lang, words",
    [
        ("en", "You can complain to the Autoriteit Persoonsgegevens"),
        ("nl", "Dan kun je een klacht indienen bij de Autoriteit Persoonsgegevens"),
    ],
)
def test_every_statement_page_says_where_to_ask_and_complain(client, db, lang, words):
    """Also a statement published without those paragraphs: the page names them beside it."""
    db.session.add(PrivacyStatement(version=1, body_nl="Kort\n\nTekst", body_en="Short\n\nText"))
    db.session.commit()
    page = html.unescape(client.get(f"/{lang}/privacy").get_data(as_text=True))
    aside = page[page.index('id="privacy-contact-heading"') :]
    assert words in aside
    assert 'href="mailto:privacy@example.com"' in aside
    assert "Voorbeeld Telecom B.V., Stationsplein 1" in aside

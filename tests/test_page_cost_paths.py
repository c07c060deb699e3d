"""The shortcuts issue 13 took for every page's CPU give what the long way gave.

- page_translations (panel/__init__.py): templates' gettext keeps the catalog for the request,
  and a message written in another language inside a page (i18n.speaking) still gets its own.
- id_link (panel/rounds/links.py): a row's link built from a pattern is url_for's link.
- The login query is built once and run with each token as a parameter: every browser still
  gets its own user.
"""

from flask import render_template_string, url_for

from panel.i18n import speaking
from panel.rounds.links import id_link

PAGE = "{{ _('Register') }} {{ ngettext('%(num)s seat left', '%(num)s seats left', n) }}"


def test_templates_translate_in_the_page_language_and_in_a_message_language(app):
    # Each request has its own app context (and g), as in production.
    with app.app_context(), app.test_request_context("/nl/rounds"):
        app.preprocess_request()
        assert render_template_string(PAGE, n=2) == "Aanmelden Nog 2 plekken"
        with speaking("en"):
            assert render_template_string(PAGE, n=1) == "Register 1 seat left"
        assert render_template_string(PAGE, n=1) == "Aanmelden Nog 1 plek"
    with app.app_context(), app.test_request_context("/en/rounds"):
        app.preprocess_request()
        assert render_template_string(PAGE, n=3) == "Register 3 seats left"
        with speaking("nl"):
            assert render_template_string(PAGE, n=3) == "Aanmelden Nog 3 plekken"
        assert render_template_string(PAGE, n=1) == "Register 1 seat left"


def test_a_link_from_the_pattern_is_the_link_url_for_makes(app):
    for lang in ("nl", "en"):
        with app.app_context(), app.test_request_context(f"/{lang}/rounds"):
            app.preprocess_request()
            idea = id_link("rounds.idea_page", "idea_id", round_id=7)
            support = id_link("rounds.support", "idea_id", round_id=7, choice="unsupport")
            rounds = id_link("rounds.round_page", "round_id")
            for row_id in (1, 9, 77, 7_919, 123_456_789):
                assert idea(row_id) == url_for("rounds.idea_page", round_id=7, idea_id=row_id)
                assert support(row_id) == url_for(
                    "rounds.support", round_id=7, idea_id=row_id, choice="unsupport"
                )
                assert rounds(row_id) == url_for("rounds.round_page", round_id=row_id)
                assert f"/{lang}/" in rounds(row_id)


def test_each_browser_gets_its_own_user_from_the_kept_login_query(app, make_user):
    users = [make_user(locale="en") for _ in range(3)]
    clients = []
    for user in users:
        client = app.test_client()
        response = client.post(
            "/en/login", data={"email": user.email, "password": "a calm walk by the sea"}
        )
        assert response.status_code == 302
        clients.append(client)
    for _ in range(2):
        for user, client in zip(users, clients, strict=True):
            page = client.get("/en/account").get_data(as_text=True)
            assert user.email in page
            assert all(other.email not in page for other in users if other is not user)
    assert app.test_client().get("/en/account").status_code == 302

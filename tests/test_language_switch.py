"""The header's language switch changes the page's language; for a logged-in person whose saved
(e-mail) language differs, it asks before changing the saved one (issue 14). Forms only: works
without JavaScript."""

import html

import pytest

from panel.accounts.models import User


def page(client, path):
    return html.unescape(client.get(path).get_data(as_text=True))


def switch(client, lang, next_path, **answer):
    return client.post("/language", data={"lang": lang, "next": next_path, **answer})


QUESTION = {
    "en": "Your e-mails still come in Dutch. Would you like them in English too?",
    "nl": "Je e-mails komen nog in het Engels. Wil je die ook in het Nederlands?",
}


@pytest.mark.parametrize("saved, other", [("nl", "en"), ("en", "nl")])
def test_switching_asks_before_changing_the_saved_language(
    client, db, make_member, login_as, saved, other
):
    member = make_member(locale=saved)
    login_as(member.user)
    response = switch(client, other, f"/{other}/me")
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/{other}/me")
    assert db.session.get(User, member.user.id).locale == saved  # not changed yet
    shown = page(client, f"/{other}/me")
    assert f'<html lang="{other}">' in shown
    assert QUESTION[other] in shown
    # The question stays on every page in that language until it is answered …
    assert QUESTION[other] in page(client, f"/{other}/me/profile")
    # … and the answer is a plain form: yes saves the language and says so.
    response = switch(client, other, f"/{other}/me/profile", emails="yes")
    assert response.headers["Location"].endswith(f"/{other}/me/profile")
    db.session.expire_all()
    assert db.session.get(User, member.user.id).locale == other
    shown = page(client, f"/{other}/me/profile")
    assert QUESTION[other] not in shown
    assert {
        "en": "From now on we'll e-mail you in English.",
        "nl": "Vanaf nu mailen we je in het Nederlands.",
    }[other] in shown


def test_no_keeps_the_saved_language_and_says_where_to_change_it(client, db, make_member, login_as):
    member = make_member(locale="nl")
    login_as(member.user)
    switch(client, "en", "/en/me")
    switch(client, "en", "/en/me", emails="no")
    db.session.expire_all()
    assert db.session.get(User, member.user.id).locale == "nl"
    shown = page(client, "/en/me")
    assert "your e-mails stay in Dutch. You can change this under My account." in shown
    assert QUESTION["en"] not in page(client, "/en/me")


def test_switching_back_to_the_saved_language_drops_the_question(client, db, make_member, login_as):
    member = make_member(locale="nl")
    login_as(member.user)
    switch(client, "en", "/en/me")
    switch(client, "nl", "/nl/me")
    assert QUESTION["nl"] not in page(client, "/nl/me")
    assert QUESTION["en"] not in page(client, "/en/me")


def test_the_question_is_not_asked_of_visitors_or_on_the_other_language(
    client, make_member, login_as
):
    switch(client, "en", "/en/")
    shown = page(client, "/en/")
    assert '<html lang="en">' in shown and "e-mails still come" not in shown
    member = make_member(locale="nl")
    login_as(member.user)
    switch(client, "en", "/en/me")
    # Reading a Dutch page again (by its address) asks nothing there.
    assert QUESTION["nl"] not in page(client, "/nl/me") and "Your e-mails" not in page(
        client, "/nl/me"
    )


def test_the_answer_form_posts_without_javascript(client, make_member, login_as):
    member = make_member(locale="nl")
    login_as(member.user)
    switch(client, "en", "/en/me")
    shown = client.get("/en/me").get_data(as_text=True)
    form = shown[shown.index('class="flash language-question"') :]
    form = form[: form.index("</form>")]
    assert 'action="/language"' in form and 'method="post"' in form
    assert 'name="emails" value="yes"' in form and 'name="emails" value="no"' in form
    assert 'name="lang" value="en"' in form and 'name="next" value="/en/me"' in form
    assert "csrf_token" in form


def test_an_unknown_answer_changes_nothing(client, db, make_member, login_as):
    member = make_member(locale="nl")
    login_as(member.user)
    response = switch(client, "en", "/en/me", emails="maybe")
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(User, member.user.id).locale == "nl"

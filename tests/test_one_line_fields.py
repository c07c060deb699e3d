"""One-line fields hold one line: a line break typed (or sent) into a title, a version or a subject
is a form error, and what older rows still hold never reaches a header — a mail's subject is put
on one line and a download's file name is a safe slug. A message that can't be made into mail
fails on its own; the mail behind it still goes out."""

import html
from email import message_from_bytes
from email.policy import default

import pytest
from wtforms import EmailField, StringField, TextAreaField

from panel.extensions import db as _db
from panel.forms import BaseForm
from panel.mail import FAILED, SENT, OutboxMessage, deliver_outbox
from panel.membership.news import NewsItem
from panel.security import Role

from .feedback.conftest import make_release, product_owner  # noqa: F401  (fixtures)
from .feedback.test_release_setup import release_form_data

ONE_LINE = "Please type this on one line, without line breaks or invisible characters."
BROKEN = ["9.9\r\nX-Evil: 1", "a\nb", "a\rb", "a\x1bb", "a\x85b", "a\u2028b", "a\x7fb"]


class Sample(BaseForm):
    class Meta:
        csrf = False

    title = StringField()
    email = EmailField()
    text = TextAreaField()


@pytest.mark.parametrize("value", BROKEN)
def test_a_one_line_field_refuses_line_breaks_and_control_characters(app, value):
    with app.test_request_context("/en/", method="POST", data={"title": value, "email": value}):
        form = Sample()
        assert not form.validate()
        assert form.title.errors == [ONE_LINE]
        assert form.email.errors == [ONE_LINE]
        assert form.title.data == value.strip()  # what was typed is kept for the page


def test_a_text_area_keeps_its_lines_and_a_tab_becomes_a_space(app):
    data = {"title": "Release\tnotes", "text": "First line\r\nSecond line\tend"}
    with app.test_request_context("/en/", method="POST", data=data):
        form = Sample()
        form.validate()
        assert not form.title.errors and not form.text.errors
        assert form.title.data == "Release notes"
        assert form.text.data == "First line\r\nSecond line\tend"


def test_a_release_version_with_a_line_break_is_a_form_error(client, db, make_user, login_as):
    from panel.feedback.models import Release

    login_as(make_user(roles=[Role.PRODUCT_OWNER]))
    for lang, message in [
        ("en", ONE_LINE),
        ("nl", "Typ dit op één regel, zonder regeleinden of onzichtbare tekens."),
    ]:
        response = client.post(
            f"/{lang}/results/releases/new", data=release_form_data("9.9\r\nX-Evil: 1")
        )
        assert response.status_code == 200
        assert message in html.unescape(response.get_data(as_text=True))
    db.session.rollback()
    assert Release.query.count() == 0


def test_a_news_subject_with_a_line_break_is_a_form_error(client, db, make_user, login_as):
    login_as(make_user(roles=[Role.PANEL_MANAGER], locale="en"))
    response = client.post(
        "/en/manage/news/new",
        data={
            "subject_nl": "Nieuws",
            "subject_en": "News\r\nBcc: evil@example.org",
            "body_nl": "Tekst",
            "body_en": "Text",
        },
    )
    assert response.status_code == 200
    assert ONE_LINE in html.unescape(response.get_data(as_text=True))
    db.session.rollback()
    assert NewsItem.query.count() == 0


def test_an_old_version_with_a_line_break_and_a_quote_still_downloads(
    request, client, db, make_user, login_as
):
    """A version stored before the form refused it (written here directly) names the file
    safely: no header injected, no quote breaking the file name, no 500."""
    release = request.getfixturevalue("make_release")(version="12.4")
    release.version = '9.9\r\nX-Evil: 1"; x=.exe'
    db.session.commit()
    login_as(make_user(roles=[Role.PANEL_MANAGER]))
    response = client.get(f"/en/results/releases/{release.id}/responses.csv")
    assert response.status_code == 200
    assert "X-Evil" not in response.headers
    assert response.headers["Content-Disposition"] == (
        'attachment; filename="feedback-9.9-X-Evil-1-x-.exe.csv"'
    )


def test_attachment_names_are_safe_slugs():
    from panel.exports import attachment

    assert attachment("klantenteam-members.csv") == 'attachment; filename="klantenteam-members.csv"'
    assert attachment("feedback-12.4 beta.csv") == 'attachment; filename="feedback-12.4-beta.csv"'
    assert attachment("mijn-gegevens-Zoë.json") == 'attachment; filename="mijn-gegevens-Zoe.json"'
    assert attachment('"\r\n.csv') == 'attachment; filename="download.csv"'


def test_mail_goes_out_after_a_news_subject_with_a_line_break(
    client, db, make_user, make_member, login_as, smtp_server
):
    """A news item whose subject holds a line break (an old row, changed here directly) is sent:
    every message goes out with the subject on one line and no header added; a message whose
    address can't be a header fails for good on its own and the run carries on."""
    make_member(locale="en", email="chris@example.org")
    make_member(locale="nl", email="lotte@example.org")
    manager = make_user(roles=[Role.PANEL_MANAGER], locale="en")
    login_as(manager)
    response = client.post(
        "/en/manage/news/new",
        data={"subject_nl": "Nieuws", "subject_en": "News", "body_nl": "Tekst", "body_en": "Text"},
    )
    assert response.status_code == 302
    item = NewsItem.query.one()
    item.subject_en = "News\r\nBcc: evil@example.org"
    item.subject_nl = "Nieuws\nBcc: evil@example.org"
    # Ahead of the news in the queue: a message no header can carry.
    _db.session.add(
        OutboxMessage(
            to_address="someone@example.org\r\nBcc: evil@example.org",
            locale="en",
            kind="news",
            subject="Hello",
            body_text="Hi",
            body_html="<p>Hi</p>",
        )
    )
    _db.session.commit()
    assert client.post(f"/en/manage/news/{item.id}/send").status_code == 302

    sent, failed = deliver_outbox()
    assert (sent, failed) == (2, 1)
    broken = OutboxMessage.query.filter_by(status=FAILED).one()
    assert broken.last_error.startswith("ValueError")
    assert OutboxMessage.query.filter_by(status=SENT).count() == 2
    subjects = set()
    for envelope in smtp_server.messages:
        assert envelope.rcpt_tos in (["chris@example.org"], ["lotte@example.org"])
        message = message_from_bytes(envelope.content, policy=default)
        assert "Bcc" not in message
        subjects.add(message["Subject"])
    assert subjects == {
        "News from the panel: News Bcc: evil@example.org",
        "Nieuws van het klantenteam: Nieuws Bcc: evil@example.org",
    }

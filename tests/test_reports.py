"""Reports (issue 15): a panelist reports an idea or a reaction as abusive, with a reason from
a short list; one report per person per item, also when sent twice at the same moment; the
author can't report their own words; the page works without JavaScript and leads back."""

# ruff: noqa: F811 (the fixtures imported below are parameters of the tests)

import re
import threading
from html import unescape

import pytest

from panel.forms import REDACTED
from panel.rounds import services
from panel.rounds.moderation import ContentReport
from tests.rounds.conftest import make_round, owner  # noqa: F401 (fixtures used by name)

from .conftest import PASSWORD


@pytest.fixture
def idea(db, make_round, make_member):
    round_ = make_round(stage="idea")
    idea = services.post_idea(round_, make_member(), "Call me", "My number is 06-12345678")
    db.session.commit()
    return idea


def report_url(idea, comment=None):
    base = f"/en/rounds/{idea.round_id}/ideas/{idea.id}"
    return base + (f"/comments/{comment.id}/report" if comment else "/report")


def test_the_idea_page_links_to_a_report_page_that_needs_no_javascript(
    client, idea, make_member, login_as
):
    login_as(make_member().user)
    page = client.get(f"/en/rounds/{idea.round_id}/ideas/{idea.id}?order=oldest")
    form = client.get(report_url(idea) + "?back=" + page.request.full_path).get_data(as_text=True)
    # A plain form: radio buttons for the reasons, a text box, a button; the text it is about.
    assert '<form method="post"' in form and 'type="radio"' in form
    for reason in ("Offensive or insulting", "Shares personal data", "Spam or advertising"):
        assert reason in form
    assert "My number is 06-12345678" in form and "<script" not in form.split("<main")[-1]


def test_a_panelist_reports_an_idea_and_goes_back_with_a_thank_you(
    client, db, idea, make_member, login_as
):
    reader = make_member()
    login_as(reader.user)
    back = f"/en/rounds/{idea.round_id}/ideas/{idea.id}?order=oldest"
    response = client.post(
        report_url(idea), data={"reason": "personal_data", "note": "A phone number", "back": back}
    )
    assert response.status_code == 302 and response.location == back
    report = ContentReport.query.one()
    assert (report.idea_id, report.comment_id, report.reporter_id) == (
        idea.id,
        None,
        reader.user_id,
    )
    assert (report.reason, report.text, report.closed_at) == (
        "personal_data",
        "A phone number",
        None,
    )
    page = client.get(back).get_data(as_text=True)
    assert "Thank you for telling us. A moderator will look at it." in page


def test_back_never_leaves_the_idea_page(client, idea, make_member, login_as):
    login_as(make_member().user)
    for back in ("https://evil.example/", "//evil.example/", "/en/dashboard"):
        response = client.post(report_url(idea), data={"reason": "spam", "back": back})
        assert response.location == f"/en/rounds/{idea.round_id}/ideas/{idea.id}"
        ContentReport.query.delete()


def test_one_report_per_person_per_item(client, db, idea, make_member, login_as):
    reader = make_member()
    comment = services.add_comment(idea, reader, "Agreed")
    db.session.commit()
    login_as(make_member().user)
    assert client.post(report_url(idea), data={"reason": "spam"}).status_code == 302
    again = client.post(report_url(idea), data={"reason": "offensive"}, follow_redirects=True)
    assert "You already reported this." in again.get_data(as_text=True)
    # The same person may still report a reaction on it: another item.
    client.post(report_url(idea, comment), data={"reason": "off_topic"})
    reports = ContentReport.query.order_by(ContentReport.id).all()
    assert [(r.comment_id, r.reason) for r in reports] == [
        (None, "spam"),
        (comment.id, "off_topic"),
    ]


def test_other_needs_a_few_words_and_keeps_what_was_typed(client, idea, make_member, login_as):
    login_as(make_member().user)
    response = client.post(report_url(idea), data={"reason": "other", "note": "  "})
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "Please tell us what is wrong with it." in page
    assert re.search(r'<input checked[^>]*value="other"', page)
    assert ContentReport.query.count() == 0
    response = client.post(report_url(idea), data={"reason": "", "note": "Rude to me"})
    page = response.get_data(as_text=True)
    assert "Please choose an answer." in page and "Rude to me" in page


def test_a_reason_outside_the_list_is_a_form_error_not_a_500(client, idea, make_member, login_as):
    login_as(make_member().user)
    response = client.post(report_url(idea), data={"reason": "boring"})
    assert response.status_code == 200 and "Please choose an answer." in response.get_data(
        as_text=True
    )
    assert ContentReport.query.count() == 0


def test_nobody_reports_their_own_words(client, idea, login_as):
    login_as(idea.author.user)
    response = client.post(report_url(idea), data={"reason": "spam"}, follow_redirects=True)
    assert "This is your own text. You can't report it." in unescape(
        response.get_data(as_text=True)
    )
    assert ContentReport.query.count() == 0


def test_a_withdrawn_idea_has_nothing_left_to_report(client, db, idea, make_member, login_as):
    reader = make_member()
    services.add_comment(idea, reader, "Nice")  # the page stays, for the conversation
    idea.withdrawn_at = idea.created_at
    db.session.commit()
    login_as(reader.user)
    response = client.post(report_url(idea), data={"reason": "spam"}, follow_redirects=True)
    assert "Its author withdrew it, so there is nothing left to report." in response.get_data(
        as_text=True
    )
    assert ContentReport.query.count() == 0


def test_what_a_panelist_cant_see_they_cant_report(client, db, idea, make_member, login_as):
    other_round_idea = services.post_idea(idea.round, make_member(), "Other", "x")
    comment = services.add_comment(other_round_idea, make_member(), "Hi")
    db.session.commit()
    login_as(make_member().user)
    # A reaction named under another idea's address.
    assert client.post(report_url(idea, comment), data={"reason": "spam"}).status_code == 404
    services.hide_content(idea, "Phone number", None)
    db.session.commit()
    assert client.get(report_url(idea)).status_code == 404
    assert ContentReport.query.count() == 0


def test_the_report_page_shows_a_redaction_in_the_readers_language(
    client, db, idea, make_member, login_as
):
    idea.body = "Call " + REDACTED + " now"
    db.session.commit()
    login_as(make_member(locale="nl").user)
    page = client.get(f"/nl/rounds/{idea.round_id}/ideas/{idea.id}/report").get_data(as_text=True)
    assert 'Call <em class="redacted">[verwijderd door de moderator]</em> now' in page


def test_a_report_sent_twice_at_the_same_moment_is_stored_once(app, db, idea, make_member):
    """Two tabs of one panelist send the report at once; the check and the write are apart
    (REPORT_RACE_DELAY), so both pass the check: the unique index keeps one, the other is told."""
    reader = make_member()
    clients = []
    for _ in range(4):
        client = app.test_client()
        client.post("/en/login", data={"email": reader.user.email, "password": PASSWORD})
        clients.append(client)
    url = report_url(idea)
    barrier = threading.Barrier(len(clients))
    statuses, errors = [], []

    def send(client):
        barrier.wait()
        try:
            statuses.append(client.post(url, data={"reason": "spam"}).status_code)
        except Exception as error:  # noqa: BLE001 - any error fails the test below
            errors.append(error)

    app.config["REPORT_RACE_DELAY"] = 0.05
    try:
        threads = [threading.Thread(target=send, args=(client,)) for client in clients]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
    finally:
        app.config["REPORT_RACE_DELAY"] = 0
    db.session.rollback()
    assert errors == [] and statuses == [302] * 4
    assert ContentReport.query.filter_by(reporter_id=reader.user_id).count() == 1

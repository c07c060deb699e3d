"""The moderation queue (issue 15): a panel manager (or an administrator) works through reported
ideas and reactions across all rounds, then the newest hidden ones; hides with a reason, makes
visible again, dismisses reports, removes words from a text. Each action is logged with a
readable title and happens once, also when two moderators press at the same moment."""

# ruff: noqa: F811 (the fixtures imported below are parameters of the tests)

import re
import threading
from datetime import timedelta
from html import unescape

import pytest
from flask_babel import force_locale

from panel.audit import AuditEntry
from panel.database import utcnow
from panel.forms import REDACTED
from panel.mail import OutboxMessage
from panel.notifications.models import Notification
from panel.rounds import services
from panel.rounds.idea_search import matching
from panel.rounds.models import Comment, Idea
from panel.rounds.moderation import ContentReport, report_content
from panel.security import Role
from tests.rounds.conftest import make_round, owner  # noqa: F401 (fixtures used by name)

from .conftest import PASSWORD

QUEUE = "/en/manage/moderation"


@pytest.fixture
def round_(make_round):
    return make_round(stage="idea", title_en="Better app")


@pytest.fixture
def manager(make_user):
    return make_user(roles=[Role.PANEL_MANAGER], name="Mia Manager")


def report(item, reporter, reason="offensive", note=None, minutes_ago=0):
    idea = item.idea if isinstance(item, Comment) else item
    made = report_content(idea, item if isinstance(item, Comment) else None, reporter, reason, note)
    made.created_at = utcnow() - timedelta(minutes=minutes_ago)
    return made


def text_of(response):
    return unescape(response.get_data(as_text=True))


def queue_order(page):
    """The queue's items as their anchors, in the order shown."""
    return re.findall(r'<li class="panel moderation-item" id="([a-z]+-\d+)"', page)


def test_reported_items_come_first_with_their_reports_then_the_newest_hidden(
    client, db, round_, make_member, manager, login_as
):
    author, readers = make_member(), [make_member() for _ in range(3)]
    rude = services.post_idea(round_, author, "Rude idea", "You are all idiots")
    fine = services.post_idea(round_, author, "Fine idea", "Dark mode")
    spam = services.add_comment(fine, author, "Buy cheap phones at example.com")
    old_hidden = services.post_idea(round_, author, "Old hidden", "x")
    new_hidden = services.add_comment(fine, author, "New hidden")
    db.session.flush()
    report(rude, readers[0].user, "offensive", "Insults everyone", minutes_ago=30)
    report(rude, readers[1].user, "offensive", minutes_ago=20)
    report(rude, readers[2].user, "other", "Not nice", minutes_ago=25)
    report(spam, readers[0].user, "spam", minutes_ago=5)
    services.hide_content(old_hidden, "Old", manager)
    old_hidden.hidden_at = utcnow() - timedelta(days=2)
    services.hide_content(new_hidden, "New", manager)
    db.session.commit()
    login_as(manager)
    page = text_of(client.get(QUEUE))
    assert queue_order(page) == [
        f"comments-{spam.id}",  # reported 5 minutes ago
        f"ideas-{rude.id}",  # last reported 20 minutes ago
        f"comments-{new_hidden.id}",
        f"ideas-{old_hidden.id}",
    ]
    rude_part = page.split(f'id="ideas-{rude.id}"')[1].split("</li>\n  \n    <li")[0]
    assert "Reported 3 times" in rude_part
    assert "Offensive or insulting (2) · Something else" in rude_part
    assert "Insults everyone" in rude_part and "Not nice" in rude_part
    assert "You are all idiots" in rude_part and "Better app" in rude_part
    assert "Fine idea" not in queue_order(page)  # never reported, never hidden
    assert "The author sees the reason: New" in page


def test_the_queue_filters_by_round_and_by_reason(
    client, db, make_round, make_member, manager, login_as
):
    first, second = make_round(title_en="First round"), make_round(title_en="Second round")
    author, reader = make_member(), make_member()
    spam = services.post_idea(first, author, "Spam", "x")
    rude = services.post_idea(second, author, "Rude", "y")
    hidden = services.post_idea(second, author, "Hidden", "z")
    db.session.flush()
    report(spam, reader.user, "spam")
    report(rude, reader.user, "offensive")
    services.hide_content(hidden, "Abusive", manager)
    db.session.commit()
    login_as(manager)
    # The round filter offers the rounds with something in the queue.
    third = make_round(title_en="Third round")
    quiet = make_round(title_en="Quiet round")
    reaction = services.add_comment(services.post_idea(third, author, "Fine", "ok"), reader, "Rude")
    services.hide_content(reaction, "Rude", manager)
    db.session.commit()
    options = re.findall(r'<option value="(\d+)"', text_of(client.get(QUEUE)))
    assert set(options) == {str(first.id), str(second.id), str(third.id)}
    assert str(quiet.id) not in options
    by_round = text_of(client.get(f"{QUEUE}?round={second.id}"))
    assert queue_order(by_round) == [f"ideas-{rude.id}", f"ideas-{hidden.id}"]
    by_reason = text_of(client.get(f"{QUEUE}?reason=spam"))
    assert queue_order(by_reason) == [f"ideas-{spam.id}"]  # a hide has no reason from the list
    # Nonsense in the address is no filter, never an error.
    assert client.get(f"{QUEUE}?round=abc&reason=%00&page=-1").status_code == 200


def test_only_panel_managers_and_administrators_reach_the_queue(
    client, db, make_member, owner, make_user, login_as
):
    login_as(make_member().user)
    assert client.get(QUEUE).status_code == 403
    client.post("/en/logout")
    login_as(owner)
    assert client.get(QUEUE).status_code == 403
    client.post("/en/logout")
    login_as(make_user(roles=[Role.ADMIN]))
    page = client.get(QUEUE).get_data(as_text=True)
    # An administrator finds it in the administration's navigation.
    assert 'aria-current="page">Moderation<' in page and "/en/admin/users" in page
    assert 'href="/en/admin/audit"' in client.get("/en/admin/users").get_data(as_text=True)


def test_the_manage_navigation_leads_to_the_queue(client, manager, login_as):
    login_as(manager)
    page = client.get("/en/manage/members").get_data(as_text=True)
    assert f'href="{QUEUE}"' in page
    assert 'aria-current="page">Moderation<' in client.get(QUEUE).get_data(as_text=True)


def test_hiding_from_the_queue_closes_the_reports_tells_the_author_and_goes_back(
    client, db, round_, make_member, manager, login_as
):
    author, reader = make_member(), make_member()
    idea = services.post_idea(round_, author, "Rude", "Idiots")
    db.session.flush()
    report(idea, reader.user)
    db.session.commit()
    login_as(manager)
    back = f"{QUEUE}?round={round_.id}&page=1"
    response = client.post(
        f"{QUEUE}/ideas/{idea.id}/hide", data={"reason": "Insults", "back": back}
    )
    assert response.location == f"{back}#ideas-{idea.id}"
    db.session.refresh(idea)
    assert idea.is_hidden and idea.hidden_reason == "Insults"
    assert ContentReport.query.one().closed_as == "hidden"
    assert Notification.query.filter_by(user_id=author.user_id, kind="content_hidden").count() == 1
    with force_locale("en"):
        assert (
            str(AuditEntry.query.filter_by(action="idea.hide").one().action_title) == "Hid an idea"
        )
    # An address from elsewhere is not followed.
    client.post(f"{QUEUE}/ideas/{idea.id}/unhide", data={"back": "https://evil.example/"})
    assert (
        client.post(
            f"{QUEUE}/ideas/{idea.id}/hide", data={"reason": "x", "back": "//evil.example"}
        ).location
        == f"{QUEUE}/ideas/{idea.id}#ideas-{idea.id}"
    )


def test_unhiding_brings_it_back_for_everyone_and_tells_the_author(
    client, db, round_, make_member, manager, login_as
):
    author, reader = make_member(), make_member()
    idea = services.post_idea(round_, author, "Misunderstood", "Not rude at all")
    comment = services.add_comment(idea, author, "Also fine")
    db.session.flush()
    services.hide_content(idea, "Looked rude", manager)
    services.hide_content(comment, "Looked rude", manager)
    report(idea, reader.user)  # reported while hidden: the queue shows it once
    db.session.commit()
    login_as(manager)
    assert queue_order(text_of(client.get(QUEUE))) == [
        f"ideas-{idea.id}",
        f"comments-{comment.id}",
    ]
    for kind, item in (("ideas", idea), ("comments", comment)):
        assert client.post(f"{QUEUE}/{kind}/{item.id}/unhide").status_code == 302
    assert ContentReport.query.one().closed_as == "unhidden"
    client.post("/en/logout")
    login_as(reader.user)
    page = text_of(client.get(f"/en/rounds/{round_.id}/ideas/{idea.id}"))
    assert "Not rude at all" in page and "Also fine" in page
    told = Notification.query.filter_by(user_id=author.user_id, kind="content_unhidden").all()
    assert len(told) == 2
    with force_locale("en"):
        assert told[0].title == "A moderator made what you wrote visible again"
    with force_locale("en"):
        titles = {entry.action: str(entry.action_title) for entry in AuditEntry.query}
    assert titles["idea.unhide"] == "Made a hidden idea visible again"
    assert titles["comment.unhide"] == "Made a hidden reaction visible again"


def test_dismissing_closes_the_reports_and_leaves_the_item(
    client, db, round_, make_member, manager, login_as
):
    author = make_member()
    idea = services.post_idea(round_, author, "Fair criticism", "The app is slow")
    db.session.flush()
    for reader in (make_member(), make_member()):
        report(idea, reader.user, "off_topic")
    db.session.commit()
    login_as(manager)
    response = client.post(f"{QUEUE}/ideas/{idea.id}/dismiss", follow_redirects=True)
    assert "2 reports are dismissed. The text stays as it is." in text_of(response)
    assert {r.closed_as for r in ContentReport.query} == {"dismissed"}
    db.session.refresh(idea)
    assert not idea.is_hidden
    assert queue_order(text_of(client.get(QUEUE))) == []
    entry = AuditEntry.query.filter_by(action="idea.dismiss_reports").one()
    with force_locale("en"):
        assert str(entry.action_title) == "Dismissed the reports on an idea"
        assert ("Reports", "2") in entry.detail_lines
    again = client.post(f"{QUEUE}/ideas/{idea.id}/dismiss", follow_redirects=True)
    assert "There are no open reports on it (any more)." in text_of(again)


def test_removing_words_shows_the_moderators_marker_in_the_readers_language(
    client, db, round_, make_member, manager, login_as
):
    author = make_member()
    idea = services.post_idea(
        round_, author, "Call Anna Jansen", "Ring 06-12345678, or 06-12345678"
    )
    db.session.commit()
    login_as(manager)
    client.post(f"{QUEUE}/ideas/{idea.id}/redact", data={"field": "body", "snippet": "06-12345678"})
    client.post(
        f"{QUEUE}/ideas/{idea.id}/redact", data={"field": "title", "snippet": "Anna Jansen"}
    )
    db.session.refresh(idea)
    assert idea.body == f"Ring {REDACTED}, or {REDACTED}" and idea.title == f"Call {REDACTED}"
    assert "06-12345678" not in str([e.details for e in AuditEntry.query])
    # The removed name is no longer found by the round's search.
    assert Idea.query.filter(matching(["jansen"])).count() == 0
    assert Idea.query.filter(matching(["ring"])).count() == 1
    assert AuditEntry.query.filter_by(action="idea.redact").count() == 2
    client.post("/en/logout")
    for lang, phrase in (
        ("en", "[removed by the moderator]"),
        ("nl", "[verwijderd door de moderator]"),
    ):
        login_as(make_member(locale=lang).user)
        page = client.get(f"/{lang}/rounds/{round_.id}/ideas/{idea.id}").get_data(as_text=True)
        assert (
            f'Ring <em class="redacted">{phrase}</em>, or <em class="redacted">{phrase}</em>'
            in page
        )
        assert "06-12345678" not in page and "Anna Jansen" not in page
        client.post(f"/{lang}/logout")


def test_nobody_fakes_the_marker_by_typing_it(client, db, round_, make_member, login_as):
    author = make_member()
    login_as(author.user)
    client.post(
        f"/en/rounds/{round_.id}/ideas",
        data={"title": "Fake", "body": f"Look {REDACTED}here [removed by the moderator]"},
    )
    idea = Idea.query.one()
    assert REDACTED not in idea.body
    page = client.get(f"/en/rounds/{round_.id}/ideas/{idea.id}").get_data(as_text=True)
    assert 'class="redacted"' not in page and "Look here [removed by the moderator]" in page


def test_words_not_in_the_text_are_refused_and_kept_in_the_form(
    client, db, round_, make_member, manager, login_as
):
    idea = services.post_idea(round_, make_member(), "Idea", "Ring 06-12345678")
    db.session.commit()
    login_as(manager)
    response = client.post(
        f"{QUEUE}/ideas/{idea.id}/redact", data={"field": "body", "snippet": "06 12345678"}
    )
    page = text_of(response)
    assert response.status_code == 200
    assert "Those words aren't in the text." in page and 'value="06 12345678"' in page
    db.session.refresh(idea)
    assert idea.body == "Ring 06-12345678"
    assert AuditEntry.query.filter_by(action="idea.redact").count() == 0


def test_two_moderators_hiding_at_once_hide_once(app, db, round_, make_member, make_user):
    author = make_member()
    idea = services.post_idea(round_, author, "Rude", "Idiots")
    db.session.commit()
    managers = [make_user(roles=[Role.PANEL_MANAGER]) for _ in range(4)]
    url = f"{QUEUE}/ideas/{idea.id}/hide"
    statuses, errors = race(app, managers, url, {"reason": "Insults"})
    assert errors == [] and statuses == [302] * 4
    assert AuditEntry.query.filter_by(action="idea.hide").count() == 1
    assert Notification.query.filter_by(user_id=author.user_id, kind="content_hidden").count() == 1


def test_two_moderators_unhiding_at_once_unhide_once(app, db, round_, make_member, make_user):
    author = make_member()
    comment = services.add_comment(services.post_idea(round_, author, "I", "x"), author, "Hi")
    services.hide_content(comment, "Rude", None)
    db.session.commit()
    managers = [make_user(roles=[Role.PANEL_MANAGER]) for _ in range(4)]
    statuses, errors = race(app, managers, f"{QUEUE}/comments/{comment.id}/unhide", {})
    assert errors == [] and statuses == [302] * 4
    assert AuditEntry.query.filter_by(action="comment.unhide").count() == 1
    assert Notification.query.filter_by(kind="content_unhidden").count() == 1


def test_two_moderators_dismissing_at_once_dismiss_once(app, db, round_, make_member, make_user):
    idea = services.post_idea(round_, make_member(), "Fair", "The app is slow")
    db.session.flush()
    for reader in (make_member(), make_member()):
        report(idea, reader.user, "off_topic")
    db.session.commit()
    managers = [make_user(roles=[Role.PANEL_MANAGER]) for _ in range(4)]
    statuses, errors = race(app, managers, f"{QUEUE}/ideas/{idea.id}/dismiss", {})
    assert errors == [] and statuses == [302] * 4
    entries = AuditEntry.query.filter_by(action="idea.dismiss_reports").all()
    assert len(entries) == 1 and entries[0].details == {"reports": 2}
    assert {r.closed_as for r in ContentReport.query} == {"dismissed"}


def test_two_moderators_removing_words_at_once_never_overwrite_each_other(
    app, db, round_, make_member, make_user
):
    idea = services.post_idea(round_, make_member(), "Idea", "Anna Jansen, 06-12345678")
    db.session.commit()
    first, second = make_user(roles=[Role.PANEL_MANAGER]), make_user(roles=[Role.PANEL_MANAGER])
    url = f"{QUEUE}/ideas/{idea.id}/redact"
    clients = [logged_in(app, user) for user in (first, second)]
    barrier, results = threading.Barrier(2), []

    def send(client, snippet):
        barrier.wait()
        results.append(client.post(url, data={"field": "body", "snippet": snippet}).status_code)

    threads = [
        threading.Thread(target=send, args=(clients[0], "Anna Jansen")),
        threading.Thread(target=send, args=(clients[1], "06-12345678")),
    ]
    [thread.start() for thread in threads]
    [thread.join(timeout=60) for thread in threads]
    db.session.rollback()
    body = db.session.get(Idea, idea.id).body
    done = AuditEntry.query.filter_by(action="idea.redact").count()
    # Either both removals landed one after the other, or one did and the other moderator was
    # told the text changed (and sees the form again): never one undoing the other.
    assert sorted(results) in ([200, 302], [302, 302])
    assert body in (
        f"{REDACTED}, {REDACTED}",
        f"{REDACTED}, 06-12345678",
        f"Anna Jansen, {REDACTED}",
    )
    assert done == body.count(REDACTED)


def test_the_queue_runs_the_same_queries_for_3_or_20_items(
    client, db, round_, make_member, manager, login_as, count_queries
):
    author, reader = make_member(), make_member()

    def add(number):
        for index in range(number):
            idea = services.post_idea(round_, author, f"Idea {index}", "x")
            comment = services.add_comment(idea, author, "y")
            db.session.flush()
            report(idea, reader.user)
            report(comment, reader.user, "spam", "Advert")
        db.session.commit()

    login_as(manager)
    add(2)  # 4 items
    with count_queries() as few:
        assert client.get(QUEUE).status_code == 200
    add(10)  # 24 items: a full page of 20
    with count_queries() as many:
        assert client.get(QUEUE).status_code == 200
    assert many.count == few.count, str(many)


def logged_in(app, user):
    client = app.test_client()
    assert (
        client.post("/en/login", data={"email": user.email, "password": PASSWORD}).status_code
        == 302
    )
    return client


def race(app, users, url, data):
    clients = [logged_in(app, user) for user in users]
    barrier = threading.Barrier(len(clients))
    statuses, errors = [], []

    def send(client):
        barrier.wait()
        try:
            statuses.append(client.post(url, data=data).status_code)
        except Exception as error:  # noqa: BLE001 - any error fails the test
            errors.append(error)

    threads = [threading.Thread(target=send, args=(client,)) for client in clients]
    [thread.start() for thread in threads]
    [thread.join(timeout=60) for thread in threads]
    db_session_rollback()
    return statuses, errors


def db_session_rollback():
    from panel.extensions import db

    db.session.rollback()


def test_make_insight_on_a_hidden_item_explains_instead_of_a_404(
    client, db, round_, make_member, owner, manager, login_as
):
    idea = services.post_idea(round_, make_member(), "Rude", "Idiots")
    db.session.commit()
    services.hide_content(idea, "Insults", manager)
    db.session.commit()
    login_as(owner)
    idea_page = f"/en/owner/rounds/{round_.id}/ideas/{idea.id}"
    response = client.get(
        f"/en/insights/new?kind=idea&source={idea.id}", headers={"Referer": idea_page}
    )
    assert response.status_code == 302 and response.location == idea_page
    told = text_of(client.get(idea_page))
    assert "A moderator hid this, so an insight can't rest on it." in told
    # Hidden while the owner was typing: the form comes back with what they typed.
    response = client.post(
        "/en/insights/new",
        data={"kind": "idea", "source": str(idea.id), "title_en": "People are angry"},
    )
    page = text_of(response)
    assert response.status_code == 200 and 'value="People are angry"' in page
    assert "A moderator hid it meanwhile" in page
    # What isn't there at all is still not found.
    assert client.get("/en/insights/new?kind=idea&source=999999").status_code == 404


def test_a_title_with_removed_words_reads_right_in_notifications_and_mail(
    client, db, round_, make_member, manager, login_as
):
    author = make_member(locale="nl")
    idea = services.post_idea(round_, author, "Bel Anna Jansen", "Zij weet het")
    db.session.commit()
    login_as(manager)
    client.post(
        f"{QUEUE}/ideas/{idea.id}/redact", data={"field": "title", "snippet": "Anna Jansen"}
    )
    services.add_comment(idea, make_member(locale="en"), "Good idea")
    db.session.commit()
    note = Notification.query.filter_by(user_id=author.user_id, kind="idea_reaction").one()
    with force_locale("nl"):
        assert note.title == "Nieuwe reactie op je idee ‘Bel [verwijderd door de moderator]’"
    subject = OutboxMessage.query.filter_by(to_address=author.user.email).one().subject
    assert "[verwijderd door de moderator]" in subject and REDACTED not in subject

"""Taking part like on a community (issue 15): replies to reactions, one level deep and threaded
under their reaction; the reaction's author hears of a reply in their language; panelists
withdraw their own reactions and ideas, which leaves "withdrawn by the author" where others
replied."""

import threading
import time

import pytest

from panel.extensions import db as _db
from panel.mail import OutboxMessage
from panel.notifications.models import Notification, NotificationPreference
from panel.rounds import reactions, services
from panel.rounds.models import Comment, Idea, IdeaSupport

from ..conftest import PASSWORD


@pytest.fixture
def round_(make_round):
    return make_round(stage="idea")


@pytest.fixture
def idea(db, round_, make_member):
    idea = services.post_idea(round_, make_member(name="Ida Idee"), "Dark mode", "Please add it")
    db.session.commit()
    return idea


def url(idea, rest=""):
    return f"/en/rounds/{idea.round_id}/ideas/{idea.id}{rest}"


def react(idea, member, body, parent=None):
    comment = reactions.add_reaction(idea, member, body, parent=parent)
    _db.session.commit()
    return comment


def test_a_reply_is_threaded_under_its_reaction_and_its_author_is_told(
    client, db, idea, make_member, login_as
):
    writer, answerer = make_member(locale="nl"), make_member()
    reaction = react(idea, writer, "Graag ook voor de website")
    login_as(answerer.user)
    form = client.get(url(idea, f"/reactions/{reaction.id}/reply"))
    assert form.status_code == 200 and "Graag ook voor de website" in form.get_data(as_text=True)
    response = client.post(url(idea, f"/reactions/{reaction.id}/reply"), data={"body": "Eens!"})
    assert response.status_code == 302
    reply = Comment.query.filter_by(body="Eens!").one()
    assert reply.parent_id == reaction.id
    assert response.location.endswith(url(idea, f"#comment-{reply.id}"))

    page = client.get(url(idea)).get_data(as_text=True)
    thread = page[page.index(f'id="comment-{reaction.id}"') :]
    assert thread.index("Graag ook voor de website") < thread.index("Eens!")
    assert 'class="replies"' in thread.split("</li>\n    \n")[0]

    # The Dutch writer hears of it in Dutch, in the app and by e-mail.
    note = Notification.query.filter_by(user_id=writer.user_id, kind="reaction_reply").one()
    assert note.link.startswith("/nl/") and f"/reactions/{reply.id}" in note.link
    mail = OutboxMessage.query.filter_by(to_address=writer.user.email).one()
    assert mail.locale == "nl" and "Nieuw antwoord op je reactie" in mail.subject
    assert "Eens!" in mail.body_text
    # The link leads to the page and place where the reply is.
    login_as(writer.user)
    followed = client.get(note.link.replace("/nl/", "/en/", 1))
    assert followed.status_code == 302 and followed.location.endswith(f"#comment-{reply.id}")


def test_a_reply_to_a_reply_joins_the_same_thread(client, db, idea, make_member, login_as):
    first, second, third = make_member(), make_member(), make_member()
    top = react(idea, first, "Top reaction")
    reply = react(idea, second, "A reply", parent=top)
    login_as(third.user)
    client.post(url(idea, f"/reactions/{reply.id}/reply"), data={"body": "A reply to the reply"})
    deeper = Comment.query.filter_by(body="A reply to the reply").one()
    assert deeper.parent_id == top.id
    # The top reaction's author is told (not the reply's): replies answer the reaction.
    assert Notification.query.filter_by(user_id=first.user_id, kind="reaction_reply").count() == 2
    assert Notification.query.filter_by(user_id=second.user_id, kind="reaction_reply").count() == 0


def test_no_notice_for_a_reply_to_yourself_nor_when_switched_off(db, idea, make_member):
    writer, other = make_member(), make_member()
    reaction = react(idea, writer, "My reaction")
    react(idea, writer, "And one more thing", parent=reaction)
    assert Notification.query.filter_by(kind="reaction_reply").count() == 0
    db.session.add(
        NotificationPreference(user_id=writer.user_id, kind="reaction_reply", email_enabled=False)
    )
    db.session.commit()
    react(idea, other, "Good point", parent=reaction)
    assert Notification.query.filter_by(user_id=writer.user_id, kind="reaction_reply").count() == 1
    assert OutboxMessage.query.filter_by(to_address=writer.user.email).count() == 0


def test_reactions_are_paged_by_top_reaction_with_replies_in_one_query(
    client, db, idea, make_member, login_as, count_queries
):
    member, other = make_member(), make_member()
    login_as(member.user)

    def queries_for_page():
        with count_queries() as queries:
            assert client.get(url(idea)).status_code == 200
        return queries.count

    react(idea, other, "Reaction 0")
    few = queries_for_page()
    tops = [react(idea, other, f"Reaction {n}") for n in range(1, 25)]
    for top in tops:
        for n in range(2):
            react(idea, member, f"Reply {top.id}.{n}", parent=top)
    assert queries_for_page() == few
    page = client.get(url(idea)).get_data(as_text=True)
    # 25 top reactions: 20 on the first page (newest first), with their replies; replies don't
    # count for the paging.
    assert "Page 1 of 2" in page
    assert f"Reply {tops[-1].id}.1" in page and "Reaction 4" not in page
    second = client.get(url(idea, "?page=2")).get_data(as_text=True)
    assert "Reaction 0" in second and f"Reply {tops[2].id}.0" in second


def test_an_empty_or_too_long_reply_keeps_what_was_typed(client, idea, make_member, login_as):
    writer, answerer = make_member(), make_member()
    reaction = react(idea, writer, "Hello")
    login_as(answerer.user)
    long = "Lang verhaal. " * 300
    response = client.post(url(idea, f"/reactions/{reaction.id}/reply"), data={"body": long})
    assert response.status_code == 200
    assert long.strip() in response.get_data(as_text=True)
    assert Comment.query.count() == 1


def test_withdrawing_a_reaction_without_replies_removes_it(client, db, idea, make_member, login_as):
    writer = make_member()
    reaction = react(idea, writer, "Oops, wrong idea")
    login_as(writer.user)
    confirm = client.get(url(idea, f"/reactions/{reaction.id}/withdraw"))
    assert confirm.status_code == 200 and "Withdraw your reaction?" in confirm.get_data(
        as_text=True
    )
    assert db.session.get(Comment, reaction.id) is not None  # asking changes nothing
    assert client.post(url(idea, f"/reactions/{reaction.id}/withdraw")).status_code == 302
    db.session.expire_all()
    assert Comment.query.count() == 0
    assert "Oops, wrong idea" not in client.get(url(idea)).get_data(as_text=True)


def test_withdrawing_a_reaction_with_replies_leaves_a_trace_and_the_replies(
    client, db, idea, make_member, login_as
):
    writer, answerer = make_member(), make_member()
    reaction = react(idea, writer, "My phone number is 0612345678")
    react(idea, answerer, "Thanks, I'll call", parent=reaction)
    login_as(writer.user)
    client.post(url(idea, f"/reactions/{reaction.id}/withdraw"))
    db.session.expire_all()
    kept = db.session.get(Comment, reaction.id)
    assert kept.withdrawn_at is not None and kept.body == ""  # the text is gone, also stored
    page = client.get(url(idea)).get_data(as_text=True)
    assert "Withdrawn by the author." in page and "Thanks, I&#39;ll call" in page
    assert "0612345678" not in page
    # The last reply withdrawn takes the withdrawn reaction with it.
    client.post("/en/logout")
    login_as(answerer.user)
    reply = Comment.query.filter_by(parent_id=reaction.id).one()
    client.post(url(idea, f"/reactions/{reply.id}/withdraw"))
    db.session.expire_all()
    assert Comment.query.count() == 0


def test_only_the_author_withdraws(client, idea, make_member, login_as):
    writer, other = make_member(), make_member()
    reaction = react(idea, writer, "Mine")
    login_as(other.user)
    assert client.get(url(idea, f"/reactions/{reaction.id}/withdraw")).status_code == 404
    assert client.post(url(idea, f"/reactions/{reaction.id}/withdraw")).status_code == 404
    assert client.post(url(idea, "/withdraw")).status_code == 404
    assert Comment.query.count() == 1


def test_a_withdrawn_idea_without_reactions_is_gone(client, db, idea, make_member, login_as):
    fan = make_member()
    services.support_idea(idea, fan)
    db.session.commit()
    login_as(idea.author.user)
    assert "Withdraw your idea?" in client.get(url(idea, "/withdraw")).get_data(as_text=True)
    response = client.post(url(idea, "/withdraw"))
    assert response.location.endswith(f"/en/rounds/{idea.round_id}#ideas")
    db.session.expire_all()
    stored = db.session.get(Idea, idea.id)
    assert stored.withdrawn_at is not None and (stored.title, stored.body) == ("", "")
    # The support stays on record (merges count it); the idea can't be supported any more.
    assert IdeaSupport.query.filter_by(idea_id=idea.id).count() == 1
    assert client.get(url(idea)).status_code == 404


def test_a_withdrawn_idea_keeps_its_reactions_and_refuses_support(
    client, db, idea, make_member, login_as
):
    fan = make_member()
    react(idea, fan, "Nice one")
    login_as(idea.author.user)
    client.post(url(idea, "/withdraw"))
    client.post("/en/logout")
    login_as(fan.user)
    page = client.get(url(idea)).get_data(as_text=True)
    assert "Withdrawn idea" in page and "Nice one" in page
    assert "Please add it" not in page and "Support this idea" not in page
    assert "Post reaction" not in page
    response = client.post(url(idea, "/support"), follow_redirects=True)
    assert "This has been withdrawn by its author." in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Idea, idea.id).support_count == 0
    client.post(url(idea, "/comments"), data={"body": "Still here?"})
    assert Comment.query.filter_by(body="Still here?").count() == 0


def test_the_pages_speak_dutch(client, db, idea, make_member, login_as):
    writer = make_member(locale="nl")
    reaction = react(idea, writer, "Mooi")
    react(idea, make_member(), "Dank", parent=reaction)
    login_as(writer.user)
    page = client.get(f"/nl/rounds/{idea.round_id}/ideas/{idea.id}").get_data(as_text=True)
    assert "Beantwoorden" in page and "Intrekken" in page
    confirm = client.get(
        f"/nl/rounds/{idea.round_id}/ideas/{idea.id}/reactions/{reaction.id}/withdraw"
    )
    assert "Je reactie intrekken?" in confirm.get_data(as_text=True)


# Races ------------------------------------------------------------------------------------------


def logged_in_client(app, user):
    client = app.test_client()
    assert client.post("/en/login", data={"email": user.email, "password": PASSWORD}).status_code
    return client


def run_together(calls):
    barrier = threading.Barrier(len(calls))
    results, errors = {}, []

    def run(name, call):
        barrier.wait()
        try:
            results[name] = call().status_code
        except Exception as error:  # noqa: BLE001 - any error fails the test
            errors.append(error)

    threads = [threading.Thread(target=run, args=call) for call in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    return results


@pytest.mark.parametrize("first", ["withdraw", "reply"])
def test_a_reply_and_the_withdrawal_of_its_reaction_at_once(app, db, idea, make_member, first):
    """Either the reply came first (the reaction stays, withdrawn, with the reply under it) or the
    withdrawal did (the reaction is gone and the reply is refused, what was typed shown): never
    a reply under nothing, never a 500. A delay after each request's first look widens the gap."""
    writer, answerer = make_member(), make_member()
    reaction = react(idea, writer, "Soon gone")
    reaction_id = reaction.id
    withdraw_url = url(idea, f"/reactions/{reaction_id}/withdraw")
    reply_url = url(idea, f"/reactions/{reaction_id}/reply")
    writer_client = logged_in_client(app, writer.user)
    answerer_client = logged_in_client(app, answerer.user)
    answers = {}

    def withdraw():
        if first == "reply":
            time.sleep(0.1)
        return writer_client.post(withdraw_url)

    def reply():
        if first == "withdraw":
            time.sleep(0.1)
        answers["page"] = answerer_client.post(reply_url, data={"body": "Wait for me!"})
        return answers["page"]

    app.config["REACTION_RACE_DELAY"] = 0.3
    try:
        results = run_together([("withdraw", withdraw), ("reply", reply)])
    finally:
        app.config["REACTION_RACE_DELAY"] = 0
    assert results["withdraw"] == 302 and results["reply"] in (200, 302, 404)
    db.session.rollback()
    kept = db.session.get(Comment, reaction_id)
    replies = Comment.query.filter_by(body="Wait for me!").all()
    if replies:
        assert kept is not None and kept.withdrawn_at is not None and kept.body == ""
        assert [r.parent_id for r in replies] == [reaction_id]
    else:
        assert kept is None
        if results["reply"] == 200:
            page = answers["page"].get_data(as_text=True)
            assert "That reaction is no longer there" in page and "Wait for me!" in page


def test_a_support_and_the_withdrawal_of_the_idea_at_once(app, db, idea, make_member):
    """A support that lands on an idea being withdrawn is refused, or counted before it: the
    kept count always equals the supports on record."""
    fan = make_member()
    withdraw_url, support_url = url(idea, "/withdraw"), url(idea, "/support")
    author_client = logged_in_client(app, idea.author.user)
    fan_client = logged_in_client(app, fan.user)
    run_together(
        [
            ("withdraw", lambda: author_client.post(withdraw_url)),
            ("support", lambda: fan_client.post(support_url)),
        ]
    )
    db.session.rollback()
    stored = db.session.get(Idea, idea.id)
    assert stored.withdrawn_at is not None
    assert stored.support_count == IdeaSupport.query.filter_by(idea_id=idea.id).count()


def test_a_withdrawn_idea_leaves_the_round_list(client, db, idea, make_member, login_as):
    react(idea, make_member(), "Reactions keep its page, not its place in the list")
    reactions.withdraw_idea(idea, idea.author)
    db.session.commit()
    login_as(make_member().user)
    round_page = client.get(f"/en/rounds/{idea.round_id}").get_data(as_text=True)
    assert f'href="/en/rounds/{idea.round_id}/ideas/{idea.id}"' not in round_page
    assert client.get(url(idea)).status_code == 200

"""Panelists edit their own idea and reactions (issue 15): any time in the first 15 minutes, after
that only until someone else supported or reacted (ideas) or replied (reactions). The page then
says "edited"; a refused edit keeps what was typed; an edit and a support or reaction arriving
together never both get through once the window is over."""

import threading
import time
from datetime import timedelta

import pytest

from panel.database import utcnow
from panel.extensions import db as _db
from panel.forms import REDACTED
from panel.rounds import idea_search, reactions, services
from panel.rounds.models import Comment, Idea

from ..conftest import PASSWORD

LATE = timedelta(minutes=20)


@pytest.fixture
def round_(make_round):
    return make_round(stage="idea")


@pytest.fixture
def author(make_member):
    return make_member(name="Ida Idee")


def post_idea(round_, author, age=timedelta(0)):
    idea = services.post_idea(round_, author, "Dark mode", "Please add it")
    idea.created_at = utcnow() - age
    _db.session.commit()
    return idea


def react(idea, member, body, parent=None, age=timedelta(0)):
    comment = reactions.add_reaction(idea, member, body, parent=parent)
    comment.created_at = utcnow() - age
    _db.session.commit()
    return comment


def url(idea, rest=""):
    return f"/en/rounds/{idea.round_id}/ideas/{idea.id}{rest}"


def test_the_author_edits_within_the_window_and_the_page_says_edited(
    client, db, round_, author, make_member, login_as
):
    idea = post_idea(round_, author)
    services.support_idea(idea, make_member())  # supported at once: still within the window
    db.session.commit()
    login_as(author.user)
    page = client.get(url(idea)).get_data(as_text=True)
    assert "Edit your idea" in page and "edited" not in page
    form = client.get(url(idea, "/edit")).get_data(as_text=True)
    assert 'value="Dark mode"' in form and "Please add it" in form
    response = client.post(url(idea, "/edit"), data={"title": "Dark mode", "body": "Also at night"})
    assert response.status_code == 302
    db.session.expire_all()
    stored = db.session.get(Idea, idea.id)
    assert stored.body == "Also at night" and stored.edited_at is not None
    page = client.get(url(idea)).get_data(as_text=True)
    assert "Also at night" in page and "edited " in page


def test_after_the_window_an_unanswered_idea_can_still_be_edited(
    client, db, round_, author, make_member, login_as
):
    idea = post_idea(round_, author, age=LATE)
    react(idea, author, "My own addition")  # the author's own reaction doesn't count
    login_as(author.user)
    client.post(url(idea, "/edit"), data={"title": "Dark mode for all", "body": "Please"})
    db.session.expire_all()
    assert db.session.get(Idea, idea.id).title == "Dark mode for all"


@pytest.mark.parametrize("answer", ["support", "reaction"])
def test_after_the_window_an_answered_idea_is_refused_and_the_typing_kept(
    client, db, round_, author, make_member, login_as, answer
):
    idea = post_idea(round_, author, age=LATE)
    other = make_member()
    if answer == "support":
        services.support_idea(idea, other)
        db.session.commit()
    else:
        react(idea, other, "Nice")
    login_as(author.user)
    assert "Edit your idea" not in client.get(url(idea)).get_data(as_text=True)
    opened = client.get(url(idea, "/edit"), follow_redirects=True)  # an old link says why not
    assert "Your idea can no longer be changed" in opened.get_data(as_text=True)
    response = client.post(
        url(idea, "/edit"), data={"title": "Something else", "body": "Completely different"}
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Your idea can no longer be changed" in page
    assert 'value="Something else"' in page and "Completely different" in page
    db.session.expire_all()
    stored = db.session.get(Idea, idea.id)
    assert (stored.title, stored.edited_at) == ("Dark mode", None)


def test_an_empty_title_is_refused_and_the_body_kept(client, round_, author, login_as):
    idea = post_idea(round_, author)
    login_as(author.user)
    response = client.post(url(idea, "/edit"), data={"title": " ", "body": "Kept text"})
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "Please fill this in." in page and "Kept text" in page


def test_only_the_author_edits(client, round_, author, make_member, login_as):
    idea = post_idea(round_, author)
    comment = react(idea, author, "Mine")
    login_as(make_member().user)
    assert "Edit your idea" not in client.get(url(idea)).get_data(as_text=True)
    assert client.get(url(idea, "/edit")).status_code == 404
    data = {"title": "Hijacked", "body": "x"}
    assert client.post(url(idea, "/edit"), data=data).status_code == 404
    reaction_edit = url(idea, f"/reactions/{comment.id}/edit")
    assert client.post(reaction_edit, data={"body": "x"}).status_code == 404
    assert Idea.query.one().title == "Dark mode" and Comment.query.one().body == "Mine"


def test_a_reaction_is_edited_until_someone_replies(
    client, db, round_, author, make_member, login_as
):
    idea = post_idea(round_, author)
    writer, other = make_member(), make_member()
    reaction = react(idea, writer, "First thought", age=LATE)
    login_as(writer.user)
    edit = url(idea, f"/reactions/{reaction.id}/edit")
    response = client.post(edit, data={"body": "Second thought"})
    assert response.status_code == 302 and f"#comment-{reaction.id}" in response.location
    page = client.get(url(idea)).get_data(as_text=True)
    assert "Second thought" in page and "edited " in page
    react(idea, other, "I agree", parent=reaction)
    assert "Edit</a>" not in client.get(url(idea)).get_data(as_text=True)
    refused = client.post(edit, data={"body": "Third thought"})
    assert "Your reaction can no longer be changed" in refused.get_data(as_text=True)
    assert "Third thought" in refused.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Comment, reaction.id).body == "Second thought"


def test_the_edit_pages_speak_dutch(client, round_, make_member, login_as):
    author = make_member(locale="nl")
    idea = post_idea(round_, author, age=LATE)
    services.support_idea(idea, make_member())
    _db.session.commit()
    login_as(author.user)
    response = client.post(
        f"/nl/rounds/{idea.round_id}/ideas/{idea.id}/edit", data={"title": "Nieuw", "body": "x"}
    )
    page = response.get_data(as_text=True)
    assert "Je idee kan niet meer worden aangepast." in page and "Je idee bewerken" in page


# Races ------------------------------------------------------------------------------------------


def logged_in_client(app, user):
    client = app.test_client()
    assert client.post("/en/login", data={"email": user.email, "password": PASSWORD}).status_code
    return client


def run_together(app, calls, delay):
    """Each call in its own thread (own app context and database session), released together;
    the edit waits `delay` seconds between its check and its write."""
    barrier = threading.Barrier(len(calls))
    results, errors = {}, []

    def run(name, call):
        barrier.wait()
        try:
            results[name] = call()
        except Exception as error:  # noqa: BLE001 - any error fails the test
            errors.append(error)

    app.config["EDIT_RACE_DELAY"] = delay
    try:
        threads = [threading.Thread(target=run, args=call) for call in calls]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
    finally:
        app.config["EDIT_RACE_DELAY"] = 0
    assert errors == []
    return results


@pytest.mark.parametrize("answer", ["support", "reaction"])
def test_a_support_or_reaction_during_an_edit_wins(app, db, round_, author, make_member, answer):
    """After the window the edit checks that nobody answered, waits, then writes: a support or
    reaction that lands in between must make the edit fail (the conditional UPDATE), never
    change the text someone just supported or reacted to."""
    idea = post_idea(round_, author, age=LATE)
    other = make_member()
    edit_url, support_url, react_url = (
        url(idea, "/edit"),
        url(idea, "/support"),
        url(idea, "/comments"),
    )
    author_client = logged_in_client(app, author.user)
    other_client = logged_in_client(app, other.user)

    def edit():
        return author_client.post(edit_url, data={"title": "Changed", "body": "Changed"})

    def answer_it():
        time.sleep(0.1)  # after the edit's check, within its delay
        if answer == "support":
            return other_client.post(support_url)
        return other_client.post(react_url, data={"body": "Love it"})

    results = run_together(
        app, [("edit", edit), ("answer", answer_it)], delay=1.5
    )  # room for a busy machine
    assert results["answer"].status_code == 302
    assert results["edit"].status_code == 200  # refused, the form shown again
    assert "Your idea can no longer be changed" in results["edit"].get_data(as_text=True)
    db.session.rollback()
    stored = db.session.get(Idea, idea.id)
    assert (stored.title, stored.body, stored.edited_at) == ("Dark mode", "Please add it", None)
    if answer == "support":
        assert stored.support_count == 1
    else:
        assert Comment.query.filter_by(idea_id=idea.id, body="Love it").count() == 1


@pytest.mark.parametrize("attempt", range(3))
def test_an_edit_and_a_support_released_together(app, db, round_, author, make_member, attempt):
    """Released at the same moment, one goes first: the edit with nobody's support yet (then the
    support counts), or the support (then the edit is refused); never a 500 or a lost support."""
    idea = post_idea(round_, author, age=LATE)
    other = make_member()
    edit_url, support_url = url(idea, "/edit"), url(idea, "/support")
    author_client = logged_in_client(app, author.user)
    other_client = logged_in_client(app, other.user)
    results = run_together(
        app,
        [
            (
                "edit",
                lambda: author_client.post(edit_url, data={"title": "Changed", "body": "x"}),
            ),
            ("support", lambda: other_client.post(support_url)),
        ],
        delay=0.01,
    )
    db.session.rollback()
    stored = db.session.get(Idea, idea.id)
    assert stored.support_count == 1 and results["support"].status_code == 302
    assert results["edit"].status_code in (200, 302)
    if results["edit"].status_code == 302:
        assert stored.title == "Changed" and stored.edited_at is not None
    else:
        assert "Your idea can no longer be changed" in results["edit"].get_data(as_text=True)
        assert stored.title == "Dark mode" and stored.edited_at is None


def test_a_text_a_moderator_redacted_is_not_edited(client, db, round_, author, login_as):
    """Editing would bring back what the moderator removed, or lose the mark: refused, with
    withdrawing still possible."""
    idea = post_idea(round_, author)
    idea.body = "Call me on " + REDACTED + " please"
    db.session.commit()
    login_as(author.user)
    assert "Edit your idea" not in client.get(url(idea)).get_data(as_text=True)
    response = client.post(url(idea, "/edit"), data={"title": "Dark mode", "body": "0612345678"})
    page = response.get_data(as_text=True)
    assert "A moderator removed part of this text" in page and "0612345678" in page
    db.session.expire_all()
    assert db.session.get(Idea, idea.id).body == "Call me on " + REDACTED + " please"


def test_the_round_search_follows_an_edit_and_a_withdrawal(client, db, round_, author, login_as):
    idea = post_idea(round_, author)
    login_as(author.user)
    client.post(url(idea, "/edit"), data={"title": "Dark mode", "body": "Also for the nightstand"})

    def found(word):
        query = db.select(Idea.id).where(idea_search.matching(idea_search.terms_of(word)))
        return db.session.scalars(query).all()

    db.session.expire_all()
    assert found("nightstand") == [idea.id] and found("please") == []
    client.post(url(idea, "/withdraw"))
    db.session.expire_all()
    assert found("nightstand") == [] and found("dark") == []

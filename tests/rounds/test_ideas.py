"""Ideas: posting, one support per member, reactions, official answers, moderation."""

import pytest
from flask_babel import force_locale

from panel.notifications.models import Notification
from panel.rounds import services
from panel.rounds.models import Comment, Idea, IdeaSupport
from panel.security import Role


@pytest.fixture
def round_(make_round):
    return make_round(stage="idea")


def test_post_support_and_react(client, db, round_, make_member, login_as):
    author, fan = make_member(), make_member()
    login_as(author.user)
    response = client.post(
        f"/en/rounds/{round_.id}/ideas", data={"title": "Dark mode", "body": "Please"}
    )
    idea = Idea.query.one()
    assert response.headers["Location"].endswith(f"/en/rounds/{round_.id}/ideas/{idea.id}")
    client.post("/en/logout")
    login_as(fan.user)
    for _ in range(3):  # one support per member, however often the button is pressed
        client.post(f"/en/rounds/{round_.id}/ideas/{idea.id}/support")
    db.session.refresh(idea)
    assert idea.support_count == 1 and IdeaSupport.query.count() == 1
    client.post(f"/en/rounds/{round_.id}/ideas/{idea.id}/comments", data={"body": "Yes please!"})
    assert Comment.query.one().body == "Yes please!"
    client.post(f"/en/rounds/{round_.id}/ideas/{idea.id}/unsupport")
    db.session.refresh(idea)
    assert idea.support_count == 0 and IdeaSupport.query.count() == 0


def test_ideas_sort_by_newest_and_most_supported(client, db, round_, make_member, login_as):
    members = [make_member() for _ in range(3)]
    popular = services.post_idea(round_, members[0], "Popular idea", "x")
    services.post_idea(round_, members[0], "Newest idea", "y")
    for member in members[1:]:
        services.support_idea(popular, member)
    db.session.commit()
    login_as(members[2].user)
    newest = client.get(f"/en/rounds/{round_.id}").get_data(as_text=True)
    supported = client.get(f"/en/rounds/{round_.id}?sort=supported").get_data(as_text=True)
    assert newest.index("Newest idea") < newest.index("Popular idea")
    assert supported.index("Popular idea") < supported.index("Newest idea")


def test_empty_idea_keeps_what_was_typed(client, round_, make_member, login_as):
    login_as(make_member().user)
    response = client.post(
        f"/en/rounds/{round_.id}/ideas", data={"title": "Only a title", "body": ""}
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'value="Only a title"' in page and "Please fill this in." in page
    assert '<details class="panel idea-new" open>' in page
    assert Idea.query.count() == 0


def test_owner_answers_and_the_author_is_told(client, db, round_, make_member, owner, login_as):
    author = make_member()
    idea = services.post_idea(round_, author, "Dark mode", "Please")
    db.session.commit()
    login_as(owner)
    response = client.post(
        f"/en/owner/rounds/{round_.id}/ideas/{idea.id}",
        data={"status": "selected", "answer_en": "We're building it."},
    )
    assert response.status_code == 302
    db.session.refresh(idea)
    assert idea.status == "selected" and idea.answer_en == "We're building it."
    note = Notification.query.filter_by(user_id=author.user_id, kind="idea_answered").one()
    with force_locale("en"):
        assert "Selected" in note.title and "Dark mode" in note.title


def test_hidden_content_is_gone_for_everyone_but_its_author(
    client, db, round_, make_member, make_user, login_as
):
    author, reader = make_member(), make_member()
    idea = services.post_idea(round_, author, "Rude idea", "Something abusive")
    comment = services.add_comment(
        services.post_idea(round_, reader, "Fine idea", "ok"), author, "Rude reaction"
    )
    db.session.commit()
    manager = make_user(roles=[Role.PANEL_MANAGER])
    login_as(manager)
    client.post(
        f"/en/owner/rounds/{round_.id}/ideas/{idea.id}/hide", data={"reason": "Not friendly"}
    )
    client.post(
        f"/en/owner/rounds/{round_.id}/comments/{comment.id}/hide", data={"reason": "Not friendly"}
    )
    client.post("/en/logout")
    login_as(reader.user)
    page = client.get(f"/en/rounds/{round_.id}").get_data(as_text=True)
    assert "Rude idea" not in page and "Fine idea" in page
    assert client.get(f"/en/rounds/{round_.id}/ideas/{idea.id}").status_code == 404
    other = client.get(f"/en/rounds/{round_.id}/ideas/{comment.idea_id}").get_data(as_text=True)
    assert "Rude reaction" not in other
    client.post("/en/logout")
    login_as(author.user)
    own = client.get(f"/en/rounds/{round_.id}/ideas/{idea.id}").get_data(as_text=True)
    assert "Not friendly" in own
    assert Notification.query.filter_by(user_id=author.user_id, kind="content_hidden").count() == 2


def test_only_panel_managers_hide_content(client, db, round_, make_member, owner, login_as):
    idea = services.post_idea(round_, make_member(), "Idea", "x")
    db.session.commit()
    login_as(owner)
    assert (
        client.post(
            f"/en/owner/rounds/{round_.id}/ideas/{idea.id}/hide", data={"reason": "x"}
        ).status_code
        == 403
    )
    db.session.refresh(idea)
    assert not idea.is_hidden


def test_a_member_who_leaves_takes_their_words_along(db, round_, make_member):
    from panel.membership.privacy import leave_panel

    author, fan = make_member(), make_member()
    idea = services.post_idea(round_, author, "My own words", "Personal story")
    services.support_idea(idea, fan)
    services.add_comment(idea, author, "More of my words")
    db.session.commit()
    leave_panel(author, "other")
    db.session.commit()
    db.session.refresh(idea)
    assert (
        idea.author_id is None and "My own words" not in idea.title and "Personal" not in idea.body
    )
    assert Comment.query.one().body != "More of my words"
    assert idea.support_count == 1  # counts stay

"""'My contributions' names the idea each reaction was on (its title, linked), read with the
page's reactions: the page runs as many queries for 20 reactions on 20 ideas as for 2."""

from panel.insights.models import seed_default_streams
from panel.rounds import services
from panel.security import Role

ROUND_FIELDS = {
    "title_nl": "Betere app",
    "title_en": "Better app",
    "summary_nl": "Samen bouwen",
    "summary_en": "Build together",
    "question_nl": "Wat mis je?",
    "question_en": "What do you miss?",
    "visibility": "all",
}


def make_round(db, make_user):
    seed_default_streams()
    owner = make_user(roles=[Role.PRODUCT_OWNER])
    round_ = services.create_round(owner, dict(ROUND_FIELDS), [])
    services.publish_round(round_, owner)
    db.session.commit()
    return round_


def react_on_new_ideas(db, round_, author, member, n, start=0):
    ideas = []
    for number in range(start, start + n):
        idea = services.post_idea(round_, author, f"Idee nummer {number}", "x")
        services.add_comment(idea, member, f"Reactie {number}")
        ideas.append(idea)
    db.session.commit()
    return ideas


def test_each_reaction_names_its_idea_without_a_query_per_row(
    client, db, make_user, make_member, login_as, count_queries
):
    round_ = make_round(db, make_user)
    author, member = make_member(), make_member(locale="nl")
    ideas = react_on_new_ideas(db, round_, author, member, 2)
    login_as(member.user)
    client.get("/nl/me/contributions")
    with count_queries() as few:
        page = client.get("/nl/me/contributions").get_data(as_text=True)
    assert "Bij het idee:" in page
    link = f'href="/nl/rounds/{round_.id}/ideas/{ideas[0].id}">Idee nummer 0</a>'
    assert link in page and "Reactie 0" in page
    react_on_new_ideas(db, round_, author, member, 18, start=2)
    with count_queries() as many:
        page = client.get("/nl/me/contributions").get_data(as_text=True)
    assert "Idee nummer 19</a>" in page
    assert many.count == few.count, many


def test_a_hidden_idea_is_not_named(client, db, make_user, make_member, login_as):
    round_ = make_round(db, make_user)
    author, member = make_member(), make_member()
    (idea,) = react_on_new_ideas(db, round_, author, member, 1)
    idea.hidden_at, idea.hidden_reason = idea.created_at, "Spam"
    db.session.commit()
    login_as(member.user)
    page = client.get("/en/me/contributions").get_data(as_text=True)
    assert "Reactie 0" in page and "Idee nummer 0" not in page

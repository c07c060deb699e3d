"""'You asked for this' where the member looks: beside the change on the release's feedback form,
and under My contributions with the idea or contribution that led to a published change — in
the page's language, for that member only, at a cost that does not grow with the rows."""

import pytest

from panel.insights.models import Evidence, Insight
from panel.rounds import services as rounds
from panel.shipped import links, marks

from .conftest import evidence_of

OWNER = {"locale": "nl"}
RELEASE = {"publish": True}
ROUND_STAGE = None


# The feedback form ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("lang", "mark"), [("en", "You asked for this"), ("nl", "Je vroeg hierom")]
)
def test_the_form_marks_the_changes_the_member_asked_for(
    client, db, owner, make_member, make_release, login_as, round_, lang, mark
):
    asker, other = make_member(locale=lang), make_member(locale=lang)
    release = make_release()
    dark = release.changes[1]
    idea = rounds.post_idea(round_, asker, "Een donkere modus graag", "Voor de avond")
    links.link_idea(dark, idea, owner)
    db.session.commit()

    login_as(asker.user)
    page = client.get(f"/{lang}/feedback/{release.id}").get_data(as_text=True)
    assert page.count(mark) == 1
    legend = page.split(mark)[0].rsplit("<legend>", 1)[1]
    assert ("Donkere modus" if lang == "nl" else "Dark mode") in legend  # beside its change

    login_as(other.user)
    assert mark not in client.get(f"/{lang}/feedback/{release.id}").get_data(as_text=True)


def test_form_marks_answer_in_one_query(db, owner, make_member, make_release, count_queries):
    asker = make_member()
    release = make_release()
    for change in release.changes:
        insight = Insight(title_nl="x", title_en="x", description="")
        db.session.add(insight)
        db.session.flush()
        db.session.add(
            Evidence(insight_id=insight.id, kind="idea", source_id=change.id, member_id=asker.id)
        )
        links.link_insight(change, insight, owner)
    db.session.commit()
    changes = {change.id for change in release.changes}  # loaded, like the form's page has them
    asker.id  # noqa: B018
    with count_queries() as queries:
        found = marks.form_marks(release, member=asker)
    assert set(found) == changes
    assert queries.count == 1
    assert marks.form_marks(release, member=None) == {}


# My contributions -----------------------------------------------------------------------------


def test_my_contributions_says_what_shipped_in_which_version(
    client, db, owner, make_member, make_release, login_as, round_
):
    member = make_member(locale="nl")
    idea = rounds.post_idea(round_, member, "Verbruik per dag graag", "Dan weet ik het")
    other_idea = rounds.post_idea(round_, make_member(), "Iets anders", "Anders")
    reaction = rounds.add_comment(other_idea, member, "Ja, donker is fijner")
    quiet = rounds.add_comment(other_idea, member, "Nog een reactie")
    db.session.commit()
    draft = make_release(version="11.13", publish=False)
    release = make_release(version="11.12")
    links.link_idea(release.changes[0], idea, owner)
    links.link_insight(release.changes[1], evidence_of(db, [reaction], en="Too bright"), owner)
    links.link_insight(draft.changes[0], evidence_of(db, [quiet]), owner)  # not out yet
    db.session.commit()

    login_as(member.user)
    page = client.get("/nl/me/contributions").get_data(as_text=True)
    assert page.count("Je vroeg erom:") == 2
    assert "Je vroeg erom: ‘Verbruik per dag’ zit in versie 11.12" in page
    assert "Je vroeg erom: ‘Donkere modus’ zit in versie 11.12" in page
    assert "11.13" not in page
    # Each mark with its own contribution.
    idea_item = page.split("Verbruik per dag graag")[1].split("</li>")[0]
    assert "‘Verbruik per dag’" in idea_item and "‘Donkere modus’" not in idea_item
    reaction_item = page.split("Ja, donker is fijner")[1].split("</li>")[0]
    assert "‘Donkere modus’" in reaction_item

    english = client.get("/en/me/contributions").get_data(as_text=True)
    assert "You asked for this: ‘Usage per day’ is in version 11.12" in english


def test_marks_are_only_for_the_members_own_contributions(
    db, owner, make_member, make_release, round_
):
    member, someone = make_member(), make_member()
    idea = rounds.post_idea(round_, someone, "Van iemand anders", "x")
    reaction = rounds.add_comment(idea, someone, "Ook van iemand anders")
    db.session.commit()
    release = make_release()
    links.link_insight(release.changes[0], evidence_of(db, [reaction]), owner)
    db.session.commit()
    assert marks.contribution_marks(member, keys=[("comment", reaction.id)]) == {}
    assert set(marks.contribution_marks(someone, keys=[("comment", reaction.id)])) == {
        ("comment", reaction.id)
    }
    assert marks.contribution_marks(member, keys=[]) == {}


def test_my_contributions_marks_cost_the_same_for_many_items(
    client, db, owner, make_member, make_release, login_as, round_, count_queries
):
    member = make_member()
    release = make_release()

    def contribute(n, start):
        for number in range(start, start + n):
            idea = rounds.post_idea(round_, member, f"Idee {number}", "x")
            reaction = rounds.add_comment(idea, member, f"Reactie {number}")
            db.session.commit()
            links.link_idea(release.changes[number % 2], idea, owner)
            links.link_insight(release.changes[0], evidence_of(db, [reaction]), owner)
        db.session.commit()

    contribute(1, 0)
    login_as(member.user)
    client.get("/en/me/contributions")
    with count_queries() as few:
        assert "You asked for this" in client.get("/en/me/contributions").get_data(as_text=True)
    contribute(9, 1)
    with count_queries() as many:
        page = client.get("/en/me/contributions").get_data(as_text=True)
    assert page.count("You asked for this") == 20
    assert many.count == few.count, many

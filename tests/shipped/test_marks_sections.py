"""'What you asked for that shipped' on My contributions: every published change a member is a
kept asker of — also an idea they only supported, which is not among their own contributions —
newest first, capped, in the page's language, one query; and every place that says "you asked
for this" (the form, the contributions, this list, the results) agrees on who asked."""

import pytest

from panel.feedback import services as feedback
from panel.insights.models import Evidence
from panel.rounds import services as rounds
from panel.shipped import links, marks, results
from panel.shipped.models import ChangeAsker

from .conftest import evidence_of

HEADING = {"en": "What you asked for that shipped", "nl": "Waar je om vroeg, nu in de app"}

OWNER = {"locale": "nl"}
RELEASE = {"publish": True}
ROUND_STAGE = None


def section_of(page, lang):
    """The section's HTML ("" when the page has none)."""
    if HEADING[lang] not in page:
        return ""
    return page.split(HEADING[lang])[1].split("</section>")[0]


@pytest.mark.parametrize(
    ("lang", "older", "newer", "how"),
    [
        (
            "en",
            "‘Usage per day’ is in version 11.12",
            "‘Dark mode’ is in version 11.13",
            "An idea you supported",
        ),
        (
            "nl",
            "‘Verbruik per dag’ zit in versie 11.12",
            "‘Donkere modus’ zit in versie 11.13",
            "Een idee dat je steunde",
        ),
    ],
)
def test_a_supporter_finds_what_shipped_on_my_contributions(
    client, db, owner, make_member, make_release, login_as, round_, lang, older, newer, how
):
    """The message sends a supporter to My contributions, where their support is not listed:
    the section names the change, its version and how they asked, newest first."""
    author, supporter, bystander = make_member(), make_member(locale=lang), make_member()
    idea = rounds.post_idea(round_, author, "Verbruik per dag graag", "Dan weet ik het")
    rounds.support_idea(idea, supporter)
    db.session.commit()
    first = make_release(version="11.12")
    draft = make_release(version="11.14", publish=False)
    links.link_idea(first.changes[0], idea, owner)
    links.link_idea(draft.changes[0], idea, owner)  # not out yet
    db.session.commit()
    second = make_release(version="11.13", publish=False)
    links.link_idea(second.changes[1], idea, owner)
    feedback.publish_release(second, owner)
    db.session.commit()

    login_as(supporter.user)
    section = section_of(client.get(f"/{lang}/me/contributions").get_data(as_text=True), lang)
    assert older in section and newer in section and "11.14" not in section
    assert section.index(newer) < section.index(older)  # newest first
    assert section.count(how) == 2

    login_as(bystander.user)
    assert not section_of(client.get(f"/{lang}/me/contributions").get_data(as_text=True), lang)


def test_the_section_says_how_the_author_and_an_insight_asked(
    client, db, owner, make_member, make_release, login_as, round_
):
    member = make_member(locale="en")
    idea = rounds.post_idea(round_, member, "Donker graag", "Voor de avond")
    reaction = rounds.add_comment(idea, member, "En verbruik per dag")
    db.session.commit()
    release = make_release()
    links.link_idea(release.changes[1], idea, owner)
    links.link_insight(release.changes[0], evidence_of(db, [reaction]), owner)
    db.session.commit()
    login_as(member.user)
    section = section_of(client.get("/en/me/contributions").get_data(as_text=True), "en")
    usage, dark = section.split("‘Usage per day’")[1], section.split("‘Dark mode’")[1]
    assert usage.split("</li>")[0].count("What you told us, through an insight") == 1
    assert dark.split("</li>")[0].count("From your idea") == 1


def test_the_section_lists_the_latest_twenty_on_the_first_page_only(
    client, db, owner, make_member, make_release, login_as, round_
):
    member = make_member(locale="en")
    idea = rounds.post_idea(round_, member, "Veel versies", "x")
    for number in range(25):  # a page and a bit of contributions
        rounds.add_comment(idea, member, f"Reactie {number}")
    db.session.commit()
    for number in range(11):  # 22 changes
        release = make_release(version=f"12.{number}", publish=False)
        for change in release.changes:
            links.link_idea(change, idea, owner)
        feedback.publish_release(release, owner)
        db.session.commit()
    login_as(member.user)
    section = section_of(client.get("/en/me/contributions").get_data(as_text=True), "en")
    assert section.count("<li>") == marks.LATEST == 20
    assert "version 12.10" in section and "version 12.0<" not in section
    assert "Only the latest 20 are listed here." in section
    assert not section_of(client.get("/en/me/contributions?page=2").get_data(as_text=True), "en")


def test_the_section_costs_one_query_whatever_the_number_of_changes(
    client, db, owner, make_member, make_release, login_as, round_, count_queries
):
    member = make_member()
    login_as(member.user)
    idea = rounds.post_idea(round_, make_member(), "Gesteund", "x")
    rounds.support_idea(idea, member)
    db.session.commit()
    with count_queries() as none:
        client.get("/en/me/contributions")

    def ship(versions):
        for version in versions:
            release = make_release(version=version, publish=False)
            for change in release.changes:
                links.link_idea(change, idea, owner)
            feedback.publish_release(release, owner)
            db.session.commit()

    ship(["13.0"])
    with count_queries() as few:
        assert "13.0" in client.get("/en/me/contributions").get_data(as_text=True)
    ship([f"13.{n}" for n in range(1, 8)])
    with count_queries() as many:
        assert "13.7" in client.get("/en/me/contributions").get_data(as_text=True)
    assert few.count == many.count == none.count, many
    db.session.expire_all()
    member.id  # noqa: B018
    with count_queries() as queries:
        marks.contribution_sections(member)
    assert queries.count == 1


def test_form_contributions_section_and_results_agree_on_who_asked(
    client, db, owner, make_member, make_release, login_as, round_
):
    """The askers are kept: a reaction that becomes evidence of a linked insight after the
    release shipped makes no asker, and no place says its author asked; the kept askers are
    marked everywhere."""
    early, late = make_member(locale="en"), make_member(locale="en")
    idea = rounds.post_idea(round_, make_member(), "Verbruik per dag graag", "x")
    said_early = rounds.add_comment(idea, early, "Ja, per dag")
    said_late = rounds.add_comment(idea, late, "Ik ook")
    db.session.commit()
    insight = evidence_of(db, [said_early])
    release = make_release(version="11.12", publish=False)
    usage = release.changes[0]
    links.link_insight(usage, insight, owner)
    feedback.publish_release(release, owner)
    db.session.commit()
    db.session.add(
        Evidence(insight_id=insight.id, kind="comment", source_id=said_late.id, member_id=late.id)
    )
    db.session.commit()

    kept = {asker.member_id for asker in ChangeAsker.query.filter_by(change_id=usage.id).all()}
    assert kept == {early.id}
    assert results.linked_counts(release)[usage.id][2] == 1
    for member, comment, asked in ((early, said_early, True), (late, said_late, False)):
        assert bool(marks.form_marks(release, member=member)) is asked
        assert bool(marks.contribution_marks(member, keys=[("comment", comment.id)])) is asked
        assert bool(marks.contribution_sections(member)) is asked
        login_as(member.user)
        form = client.get(f"/en/feedback/{release.id}").get_data(as_text=True)
        page = client.get("/en/me/contributions").get_data(as_text=True)
        assert ("You asked for this" in form) is asked
        assert ("You asked for this: ‘Usage per day’" in page) is asked
        assert bool(section_of(page, "en")) is asked

"""Your impact on the dashboard (panel.recognition.impact): support for your ideas, the insights
your input is evidence in, what you asked for that shipped, sessions attended, each with a link;
zero worded on its own, an encouraging line for a newcomer, and one query whatever the history."""

from datetime import timedelta

import pytest

from panel.database import utcnow
from panel.feedback import services as feedback
from panel.recognition.impact import impact_of
from panel.rounds.models import Idea, IdeaSupport, Registration, Session
from panel.shipped import links
from tests.shipped.conftest import CHANGES, make_insight, new_release


def release(db, owner, version, publish):
    """A release of one change: usage per day."""
    return new_release(db, owner, version, publish=publish, changes=CHANGES[:1])


def idea(db, round_, author, support_count=0, **fields):
    made = Idea(
        round_id=round_.id,
        author_id=author.id,
        title="Verbruik per dag",
        body="Laat mijn verbruik per dag zien.",
        support_count=support_count,
        **fields,
    )
    db.session.add(made)
    db.session.commit()
    return made


def insight_with(db, member, pieces=1):
    """An insight resting on `pieces` reactions of this member."""
    return make_insight(db, [member] * pieces, nl="Verbruik", en="Usage", former_member=False)


def attended(db, round_, member, attendance="attended"):
    starts = utcnow() - timedelta(days=3)
    session = Session(
        round_id=round_.id,
        title_nl="Sessie",
        title_en="Session",
        kind="online",
        capacity=10,
        seats_taken=1,
        starts_at=starts,
        ends_at=starts + timedelta(hours=2),
        registration_deadline=starts - timedelta(hours=1),
    )
    db.session.add(session)
    db.session.flush()
    db.session.add(
        Registration(
            session_id=session.id, member_id=member.id, status="confirmed", attendance=attendance
        )
    )
    db.session.commit()


def dashboard(client, lang="en"):
    response = client.get(f"/{lang}/me")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_the_figures_count_what_the_member_gave(db, owner, make_member, round_):
    ann = make_member()
    idea(db, round_, ann, support_count=3)
    idea(db, round_, ann, support_count=2)
    idea(db, round_, ann, support_count=9, hidden_at=utcnow())  # hidden: not counted
    idea(db, round_, ann, support_count=4, withdrawn_at=utcnow())  # withdrawn: not counted
    one, two = insight_with(db, ann, pieces=2), insight_with(db, ann)  # 2 insights, 3 pieces
    insight_with(db, make_member())  # somebody else's
    attended(db, round_, ann)
    attended(db, round_, ann, attendance="no_show")

    shipped = release(db, owner, "11.12", publish=True)
    draft = release(db, owner, "11.13", publish=False)
    links.link_insight(shipped.changes[0], one, owner)
    links.link_insight(draft.changes[0], two, owner)  # not published: not shipped yet
    db.session.commit()

    impact = impact_of(ann)
    assert (impact.ideas, impact.supports, impact.insights, impact.shipped, impact.sessions) == (
        2,
        5,
        2,
        1,
        1,
    )


def test_an_idea_you_asked_for_counts_when_its_release_is_published(db, owner, make_member, round_):
    ann, bob = make_member(), make_member()
    asked = idea(db, round_, bob, support_count=1)
    db.session.add(IdeaSupport(idea_id=asked.id, member_id=ann.id))
    db.session.commit()
    later = release(db, owner, "11.12", publish=False)
    links.link_idea(later.changes[0], asked, owner)
    db.session.commit()
    assert impact_of(ann).shipped == 0
    feedback.publish_release(later, owner)
    db.session.commit()
    assert impact_of(ann).shipped == 1 and impact_of(bob).shipped == 1


@pytest.mark.parametrize("lang", ["en", "nl"])
def test_a_newcomer_sees_an_encouraging_line_not_four_zeros(client, make_member, login_as, lang):
    ann = make_member(locale=lang)
    login_as(ann.user)
    page = dashboard(client, lang)
    heading, line = {
        "en": ("Your impact", "Here you&#39;ll see what your input leads to"),
        "nl": ("Wat jouw inbreng oplevert", "Hier zie je straks wat je inbreng oplevert"),
    }[lang]
    assert heading in page
    assert line in page.replace("'", "&#39;") or line.replace("&#39;", "'") in page
    section = page[page.index(heading) : page.index("</section>", page.index(heading))]
    assert " 0 " not in section and "0 keer" not in section
    assert f"/{lang}/rounds" in section


@pytest.mark.parametrize(
    ("lang", "expected"),
    [
        (
            "en",
            [
                "You haven&#39;t shared an idea yet.",
                "Your input is evidence in 2 insights the product teams work with.",
                "Nothing you asked for is in the app yet.",
                "You took part in 1 session.",
            ],
        ),
        (
            "nl",
            [
                "Je hebt nog geen idee gedeeld.",
                "Je inbreng onderbouwt 2 inzichten waar de productteams mee werken.",
                "Er zit nog niets in de app waar jij om vroeg.",
                "Je deed mee aan 1 sessie.",
            ],
        ),
    ],
)
def test_each_figure_has_its_words_and_zero_its_own(
    db, client, make_member, login_as, round_, lang, expected
):
    ann = make_member(locale=lang)
    insight_with(db, ann)
    insight_with(db, ann)
    attended(db, round_, ann)
    login_as(ann.user)
    page = dashboard(client, lang).replace("'", "&#39;")
    for line in expected:
        assert line in page
    assert "/me/contributions" in page and f"/{lang}/feedback" in page


def test_supports_are_counted_in_words(db, client, make_member, login_as, round_):
    ann = make_member()
    idea(db, round_, ann, support_count=1)
    login_as(ann.user)
    assert "Other panelists supported your idea 1 time." in dashboard(client)
    idea(db, round_, ann, support_count=0)
    assert "Other panelists supported your ideas 1 time." in dashboard(client)


def test_no_impact_section_for_an_applicant(client, make_member, login_as):
    ann = make_member(status="applicant")
    login_as(ann.user)
    assert "Your impact" not in dashboard(client)


def test_the_level_is_mentioned_with_a_way_to_show_it(db, client, make_member, login_as, round_):
    ann = make_member()
    attended(db, round_, ann)
    ann.contributor_level = "regular"
    db.session.commit()
    login_as(ann.user)
    page = dashboard(client)
    assert "Your contributor level: Regular" in page
    assert "Show it next to your ideas and reactions" in page


def test_impact_costs_one_query_whatever_the_history(db, owner, make_member, round_, count_queries):
    ann = make_member()
    db.session.refresh(ann)
    with count_queries() as empty:
        impact_of(ann)
    for number in range(6):
        idea(db, round_, ann, support_count=number)
        insight_with(db, ann, pieces=2)
        attended(db, round_, ann)
    shipped = release(db, owner, "11.12", publish=True)
    links.link_idea(shipped.changes[0], Idea.query.first(), owner)
    db.session.commit()
    db.session.refresh(ann)
    with count_queries() as busy:
        impact = impact_of(ann)
    assert impact.sessions == 6 and impact.shipped == 1
    assert empty.count == busy.count == 1, str(busy)


def test_the_dashboard_keeps_its_query_count_as_the_history_grows(
    db, client, owner, make_member, login_as, round_, count_queries
):
    ann = make_member()
    login_as(ann.user)
    idea(db, round_, ann, support_count=1)
    dashboard(client)
    with count_queries() as few:
        dashboard(client)
    for number in range(8):
        idea(db, round_, ann, support_count=number)
        insight_with(db, ann)
        attended(db, round_, ann)
    with count_queries() as many:
        dashboard(client)
    assert many.count == few.count, str(many)

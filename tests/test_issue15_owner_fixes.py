"""Issue 15 fixes around withdrawn and merged ideas, seen by their author and by the round's
owner: 'My contributions' says what was withdrawn and links nowhere; the owner's list tags
withdrawn and merged ideas; the owner's idea page offers nothing to do with words that are gone
(no answer, merge, insight) and pages its reactions with their replies threaded under them;
withdrawing closes the item's open reports; the finished stage steps are readable (WCAG AA)."""

# ruff: noqa: F811 (the fixtures imported below are parameters of the tests)

import re
import threading
import time
from pathlib import Path

import pytest

from panel.extensions import db as _db
from panel.insights.evidence import load_source
from panel.notifications.models import Notification
from panel.rounds import reactions, services
from panel.rounds.models import Idea
from panel.rounds.moderation import ContentReport, report_content
from panel.rounds.owner_views import REACTIONS_PER_PAGE
from panel.security import Role
from tests.rounds.conftest import make_round, owner  # noqa: F401 (fixtures used by name)

from .conftest import PASSWORD


@pytest.fixture
def round_(make_round):
    return make_round(stage="idea")


@pytest.fixture
def author(make_member):
    return make_member(name="Ida Idee")


@pytest.fixture
def idea(db, round_, author):
    idea = services.post_idea(round_, author, "Dark mode", "Please add it")
    db.session.commit()
    return idea


def react(idea, member, body, parent=None):
    comment = reactions.add_reaction(idea, member, body, parent=parent)
    _db.session.commit()
    return comment


def withdraw(item, member):
    if isinstance(item, Idea):
        reactions.withdraw_idea(item, member)
    else:
        reactions.withdraw_reaction(item, member)
    _db.session.commit()


def owner_url(idea):
    return f"/en/owner/rounds/{idea.round_id}/ideas/{idea.id}"


# My contributions ------------------------------------------------------------------------------


def test_my_contributions_say_what_i_withdrew_and_link_nowhere(
    client, db, round_, idea, author, make_member, login_as
):
    other = make_member()
    react(idea, other, "Yes please")  # the withdrawn idea's page stays for this reaction
    mine = react(idea, author, "And for the website")
    react(idea, other, "Agreed", parent=mine)  # so the reaction stays, withdrawn
    idea.in_outcome = True
    round_.outcome_written_at = idea.created_at
    db.session.commit()
    withdraw(mine, author)
    withdraw(idea, author)

    login_as(author.user)
    page = client.get("/en/me/contributions").get_data(as_text=True)
    assert "You withdrew this idea." in page and "You withdrew this reaction." in page
    main = page.split("<main", 1)[1]
    assert ">Open</a>" not in main
    assert f"/rounds/{round_.id}/ideas/{idea.id}" not in main
    assert "It helped shape" not in main


# The owner's round list ------------------------------------------------------------------------


def test_the_owner_list_tags_withdrawn_and_merged_ideas(
    client, db, round_, idea, author, make_member, owner, login_as
):
    kept = services.post_idea(round_, make_member(), "Night theme", "Darker colours")
    duplicate = services.post_idea(round_, make_member(), "Black background", "At night")
    duplicate.merged_into_id, duplicate.merged_at = kept.id, duplicate.created_at
    db.session.commit()
    withdraw(idea, author)

    login_as(owner)
    page = client.get(f"/en/owner/rounds/{round_.id}").get_data(as_text=True)
    rows = {
        int(number): row
        for number, row in re.findall(r'/ideas/(\d+)">(.*?)</td>', page, flags=re.S)
    }
    assert rows[idea.id].startswith(f"Idea #{idea.id}</a>")  # never an empty link
    assert "withdrawn by the author" in rows[idea.id]
    assert f"merged into #{kept.id}" in rows[duplicate.id]
    assert "merged" not in rows[kept.id] and "withdrawn" not in rows[kept.id]


# The owner's idea page -------------------------------------------------------------------------


def test_a_withdrawn_idea_is_explained_not_answered_merged_or_made_an_insight(
    client, db, idea, author, make_member, owner, login_as
):
    react(idea, make_member(), "Yes please")
    withdraw(idea, author)
    login_as(owner)
    page = client.get(owner_url(idea)).get_data(as_text=True)
    assert "The author withdrew this idea on" in page
    article = page.split("<article", 1)[1].split("<h2>")[0]
    assert "Make insight" not in article
    for offered in ("Save answer", "Merge a duplicate", "Hide this idea"):
        assert offered not in page
    # Nor as evidence: nothing to quote (never ": ").
    assert load_source("idea", idea.id) is None
    response = client.get(f"/en/insights/new?kind=idea&source={idea.id}")
    assert response.status_code == 404

    # An answer sent anyway (a form opened before the withdrawal) is refused, nobody is told.
    response = client.post(
        owner_url(idea), data={"status": "selected", "answer_en": "We will", "answer_nl": ""}
    )
    assert response.status_code == 302
    assert "can&#39;t be answered" in client.get(response.location).get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Idea, idea.id).answer_en is None
    assert Notification.query.filter_by(kind="idea_answered").count() == 0


def test_a_withdrawn_reaction_shows_as_such_without_insight_tools(
    client, db, idea, author, make_member, owner, login_as
):
    writer, other = make_member(), make_member()
    gone = react(idea, writer, "Soon withdrawn")
    react(idea, other, "A reply that keeps it", parent=gone)
    react(idea, other, "Still here")
    withdraw(gone, writer)
    login_as(owner)
    page = client.get(owner_url(idea)).get_data(as_text=True)
    assert "Withdrawn by the author." in page
    # Make insight for the idea, the reply and the remaining reaction: not the withdrawn one.
    assert page.count("Make insight") == 3
    assert f'kind=comment&amp;source={gone.id}"' not in page
    assert load_source("comment", gone.id) is None


def test_the_owner_idea_page_is_paged_with_replies_under_their_reaction(
    client, db, idea, make_member, owner, login_as, count_queries
):
    member = make_member()
    first = react(idea, member, "Reaction 0")
    react(idea, make_member(), "Reply to 0", parent=first)
    react(idea, member, "Reaction 1")
    login_as(owner)
    client.get(owner_url(idea))
    with count_queries() as few:
        page = client.get(owner_url(idea)).get_data(as_text=True)
    thread = page.split("Reaction 0", 1)[1]
    assert thread.index("Reply to 0") < thread.index("Reaction 1")
    assert 'class="plain-list replies"' in thread.split("Reaction 1")[0]

    for number in range(2, REACTIONS_PER_PAGE + 5):
        reaction = react(idea, member, f"Reaction {number}")
        react(idea, make_member(), f"Reply to {number}", parent=reaction)
    with count_queries() as many:
        page = client.get(owner_url(idea)).get_data(as_text=True)
    assert many.count == few.count, many
    last = REACTIONS_PER_PAGE - 1
    assert f"Reaction {last}<" in page and f"Reaction {last + 1}<" not in page
    assert 'rel="next"' in page
    second = client.get(owner_url(idea) + "?page=2").get_data(as_text=True)
    assert f"Reaction {last + 1}<" in second and f"Reply to {last + 1}<" in second


# Withdrawing closes the item's open reports ----------------------------------------------------


def test_withdrawing_closes_the_open_reports_of_the_item_only(
    client, db, idea, author, make_member, make_user, login_as
):
    writer, reader = make_member(), make_member()
    reaction = react(idea, writer, "Call 06-12345678")
    react(idea, make_member(), "Don't", parent=reaction)
    other = react(idea, make_member(), "Rude words")
    for comment in (None, reaction, other):
        report_content(idea, comment, reader.user, "personal_data", None)
    db.session.commit()

    withdraw(reaction, writer)
    withdraw(idea, author)
    db.session.expire_all()
    closed = {
        (report.comment_id, report.closed_as)
        for report in ContentReport.query.filter(ContentReport.closed_at.isnot(None))
    }
    assert closed == {(None, "withdrawn"), (reaction.id, "withdrawn")}
    still_open = ContentReport.query.filter(ContentReport.closed_at.is_(None)).one()
    assert still_open.comment_id == other.id

    login_as(make_user(roles=[Role.PANEL_MANAGER]))
    queue = client.get("/en/manage/moderation").get_data(as_text=True)
    assert f'id="comments-{other.id}"' in queue
    assert f'id="comments-{reaction.id}"' not in queue and f'id="ideas-{idea.id}"' not in queue


# Race: the owner answers while the author withdraws ---------------------------------------------


def logged_in_client(app, user):
    client = app.test_client()
    assert client.post("/en/login", data={"email": user.email, "password": PASSWORD}).status_code
    return client


@pytest.mark.parametrize("first", ["withdraw", "answer"])
def test_an_answer_and_the_withdrawal_at_once(app, db, idea, author, owner, first):
    """Either the answer came first (stored, the author told, then the idea withdrawn) or the
    withdrawal did (the answer refused, nobody told): never an answer on an empty idea."""
    owner_client = logged_in_client(app, owner)
    author_client = logged_in_client(app, author.user)
    url = owner_url(idea)
    withdraw_url = f"/en/rounds/{idea.round_id}/ideas/{idea.id}/withdraw"
    barrier = threading.Barrier(2)
    results, errors = {}, []

    def answer():
        if first == "withdraw":
            time.sleep(0.2)
        return owner_client.post(url, data={"status": "selected", "answer_en": "Yes"})

    def take_back():
        if first == "answer":
            time.sleep(0.2)
        return author_client.post(withdraw_url)

    def run(name, call):
        barrier.wait()
        try:
            results[name] = call().status_code
        except Exception as error:  # noqa: BLE001 - any error fails the test
            errors.append(error)

    threads = [threading.Thread(target=run, args=c) for c in (("a", answer), ("w", take_back))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == [] and results == {"a": 302, "w": 302}
    db.session.rollback()
    stored = db.session.get(Idea, idea.id)
    assert stored.withdrawn_at is not None
    told = Notification.query.filter_by(kind="idea_answered").all()
    if stored.answer_en is None:
        assert told == []
    else:
        # Answered before the withdrawal, never after it.
        assert len(told) == 1 and stored.answered_at < stored.withdrawn_at


# The finished stage steps are readable -------------------------------------------------------


def _luminance(hex_colour):
    channels = [int(hex_colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def test_done_stage_steps_pass_wcag_aa_contrast():
    css = (Path(__file__).parent.parent / "static" / "css" / "app.css").read_text()
    variables = dict(re.findall(r"--([a-z-]+):\s*(#[0-9a-fA-F]{6})", css))
    rule = re.search(r"\.stage-steps li\.done \{([^}]*)\}", css).group(1)

    def colour(prop):
        value = re.search(rf"(?<![-a-z]){prop}:\s*([^;]+);", rule).group(1).strip()
        found = re.fullmatch(r"var\(--([a-z-]+)\)", value)
        return variables[found.group(1)] if found else value

    darker, lighter = sorted((_luminance(colour("background")), _luminance(colour("color"))))
    assert (lighter + 0.05) / (darker + 0.05) >= 4.5


# Dutch copy ------------------------------------------------------------------------------------


def test_dutch_copy_names_the_author_one_way_and_buttons_say_what_they_do(
    client, db, round_, idea, author, make_member, owner, login_as
):
    reaction = react(idea, author, "Ook voor de website")
    react(idea, make_member(), "Eens", parent=reaction)
    login_as(author.user)
    base = f"/nl/rounds/{round_.id}/ideas/{idea.id}"
    assert "Ja, intrekken" in client.get(base + "/withdraw").get_data(as_text=True)
    confirm = client.get(base + f"/reactions/{reaction.id}/withdraw").get_data(as_text=True)
    assert "Ja, intrekken" in confirm
    login_as(make_member().user)
    assert "Dit idee steunen" in client.get(base).get_data(as_text=True)

    withdraw(reaction, author)
    withdraw(idea, author)
    login_as(author.user)
    assert "Je hebt dit idee ingetrokken." in client.get("/nl/me/contributions").get_data(
        as_text=True
    )
    login_as(owner)
    page = client.get(f"/nl/owner/rounds/{round_.id}/ideas/{idea.id}").get_data(as_text=True)
    assert "De schrijver heeft dit idee op" in page and "indiener" not in page
    listing = client.get(f"/nl/owner/rounds/{round_.id}").get_data(as_text=True)
    assert "ingetrokken door de schrijver" in listing


@pytest.mark.parametrize("what", ["idea", "reaction"])
def test_a_report_and_the_withdrawal_at_once_leave_no_open_report(
    app, db, idea, author, make_member, what
):
    """A report sent while its item is withdrawn is refused, or closed with the withdrawal:
    never an open report on words that are gone. A delay between the report's check and its
    write widens the gap."""
    reader = make_member()
    if what == "idea":
        item, writer = idea, author
        report_url = f"/en/rounds/{idea.round_id}/ideas/{idea.id}/report"
        withdraw_url = f"/en/rounds/{idea.round_id}/ideas/{idea.id}/withdraw"
        react(idea, make_member(), "Keeps the page")
    else:
        writer = make_member()
        item = react(idea, writer, "Soon gone")
        react(idea, make_member(), "Keeps it", parent=item)
        base = f"/en/rounds/{idea.round_id}/ideas/{idea.id}"
        report_url = f"{base}/comments/{item.id}/report"
        withdraw_url = f"{base}/reactions/{item.id}/withdraw"
    item_id = item.id
    reader_client = logged_in_client(app, reader.user)
    writer_client = logged_in_client(app, writer.user)
    barrier = threading.Barrier(2)
    results, errors = {}, []

    def run(name, call):
        barrier.wait()
        try:
            results[name] = call().status_code
        except Exception as error:  # noqa: BLE001 - any error fails the test
            errors.append(error)

    def send_report():
        return reader_client.post(report_url, data={"reason": "spam"})

    def take_back():
        time.sleep(0.1)  # after the report's first look
        return writer_client.post(withdraw_url)

    app.config["REPORT_RACE_DELAY"] = 0.4
    try:
        threads = [
            threading.Thread(target=run, args=c) for c in (("r", send_report), ("w", take_back))
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
    finally:
        app.config["REPORT_RACE_DELAY"] = 0
    assert errors == [] and results == {"r": 302, "w": 302}
    db.session.rollback()
    column = ContentReport.idea_id if what == "idea" else ContentReport.comment_id
    still_open = ContentReport.query.filter(column == item_id, ContentReport.closed_at.is_(None))
    assert still_open.count() == 0

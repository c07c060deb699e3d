"""An owner merges a duplicate idea into another idea of the same round: supports move (a member
who supported both counts once), reactions move, the kept count equals a recount, the duplicate's
address leads to the kept idea, both authors are told in their own language, and two merges at
once never corrupt the counts (SQLite and PostgreSQL)."""

import json
import threading
import time

import pytest
from sqlalchemy import event, func, select

from panel.audit import AuditEntry
from panel.forms import REDACTED
from panel.insights.models import seed_default_streams
from panel.mail import OutboxMessage
from panel.notifications.models import Notification, NotificationPreference
from panel.rounds import merging, services
from panel.rounds.models import Comment, Idea, IdeaSupport
from panel.security import Role

from .conftest import PASSWORD

ROUND_FIELDS = {
    "title_nl": "Betere app",
    "title_en": "Better app",
    "summary_nl": "Samen bouwen",
    "summary_en": "Build together",
    "question_nl": "Wat mis je?",
    "question_en": "What do you miss?",
    "visibility": "all",
}


@pytest.fixture
def owner(make_user):
    return make_user(roles=[Role.PRODUCT_OWNER], name="Olga Owner", locale="en")


@pytest.fixture
def make_round(db, owner):
    def make(owner_user=None):
        seed_default_streams()
        round_ = services.create_round(owner_user or owner, dict(ROUND_FIELDS), [])
        round_.stage = "idea"
        services.publish_round(round_, owner_user or owner)
        db.session.commit()
        return round_

    return make


@pytest.fixture
def round_(make_round):
    return make_round()


def recount(idea_id):
    return IdeaSupport.query.filter_by(idea_id=idea_id).count()


def two_ideas(db, round_, make_member):
    """A duplicate (by a Dutch author) and the idea to keep (by an English author), with three
    supporters: one of the duplicate only, one of both, and the kept idea's author."""
    dutch, english = make_member(locale="nl"), make_member(locale="en")
    only_dup, both = make_member(), make_member()
    duplicate = services.post_idea(round_, dutch, "Donkere modus", "Graag 's avonds")
    kept = services.post_idea(round_, english, "Dark mode", "Easier on the eyes")
    for member in (only_dup, both, english):
        services.support_idea(duplicate, member)
    services.support_idea(kept, both)
    services.add_comment(duplicate, only_dup, "Ja, graag!")
    services.add_comment(kept, both, "Yes please")
    db.session.commit()
    return duplicate, kept, {"dutch": dutch, "english": english, "only": only_dup, "both": both}


def test_owner_merges_through_search_and_confirm(client, db, round_, owner, make_member, login_as):
    duplicate, kept, people = two_ideas(db, round_, make_member)
    login_as(owner)
    base = f"/en/owner/rounds/{round_.id}/ideas/{duplicate.id}/merge"
    # The owner's idea page offers the search; by words of the title or by number.
    page = client.get(f"/en/owner/rounds/{round_.id}/ideas/{duplicate.id}").get_data(as_text=True)
    assert base in page and "Merge a duplicate" in page
    found = client.get(base + "?q=dark").get_data(as_text=True)
    assert f"into={kept.id}" in found and "Dark mode" in found
    assert "Donkere modus</p>" not in found  # not offered itself
    assert f"into={kept.id}" in client.get(base + f"?q=%23{kept.id}").get_data(as_text=True)
    assert "No other idea" in client.get(base + "?q=zzzz").get_data(as_text=True)
    # The confirm step says what moves; nothing has changed yet.
    confirm = client.get(base + f"?into={kept.id}").get_data(as_text=True)
    assert "The idea you keep will have 2 supporters (now 1)" in confirm
    assert "1 reaction moves" in confirm and "Yes, merge them" in confirm
    db.session.refresh(duplicate)
    assert duplicate.merged_into_id is None
    response = client.post(base, data={"into": kept.id})
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/owner/rounds/{round_.id}/ideas/{kept.id}")
    db.session.expire_all()
    duplicate, kept = db.session.get(Idea, duplicate.id), db.session.get(Idea, kept.id)
    assert duplicate.merged_into_id == kept.id and duplicate.merged_at is not None
    # Supports: the kept idea's own author drops theirs, the one who supported both counts once.
    supporters = {s.member_id for s in IdeaSupport.query.filter_by(idea_id=kept.id)}
    assert supporters == {people["only"].id, people["both"].id}
    assert kept.support_count == recount(kept.id) == 2
    assert duplicate.support_count == recount(duplicate.id) == 0
    reactions = {c.body for c in Comment.query.filter_by(idea_id=kept.id)}
    assert reactions == {"Ja, graag!", "Yes please"}
    entry = AuditEntry.query.filter_by(action="idea.merge").one()
    assert entry.target_id == duplicate.id and entry.actor_id == owner.id
    assert json.loads(entry.details_json) == {"merged_into": kept.id, "reactions": 1, "supports": 1}
    # The owner's page of the duplicate says where it went.
    merged_page = client.get(f"/en/owner/rounds/{round_.id}/ideas/{duplicate.id}")
    assert "Merged into:" in merged_page.get_data(as_text=True)


def test_the_duplicate_leads_to_the_kept_idea_and_authors_are_told(
    client, db, round_, owner, make_member, login_as
):
    duplicate, kept, people = two_ideas(db, round_, make_member)
    merging.merge_idea(duplicate, kept, owner)
    db.session.commit()
    login_as(people["only"].user)
    response = client.get(f"/en/rounds/{round_.id}/ideas/{duplicate.id}")
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/en/rounds/{round_.id}/ideas/{kept.id}")
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "This idea is merged with a similar one" in page
    # Each author once, in their own language, in-app and by e-mail.
    told = {n.user_id: n for n in Notification.query.filter_by(kind="idea_merged")}
    assert set(told) == {people["dutch"].user_id, people["english"].user_id}
    mails = {m.to_address: m for m in OutboxMessage.query.filter_by(kind="idea_merged")}
    dutch_mail = mails[people["dutch"].user.email]
    english_mail = mails[people["english"].user.email]
    assert "‘Donkere modus’ is samengevoegd met ‘Dark mode’" in dutch_mail.subject
    assert "“Donkere modus” is merged with “Dark mode”" in english_mail.subject
    assert f"/nl/rounds/{round_.id}/ideas/{kept.id}" in dutch_mail.body_text


def test_authors_can_switch_it_off(client, db, round_, owner, make_member, login_as):
    duplicate, kept, people = two_ideas(db, round_, make_member)
    login_as(people["dutch"].user)
    settings = client.get("/nl/notifications/settings").get_data(as_text=True)
    assert 'value="idea_merged"' in settings
    assert "Je ideeën die met een vergelijkbaar idee zijn samengevoegd" in settings
    db.session.add(
        NotificationPreference(
            user_id=people["dutch"].user_id, kind="idea_merged", email_enabled=False
        )
    )
    db.session.commit()
    merging.merge_idea(duplicate, kept, owner)
    db.session.commit()
    assert Notification.query.filter_by(kind="idea_merged").count() == 2
    recipients = {m.to_address for m in OutboxMessage.query.filter_by(kind="idea_merged")}
    assert recipients == {people["english"].user.email}


@pytest.mark.parametrize("who", ["other owner", "panelist"])
def test_only_the_rounds_owner_merges(client, db, round_, make_user, make_member, login_as, who):
    duplicate, kept, _people = two_ideas(db, round_, make_member)
    user = make_user(roles=[Role.PRODUCT_OWNER]) if who == "other owner" else make_member().user
    login_as(user)
    response = client.post(
        f"/en/owner/rounds/{round_.id}/ideas/{duplicate.id}/merge", data={"into": kept.id}
    )
    assert response.status_code in (403, 404)
    db.session.refresh(duplicate)
    assert duplicate.merged_into_id is None


def test_refusals_change_nothing(client, db, round_, make_round, owner, make_member, login_as):
    duplicate, kept, _people = two_ideas(db, round_, make_member)
    other_round = make_round()
    elsewhere = services.post_idea(other_round, make_member(), "Elders", "x")
    db.session.commit()
    login_as(owner)
    base = f"/en/owner/rounds/{round_.id}/ideas/{duplicate.id}/merge"
    # Another round's idea, nonsense and itself: never merged, never a 500.
    for into in (elsewhere.id, "abc", "9" * 30, ""):
        refused = client.post(base, data={"into": into})
        assert refused.status_code == 200
        assert "Choose the idea to keep from the search results." in refused.get_data(as_text=True)
    page = client.post(base, data={"into": duplicate.id}, follow_redirects=True)
    assert "be merged into itself" in page.get_data(as_text=True)
    assert client.get(base + "?q=" + "%" * 300).status_code == 200
    client.post(base, data={"into": kept.id})
    # Merging it again, or merging into the merged idea, is refused.
    again = client.post(
        f"/en/owner/rounds/{round_.id}/ideas/{kept.id}/merge",
        data={"into": duplicate.id},
        follow_redirects=True,
    )
    assert "already been merged" in again.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Idea, kept.id).merged_into_id is None
    assert db.session.get(Idea, kept.id).support_count == recount(kept.id)


def test_candidate_search_costs_the_same_with_more_ideas(db, round_, make_member, count_queries):
    author = make_member()
    duplicate = services.post_idea(round_, author, "Wifi bellen", "x")
    for number in range(60):
        services.post_idea(round_, author, f"Wifi idee {number}", "y")
    db.session.commit()
    assert duplicate.round_id == round_.id  # loaded before counting
    with count_queries() as queries:
        found = merging.merge_candidates(duplicate, "wifi")
    assert len(found) == merging.CANDIDATES and queries.count == 1


# Two merges at once ------------------------------------------------------------------------

LOCK_DELAY = 0.05


def slow_merges(engine):
    """Widen the gap between locking the ideas and writing: a pause before each idea update."""

    def pause(conn, cursor, statement, parameters, context, executemany):
        if statement.lstrip().upper().startswith("UPDATE IDEAS"):
            time.sleep(LOCK_DELAY)

    event.listen(engine, "before_cursor_execute", pause)
    return pause


def merge_together(app, db, clients_and_posts):
    barrier = threading.Barrier(len(clients_and_posts))
    codes, errors = [], []

    def send(client, url, data):
        barrier.wait()
        try:
            codes.append(client.post(url, data=data).status_code)
        except Exception as error:  # noqa: BLE001 - any error fails the test
            errors.append(error)

    pause = slow_merges(db.engine)
    try:
        threads = [threading.Thread(target=send, args=post) for post in clients_and_posts]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)
    finally:
        event.remove(db.engine, "before_cursor_execute", pause)
    assert errors == []
    return codes


def logged_in_client(app, user):
    client = app.test_client()
    response = client.post("/en/login", data={"email": user.email, "password": PASSWORD})
    assert response.status_code == 302
    return client


def assert_counts_equal_a_recount(db, round_):
    db.session.rollback()
    kept = dict(
        db.session.execute(
            select(Idea.id, Idea.support_count).where(Idea.round_id == round_.id)
        ).all()
    )
    counted = dict(
        db.session.execute(
            select(IdeaSupport.idea_id, func.count()).group_by(IdeaSupport.idea_id)
        ).all()
    )
    for idea_id, count in kept.items():
        assert count == counted.get(idea_id, 0), idea_id


def test_two_merges_at_once_into_each_other_leave_one_idea(app, db, round_, owner, make_member):
    """A into B and B into A at the same moment: one wins, no cycle, counts equal a recount."""
    duplicate, kept, _people = two_ideas(db, round_, make_member)
    first, second = logged_in_client(app, owner), logged_in_client(app, owner)
    base = f"/en/owner/rounds/{round_.id}/ideas"
    codes = merge_together(
        app,
        db,
        [
            (first, f"{base}/{duplicate.id}/merge", {"into": kept.id}),
            (second, f"{base}/{kept.id}/merge", {"into": duplicate.id}),
        ],
    )
    assert codes == [302, 302]
    db.session.rollback()
    ideas = {i.id: i for i in Idea.query.filter_by(round_id=round_.id)}
    merged = [i for i in ideas.values() if i.merged_into_id is not None]
    assert len(merged) == 1, "exactly one merge happened"
    survivor = ideas[merged[0].merged_into_id]
    assert survivor.merged_into_id is None
    assert Comment.query.filter_by(idea_id=survivor.id).count() == 2
    assert AuditEntry.query.filter_by(action="idea.merge").count() == 1
    assert_counts_equal_a_recount(db, round_)


def test_three_duplicates_merged_into_one_at_once_count_right(app, db, round_, owner, make_member):
    """Three duplicates with overlapping supporters merged into one idea at once."""
    members = [make_member() for _ in range(6)]
    kept = services.post_idea(round_, members[0], "Kept", "x")
    duplicates = [services.post_idea(round_, members[i], f"Dup {i}", "y") for i in (1, 2, 3)]
    for index, duplicate in enumerate(duplicates):
        for member in members[3:]:
            if member.id != duplicate.author_id:
                services.support_idea(duplicate, member)
        services.support_idea(duplicate, members[0])  # the kept idea's author
        services.add_comment(duplicate, members[4], f"Reactie {index}")
    services.support_idea(kept, members[5])
    db.session.commit()
    clients = [logged_in_client(app, owner) for _ in duplicates]
    base = f"/en/owner/rounds/{round_.id}/ideas"
    codes = merge_together(
        app,
        db,
        [
            (client, f"{base}/{duplicate.id}/merge", {"into": kept.id})
            for client, duplicate in zip(clients, duplicates, strict=True)
        ],
    )
    assert codes == [302] * 3
    db.session.rollback()
    kept = db.session.get(Idea, kept.id)
    supporters = {s.member_id for s in IdeaSupport.query.filter_by(idea_id=kept.id)}
    # members[3] wrote Dup 3 (no own support) but supported Dup 1 and 2; 4 and 5 supported all.
    assert supporters == {members[3].id, members[4].id, members[5].id}
    assert kept.support_count == 3
    assert Comment.query.filter_by(idea_id=kept.id).count() == 3
    assert_counts_equal_a_recount(db, round_)


def test_supporting_or_reacting_on_a_merged_idea_is_refused(
    client, db, round_, owner, make_member, login_as
):
    """A page opened before the merge: the support or reaction is refused with a message, and
    the panelist lands on the idea it was merged into, where they can support or react."""
    duplicate, kept, _people = two_ideas(db, round_, make_member)
    latecomer = make_member()
    login_as(latecomer.user)
    base = f"/en/rounds/{round_.id}/ideas/{duplicate.id}"
    client.get(base)
    merging.merge_idea(duplicate, kept, owner)
    db.session.commit()
    supported = client.post(base + "/support", follow_redirects=True)
    assert "This idea is merged with a similar one. Support it or react there." in (
        supported.get_data(as_text=True)
    )
    reacted = client.post(base + "/comments", data={"body": "Late"}, follow_redirects=True)
    assert reacted.status_code == 200
    db.session.expire_all()
    assert IdeaSupport.query.filter_by(member_id=latecomer.id).count() == 0
    assert Comment.query.filter_by(idea_id=duplicate.id).count() == 0
    assert db.session.get(Idea, duplicate.id).support_count == 0


def test_supports_during_a_merge_end_on_the_kept_idea_or_are_refused(
    app, db, round_, owner, make_member
):
    """Panelists support the duplicate while the owner merges it: no support is left on the
    merged idea, and every kept count equals a recount."""
    duplicate, kept, _people = two_ideas(db, round_, make_member)
    fans = [make_member() for _ in range(3)]
    db.session.commit()
    base = f"/en/rounds/{round_.id}/ideas/{duplicate.id}"
    posts = [
        (
            logged_in_client(app, owner),
            base.replace("/en/", "/en/owner/") + "/merge",
            {"into": kept.id},
        )
    ]
    posts += [(logged_in_client(app, fan.user), base + "/support", {}) for fan in fans]
    codes = merge_together(app, db, posts)
    assert codes == [302] * 4
    db.session.rollback()
    assert IdeaSupport.query.filter_by(idea_id=duplicate.id).count() == 0
    assert db.session.get(Idea, duplicate.id).merged_into_id == kept.id
    assert_counts_equal_a_recount(db, round_)


def test_a_redacted_title_reads_in_each_authors_language(db, round_, owner, make_member):
    """A moderator removed words from the duplicate's title: each author's message shows the
    moderator's phrase in their own language."""
    duplicate, kept, people = two_ideas(db, round_, make_member)
    duplicate.title = "Donkere modus " + REDACTED
    db.session.commit()
    merging.merge_idea(duplicate, kept, owner)
    db.session.commit()
    mails = {m.to_address: m for m in OutboxMessage.query.filter_by(kind="idea_merged")}
    assert "[verwijderd door de moderator]" in mails[people["dutch"].user.email].subject
    assert "[removed by the moderator]" in mails[people["english"].user.email].subject

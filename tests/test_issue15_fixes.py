"""Issue 15 fixes on the panelist pages: page links that a query string can't break, the result
naming only listed ideas, links to reactions that follow a merge, moderators (panel managers and
administrators) reaching what the queue shows, refusing to merge a hidden or withdrawn duplicate,
reports following the reactions of a merge, and counts without withdrawn reactions."""

import re
import threading

import pytest

from panel.database import utcnow
from panel.errors import NotAllowed
from panel.extensions import db as _db
from panel.insights.models import seed_default_streams
from panel.notifications.models import Notification
from panel.rounds import merging, moderation, reactions, services
from panel.rounds.models import Comment, Idea
from panel.rounds.moderation import ContentReport
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


@pytest.fixture
def owner(make_user):
    return make_user(roles=[Role.PRODUCT_OWNER], name="Olga Owner", locale="en")


@pytest.fixture
def round_(db, owner):
    seed_default_streams()
    round_ = services.create_round(owner, dict(ROUND_FIELDS), [])
    round_.stage = "idea"
    services.publish_round(round_, owner)
    db.session.commit()
    return round_


def links(html, rel):
    return [a.replace("&amp;", "&") for a in re.findall(rf'href="([^"]*)"[^>]*rel="{rel}"', html)]


def test_page_links_keep_the_address_whatever_the_query_string_says(
    client, db, round_, make_member, login_as
):
    member = make_member()
    ideas = [services.post_idea(round_, make_member(), f"Idea {k}", "Text") for k in range(21)]
    for k in range(21):
        services.add_comment(ideas[0], member, f"Reaction {k}")
    db.session.commit()
    login_as(member.user)
    base = f"/en/rounds/{round_.id}"
    response = client.get(base + "?round_id=abc&sort=supported")
    assert response.status_code == 200
    assert links(response.get_data(as_text=True), "next") == [f"{base}?sort=supported&page=2#ideas"]
    response = client.get(base + "?lang=xx")
    assert response.status_code == 200
    assert links(response.get_data(as_text=True), "next") == [f"{base}?page=2#ideas"]
    idea_url = f"{base}/ideas/{ideas[0].id}"
    response = client.get(idea_url + "?idea_id=abc&round_id=x&order=oldest")
    assert response.status_code == 200
    next_links = links(response.get_data(as_text=True), "next")
    assert len(next_links) == 1 and next_links[0].startswith(f"{idea_url}?order=oldest&page=2")
    # In Dutch the links stay Dutch.
    html = client.get(f"/nl/rounds/{round_.id}?lang=en&page=2").get_data(as_text=True)
    assert links(html, "prev") == [f"/nl/rounds/{round_.id}?page=1#ideas"]


def outcome_section(html):
    start = html.index("The ideas that led to it")
    return html[start : html.index("</ul>", start)]


def test_the_result_names_only_listed_ideas(client, db, round_, owner, make_member, login_as):
    authors = [make_member() for _ in range(4)]
    kept, duplicate, withdrawn, hidden = (
        services.post_idea(round_, author, title, "Text")
        for author, title in zip(
            authors, ["Dark mode", "Night theme", "Gone idea", "Rude idea"], strict=True
        )
    )
    db.session.commit()
    round_.outcome_en = round_.outcome_nl = "We built it"
    round_.outcome_written_at = utcnow()
    for idea in (kept, duplicate, withdrawn, hidden):
        idea.in_outcome = True
    db.session.commit()
    merging.merge_idea(duplicate, kept, owner)
    reactions.withdraw_idea(withdrawn, authors[2])
    moderation.hide_item(hidden, "Rude")
    db.session.commit()
    db.session.expire_all()
    assert db.session.get(Idea, duplicate.id).in_outcome is False
    assert db.session.get(Idea, kept.id).in_outcome is True
    login_as(make_member().user)
    section = outcome_section(client.get(f"/en/rounds/{round_.id}").get_data(as_text=True))
    assert f"/ideas/{kept.id}" in section
    for other in (duplicate, withdrawn, hidden):
        assert f'/ideas/{other.id}"' not in section
    assert section.count("<li>") == 1


def test_a_merged_duplicate_brings_its_outcome_to_the_kept_idea(db, round_, owner, make_member):
    duplicate = services.post_idea(round_, make_member(), "Night theme", "Text")
    kept = services.post_idea(round_, make_member(), "Dark mode", "Text")
    duplicate.in_outcome = True
    db.session.commit()
    merging.merge_idea(duplicate, kept, owner)
    db.session.commit()
    db.session.expire_all()
    assert db.session.get(Idea, kept.id).in_outcome is True
    assert db.session.get(Idea, duplicate.id).in_outcome is False


def test_a_link_to_a_reaction_on_a_merged_duplicate_follows_it(
    client, db, round_, owner, make_member, login_as
):
    author, reader = make_member(), make_member()
    duplicate = services.post_idea(round_, author, "Night theme", "Text")
    kept = services.post_idea(round_, make_member(), "Dark mode", "Text")
    comment = reactions.add_reaction(duplicate, reader, "Yes please")
    reply = reactions.add_reaction(duplicate, author, "Thanks", parent=comment)
    db.session.commit()
    merging.merge_idea(duplicate, kept, owner)
    db.session.commit()
    login_as(author.user)
    for target in (comment, reply):
        url = f"/en/rounds/{round_.id}/ideas/{duplicate.id}/reactions/{target.id}"
        response = client.get(url, follow_redirects=True)
        assert response.status_code == 200
        assert response.request.path == f"/en/rounds/{round_.id}/ideas/{kept.id}"
        assert f'id="comment-{target.id}"' in response.get_data(as_text=True)


@pytest.mark.parametrize("roles", [[Role.PANEL_MANAGER], [Role.ADMIN]])
def test_whoever_works_the_queue_sees_it_on_the_idea_page(
    client, db, round_, make_user, make_member, login_as, roles
):
    author, reporter = make_member(), make_member()
    idea = services.post_idea(round_, author, "Dark mode", "Text")
    comments = [reactions.add_reaction(idea, reporter, f"Reaction {k}") for k in range(25)]
    db.session.commit()
    early = comments[0]
    moderation.report_content(idea, early, author.user, "offensive", "")
    moderation.hide_item(idea, "Rude")
    db.session.commit()
    login_as(make_user(roles=roles, locale="en"))
    item = client.get(f"/en/manage/moderation/comments/{early.id}").get_data(as_text=True)
    link = re.search(r'<a href="([^"]*)">See it on the idea page</a>', item).group(1)
    assert link == f"/en/rounds/{round_.id}/ideas/{idea.id}/reactions/{early.id}"
    response = client.get(link, follow_redirects=True)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    # The oldest reaction is on the second page of newest-first reactions: that page opens.
    assert response.request.args.get("page") == "2"
    assert f'id="comment-{early.id}"' in html
    assert "Hidden by a moderator: only moderators and the author see it. Reason: Rude" in html
    assert "only you can see it" not in html


def test_a_panelist_cannot_reach_what_is_hidden(client, db, round_, make_member, login_as):
    idea = services.post_idea(round_, make_member(), "Dark mode", "Text")
    db.session.commit()
    moderation.hide_item(idea, "Rude")
    db.session.commit()
    login_as(make_member().user)
    assert client.get(f"/en/rounds/{round_.id}/ideas/{idea.id}").status_code == 404


def test_the_author_of_a_hidden_idea_is_told_only_they_see_it(
    client, db, round_, make_member, login_as
):
    author = make_member()
    idea = services.post_idea(round_, author, "Dark mode", "Text")
    db.session.commit()
    moderation.hide_item(idea, "Rude")
    db.session.commit()
    login_as(author.user)
    html = client.get(f"/en/rounds/{round_.id}/ideas/{idea.id}").get_data(as_text=True)
    assert "This idea is hidden and only you can see it. Reason: Rude" in html
    assert "Hidden by a moderator" not in html


@pytest.mark.parametrize("how", ["hidden", "withdrawn"])
def test_a_hidden_or_withdrawn_duplicate_is_not_merged(
    client, db, round_, owner, make_member, login_as, how
):
    author, supporter = make_member(), make_member()
    duplicate = services.post_idea(round_, author, "Night theme", "Text")
    kept = services.post_idea(round_, make_member(), "Dark mode", "Text")
    services.support_idea(duplicate, supporter)
    db.session.commit()
    if how == "hidden":
        moderation.hide_item(duplicate, "Rude")
    else:
        reactions.withdraw_idea(duplicate, author)
    db.session.commit()
    with pytest.raises(NotAllowed) as refused:
        merging.merge_idea(duplicate, kept, owner)
    assert refused.value.code == "duplicate_hidden"
    db.session.rollback()
    login_as(owner)
    base = f"/en/owner/rounds/{round_.id}/ideas/{duplicate.id}/merge"
    response = client.post(base, data={"into": kept.id}, follow_redirects=True)
    assert response.status_code == 200
    assert "This idea is hidden or withdrawn, so it can&#39;t be merged." in response.get_data(
        as_text=True
    )
    db.session.expire_all()
    assert db.session.get(Idea, duplicate.id).merged_into_id is None
    assert db.session.get(Idea, kept.id).support_count == 0


def test_reports_of_reactions_follow_the_merge(db, round_, owner, make_member):
    author, reader, reporter = make_member(), make_member(), make_member()
    duplicate = services.post_idea(round_, author, "Night theme", "Text")
    kept = services.post_idea(round_, make_member(), "Dark mode", "Text")
    comment = reactions.add_reaction(duplicate, reader, "Rude words")
    db.session.commit()
    moderation.report_content(duplicate, comment, reporter.user, "offensive", "")
    moderation.report_content(duplicate, None, reporter.user, "offensive", "")
    db.session.commit()
    merging.merge_idea(duplicate, kept, owner)
    db.session.commit()
    db.session.expire_all()
    about_reaction = ContentReport.query.filter_by(comment_id=comment.id).one()
    assert about_reaction.idea_id == kept.id == db.session.get(Comment, comment.id).idea_id
    # The report of the duplicate's own text stays with that text.
    about_idea = ContentReport.query.filter(ContentReport.comment_id.is_(None)).one()
    assert about_idea.idea_id == duplicate.id


def test_round_list_counts_no_withdrawn_reactions(client, db, round_, make_member, login_as):
    reader, other = make_member(), make_member()
    idea = services.post_idea(round_, make_member(), "Dark mode", "Text")
    gone = reactions.add_reaction(idea, reader, "First")
    reactions.add_reaction(idea, other, "Answer", parent=gone)
    reactions.add_reaction(idea, other, "Second")
    db.session.commit()
    reactions.withdraw_reaction(gone, reader)
    db.session.commit()
    assert db.session.get(Comment, gone.id).is_withdrawn  # a placeholder for its reply
    login_as(reader.user)
    html = client.get(f"/en/rounds/{round_.id}").get_data(as_text=True)
    assert "2 reactions" in html and "3 reactions" not in html


def test_the_kept_idea_lists_what_was_merged_into_it(
    client, db, round_, owner, make_member, login_as, count_queries
):
    kept = services.post_idea(round_, make_member(), "Dark mode", "Text")
    first = services.post_idea(round_, make_member(), "Night theme", "Text")
    second = services.post_idea(round_, make_member(), "Black background", "Text")
    db.session.commit()
    login_as(make_member().user)
    url = f"/en/rounds/{round_.id}/ideas/{kept.id}"
    merging.merge_idea(first, kept, owner)
    db.session.commit()
    with count_queries() as one_merged:
        html = client.get(url).get_data(as_text=True)
    assert f"Merged into this idea: #{first.id} Night theme</p>" in html
    merging.merge_idea(second, kept, owner)
    db.session.commit()
    with count_queries() as two_merged:
        html = client.get(url).get_data(as_text=True)
    assert f"Merged into this idea: #{first.id} Night theme, #{second.id} Black background" in html
    assert two_merged.count == one_merged.count
    nl = client.get(f"/nl/rounds/{round_.id}/ideas/{kept.id}").get_data(as_text=True)
    assert "Samengevoegd met dit idee:" in nl


def test_a_hide_and_a_merge_at_once_never_merge_a_hidden_duplicate(
    app, db, round_, owner, make_member, make_user
):
    """The owner merges while a moderator hides the duplicate: either the merge committed first
    (the merged duplicate may then be hidden), or the hide did and the merge is refused; never a
    merge of an idea hidden before it. Each thread commits and notes it under one Python lock,
    taken only after all its database work: the notes are in commit order."""
    author, supporter = make_member(), make_member()
    duplicate = services.post_idea(round_, author, "Night theme", "Text")
    kept = services.post_idea(round_, make_member(), "Dark mode", "Text")
    services.support_idea(duplicate, supporter)
    db.session.commit()
    ids = duplicate.id, kept.id
    barrier = threading.Barrier(2)
    outcomes, errors, committed = {}, [], []
    commit_order = threading.Lock()

    def run(name, work):
        with app.app_context():
            barrier.wait()
            try:
                outcomes[name] = work()
                with commit_order:
                    _db.session.commit()
                    committed.append(name)
            except NotAllowed as error:
                _db.session.rollback()
                outcomes[name] = error.code
            except Exception as error:  # noqa: BLE001 - any error fails the test
                _db.session.rollback()
                errors.append(error)
            finally:
                _db.session.remove()

    def merge():
        dup, keep = _db.session.get(Idea, ids[0]), _db.session.get(Idea, ids[1])
        merging.merge_idea(dup, keep, _db.session.get(type(owner), owner.id))
        return "merged"

    def hide():
        moderation.hide_item(_db.session.get(Idea, ids[0]), "Rude")
        return "hidden"

    threads = [threading.Thread(target=run, args=pair) for pair in (("m", merge), ("h", hide))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    db.session.rollback()  # read what the two threads committed
    dup, keep = db.session.get(Idea, ids[0]), db.session.get(Idea, ids[1])
    assert outcomes["h"] == "hidden" and dup.hidden_at is not None
    if committed[0] == "m":
        assert committed == ["m", "h"] and outcomes["m"] == "merged"
        assert dup.merged_into_id == keep.id and keep.support_count == 1
    else:
        assert outcomes["m"] == "duplicate_hidden" and dup.merged_into_id is None
        assert committed == ["h"] and keep.support_count == 0


def test_the_author_told_of_an_unhidden_reaction_lands_on_its_page_of_reactions(
    client, db, round_, make_user, make_member, login_as
):
    author, other = make_member(locale="nl"), make_member()
    idea = services.post_idea(round_, other, "Dark mode", "Text")
    early = reactions.add_reaction(idea, author, "Early")
    for k in range(22):
        reactions.add_reaction(idea, other, f"Later {k}")
    db.session.commit()
    moderation.hide_item(early, "Rude")
    db.session.commit()
    moderation.unhide_content(early, make_user(roles=[Role.PANEL_MANAGER]))
    db.session.commit()
    told = Notification.query.filter_by(user_id=author.user_id, kind="content_unhidden").one()
    assert told.link.endswith(f"/nl/rounds/{round_.id}/ideas/{idea.id}/reactions/{early.id}")
    login_as(author.user)
    response = client.get(told.link, follow_redirects=True)
    assert response.request.args.get("page") == "2"
    assert f'id="comment-{early.id}"' in response.get_data(as_text=True)

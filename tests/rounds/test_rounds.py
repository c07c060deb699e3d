"""Rounds: publishing, stages with their rules, what panelists see and may do."""

import pytest

from panel.notifications.models import Notification
from panel.rounds import services
from panel.rounds.models import Action, Idea, Invitation, Round, StageChange
from panel.security import Role


def test_owner_opens_a_draft_and_publishing_needs_both_languages(client, db, owner, login_as):
    login_as(owner)
    response = client.post(
        "/en/owner/rounds/new",
        data={
            "title_nl": "Alleen Nederlands",
            "title_en": "",
            "summary_nl": "x",
            "summary_en": "",
            "question_nl": "?",
            "question_en": "",
            "owner_id": str(owner.id),
            "visibility": "all",
        },
    )
    assert response.status_code == 302
    round_ = Round.query.one()
    assert not round_.is_published
    response = client.post(f"/en/owner/rounds/{round_.id}/publish", follow_redirects=True)
    assert "both Dutch and English" in response.get_data(as_text=True)
    db.session.refresh(round_)
    assert not round_.is_published
    client.post(
        f"/en/owner/rounds/{round_.id}/edit",
        data={
            "title_nl": "Alleen Nederlands",
            "title_en": "Dutch only no more",
            "summary_nl": "x",
            "summary_en": "y",
            "question_nl": "?",
            "question_en": "?",
            "owner_id": str(owner.id),
            "visibility": "all",
        },
    )
    client.post(f"/en/owner/rounds/{round_.id}/publish")
    db.session.refresh(round_)
    assert round_.is_published
    assert [c.to_stage for c in round_.stage_changes] == ["idea"]


def test_drafts_are_invisible_to_panelists(client, make_round, make_member, login_as):
    draft = make_round(published=False)
    login_as(make_member().user)
    assert client.get(f"/en/rounds/{draft.id}").status_code == 404
    assert "Better app" not in client.get("/en/rounds").get_data(as_text=True)


def test_missing_translation_shows_the_other_language_marked(
    client, db, make_round, make_member, login_as
):
    round_ = make_round()
    round_.summary_en = ""
    db.session.commit()
    login_as(make_member(locale="en").user)
    page = client.get(f"/en/rounds/{round_.id}").get_data(as_text=True)
    assert '<span lang="nl">Samen bouwen</span>' in page and "(in Dutch)" in page


def test_advancing_a_stage_records_a_note_and_tells_participants(
    client, db, make_round, make_member, owner, login_as
):
    round_ = make_round()
    member = make_member()
    services.post_idea(round_, member, "An idea", "Text")
    db.session.commit()
    login_as(owner)
    response = client.post(
        f"/en/owner/rounds/{round_.id}/stage",
        data={"to_stage": "concept", "note_nl": "We leerden veel", "note_en": "We learned a lot"},
    )
    assert response.status_code == 302
    db.session.refresh(round_)
    assert round_.stage == "concept"
    change = StageChange.query.filter_by(to_stage="concept").one()
    assert change.note_en == "We learned a lot" and change.created_at is not None
    assert Notification.query.filter_by(user_id=member.user_id, kind="round_stage").count() == 1
    client.post("/en/logout")
    login_as(member.user)
    page = client.get(f"/en/rounds/{round_.id}").get_data(as_text=True)
    assert "We learned a lot" in page


def test_stages_only_move_forward(client, db, make_round, owner, login_as):
    round_ = make_round(stage="concept")
    login_as(owner)
    response = client.post(
        f"/en/owner/rounds/{round_.id}/stage",
        data={"to_stage": "idea", "note_nl": "a", "note_en": "b"},
    )
    assert response.status_code == 200
    db.session.refresh(round_)
    assert round_.stage == "concept"
    with pytest.raises(services.NotAllowed):
        services.advance_stage(round_, "pilot", "", "", owner)


STAGE_RULES = [
    ("idea", {"post_ideas": True, "support_comment": True, "register": True}),
    ("concept", {"post_ideas": False, "support_comment": True, "register": True}),
    ("prototype", {"post_ideas": False, "support_comment": True, "register": True}),
    ("pilot", {"post_ideas": False, "support_comment": False, "register": True}),
    ("launch", {"post_ideas": False, "support_comment": False, "register": False}),
    ("closed", {"post_ideas": False, "support_comment": False, "register": False}),
]


@pytest.mark.parametrize("stage, expected", STAGE_RULES)
def test_default_stage_rules_are_enforced_on_the_server(
    client, db, make_round, make_session, make_member, login_as, stage, expected
):
    round_ = make_round(stage="idea")
    existing_idea = services.post_idea(round_, make_member(), "Existing", "Idea")
    session = make_session(round_)
    round_.stage = stage
    db.session.commit()
    member = make_member()
    login_as(member.user)
    client.post(f"/en/rounds/{round_.id}/ideas", data={"title": "New", "body": "Idea"})
    assert (Idea.query.filter_by(title="New").count() == 1) == expected["post_ideas"]
    client.post(f"/en/rounds/{round_.id}/ideas/{existing_idea.id}/support")
    db.session.refresh(existing_idea)
    assert (existing_idea.support_count == 1) == expected["support_comment"]
    client.post(f"/en/rounds/{round_.id}/sessions/{session.id}/register")
    db.session.refresh(session)
    assert (session.seats_taken == 1) == expected["register"]


def test_owner_changes_what_panelists_can_do(client, db, make_round, make_member, owner, login_as):
    round_ = make_round(stage="concept")
    login_as(owner)
    client.post(f"/en/owner/rounds/{round_.id}/rules", data={"concept:post_ideas": "y"})
    db.session.refresh(round_)
    assert round_.allows(Action.POST_IDEAS) and not round_.allows(Action.REGISTER)
    client.post("/en/logout")
    login_as(make_member().user)
    client.post(f"/en/rounds/{round_.id}/ideas", data={"title": "Now allowed", "body": "Yes"})
    assert Idea.query.filter_by(title="Now allowed").count() == 1


@pytest.mark.parametrize(
    "roles, status",
    [
        ([Role.PANELIST], 403),
        ([Role.REVIEWER], 403),
        ([Role.ADMIN], 403),
        ([Role.PRODUCT_OWNER], 403),  # another owner's round
        ([Role.PANEL_MANAGER], 200),
    ],
)
def test_who_may_run_a_round(client, make_round, make_user, login_as, roles, status):
    round_ = make_round()
    login_as(make_user(roles=roles))
    assert client.get(f"/en/owner/rounds/{round_.id}").status_code == status


def test_paused_members_cannot_take_part(client, db, make_round, make_member, login_as):
    round_ = make_round()
    member = make_member(status="paused")
    login_as(member.user)
    response = client.post(
        f"/en/rounds/{round_.id}/ideas", data={"title": "x", "body": "y"}, follow_redirects=True
    )
    assert "Only active members" in response.get_data(as_text=True)
    assert Idea.query.count() == 0


def test_invitation_only_round(client, db, make_round, make_member, login_as):
    round_ = make_round(visibility="invited")
    outsider = make_member()
    invitee = make_member()
    db.session.add(Invitation(round_id=round_.id, member_id=invitee.id))
    db.session.commit()
    login_as(outsider.user)
    assert client.get(f"/en/rounds/{round_.id}").status_code == 404
    client.post("/en/logout")
    login_as(invitee.user)
    page = client.get(f"/en/rounds/{round_.id}").get_data(as_text=True)
    assert "You're invited!" in page
    # Before accepting, an invitee cannot take part yet.
    client.post(f"/en/rounds/{round_.id}/ideas", data={"title": "x", "body": "y"})
    assert Idea.query.count() == 0
    client.post(f"/en/rounds/{round_.id}/invitation/accept")
    client.post(f"/en/rounds/{round_.id}/ideas", data={"title": "x", "body": "y"})
    assert Idea.query.count() == 1


@pytest.mark.parametrize("answer, status", [("accept", "accepted"), ("decline", "declined")])
def test_invitation_accept_or_decline(
    client, db, make_round, make_member, login_as, answer, status
):
    round_ = make_round()
    member = make_member()
    invitation = Invitation(round_id=round_.id, member_id=member.id)
    db.session.add(invitation)
    db.session.commit()
    login_as(member.user)
    assert "You&#39;re invited to take part in: Better app" in client.get("/en/me").get_data(
        as_text=True
    ) or "invited to take part in" in client.get("/en/me").get_data(as_text=True)
    client.post(f"/en/rounds/{round_.id}/invitation/{answer}")
    db.session.refresh(invitation)
    assert invitation.status == status and invitation.responded_at is not None
    assert "invited to take part in" not in client.get("/en/me").get_data(as_text=True)


def test_cannot_answer_someone_elses_invitation(client, db, make_round, make_member, login_as):
    round_ = make_round()
    other = make_member()
    db.session.add(Invitation(round_id=round_.id, member_id=other.id))
    db.session.commit()
    login_as(make_member().user)
    assert client.post(f"/en/rounds/{round_.id}/invitation/accept").status_code == 404


def test_outcome_is_written_at_launch_and_published_on_the_home_page(
    client, db, make_round, make_member, owner, login_as
):
    round_ = make_round()
    author = make_member()
    idea = services.post_idea(round_, author, "Shipped idea", "x")
    round_.stage = "launch"
    db.session.commit()
    login_as(owner)
    response = client.post(
        f"/en/owner/rounds/{round_.id}/outcome",
        data={
            "outcome_nl": "We hebben het gebouwd",
            "outcome_en": "We built it",
            "ideas": [str(idea.id)],
        },
    )
    assert response.status_code == 302
    db.session.refresh(idea)
    assert idea.in_outcome
    assert Notification.query.filter_by(user_id=author.user_id, kind="round_outcome").count() == 1
    assert "We built it" not in client.get("/en/").get_data(as_text=True)
    client.post(f"/en/owner/rounds/{round_.id}/outcome/publish")
    assert "We built it" in client.get("/en/").get_data(as_text=True)
    assert "We hebben het gebouwd" in client.get("/nl/").get_data(as_text=True)


def test_outcome_before_launch_is_refused(db, make_round, owner):
    round_ = make_round(stage="concept")
    with pytest.raises(services.NotAllowed):
        services.write_outcome(round_, "a", "b", set(), owner)


def test_invitation_can_be_answered_on_the_dashboard(client, db, make_round, make_member, login_as):
    round_ = make_round()
    member = make_member()
    invitation = Invitation(round_id=round_.id, member_id=member.id)
    db.session.add(invitation)
    db.session.commit()
    login_as(member.user)
    page = client.get("/en/me").get_data(as_text=True)
    assert f'action="/en/rounds/{round_.id}/invitation/accept"' in page
    client.post(f"/en/rounds/{round_.id}/invitation/accept")
    db.session.refresh(invitation)
    assert invitation.status == "accepted"

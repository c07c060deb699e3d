"""The feedback form, the kept counts, results, search, reminders and touchpoints."""

import re
import threading
from datetime import timedelta

import pytest
from babel.dates import format_date

from panel.database import amsterdam_today, utcnow
from panel.feedback import services
from panel.feedback.models import FeedbackInvitation, Response
from panel.mail import OutboxMessage
from panel.notifications.models import Notification
from panel.security import Role

from ..conftest import PASSWORD
from .conftest import answer


def assert_counts_match_recount(release):
    for kind, values in services.recount(release).items():
        kept = services.score_counts([release.id], kind).get(release.id, {})
        for value, counts in values.items():
            assert kept.get(value) == counts, (kind, value)


@pytest.mark.parametrize(
    "lang, question",
    [
        ("en", "How likely are you to recommend the app to a friend or colleague?"),
        ("nl", 'lang="nl"'),
    ],
)
def test_form_in_both_languages_without_javascript(
    client, make_release, make_member, login_as, lang, question
):
    release = make_release()
    login_as(make_member(locale=lang).user)
    page = client.get(f"/{lang}/feedback/{release.id}").get_data(as_text=True)
    assert question in page
    # A plain radio scale 0–10, each with its own label: works without JavaScript.
    for score in range(11):
        assert re.search(
            rf'<input id="score-{score}" name="score" (required )?type="radio" value="{score}">',
            page,
        )
        assert f'<label for="score-{score}">{score}</label>' in page
    assert ("Dark mode" if lang == "en" else "Donkere modus") in page


def test_answer_counts_and_ratings(client, db, make_release, make_member, login_as):
    release = make_release()
    member = make_member(customer_type="prepaid", platform="android")
    login_as(member.user)
    first, second = release.changes
    response = answer(
        client,
        release,
        9,
        improve_text="Dark mode is great",
        **{f"change_{first.id}": "5", f"change_{second.id}": "not_used"},
    )
    assert response.status_code == 302
    stored = Response.query.one()
    assert stored.score == 9 and stored.customer_type == "prepaid" and stored.platform == "android"
    score, counts = services.release_score(release)
    assert score.n == 1 and counts[9] == 1 and score.nps == 100
    summary = {
        change.id: (average, not_used)
        for change, average, not_used, _ in services.rating_summary(release)
    }
    assert summary[first.id] == (5, 0) and summary[second.id] == (None, 1)
    assert_counts_match_recount(release)


def test_editing_until_close_keeps_counts_right(client, db, make_release, make_member, login_as):
    release = make_release()
    member = make_member()
    login_as(member.user)
    answer(client, release, 3)
    answer(client, release, 10, improve_text="Changed my mind")
    assert Response.query.count() == 1 and Response.query.one().score == 10
    score, counts = services.release_score(release)
    assert counts[3] == 0 and counts[10] == 1
    assert_counts_match_recount(release)
    page = client.get(f"/en/feedback/{release.id}").get_data(as_text=True)
    assert re.search(r'<input checked id="score-10"', page) and "Changed my mind" in page


@pytest.mark.parametrize(
    "when, message",
    [
        (
            {"opens_in": timedelta(days=-10), "closes_in": timedelta(days=-1)},
            "period for this version is over",
        ),
        ({"opens_in": timedelta(days=2), "closes_in": timedelta(days=9)}, "opens later"),
    ],
)
def test_closed_or_future_release_refuses_answers(
    client, db, make_release, make_member, login_as, when, message
):
    release = make_release(**when)
    login_as(make_member().user)
    page = client.get(f"/en/feedback/{release.id}").get_data(as_text=True)
    assert message in page
    answer(client, release, 8)
    assert Response.query.count() == 0


def test_unpublished_release_is_not_found(client, make_release, make_member, login_as):
    release = make_release(publish=False)
    login_as(make_member().user)
    assert client.get(f"/en/feedback/{release.id}").status_code == 404
    assert answer(client, release, 8).status_code == 404


def test_score_is_required_and_bounded(client, db, make_release, make_member, login_as):
    release = make_release()
    login_as(make_member().user)
    for bad in ("", "11", "-1", "ten"):
        response = client.post(
            f"/en/feedback/{release.id}", data={"score": bad, "improve_text": "kept"}
        )
        assert response.status_code == 200
        assert "kept" in response.get_data(as_text=True)
    assert Response.query.count() == 0


def test_one_response_per_member_also_under_a_double_submit(app, db, make_release, make_member):
    release = make_release()
    member = make_member()
    client = app.test_client()
    client.post("/en/login", data={"email": member.user.email, "password": PASSWORD})
    barrier = threading.Barrier(4)
    codes = []
    url = f"/en/feedback/{release.id}"

    def send():
        barrier.wait()
        codes.append(client.post(url, data={"score": "7"}).status_code)

    threads = [threading.Thread(target=send) for _ in range(4)]
    [t.start() for t in threads]
    [t.join(timeout=60) for t in threads]
    db.session.rollback()
    assert codes == [302] * 4
    assert Response.query.filter_by(release_id=release.id).count() == 1
    assert services.release_score(release)[0].n == 1


def test_counts_stay_right_when_a_member_leaves(db, make_release, make_member):
    from panel.membership.privacy import leave_panel

    release = make_release()
    members = [make_member() for _ in range(3)]
    for member, score in zip(members, (10, 5, 8), strict=True):
        services.save_response(release, member, {"score": score, "improve_text": "my words"})
    db.session.commit()
    before = services.release_score(release)[0]
    leave_panel(members[0], "other")
    db.session.commit()
    after = services.release_score(release)[0]
    assert (after.n, after.nps) == (before.n, before.nps)
    gone = Response.query.filter_by(score=10).one()
    assert gone.member_id is None and gone.improve_text is None
    assert_counts_match_recount(release)


def test_publishing_needs_both_languages(client, db, product_owner, login_as, make_release):
    release = make_release(publish=False)
    release.changes[0].description_en = ""
    db.session.commit()
    login_as(product_owner)
    response = client.post(f"/en/results/releases/{release.id}/publish", follow_redirects=True)
    assert "both Dutch and English" in response.get_data(as_text=True)
    db.session.refresh(release)
    assert release.published_at is None


def test_opening_invites_the_audience_once(app, db, make_release, make_member):
    members = [make_member() for _ in range(3)]
    make_member(status="paused")
    make_release(opens_in=timedelta(hours=2))
    assert FeedbackInvitation.query.count() == 0  # not open yet
    services.open_due_releases(now=utcnow() + timedelta(hours=3))
    db.session.commit()
    assert {i.member_id for i in FeedbackInvitation.query} == {m.id for m in members}
    assert Notification.query.filter_by(kind="release_feedback").count() == 3
    assert OutboxMessage.query.filter_by(kind="notification").count() == 3
    services.open_due_releases(now=utcnow() + timedelta(hours=4))
    db.session.commit()
    assert FeedbackInvitation.query.count() == 3


def test_reminder_once_to_non_responders_two_days_before_close(app, db, make_release, make_member):
    answered, silent = make_member(), make_member()
    release = make_release(closes_in=timedelta(days=1, hours=12))
    services.save_response(release, answered, {"score": 9})
    db.session.commit()
    runner = app.test_cli_runner()
    assert "1 feedback reminders sent" in runner.invoke(args=["panel", "send-reminders"]).output
    assert "0 feedback reminders sent" in runner.invoke(args=["panel", "send-reminders"]).output
    reminded = Notification.query.filter_by(kind="release_reminder").all()
    assert [n.user_id for n in reminded] == [silent.user_id]


def test_sample_audience_only_asks_the_sample(db, make_release, make_member, login_as, client):
    members = [make_member() for _ in range(10)]
    release = make_release(audience="sample", sample_size=4)
    invited = {i.member_id for i in FeedbackInvitation.query.filter_by(release_id=release.id)}
    assert len(invited) == 4
    outsider = next(m for m in members if m.id not in invited)
    login_as(outsider.user)
    assert "not in it this time" in client.get(f"/en/feedback/{release.id}").get_data(as_text=True)


def test_results_page_with_segments_greyed_when_small(
    client, db, make_release, make_member, product_owner, login_as
):
    release = make_release()
    for index in range(35):
        member = make_member(customer_type="subscription", platform="ios")
        services.save_response(
            release, member, {"score": 9 if index % 2 else 4, "improve_text": f"Opmerking {index}"}
        )
    small = make_member(customer_type="prepaid")
    services.save_response(release, small, {"score": 10})
    db.session.commit()
    login_as(product_owner)
    page = client.get(f"/en/results/releases/{release.id}").get_data(as_text=True)
    assert "36" in page and "<svg" in page
    rows = page.split('<tr class="too-small"><td>')
    greyed = {row.split("<")[0] for row in rows[1:]}
    assert "Prepaid" in greyed and "Subscription" not in greyed
    assert "iPhone (iOS)" not in greyed


def test_comment_search_finds_dutch_and_english_words(db, make_release, make_member):
    release = make_release()
    texts = [
        "De app start traag op mijn telefoon",
        "The chat forgets my questions",
        "Graag een widget voor mijn verbruik",
        None,
    ]
    for index, words in enumerate(texts):
        services.save_response(
            release,
            make_member(platform="ios" if index else "android"),
            {"score": 3 + index * 2, "improve_text": words},
        )
    db.session.commit()
    find = lambda **kw: [r.improve_text for r in services.search_comments(release, **kw)]  # noqa: E731
    assert find(words="traag") == ["De app start traag op mijn telefoon"]
    assert find(words="chat") == ["The chat forgets my questions"]
    assert find(words="verbruik widget") == ["Graag een widget voor mijn verbruik"]
    assert find(words="quest") == ["The chat forgets my questions"]  # prefix
    assert len(find()) == 3
    assert sorted(find(group="detractor")) == [
        "De app start traag op mijn telefoon",
        "The chat forgets my questions",
    ]
    assert find(segment_kind="platform", segment_value="android") == [
        "De app start traag op mijn telefoon"
    ]
    assert find(words='"; DROP TABLE x; --') == []


def test_csv_export_is_pseudonymous(client, db, make_release, make_member, product_owner, login_as):
    release = make_release()
    member = make_member(email="secret@example.org", name="Secret Sam")
    services.save_response(release, member, {"score": 8, "improve_text": "Nice"})
    db.session.commit()
    login_as(product_owner)
    text = client.get(f"/en/results/releases/{release.id}/responses.csv").get_data(as_text=True)
    assert "Nice" in text and ",8," in text
    assert (
        "secret@example.org" not in text and "Secret" not in text and str(member.number) not in text
    )


@pytest.mark.parametrize(
    "roles, can_read, can_write",
    [
        ([Role.PRODUCT_OWNER], True, True),
        ([Role.PANEL_MANAGER], True, True),
        ([Role.REVIEWER], True, False),
        ([Role.PANELIST], False, False),
        ([Role.ADMIN], False, False),
    ],
)
def test_results_permissions(client, make_release, make_user, login_as, roles, can_read, can_write):
    release = make_release()
    login_as(make_user(roles=roles))
    assert (client.get(f"/en/results/releases/{release.id}").status_code == 200) == can_read
    assert (client.get("/en/results/releases/new").status_code == 200) == can_write


def test_touchpoint_after_attending(client, db, make_member, login_as):
    from panel.feedback.models import TouchpointResponse
    from panel.insights.models import seed_default_streams
    from panel.rounds import services as rounds
    from panel.rounds.models import Registration, Session

    seed_default_streams()
    owner = make_member().user
    round_ = rounds.create_round(
        owner,
        {
            "title_nl": "R",
            "title_en": "R",
            "summary_nl": "",
            "summary_en": "",
            "question_nl": "",
            "question_en": "",
            "visibility": "all",
        },
        [],
    )
    start = utcnow() - timedelta(hours=5)
    session = Session(
        round_id=round_.id,
        title_nl="S",
        title_en="S",
        kind="online",
        capacity=5,
        seats_taken=1,
        starts_at=start,
        ends_at=start + timedelta(hours=2),
        registration_deadline=start,
    )
    db.session.add(session)
    db.session.flush()
    member = make_member()
    registration = Registration(
        session_id=session.id, member_id=member.id, status="confirmed", attendance="attended"
    )
    db.session.add(registration)
    db.session.commit()
    login_as(member.user)
    assert f"/en/feedback/session/{registration.id}" in client.get("/en/me").get_data(as_text=True)
    client.post(
        f"/en/feedback/session/{registration.id}", data={"score": "9", "better_text": "More coffee"}
    )
    assert TouchpointResponse.query.one().score == 9
    assert f"/en/feedback/session/{registration.id}" not in client.get("/en/me").get_data(
        as_text=True
    )


def test_panel_nps_over_time_on_the_health_page(client, db, make_user, login_as):
    from panel.feedback.models import TouchpointResponse

    for score in (10, 9, 3):
        db.session.add(TouchpointResponse(score=score))
    db.session.commit()
    login_as(make_user(roles=[Role.PANEL_MANAGER]))
    page = client.get("/en/manage/health").get_data(as_text=True)
    assert "Panel NPS per month" in page
    month = format_date(amsterdam_today(), "MMM y", locale="en_GB")  # this Amsterdam month
    assert (
        f'<td class="nowrap">{month}</td><td class="number">3</td><td class="number">+33</td>'
        in page
    )


def test_editing_a_published_release_keeps_each_change_in_place(
    client, db, make_release, product_owner, login_as
):
    release = make_release()
    first, second = [change.id for change in release.changes]
    login_as(product_owner)
    data = {
        "version": "12.4",
        "month": "2026-11-01",
        "opens_at": "2026-11-01T09:00",
        "closes_at": "2026-12-30T09:00",
        "audience": "all",
        # The first block emptied (as a browser sends it), the second one reworded.
        "changes-0-title_nl": "",
        "changes-0-title_en": "",
        "changes-0-description_nl": "",
        "changes-0-description_en": "",
        "changes-1-title_nl": "Sneller inloggen met Face ID",
        "changes-1-title_en": "Faster log-in with Face ID",
        "changes-1-description_nl": "Face ID",
        "changes-1-description_en": "Face ID",
    }
    assert client.post(f"/en/results/releases/{release.id}/edit", data=data).status_code == 302
    db.session.expire_all()
    titles = {change.id: change.title_en for change in release.changes}
    assert titles == {first: "Dark mode", second: "Faster log-in with Face ID"}


def test_reviewers_cannot_download_the_responses(client, make_release, make_user, login_as):
    release = make_release()
    login_as(make_user(roles=[Role.REVIEWER]))
    assert client.get(f"/en/results/releases/{release.id}/responses.csv").status_code == 403

"""The kept NPS and rating counts under concurrent posts: edits of one response at once, one
changed answer sent several times, panelists flipping scores against each other, and members
leaving in the middle of it. After every storm the kept counts equal a recount, and no post
answers with an error (on PostgreSQL these drifted and deadlocked).

Each post runs in its own thread and app context, released together by a barrier; a short delay
before each count update widens the gap between reading the old answer and writing the counts."""

import random
import threading
import time
from contextlib import contextmanager

from sqlalchemy import event, func, select

from panel.feedback import services
from panel.feedback.models import ChangeRating, RatingCount, Response, ScoreCount
from panel.membership.models import Member

from ..conftest import PASSWORD

COUNT_UPDATE_DELAY = 0.005


@contextmanager
def slow_count_updates(engine):
    def pause(conn, cursor, statement, parameters, context, executemany):
        if statement.lstrip().upper().startswith("UPDATE FEEDBACK_"):
            time.sleep(COUNT_UPDATE_DELAY)

    event.listen(engine, "before_cursor_execute", pause)
    try:
        yield
    finally:
        event.remove(engine, "before_cursor_execute", pause)


def logged_in_client(app, user):
    client = app.test_client()
    response = client.post("/en/login", data={"email": user.email, "password": PASSWORD})
    assert response.status_code == 302
    return client


def form_data(release, score, ratings=()):
    data = {"score": str(score)}
    for change, rating in zip(release.changes, ratings, strict=False):
        data[f"change_{change.id}"] = rating
    return data


def post_together(app, db, posts):
    """posts: [(client, url, data)], sent at once; returns the status codes."""
    barrier = threading.Barrier(len(posts))
    codes, errors = [], []

    def send(client, url, data):
        barrier.wait()
        try:
            codes.append(client.post(url, data=data).status_code)
        except Exception as error:  # noqa: BLE001 - any error fails the test
            errors.append(error)

    with slow_count_updates(db.engine):
        threads = [threading.Thread(target=send, args=post) for post in posts]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)
    assert errors == []
    assert len(codes) == len(posts)
    return codes


def assert_counts_equal_a_recount(db, release):
    """Every kept count row (zeros too) equals the count from the responses themselves."""
    db.session.rollback()  # a fresh look at what the requests committed
    recounted = services.recount(release)
    kept = db.session.execute(
        select(
            ScoreCount.segment_kind, ScoreCount.segment_value, ScoreCount.score, ScoreCount.count
        ).where(ScoreCount.release_id == release.id)
    ).all()
    assert kept, "the release has its count rows"
    for kind, value, score, count in kept:
        assert count == recounted[kind].get(value, [0] * 11)[score], (kind, value, score)
    change_ids = [change.id for change in release.changes]
    ratings = dict(
        (((change_id, rating or 0), n))
        for change_id, rating, n in db.session.execute(
            select(ChangeRating.change_id, ChangeRating.rating, func.count())
            .where(ChangeRating.change_id.in_(change_ids))
            .group_by(ChangeRating.change_id, ChangeRating.rating)
        )
    )
    kept_ratings = db.session.execute(
        select(RatingCount.change_id, RatingCount.rating, RatingCount.count).where(
            RatingCount.change_id.in_(change_ids)
        )
    ).all()
    assert len(kept_ratings) == 6 * len(change_ids)
    for change_id, rating, count in kept_ratings:
        assert count == ratings.get((change_id, rating), 0), (change_id, rating)


def test_four_different_edits_of_one_response_at_once(app, db, make_release, make_member):
    release = make_release()
    member = make_member()
    services.save_response(release, member, {"score": 3, "ratings": {}})
    db.session.commit()
    client = logged_in_client(app, member.user)
    url = f"/en/feedback/{release.id}"
    posts = [
        (client, url, form_data(release, score, ratings))
        for score, ratings in ((10, ("5", "4")), (0, ("1", "not_used")), (7, ("3",)), (9, ()))
    ]
    assert post_together(app, db, posts) == [302] * 4
    assert Response.query.filter_by(release_id=release.id).count() == 1
    assert_counts_equal_a_recount(db, release)
    assert services.release_score(release)[0].n == 1


def test_one_changed_answer_sent_six_times_at_once(app, db, make_release, make_member):
    release = make_release()
    members = [make_member() for _ in range(3)]
    for member, score in zip(members, (9, 2, 3), strict=True):
        services.save_response(release, member, {"score": score, "ratings": {}})
    db.session.commit()
    client = logged_in_client(app, members[0].user)
    data = form_data(release, 2, ("2", "5"))
    assert post_together(app, db, [(client, f"/en/feedback/{release.id}", data)] * 6) == [302] * 6
    assert_counts_equal_a_recount(db, release)
    score = services.release_score(release)[0]
    assert (score.n, round(score.nps)) == (3, -100)


def test_eight_panelists_flipping_scores_at_once_neither_drift_nor_deadlock(
    app, db, make_release, make_member
):
    """Half go from 3 to 9 while the other half go from 9 to 3: the same count rows, taken in
    opposite orders before the fix (DeadlockDetected on PostgreSQL)."""
    release = make_release()
    members = [make_member() for _ in range(8)]
    for index, member in enumerate(members):
        services.save_response(release, member, {"score": 3 if index % 2 else 9, "ratings": {}})
    db.session.commit()
    clients = [logged_in_client(app, member.user) for member in members]
    url = f"/en/feedback/{release.id}"
    for turn in range(4):
        posts = []
        for index, client in enumerate(clients):
            score = 9 if (index + turn) % 2 else 3
            ratings = ("5", "1") if score == 9 else ("1", "5")
            posts.append((client, url, form_data(release, score, ratings)))
        assert post_together(app, db, posts) == [302] * 8
        assert_counts_equal_a_recount(db, release)


def test_random_mix_of_answers_edits_and_leaving_keeps_counts_equal_a_recount(
    app, db, make_release, make_member
):
    """New answers, edits (some sent twice) and a member leaving, all at once, four times."""
    release = make_release()
    chance = random.Random(11)
    members = [
        make_member(customer_type=chance.choice(["subscription", "prepaid", "business"]))
        for _ in range(10)
    ]
    for member in members[:5]:
        services.save_response(release, member, {"score": chance.randint(0, 10), "ratings": {}})
    db.session.commit()
    clients = {member.id: logged_in_client(app, member.user) for member in members}
    url = f"/en/feedback/{release.id}"
    rating_choices = ["1", "2", "3", "4", "5", "not_used"]
    present = list(members)
    for _ in range(4):
        posts = []
        leaving = chance.choice(present)
        present.remove(leaving)
        for member in present:
            client = clients[member.id]
            for _ in range(chance.choice([1, 1, 2])):  # some send it twice
                ratings = [chance.choice(rating_choices) for _ in release.changes]
                posts.append((client, url, form_data(release, chance.randint(0, 10), ratings)))
        posts.append((clients[leaving.id], "/en/me/leave", {"reason": "no_time", "confirm": "y"}))
        assert post_together(app, db, posts) == [302] * len(posts)
        assert_counts_equal_a_recount(db, release)
    db.session.rollback()
    assert Member.query.filter_by(status="left").count() == 4
    assert Response.query.filter(Response.member_id.is_(None)).count() >= 1

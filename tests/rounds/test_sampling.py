"""Sampling: eligibility, the contact-frequency rules, balance, determinism, invitations."""

from datetime import timedelta

import pytest

from panel.database import utcnow
from panel.mail import OutboxMessage
from panel.membership.models import PanelSettings, QuotaTarget
from panel.notifications.models import Notification
from panel.rounds import sampling
from panel.rounds.models import Invitation, Registration


def test_only_active_matching_uninvited_members_are_eligible(db, make_round, make_member):
    round_ = make_round()
    active = make_member(customer_type="prepaid")
    make_member(customer_type="subscription")
    for status in ("paused", "reserve", "pending", "left", "removed"):
        make_member(status=status, customer_type="prepaid")
    invited = make_member(customer_type="prepaid")
    db.session.add(Invitation(round_id=round_.id, member_id=invited.id))
    db.session.commit()
    eligible, chosen, _ = sampling.draw_sample(
        round_, sampling.Criteria(customer_types=["prepaid"]), 10, seed=1
    )
    assert eligible == 1 and chosen == [active.id]


def test_criteria_interests_platform_and_physical_region(db, make_round, make_member):
    round_ = make_round()
    match = make_member(platform="android", attends_physical=True, physical_region="utrecht")
    match.set_interests(["app"])
    wrong_interest = make_member(
        platform="android", attends_physical=True, physical_region="utrecht"
    )
    wrong_interest.set_interests(["billing"])
    make_member(platform="ios", attends_physical=True, physical_region="utrecht").set_interests(
        ["app"]
    )
    make_member(platform="android", attends_physical=False).set_interests(["app"])
    db.session.commit()
    criteria = sampling.Criteria(
        platforms=["android"], interests=["app"], physical_region="utrecht"
    )
    assert sampling.draw_sample(round_, criteria, 10, seed=1)[1] == [match.id]


def test_contact_frequency_rules_are_kept(db, make_round, make_session, make_member):
    settings = PanelSettings.current()
    settings.max_invitations_per_30_days = 2
    settings.rest_days_after_taking_part = 14
    db.session.add(settings)
    round_, other = make_round(), make_round()
    tired = make_member()
    rested = make_member()
    recently_took_part = make_member()
    fresh = make_member()
    # Two invitations in the last 30 days: at the limit. Two older ones don't count.
    for days_ago, member in ((3, tired), (5, tired), (40, rested), (35, rested)):
        db.session.add(
            Invitation(
                round_id=make_round().id,
                member_id=member.id,
                created_at=utcnow() - timedelta(days=days_ago),
            )
        )
    session = make_session(other, starts_in=timedelta(days=-3))
    db.session.add(
        Registration(
            session_id=session.id,
            member_id=recently_took_part.id,
            status="confirmed",
            attendance="attended",
        )
    )
    db.session.commit()
    _, chosen, _ = sampling.draw_sample(round_, sampling.Criteria(), 10, seed=1)
    assert sorted(chosen) == sorted([rested.id, fresh.id])


def test_sample_is_balanced_over_segments_and_deterministic(db, make_round, make_member):
    round_ = make_round()
    year = utcnow().year
    for _ in range(30):
        make_member(customer_type="subscription", birth_year=year - 40)
    for _ in range(10):
        make_member(customer_type="prepaid", birth_year=year - 20)
    eligible, chosen, composition = sampling.draw_sample(round_, sampling.Criteria(), 8, seed=42)
    assert eligible == 40 and len(chosen) == 8
    by_type = {segment[0]: count for segment, count in composition.items()}
    assert by_type == {"subscription": 6, "prepaid": 2}
    assert sampling.draw_sample(round_, sampling.Criteria(), 8, seed=42)[1] == chosen
    assert sampling.draw_sample(round_, sampling.Criteria(), 8, seed=43)[1] != chosen


def test_balance_by_quota_targets(db, make_round, make_member):
    round_ = make_round()
    for _ in range(30):
        make_member(customer_type="subscription")
    for _ in range(10):
        make_member(customer_type="prepaid")
    db.session.add_all(
        [
            QuotaTarget(customer_type="subscription", target=50),
            QuotaTarget(customer_type="prepaid", target=50),
        ]
    )
    db.session.commit()
    _, _, composition = sampling.draw_sample(
        round_, sampling.Criteria(), 10, seed=1, balance="quota"
    )
    by_type = {segment[0]: count for segment, count in composition.items()}
    assert by_type == {"subscription": 5, "prepaid": 5}


@pytest.mark.parametrize(
    "sizes, weights, n, expected",
    [
        ({"a": 10, "b": 5, "c": 1}, {"a": 10, "b": 5, "c": 1}, 8, {"a": 5, "b": 3, "c": 0}),
        ({"a": 2, "b": 100}, {"a": 50, "b": 50}, 20, {"a": 2, "b": 18}),  # capped, rest moves on
        ({"a": 3}, {"a": 3}, 10, {"a": 3}),
        ({"a": 4, "b": 4}, {"a": 0, "b": 0}, 4, {"a": 2, "b": 2}),
    ],
)
def test_allocation(sizes, weights, n, expected):
    assert sampling.allocate(sizes, weights, n) == expected


def test_preview_then_send_invitations(client, db, make_round, make_member, owner, login_as):
    round_ = make_round()
    members = [make_member(customer_type="prepaid") for _ in range(5)]
    login_as(owner)
    response = client.post(
        f"/en/owner/rounds/{round_.id}/invite",
        data={
            "customer_types": ["prepaid"],
            "size": "3",
            "balance": "pool",
            "seed": "7",
            "preview": "1",
        },
    )
    page = response.get_data(as_text=True)
    assert "5 panelists are eligible" in page and "The sample has 3 panelists" in page
    assert Invitation.query.count() == 0  # a preview sends nothing
    client.post(
        f"/en/owner/rounds/{round_.id}/invite",
        data={
            "customer_types": ["prepaid"],
            "size": "3",
            "balance": "pool",
            "seed": "7",
            "send": "1",
        },
    )
    invitations = Invitation.query.all()
    assert len(invitations) == 3 and {i.member_id for i in invitations} <= {m.id for m in members}
    assert Notification.query.filter_by(kind="round_invitation").count() == 3
    assert OutboxMessage.query.filter_by(kind="notification").count() == 3
    # Invited members are not drawn again for this round.
    assert (
        sampling.draw_sample(round_, sampling.Criteria(customer_types=["prepaid"]), 10, seed=1)[0]
        == 2
    )


def test_response_rate(db, make_round, make_member):
    round_ = make_round()
    for status in ("invited", "accepted", "declined", "accepted"):
        db.session.add(Invitation(round_id=round_.id, member_id=make_member().id, status=status))
    db.session.commit()
    assert sampling.response_rate(round_) == (4, 3, 2)

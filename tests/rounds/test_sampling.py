"""Sampling: eligibility, the contact-frequency rules, balance, determinism, invitations."""

import random
import threading
import time
from collections import Counter
from datetime import timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from panel.database import utcnow
from panel.feedback.models import Release
from panel.mail import OutboxMessage
from panel.membership.models import Member, PanelSettings, QuotaTarget
from panel.membership.segments import AgeBand
from panel.notifications.models import Notification
from panel.rounds import sampling
from panel.rounds.hooks import health_figures
from panel.rounds.models import Invitation, Registration
from panel.security import Role

from .test_seat_invariant import logged_in_client


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


BANDS = ["16-24", "25-34", "35-44", "45-54", "55-64", "65+", None]
REGIONS = ["groningen", "utrecht", "zeeland", "limburg", "noord-holland", None]


@st.composite
def pools(draw):
    """A random pool: eligible members per segment (customer type × age band × region)."""
    types = draw(st.lists(st.sampled_from("abcd"), min_size=1, max_size=4, unique=True))
    bands = draw(st.lists(st.sampled_from(BANDS), min_size=1, max_size=7, unique=True))
    regions = draw(st.lists(st.sampled_from(REGIONS), min_size=1, max_size=6, unique=True))
    cells = [(t, b, r) for t in types for b in bands for r in regions]
    sizes = draw(
        st.lists(st.integers(0, 40) | st.integers(0, 2), min_size=len(cells), max_size=len(cells))
    )
    pool = Counter({cell: size for cell, size in zip(cells, sizes, strict=True) if size})
    return pool if pool else Counter({cells[0]: 1})


def margin_errors(shares, targets):
    totals = sampling.margins(shares)
    return [
        abs(totals[index][value] - target)
        for index, by_value in enumerate(targets)
        for value, target in by_value.items()
    ]


@settings(max_examples=300, deadline=None)
@given(pool=pools(), fraction=st.floats(0.0, 1.2), seed=st.integers(0, 10**9))
def test_every_margin_is_within_one_of_its_proportional_share(pool, fraction, seed):
    total = sum(pool.values())
    n = max(1, round(total * fraction))
    targets = sampling.sample_targets(pool, n)
    shares = sampling.allocate(pool, targets, seed)
    drawn = min(n, total)
    assert sum(shares.values()) == drawn
    assert all(0 < shares[segment] <= pool[segment] for segment in shares)
    # The exact share of a value is its part of the pool, scaled to the sample.
    for index, by_value in enumerate(sampling.margins(pool)):
        for value, size in by_value.items():
            assert targets[index][value] == pytest.approx(drawn * size / total)
    assert max(margin_errors(shares, targets)) < 1
    assert sampling.allocate(pool, targets, seed) == shares  # the seed gives the same draw


@settings(max_examples=200, deadline=None)
@given(
    pool=pools(),
    n=st.integers(1, 60),
    weights=st.lists(st.integers(0, 200), min_size=7, max_size=7),
    seed=st.integers(0, 10**9),
)
def test_every_margin_is_within_one_of_a_target_share_the_pool_allows(pool, n, weights, seed):
    # At least n members in every combination of the values: the pool allows any margins.
    full = Counter()
    values = [sorted(by_value, key=str) for by_value in sampling.margins(pool)]
    for t in values[0]:
        for b in values[1]:
            for r in values[2]:
                full[(t, b, r)] = pool.get((t, b, r), 0) + n
    quota = [
        {value: weights[position % 7] for position, value in enumerate(by_value)}
        for by_value in values
    ]
    targets = [
        sampling.capped_shares(by_value, weight, n)
        for by_value, weight in zip(sampling.margins(full), quota, strict=True)
    ]
    shares = sampling.allocate(full, targets, seed)
    assert sum(shares.values()) == n
    assert max(margin_errors(shares, targets)) < 1
    # No value can be full, so the exact shares follow the weights (the pool when all are 0).
    for index, (weight, capacity) in enumerate(zip(quota, sampling.margins(full), strict=True)):
        if not sum(weight.values()):
            weight = capacity
        for value, target in targets[index].items():
            assert target == pytest.approx(n * weight[value] / sum(weight.values()))


def test_ties_are_broken_by_the_seed():
    pool = Counter({(t, "25-34", "utrecht"): 5 for t in "abcdefgh"})
    targets = sampling.sample_targets(pool, 4)
    picks = {
        frozenset(sampling.allocate(pool, targets, seed)) for seed in range(20)
    }  # 4 of 8 equal segments: not always the first four alphabetically
    assert len(picks) > 1


def test_capped_shares_move_what_a_full_value_cannot_take():
    assert sampling.capped_shares({"a": 2, "b": 100}, {"a": 50, "b": 50}, 20) == {
        "a": 2,
        "b": 18,
    }
    assert sampling.capped_shares({"a": 4, "b": 4}, {"a": 0, "b": 0}, 4) == {"a": 2, "b": 2}
    # A value without a target only gets what is left when the others are full.
    assert sampling.capped_shares({"a": 3, "b": 10}, {"a": 1, "b": 0}, 5) == {"a": 3, "b": 2}


POSTCODES = ["1011", "3511", "2511", "9711", "5611", "4331"]  # six provinces


def make_pool(make_member, counts, seed=11):
    """Members of the given customer types, spread over age bands and regions at random."""
    rng = random.Random(seed)
    year = utcnow().year
    for customer_type, count in counts.items():
        for _ in range(count):
            make_member(
                customer_type=customer_type,
                birth_year=year - rng.choice([20, 30, 40, 50, 60, 70]),
                postcode=rng.choice(POSTCODES),
            )


def by_type(composition):
    counts = Counter()
    for (customer_type, _band, _region), count in composition.items():
        counts[customer_type] += count
    return counts


def test_the_owners_example_is_proportional_for_every_seed(db, make_round, make_member):
    # 40 of 99 (57/36/6) drew 16/19/5. The exact shares are 23.03/14.55/2.42.
    round_ = make_round()
    make_pool(make_member, {"subscription": 57, "prepaid": 36, "business": 6})
    for seed in range(8):
        sample = sampling.plan_sample(round_, sampling.Criteria(), 40, seed)
        assert sample.eligible == 99 and len(sample.chosen) == 40
        counts = by_type(sample.composition)
        assert counts["subscription"] in (23, 24)
        assert counts["prepaid"] in (14, 15)
        assert counts["business"] in (2, 3)
        for index, by_value in enumerate(sampling.margins(sample.composition)):
            for value, target in sample.targets[index].items():
                assert abs(by_value[value] - target) < 1
    samples = {tuple(sampling.draw_sample(round_, sampling.Criteria(), 40, s)[1]) for s in (1, 2)}
    assert len(samples) == 2


@pytest.mark.parametrize(
    "n, expected",
    [
        # Quotas 140/80/25 of 245 drew 35/5/0 and 20/0/0; the exact shares are
        # 22.86/13.06/4.08 and 11.43/6.53/2.04.
        (40, {"subscription": (22, 23), "prepaid": (13, 14), "business": (4, 5)}),
        (20, {"subscription": (11, 12), "prepaid": (6, 7), "business": (2, 3)}),
    ],
)
def test_quota_mode_follows_the_quota_targets(db, make_round, make_member, n, expected):
    round_ = make_round()
    make_pool(make_member, {"subscription": 57, "prepaid": 36, "business": 6})
    db.session.add_all(
        [
            QuotaTarget(customer_type="subscription", target=140),
            QuotaTarget(customer_type="prepaid", target=80),
            QuotaTarget(customer_type="business", target=25),
        ]
    )
    db.session.commit()
    for seed in range(5):
        sample = sampling.plan_sample(round_, sampling.Criteria(), n, seed, balance="quota")
        counts = by_type(sample.composition)
        assert sum(counts.values()) == n
        for customer_type, allowed in expected.items():
            assert counts[customer_type] in allowed


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


def test_response_rate_counts_only_invitations_old_enough_to_answer(db, make_round, make_member):
    round_ = make_round()
    old = utcnow() - timedelta(hours=49)
    new = utcnow() - timedelta(hours=2)
    for status, created_at in (
        ("invited", old),
        ("accepted", old),
        ("declined", old),
        ("accepted", new),  # answered quickly: not counted until the invitation is 48 hours old
        ("invited", new),  # not answered yet, but it has had no time
    ):
        db.session.add(
            Invitation(
                round_id=round_.id,
                member_id=make_member().id,
                status=status,
                created_at=created_at,
            )
        )
    db.session.commit()
    rate = sampling.response_rate(round_)
    assert (rate.invited, rate.counted, rate.responded, rate.accepted) == (5, 3, 2, 2)
    assert rate.rate == pytest.approx(2 / 3)
    # Once the round has closed, every invitation counts.
    round_.stage = "closed"
    db.session.commit()
    rate = sampling.response_rate(round_)
    assert (rate.counted, rate.responded) == (5, 3)


def test_health_figures_count_invitations_old_enough_to_answer(db, make_round, make_member):
    round_ = make_round()
    for status, hours in (("accepted", 72), ("invited", 72), ("invited", 1), ("invited", 2)):
        db.session.add(
            Invitation(
                round_id=round_.id,
                member_id=make_member().id,
                status=status,
                created_at=utcnow() - timedelta(hours=hours),
            )
        )
    db.session.commit()
    value, label = health_figures()[0]
    assert value == "50%" and "48" in str(label)


def test_left_out_says_why(db, make_round, make_session, make_member):
    settings = PanelSettings.current()
    settings.max_invitations_per_30_days = 1
    settings.rest_days_after_taking_part = 14
    db.session.add(settings)
    round_, other = make_round(), make_round()
    make_member(customer_type="business")  # criteria
    make_member(status="paused")
    make_member(status="reserve")
    make_member(status="left")  # not counted
    invited = make_member()
    tired = make_member()
    resting = make_member()
    make_member()  # eligible
    db.session.add(Invitation(round_id=round_.id, member_id=invited.id))
    db.session.add(Invitation(round_id=other.id, member_id=tired.id))
    session = make_session(other, starts_in=timedelta(days=-3))
    db.session.add(
        Registration(
            session_id=session.id,
            member_id=resting.id,
            status="confirmed",
            attendance="attended",
        )
    )
    db.session.commit()
    criteria = sampling.Criteria(customer_types=["subscription"])
    assert sampling.left_out(round_, criteria) == {
        "criteria": 1,
        "paused_or_reserve": 2,
        "already_invited": 1,
        "contact_frequency": 1,
        "rest_period": 1,
    }
    assert sampling.draw_sample(round_, criteria, 10, seed=1)[0] == 1


@pytest.mark.parametrize("locale", ["en", "nl"])
def test_preview_shows_pool_target_sample_and_who_is_left_out(
    client, db, make_round, make_member, owner, login_as, locale
):
    round_ = make_round()
    make_pool(make_member, {"subscription": 6, "prepaid": 3})
    make_member(status="paused")
    login_as(owner)
    page = client.post(
        f"/{locale}/owner/rounds/{round_.id}/invite",
        data={"size": "20", "balance": "pool", "seed": "7", "preview": "1"},
    ).get_data(as_text=True)
    if locale == "en":
        assert "You asked for 20 panelists, but only 9 are eligible" in page
        assert "Paused or on the reserve list" in page
        assert "Eligible" in page and "Target" in page and "Sample" in page
        assert "at least 48 hours ago" in page
    else:
        assert "Je vroeg om 20 panelleden, maar er komen er maar 9 in aanmerking" in page
        assert "Gepauzeerd of op de reservelijst" in page


def test_a_release_response_rate_waits_until_the_invitations_could_be_answered():
    now = utcnow()
    release = Release(
        invited_count=10,
        invited_at=now - timedelta(hours=30),
        opens_at=now - timedelta(hours=30),
        closes_at=now + timedelta(days=7),
    )
    assert release.response_rate(4, now=now) is None  # sent 30 hours ago, window still open
    assert release.response_rate(4, now=now + timedelta(hours=19)) == 0.4
    release.closes_at = now - timedelta(hours=1)  # a short window that has closed
    assert release.response_rate(4, now=now) == 0.4
    assert Release(invited_count=0, invited_at=None).response_rate(0, now=now) is None


def ranked_like_before(sample, seed):
    """Per segment, the first `share` of its eligible members in the seeded order, ranked in
    Python over the whole pool: what the sampler picked when the database ranked everyone."""
    factor = sampling.seed_factor(seed)
    by_segment = {}
    for member in Member.query.filter_by(status="active").all():
        band = AgeBand.for_birth_year(member.birth_year)
        segment = (member.customer_type, band.value if band else None, member.region)
        by_segment.setdefault(segment, []).append(member.id)
    chosen = []
    for segment, share in sample.composition.items():
        ranked = sorted(by_segment[segment], key=lambda id_: id_ * factor % sampling.PRIME)
        chosen.extend(ranked[:share])
    return sorted(chosen)


@pytest.mark.parametrize("named", [0, 3, 100])
def test_the_sample_is_the_start_of_each_segments_seeded_order(
    db, make_round, make_member, monkeypatch, named
):
    # Some segments named with their own part of the order, the others sharing one part.
    monkeypatch.setattr(sampling, "NAMED_SEGMENTS", named)
    round_ = make_round()
    make_pool(make_member, {"subscription": 70, "prepaid": 40, "business": 10}, seed=3)
    for seed in (0, 1, 99):
        sample = sampling.plan_sample(round_, sampling.Criteria(), 30, seed)
        assert len(sample.chosen) == 30
        assert sample.chosen == ranked_like_before(sample, seed)


def test_a_segment_that_comes_up_short_asks_again(db, make_round, make_member, monkeypatch):
    # Every segment first asks for far too little of its order, so each must ask again.
    monkeypatch.setattr(sampling, "likely_reach", lambda share, size: 0.001)
    monkeypatch.setattr(sampling, "NAMED_SEGMENTS", 2)
    round_ = make_round()
    make_pool(make_member, {"subscription": 50, "prepaid": 30}, seed=5)
    sample = sampling.plan_sample(round_, sampling.Criteria(), 40, seed=8)
    assert len(sample.chosen) == 40
    assert sample.chosen == ranked_like_before(sample, 8)


def test_seed_zero_does_not_draw_the_oldest_members_first(db, make_round, make_member):
    round_ = make_round()
    members = [make_member() for _ in range(40)]  # one segment
    chosen = sampling.draw_sample(round_, sampling.Criteria(), 10, seed=0)[1]
    assert len(chosen) == 10
    assert chosen != sorted(member.id for member in members)[:10]


def test_two_owners_sending_for_one_round_at_once_invite_nobody_twice(
    app, db, make_round, make_member, make_user, owner, monkeypatch
):
    """Both draw before either writes (a delay in between): the second skips whom the first
    invited, and only those it invited get a message. Never an error."""
    round_ = make_round()
    make_pool(make_member, {"subscription": 8, "prepaid": 4})
    manager = make_user(roles=[Role.PANEL_MANAGER], locale="en")
    send = sampling.send_invitations

    def send_after_a_while(*args):
        time.sleep(0.3)
        return send(*args)

    monkeypatch.setattr(sampling, "send_invitations", send_after_a_while)
    clients = [logged_in_client(app, user) for user in (owner, manager)]
    url = f"/en/owner/rounds/{round_.id}/invite"
    barrier = threading.Barrier(len(clients))
    statuses, errors = [], []

    def post(client, seed):
        barrier.wait()
        try:
            response = client.post(
                url,
                data={"size": "9", "balance": "pool", "seed": str(seed), "send": "1"},
            )
            statuses.append(response.status_code)
        except Exception as error:  # noqa: BLE001 - any error fails the test
            errors.append(error)

    threads = [
        threading.Thread(target=post, args=(client, seed))
        for client, seed in zip(clients, (1, 2), strict=True)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == [] and statuses == [302, 302]
    db.session.rollback()  # a fresh look at what the requests committed
    invited = [i.member_id for i in Invitation.query.filter_by(round_id=round_.id)]
    assert len(invited) == len(set(invited)) > 9  # the second owner added some
    invited_users = {member.user_id for member in Member.query.filter(Member.id.in_(invited)).all()}
    notified = [n.user_id for n in Notification.query.filter_by(kind="round_invitation").all()]
    assert sorted(notified) == sorted(invited_users)  # one message each, none for the skipped
    assert OutboxMessage.query.filter_by(kind="notification").count() == len(invited)

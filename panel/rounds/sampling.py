"""Drawing a balanced sample of panelists to invite, within the contact-frequency rules.

Who is eligible: active members matching the criteria, not invited to this round before, with
fewer than K invitations in the last 30 days and no session attended in the rest period
(K and the rest period are the panel manager's settings). Paused, reserve and left members are
not active, so they are never drawn.

How the sample is balanced: on each characteristic the owner balances on — customer type, age
band and region — every value gets its exact share of N: in proportion to the eligible pool, or
to the quota targets, never more than the pool has. Iterative proportional fitting turns those
margins into a share per segment (customer type × age band × region); the shares are rounded so
that every margin stays within one of its exact share, with ties broken by the seed. Within a
segment members are drawn in a seeded random order, so a seed always gives the same sample.

How it stays fast (docs/performance.md): the database counts the pool per segment in one pass
and returns, in a second, only the start of each segment's seeded order (a few thousand rows
for a sample of 1,000, however large the pool), never ranking the whole pool.
"""

import json
import math
import random
from collections import Counter
from dataclasses import dataclass, field
from datetime import timedelta

from sqlalchemy import (
    BigInteger,
    and_,
    case,
    cast,
    exists,
    func,
    insert,
    literal,
    select,
)

from ..accounts.models import User
from ..audit import record_audit
from ..database import conflict_insert, utcnow
from ..extensions import db
from ..i18n import link_for
from ..mail import queue_mail_bulk
from ..membership.models import Member, MemberInterest, MemberStatus, PanelSettings, QuotaTarget
from ..membership.segments import AgeBand, CustomerType, Region
from ..notifications import kinds
from ..notifications.models import Notification
from ..notifications.services import users_without_email_for
from .models import Invitation, InvitationStatus, Registration, Round, Session, Stage
from .notices import round_params


@dataclass
class Criteria:
    customer_types: list = field(default_factory=list)
    age_bands: list = field(default_factory=list)
    regions: list = field(default_factory=list)
    platforms: list = field(default_factory=list)
    interests: list = field(default_factory=list)
    physical_region: str | None = None  # can come to sessions at a location in this region
    online: bool = False  # can take part online


def criteria_conditions(criteria):
    """The WHERE conditions of the owner's criteria, on the members table."""
    conditions = []
    if criteria.customer_types:
        conditions.append(Member.customer_type.in_(criteria.customer_types))
    if criteria.regions:
        conditions.append(Member.region.in_(criteria.regions))
    if criteria.platforms:
        conditions.append(Member.platform.in_(criteria.platforms))
    if criteria.age_bands:
        ranges = []
        for band in criteria.age_bands:
            first, last = AgeBand(band).birth_years()
            ranges.append(
                and_(
                    Member.birth_year <= last,
                    Member.birth_year >= first if first is not None else True,
                )
            )
        conditions.append(db.or_(*ranges))
    if criteria.interests:
        conditions.append(
            exists().where(
                MemberInterest.member_id == Member.id,
                MemberInterest.interest.in_(criteria.interests),
            )
        )
    if criteria.physical_region:
        conditions.append(Member.attends_physical.is_(True))
        conditions.append(Member.physical_region == criteria.physical_region)
    if criteria.online:
        conditions.append(Member.attends_online.is_(True))
    return conditions


def resting_rules(round_, now, already_asked=None):
    """(reason, SELECT of member ids) for each rule that keeps a matching member out, in order."""
    settings = PanelSettings.current()
    rules = [
        (
            "already_invited",
            already_asked
            if already_asked is not None
            else select(Invitation.member_id).where(Invitation.round_id == round_.id),
        ),
        # Contact frequency: at most K invitations per 30 days …
        (
            "contact_frequency",
            select(Invitation.member_id)
            .where(Invitation.created_at > now - timedelta(days=30))
            .group_by(Invitation.member_id)
            .having(func.count() >= settings.max_invitations_per_30_days),
        ),
    ]
    # … and a rest after taking part in a session.
    if settings.rest_days_after_taking_part:
        rules.append(
            (
                "rest_period",
                select(Registration.member_id)
                .join(Session)
                .where(
                    Registration.attendance == "attended",
                    Session.ends_at > now - timedelta(days=settings.rest_days_after_taking_part),
                ),
            )
        )
    return rules


def eligible_query(round_, criteria, now=None, already_asked=None, among=None):
    """SELECT id, customer_type, birth_year, region of every member who may be invited.

    `already_asked` (a SELECT of member ids) replaces "invited to this round" for other uses;
    `among` narrows the members down before the contact rules are looked up for them.
    """
    now = now or utcnow()
    # Active members always have an account (leaving erases it and sets another status), so the
    # status alone selects them, straight from the covering index on (status, segment).
    query = select(Member.id, Member.customer_type, Member.birth_year, Member.region).where(
        Member.status == MemberStatus.ACTIVE.value, *criteria_conditions(criteria)
    )
    if among is not None:
        # Before the contact rules: SQLite checks the conditions in this order.
        query = query.where(among)
    for _reason, member_ids in resting_rules(round_, now, already_asked):
        query = query.where(Member.id.not_in(member_ids))
    return query


# Why members are left out of the pool, in the order they are counted: each member counts once,
# under the first reason that applies.
LEFT_OUT_REASONS = (
    "criteria",
    "paused_or_reserve",
    "already_invited",
    "contact_frequency",
    "rest_period",
)


def left_out(round_, criteria, now=None):
    """How many active, paused and reserve members are not eligible, by reason (one query)."""
    now = now or utcnow()
    conditions = criteria_conditions(criteria)
    whens = []
    if conditions:
        whens.append((db.not_(and_(*conditions)), "criteria"))
    whens.append((Member.status != MemberStatus.ACTIVE.value, "paused_or_reserve"))
    for reason, member_ids in resting_rules(round_, now):
        whens.append((Member.id.in_(member_ids), reason))
    reason = case(*whens, else_=literal("eligible")).label("reason")
    counts = dict(
        db.session.execute(
            select(reason, func.count())
            .where(
                Member.status.in_(
                    [
                        MemberStatus.ACTIVE.value,
                        MemberStatus.PAUSED.value,
                        MemberStatus.RESERVE.value,
                    ]
                )
            )
            .group_by(reason)
        ).all()
    )
    return {reason: counts.get(reason, 0) for reason in LEFT_OUT_REASONS}


# The characteristics a sample is balanced on: the parts of a segment, in order.
DIMENSIONS = ("customer_type", "age_band", "region")


def margins(cells):
    """Per characteristic, the total per value of a {segment: amount} mapping."""
    totals = [Counter() for _ in DIMENSIONS]
    for segment, amount in cells.items():
        for index, value in enumerate(segment):
            totals[index][value] += amount
    return totals


def capped_shares(capacity, weights, n):
    """Real shares of n in proportion to the weights, none above its capacity (water-filling).

    What a full value cannot take goes to the others by weight; values without weight only
    receive what is left when every weighted value is full, in proportion to their capacity.
    """
    shares = {value: 0.0 for value in capacity}
    full = set()
    while True:
        open_values = [v for v in capacity if v not in full]
        remaining = n - sum(shares[v] for v in full)
        if not open_values or remaining <= 1e-9:
            break
        weight = {v: weights.get(v, 0) for v in open_values}
        if sum(weight.values()) <= 0:
            weight = {v: capacity[v] for v in open_values}
        total = sum(weight.values())
        over = False
        for value in open_values:
            shares[value] = remaining * weight[value] / total if total else 0.0
            if shares[value] > capacity[value]:
                shares[value], over = capacity[value], True
                full.add(value)
        if not over:
            break
    return shares


def quota_weights(pool_margins):
    """Per characteristic, weights from the quota targets set on that characteristic alone.

    Targets are shares of one panel (the largest total over the characteristics); values
    without a target share what the targets leave, in proportion to the pool. Targets that
    combine characteristics are not used for balancing a sample.
    """
    by_dimension = [dict() for _ in DIMENSIONS]
    for target in QuotaTarget.query.all():
        parts = [target.customer_type, target.age_band, target.region]
        set_parts = [index for index, part in enumerate(parts) if part is not None]
        if len(set_parts) == 1:
            by_dimension[set_parts[0]][parts[set_parts[0]]] = max(target.target, 0)
    panel = max((sum(targets.values()) for targets in by_dimension), default=0)
    weights = []
    for pool, targets in zip(pool_margins, by_dimension, strict=True):
        if not targets or panel <= 0:
            weights.append(dict(pool))
            continue
        rest = max(0.0, 1 - sum(targets.values()) / panel)
        untargeted = sum(size for value, size in pool.items() if value not in targets)
        weights.append(
            {
                value: targets[value] / panel
                if value in targets
                else (rest * size / untargeted if untargeted else 0.0)
                for value, size in pool.items()
            }
        )
    return weights


def fit_cells(sizes, targets, rounds=100):
    """Iterative proportional fitting: a real share per segment whose margins meet the targets."""
    fitted = {segment: float(size) for segment, size in sizes.items()}
    for _ in range(rounds):
        worst = 0.0
        for index, target in enumerate(targets):
            totals = Counter()
            for segment, amount in fitted.items():
                totals[segment[index]] += amount
            for segment in fitted:
                total = totals[segment[index]]
                factor = target[segment[index]] / total if total > 0 else 0.0
                fitted[segment] = min(fitted[segment] * factor, sizes[segment])
            worst = max(worst, max(abs(target[v] - totals[v]) for v in target))
        if worst < 1e-6:
            break
    return fitted


def allocate(sizes, targets, seed):
    """Whole shares per segment, never above its size, with every margin as close as it can be.

    `targets` holds the exact (real) share of each value on each characteristic, summing to the
    sample size. Segments first get the whole part of their fitted share; the units left go one
    by one to the segment whose margins fall furthest short; then single moves from one segment
    to another mend any margin still one or more away from its exact share. Ties go by the seed.
    """
    n = round(sum(targets[0].values())) if targets else 0
    order = sorted(sizes, key=lambda segment: tuple(str(part) for part in segment))
    tiebreak = random.Random(seed)
    draw = {segment: tiebreak.random() for segment in order}
    fitted = fit_cells(sizes, targets)
    shares = {segment: min(int(fitted[segment]), sizes[segment]) for segment in order}
    error = [
        {value: -target[value] for value in target} for target in targets
    ]  # margin total minus target
    for segment, share in shares.items():
        for index, value in enumerate(segment):
            error[index][value] += share

    def move(segment, step):
        shares[segment] += step
        for index, value in enumerate(segment):
            error[index][value] += step

    by_type, by_band, by_region = error
    for _ in range(n - sum(shares.values())):
        shortfall = [
            -(by_type[t] + by_band[b] + by_region[r])
            if shares[(t, b, r)] < sizes[(t, b, r)]
            else None
            for t, b, r in order
        ]
        open_ = [value for value in shortfall if value is not None]
        if not open_:
            break
        most = max(open_)
        best = max(
            (
                s
                for s, value in zip(order, shortfall, strict=True)
                if value is not None and value >= most - 1e-9
            ),
            key=lambda s: (fitted[s] - shares[s], draw[s]),
        )
        move(best, 1)
    for _ in range(4 * len(order) + 100):
        off = [
            (index, value)
            for index, errors in enumerate(error)
            for value, amount in errors.items()
            if abs(amount) >= 1 - 1e-9
        ]
        if not off:
            break
        givers = [s for s in order if shares[s] > 0]
        takers = [s for s in order if shares[s] < sizes[s]]
        best, best_gain = None, 1e-9
        for giver in givers:
            for taker in takers:
                gain = 0.0
                for index in range(len(DIMENSIONS)):
                    if giver[index] != taker[index]:
                        # Change of the squared error when one unit moves between the values.
                        gain += 2 * (error[index][giver[index]] - error[index][taker[index]]) - 2
                if gain > best_gain or (
                    best is not None and gain == best_gain and draw[taker] > draw[best[1]]
                ):
                    best, best_gain = (giver, taker), gain
        if best is None:
            break
        move(best[0], -1)
        move(best[1], 1)
    return {segment: share for segment, share in shares.items() if share}


@dataclass
class Sample:
    """A drawn sample with what the preview shows next to it."""

    eligible: int
    chosen: list
    composition: Counter  # sample size per segment
    pool: Counter  # eligible members per segment
    targets: list  # per characteristic: exact share of the sample per value


def age_band_sql(birth_year):
    """A member's age band as a SQL expression of the birth year (this year's boundaries)."""
    whens = []
    for band in AgeBand:
        first, last = band.birth_years()
        condition = birth_year <= last if first is None else birth_year.between(first, last)
        whens.append((condition, band.value))
    return case(*whens, else_=None)


PRIME = 2147483647


def seed_factor(seed):
    """The seed's multiplier: far from 0 and from PRIME for small seeds (seed 0 once had 1,
    which kept the members in the order they joined)."""
    return 1 + ((seed + 1) * 2654435761) % (PRIME - 2)


def shuffled(member_id, seed):
    """A seeded pseudo-random order of members, computed by the database (the same on both).

    Multiplying by a seed-chosen factor modulo a prime permutes the ids; every seed has its own
    factor, so every seed gives its own order.
    """
    factor = seed_factor(seed)
    return (cast(member_id, BigInteger) * literal(factor, BigInteger)) % literal(PRIME, BigInteger)


def sample_targets(sizes, n, balance="pool"):
    """Per characteristic, the exact share of a sample of n (at most the pool) per value."""
    pool_margins = margins(sizes)
    total = min(n, sum(sizes.values()))
    weights = quota_weights(pool_margins) if balance == "quota" else pool_margins
    return [
        capped_shares(pool, weight, total)
        for pool, weight in zip(pool_margins, weights, strict=True)
    ]


def plan_sample(round_, criteria, n, seed, balance="pool", already_asked=None):
    """Draw a balanced sample (see the module's docstring); a Sample.

    The database does the heavy lifting, so only a few rows more than the chosen ever reach
    Python: one query counts the eligible members per segment, a second returns the start of
    each segment's seeded order (see first_in_order).
    """
    now = utcnow()
    eligible = eligible_query(round_, criteria, now, already_asked).subquery()
    # Counting per birth year is cheaper for the database than per band; Python adds them up.
    sizes, parts, bands = Counter(), {}, {}
    by_year = (eligible.c.customer_type, eligible.c.birth_year, eligible.c.region)
    for customer_type, birth_year, region, count in db.session.execute(
        select(*by_year, func.count()).group_by(*by_year)
    ):
        if birth_year not in bands:
            age_band = AgeBand.for_birth_year(birth_year)
            bands[birth_year] = age_band.value if age_band else None
        segment = (customer_type, bands[birth_year], region)
        sizes[segment] += count
        parts.setdefault(segment, []).append((customer_type, birth_year, region))
    targets = sample_targets(sizes, n, balance)
    shares = allocate(sizes, targets, seed)

    def members_among(condition, key):
        return eligible_query(round_, criteria, now, already_asked, among=condition).add_columns(
            key
        )

    chosen, composition = [], Counter()
    for segment, member_ids in first_in_order(members_among, sizes, parts, shares, seed).items():
        chosen.extend(member_ids)
        composition[segment] += len(member_ids)
    return Sample(sum(sizes.values()), sorted(chosen), composition, sizes, targets)


def likely_reach(share, size):
    """The part of a segment's seeded order that most likely holds its first `share` members.

    The order is a random permutation, so the first `share` lie within share/size of it on
    average; three standard deviations and a few members more make a shortfall rare.
    """
    return min(1.0, (share + 3 * math.sqrt(share) + 3) / size) if size else 1.0


# The segments that need the largest parts of their order are asked for by name, each with its
# own part; all others share one part, the largest they need. A few names keep the query cheap.
NAMED_SEGMENTS = 16


def segment_condition(columns, parts):
    """SQL condition: the member is in the segment made of these (type, birth year, region)."""
    customer_type, birth_year, region = columns
    conditions = []
    for (type_, region_), years in group_parts(parts).items():
        in_years = [birth_year.in_([year for year in years if year is not None])]
        if None in years:
            in_years.append(birth_year.is_(None))
        conditions.append(
            and_(
                customer_type.is_(None) if type_ is None else customer_type == type_,
                region.is_(None) if region_ is None else region == region_,
                db.or_(*in_years),
            )
        )
    return db.or_(*conditions)


def group_parts(parts):
    """{(customer type, region): [birth years]} of a segment's parts."""
    grouped = {}
    for customer_type, birth_year, region in parts:
        grouped.setdefault((customer_type, region), []).append(birth_year)
    return grouped


def first_in_order(members_among, sizes, parts, shares, seed):
    """Per segment, the ids of its first `share` eligible members in the seeded order.

    The same members a ranking of the whole pool would pick, without ranking it: the order is
    the seeded key (see shuffled), so the first members of a segment are those with the lowest
    keys, and the database only returns keys in the part of the order a segment's share most
    likely lies in (likely_reach). A segment that comes up short (rarely: by chance, or because
    the pool changed in between) asks again for twice as much, until it has its share or all
    its members.
    """
    columns = (Member.customer_type, Member.birth_year, Member.region)
    key = shuffled(Member.id, seed)
    reach = {segment: likely_reach(share, sizes[segment]) for segment, share in shares.items()}
    chosen, everyone = {}, True
    while reach:
        largest = sorted(reach.values(), reverse=True)
        common = largest[NAMED_SEGMENTS] if everyone and len(largest) > NAMED_SEGMENTS else 0.0
        conditions = [key < math.ceil(common * PRIME)] if common else []
        for segment, part in reach.items():
            if part > common:
                condition = segment_condition(columns, parts[segment])
                if part < 1:
                    condition = and_(key < math.ceil(part * PRIME), condition)
                conditions.append(condition)
        found = {}
        # Plain rows (no ORM processing): there may be several thousand.
        for member_id, customer_type, birth_year, region, order in (
            db.session.connection().execute(members_among(db.or_(*conditions), key)).all()
        ):
            found.setdefault((customer_type, birth_year, region), []).append((order, member_id))
        for segment in list(reach):
            ordered = sorted(item for each in parts[segment] for item in found.get(each, ()))
            if len(ordered) >= shares[segment] or reach[segment] >= 1:
                chosen[segment] = [member_id for _, member_id in ordered[: shares[segment]]]
                del reach[segment]
            else:
                reach[segment] = min(1.0, 2 * reach[segment])
        everyone = False
    return chosen


def draw_sample(round_, criteria, n, seed, balance="pool", already_asked=None):
    """(eligible count, sampled member ids, composition Counter by segment)."""
    sample = plan_sample(round_, criteria, n, seed, balance, already_asked)
    return sample.eligible, sample.chosen, sample.composition


@dataclass
class Recipient:
    """What the messages need of an invited member's account, read without the ORM's cost."""

    id: int
    email: str
    name: str
    locale: str
    # The account's own rules for the name in a greeting.
    display_name = User.display_name
    first_name = User.first_name


def insert_skipping_invited(rows):
    """Insert invitations, skipping members this round already invited; their member ids."""
    statement = (
        conflict_insert(Invitation)
        .on_conflict_do_nothing(index_elements=["round_id", "member_id"])
        .returning(Invitation.member_id)
    )
    return db.session.connection().execute(statement, rows).scalars().all()


def send_invitations(round_, member_ids, actor):
    """Write the invitations and their notifications in bulk, and queue the e-mails.

    Two owners sending for the same round at once invite nobody twice: a member the other
    already invited is skipped here, and gets no second message. How many were invited.
    """
    if not member_ids:
        return 0
    now = utcnow()
    # Core inserts of plain rows: the ORM's bulk path costs more than the database does.
    invited = insert_skipping_invited(
        [
            {
                "round_id": round_.id,
                "member_id": member_id,
                "status": InvitationStatus.INVITED.value,
                "created_at": now,
            }
            for member_id in member_ids
        ]
    )
    if not invited:
        return 0
    users = [
        Recipient(*row)
        for row in db.session.execute(
            select(User.id, User.email, User.name, User.locale)
            .join(Member, Member.user_id == User.id)
            .where(Member.id.in_(invited))
        )
    ]
    params = json.dumps(round_params(round_))
    links = {}
    for user in users:
        if user.locale not in links:
            links[user.locale] = link_for("rounds.round_page", user.locale, round_id=round_.id)
    if users:
        db.session.connection().execute(
            insert(Notification),
            [
                {
                    "user_id": user.id,
                    "kind": "round_invitation",
                    "params_json": params,
                    "link": links[user.locale],
                    "created_at": now,
                }
                for user in users
            ],
        )
    kind = kinds.get("round_invitation")
    opted_out = users_without_email_for(kind, [user.id for user in users])
    queue_mail_bulk(
        [user for user in users if user.id not in opted_out],
        kind.mail,
        notification_kind=kind,
        params=round_params(round_),
        link=None,
        endpoint="rounds.round_page",
        endpoint_args={"round_id": round_.id},
    )
    record_audit("round.invite", target=round_, actor=actor, invited=len(invited))
    return len(invited)


# An invitation counts towards the response rate once it has had time to be answered: sent at
# least this long ago, or its round has closed.
ANSWER_TIME = timedelta(hours=48)


def answerable(now=None):
    """SQL condition: the invitation is old enough to count towards a response rate."""
    now = now or utcnow()
    closed = select(Round.id).where(Round.stage.in_([Stage.CLOSED.value, Stage.CANCELLED.value]))
    return db.or_(Invitation.created_at <= now - ANSWER_TIME, Invitation.round_id.in_(closed))


@dataclass
class ResponseRate:
    invited: int  # all invitations
    counted: int  # those old enough to have been answered
    responded: int  # … answered (accepted or declined)
    accepted: int  # all accepted invitations

    @property
    def rate(self):
        return self.responded / self.counted if self.counted else None


def response_rate(round_, now=None):
    """A round's invitations and its response rate over those old enough to have been answered."""
    rows = db.session.execute(
        select(Invitation.status, func.count(), func.sum(case((answerable(now), 1), else_=0)))
        .where(Invitation.round_id == round_.id)
        .group_by(Invitation.status)
    ).all()
    answered = (InvitationStatus.ACCEPTED.value, InvitationStatus.DECLINED.value)
    return ResponseRate(
        invited=sum(count for _, count, _ in rows),
        counted=sum(old for _, _, old in rows),
        responded=sum(old for status, _, old in rows if status in answered),
        accepted=sum(
            count for status, count, _ in rows if status == InvitationStatus.ACCEPTED.value
        ),
    )


def respond(invitation, accept):
    invitation.status = (InvitationStatus.ACCEPTED if accept else InvitationStatus.DECLINED).value
    invitation.responded_at = utcnow()
    invitation.member.last_active_at = utcnow()


def describe_balance(sample):
    """Per characteristic, rows of (value, eligible, exact share, in the sample) for the preview."""
    titles = (
        lambda value: str(CustomerType.title_of(value)),
        lambda value: AgeBand.title_of(value),
        lambda value: str(Region.title_of(value)),
    )
    age_order = {band.value: index for index, band in enumerate(AgeBand)}
    pool, drawn = margins(sample.pool), margins(sample.composition)
    described = {}
    for index, name in enumerate(DIMENSIONS):
        values = sorted(
            pool[index],
            key=lambda value: (
                ((age_order.get(value, 99),) if name == "age_band" else (-pool[index][value],))
                + (str(value),)
            ),
        )
        described[name] = [
            (
                titles[index](value) if value is not None else "—",
                pool[index][value],
                sample.targets[index].get(value, 0.0),
                drawn[index][value],
            )
            for value in values
        ]
    return described

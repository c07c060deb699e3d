"""Drawing a balanced sample of panelists to invite, within the contact-frequency rules.

Who is eligible: active members matching the criteria, not invited to this round before, with
fewer than K invitations in the last 30 days and no session attended in the rest period
(K and the rest period are the panel manager's settings). Paused, reserve and left members are
not active, so they are never drawn.

How the sample is balanced: eligible members are grouped by segment (customer type × age band
× region). Each segment gets a share of N proportional to its size in the eligible pool — or to
the quota targets that cover it — by the largest-remainder method, never more than it has. Within
a segment members are drawn at random with the given seed, so a seed always gives the same sample.
"""

import json
from collections import Counter
from dataclasses import dataclass, field
from datetime import timedelta

from sqlalchemy import BigInteger, and_, case, cast, exists, func, insert, literal, select

from ..accounts.models import User
from ..audit import record_audit
from ..database import utcnow
from ..extensions import db
from ..i18n import link_for
from ..mail import queue_mail_bulk
from ..membership.models import Member, MemberInterest, MemberStatus, PanelSettings, QuotaTarget
from ..membership.segments import AgeBand, CustomerType, Region
from ..notifications import kinds
from ..notifications.models import Notification
from ..notifications.services import users_without_email_for
from .models import Invitation, InvitationStatus, Registration, Session


@dataclass
class Criteria:
    customer_types: list = field(default_factory=list)
    age_bands: list = field(default_factory=list)
    regions: list = field(default_factory=list)
    platforms: list = field(default_factory=list)
    interests: list = field(default_factory=list)
    physical_region: str | None = None  # can come to sessions at a location in this region
    online: bool = False  # can take part online


def eligible_query(round_, criteria, now=None, already_asked=None):
    """SELECT id, customer_type, birth_year, region of every member who may be invited.

    `already_asked` (a SELECT of member ids) replaces "invited to this round" for other uses.
    """
    now = now or utcnow()
    settings = PanelSettings.current()
    # Active members always have an account (leaving erases it and sets another status), so the
    # status alone selects them, straight from the covering index on (status, segment).
    query = select(Member.id, Member.customer_type, Member.birth_year, Member.region).where(
        Member.status == MemberStatus.ACTIVE.value,
        Member.id.not_in(
            already_asked
            if already_asked is not None
            else select(Invitation.member_id).where(Invitation.round_id == round_.id)
        ),
    )
    if criteria.customer_types:
        query = query.where(Member.customer_type.in_(criteria.customer_types))
    if criteria.regions:
        query = query.where(Member.region.in_(criteria.regions))
    if criteria.platforms:
        query = query.where(Member.platform.in_(criteria.platforms))
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
        query = query.where(db.or_(*ranges))
    if criteria.interests:
        query = query.where(
            exists().where(
                MemberInterest.member_id == Member.id,
                MemberInterest.interest.in_(criteria.interests),
            )
        )
    if criteria.physical_region:
        query = query.where(
            Member.attends_physical.is_(True), Member.physical_region == criteria.physical_region
        )
    if criteria.online:
        query = query.where(Member.attends_online.is_(True))
    # Contact frequency: at most K invitations per 30 days …
    recent = (
        select(Invitation.member_id)
        .where(Invitation.created_at > now - timedelta(days=30))
        .group_by(Invitation.member_id)
        .having(func.count() >= settings.max_invitations_per_30_days)
    )
    query = query.where(Member.id.not_in(recent))
    # … and a rest after taking part in a session.
    if settings.rest_days_after_taking_part:
        rested = (
            select(Registration.member_id)
            .join(Session)
            .where(
                Registration.attendance == "attended",
                Session.ends_at > now - timedelta(days=settings.rest_days_after_taking_part),
            )
        )
        query = query.where(Member.id.not_in(rested))
    return query


def allocate(sizes, weights, n):
    """Largest-remainder shares of n over segments by weight, each capped at its size."""
    shares = {segment: 0 for segment in sizes}
    remaining = min(n, sum(sizes.values()))
    while remaining > 0:
        open_segments = [s for s in sizes if shares[s] < sizes[s]]
        weight = {s: weights.get(s, 0) for s in open_segments}
        total = sum(weight.values())
        if total <= 0:
            weight, total = {s: 1 for s in open_segments}, len(open_segments)
        exact = {s: remaining * weight[s] / total for s in open_segments}
        for segment in open_segments:
            take = min(int(exact[segment]), sizes[segment] - shares[segment])
            shares[segment] += take
            remaining -= take
        by_remainder = sorted(open_segments, key=lambda s: (-(exact[s] - int(exact[s])), str(s)))
        for segment in by_remainder:
            if remaining == 0:
                break
            if shares[segment] < sizes[segment]:
                shares[segment] += 1
                remaining -= 1
    return shares


def quota_weights(sizes):
    """Weights from the quota targets: each segment weighs the targets that cover it."""
    targets = QuotaTarget.query.all()
    weights = {}
    for segment in sizes:
        customer_type, band, region = segment
        covered = [
            t.target
            for t in targets
            if t.customer_type in (None, customer_type)
            and t.age_band in (None, band)
            and t.region in (None, region)
        ]
        weights[segment] = sum(covered) if covered else sizes[segment]
    return weights


def age_band_sql(birth_year):
    """A member's age band as a SQL expression of the birth year (this year's boundaries)."""
    whens = []
    for band in AgeBand:
        first, last = band.birth_years()
        condition = birth_year <= last if first is None else birth_year.between(first, last)
        whens.append((condition, band.value))
    return case(*whens, else_=None)


PRIME = 2147483647


def shuffled(member_id, seed):
    """A seeded pseudo-random order of members, computed by the database (the same on both).

    Multiplying by a seed-chosen factor modulo a prime permutes the ids; every seed has its own
    factor, so every seed gives its own order.
    """
    factor = 1 + (seed * 2654435761) % (PRIME - 2)
    return (cast(member_id, BigInteger) * literal(factor, BigInteger)) % literal(PRIME, BigInteger)


def draw_sample(round_, criteria, n, seed, balance="pool", already_asked=None):
    """(eligible count, sampled member ids, composition Counter by segment).

    The database does the heavy lifting, so only a few thousand rows ever reach Python: one
    query counts the eligible members per segment, a second ranks them per segment in a seeded
    random order and returns the first few of each.
    """
    eligible = eligible_query(round_, criteria, already_asked=already_asked).subquery()
    band = age_band_sql(eligible.c.birth_year)
    segment_columns = (eligible.c.customer_type, band, eligible.c.region)
    # Counting per birth year is cheaper for the database than per band; Python adds them up.
    sizes = Counter()
    by_year = (eligible.c.customer_type, eligible.c.birth_year, eligible.c.region)
    for customer_type, birth_year, region, count in db.session.execute(
        select(*by_year, func.count()).group_by(*by_year)
    ):
        age_band = AgeBand.for_birth_year(birth_year)
        sizes[(customer_type, age_band.value if age_band else None, region)] += count
    weights = quota_weights(sizes) if balance == "quota" else sizes
    shares = {segment: take for segment, take in allocate(sizes, weights, n).items() if take}
    chosen, composition = [], Counter()
    if shares:
        ranked = select(
            eligible.c.id,
            *segment_columns,
            func.row_number()
            .over(
                partition_by=segment_columns,
                order_by=(shuffled(eligible.c.id, seed), eligible.c.id),
            )
            .label("rank"),
        ).subquery()
        rows = db.session.execute(select(ranked).where(ranked.c.rank <= max(shares.values()))).all()
        for member_id, customer_type, band_value, region, rank in rows:
            segment = (customer_type, band_value, region)
            if rank <= shares.get(segment, 0):
                chosen.append(member_id)
                composition[segment] += 1
    return sum(sizes.values()), sorted(chosen), composition


def send_invitations(round_, member_ids, actor):
    """Write the invitations and their notifications in bulk, and queue the e-mails."""
    if not member_ids:
        return 0
    now = utcnow()
    db.session.execute(
        insert(Invitation),
        [
            {
                "round_id": round_.id,
                "member_id": member_id,
                "status": InvitationStatus.INVITED.value,
                "created_at": now,
            }
            for member_id in member_ids
        ],
    )
    users = db.session.execute(
        select(Member.id, User)
        .join(User, Member.user_id == User.id)
        .where(Member.id.in_(member_ids))
    ).all()
    params = json.dumps({"round_id": round_.id})
    db.session.execute(
        insert(Notification),
        [
            {
                "user_id": user.id,
                "kind": "round_invitation",
                "params_json": params,
                "link": link_for("rounds.round_page", user.locale, round_id=round_.id),
                "created_at": now,
            }
            for _, user in users
        ],
    )
    kind = kinds.get("round_invitation")
    opted_out = users_without_email_for(kind, [user.id for _, user in users])
    queue_mail_bulk(
        [user for _, user in users if user.id not in opted_out],
        kind.mail,
        notification_kind=kind,
        params={"round_id": round_.id},
        link=None,
        endpoint="rounds.round_page",
        endpoint_args={"round_id": round_.id},
    )
    record_audit("round.invite", target=round_, actor=actor, invited=len(member_ids))
    return len(member_ids)


def response_rate(round_):
    """(invited, responded, accepted) for a round."""
    rows = dict(
        db.session.execute(
            select(Invitation.status, func.count())
            .where(Invitation.round_id == round_.id)
            .group_by(Invitation.status)
        ).all()
    )
    invited = sum(rows.values())
    return invited, rows.get("accepted", 0) + rows.get("declined", 0), rows.get("accepted", 0)


def respond(invitation, accept):
    invitation.status = (InvitationStatus.ACCEPTED if accept else InvitationStatus.DECLINED).value
    invitation.responded_at = utcnow()
    invitation.member.last_active_at = utcnow()


def describe_composition(composition):
    """Sample sizes per customer type, age band and region, for the preview."""
    parts = {"customer_type": Counter(), "age_band": Counter(), "region": Counter()}
    for (customer_type, band, region), count in composition.items():
        parts["customer_type"][str(CustomerType.title_of(customer_type))] += count
        parts["age_band"][AgeBand.title_of(band) if band else "—"] += count
        parts["region"][str(Region.title_of(region)) if region else "—"] += count
    age_order = {str(band.title): index for index, band in enumerate(AgeBand)}
    return {
        "customer_type": sorted(parts["customer_type"].items(), key=lambda item: -item[1]),
        "age_band": sorted(parts["age_band"].items(), key=lambda item: age_order.get(item[0], 99)),
        "region": sorted(parts["region"].items(), key=lambda item: -item[1]),
    }

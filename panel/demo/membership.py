"""Demo panel: 200 panelists who joined over almost three years, leavers, quota targets.

Most members joined in the recruitment wave when the panel started; the rest came in steadily.
The two demo panelists (Lotte, who writes Dutch, and Chris, who writes English) have been members
for over a year, so they have a history to look back on.
"""

from datetime import date, timedelta

from sqlalchemy.orm import joinedload

from ..accounts.services import create_user, set_password
from ..extensions import db
from ..membership import privacy
from ..membership.models import (
    Consent,
    ConsentPurpose,
    Member,
    MemberStatus,
    QuotaTarget,
    StatusChange,
)
from ..membership.segments import (
    AppUsage,
    CustomerType,
    Interest,
    Platform,
    Region,
    YearsAsCustomer,
    region_for_postcode,
)
from ..security import Role
from .accounts import DEMO_PASSWORD

FIRST_NAMES = [
    "Daan",
    "Lotte",
    "Sem",
    "Julia",
    "Milan",
    "Sophie",
    "Noah",
    "Tess",
    "Liam",
    "Fleur",
    "Lucas",
    "Eva",
    "Finn",
    "Anna",
    "Jesse",
    "Sara",
    "Thijs",
    "Noor",
    "Bram",
    "Lisa",
    "Mohammed",
    "Yara",
    "Kevin",
    "Priya",
    "Tom",
    "Maud",
    "Ruben",
    "Zoë",
    "Hugo",
    "Iris",
]
LAST_NAMES = [
    "de Jong",
    "Jansen",
    "de Vries",
    "van den Berg",
    "van Dijk",
    "Bakker",
    "Janssen",
    "Visser",
    "Smit",
    "Meijer",
    "de Boer",
    "Mulder",
    "de Groot",
    "Bos",
    "Vos",
    "Peters",
    "Hendriks",
    "van Leeuwen",
    "Dekker",
    "Brouwer",
    "Yilmaz",
    "Ramdin",
    "O'Brien",
]
POSTCODES = [
    "1012",
    "1071",
    "1314",
    "2011",
    "2514",
    "3011",
    "3511",
    "3584",
    "4331",
    "4811",
    "5038",
    "5611",
    "6211",
    "6511",
    "6811",
    "7511",
    "8011",
    "8224",
    "8911",
    "9711",
]
SOURCES = ["website", "app-banner", "newsletter", "store-utrecht", "social", None]
PANELIST_COUNT = 200
PANEL_STARTED_DAYS_AGO = 900  # the first recruitment wave
STATEMENT_DAYS_AGO = 920  # the privacy statement everyone accepted
DEMO_PANELISTS = [
    # e-mail, name, locale, days since joining
    ("panellid@klantenteam.example", "Lotte de Jong", "nl", 430),
    ("member@klantenteam.example", "Chris Morgan", "en", 380),
]


def load_members(rng, now, shown):
    """Create the panelists, leavers and quotas; adds the demo panelists to `shown`."""
    statement = privacy.current_statement()
    statement.published_at = now - timedelta(days=STATEMENT_DAYS_AGO)
    password_hash = None
    for number in range(1, PANELIST_COUNT + 1):
        name = f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}"
        email = f"lid{number:04d}@example.nl"
        locale = "en" if rng.random() < 0.15 else "nl"
        status = rng.choices(["active", "paused", "pending", "reserve"], weights=[85, 6, 5, 4])[0]
        if status == "pending":  # waiting for the manager's approval: joined recently
            days = rng.randint(2, 25)
        elif rng.random() < 0.5:  # the first recruitment wave
            days = rng.randint(PANEL_STARTED_DAYS_AGO - 140, PANEL_STARTED_DAYS_AGO)
        else:
            days = rng.randint(5, PANEL_STARTED_DAYS_AGO - 140)
        if number <= len(DEMO_PANELISTS):
            email, name, locale, days = DEMO_PANELISTS[number - 1]
            status = MemberStatus.ACTIVE.value
            shown.append((Role.PANELIST.value, email))
        joined = now - timedelta(days=days, minutes=rng.randint(0, 600))
        user = create_user(email, name, locale, roles=[Role.PANELIST])
        user.created_at = joined
        # One real hash, reused: hashing 200 passwords would make `make run` slow for nothing.
        if password_hash is None:
            set_password(user, DEMO_PASSWORD)
            password_hash = user.password_hash
        else:
            user.password_hash = password_hash
        user.password_changed_at = joined
        member = _member(rng, user, joined, status, statement, number, now)
        if number <= len(DEMO_PANELISTS):
            member.last_active_at = now - timedelta(days=3)
    _leavers(rng, now)
    _quotas()
    db.session.flush()


def _member(rng, user, joined, status, statement, number, now):
    customer_type = rng.choices([c.value for c in CustomerType], weights=[3, 6, 1, 0])[0]
    member = Member(
        user=user,
        number=100000 + number * 37 % 900000,
        joined_at=joined,
        confirmed_at=joined + timedelta(minutes=rng.randint(5, 180)),
        source=rng.choice(SOURCES),
        status=status,
        birth_year=rng.randint(1950, 2008),
        postcode=rng.choice(POSTCODES),
        customer_type=customer_type,
        years_as_customer=rng.choice(YearsAsCustomer.values()),
        platform=rng.choices(Platform.values(), weights=[45, 52, 3])[0],
        app_usage=rng.choice(AppUsage.values()),
        attends_physical=rng.random() < 0.4,
        attends_online=rng.random() < 0.8,
        accepted_statement_version=statement.version,
    )
    member.region = region_for_postcode(member.postcode).value
    if member.attends_physical:
        member.physical_region = member.region
    member.set_interests(rng.sample(Interest.values(), rng.randint(1, 4)))
    if status in ("active", "paused"):
        member.activated_at = member.confirmed_at
        member.last_active_at = min(
            joined + timedelta(days=rng.randint(0, 300)), now - timedelta(days=1)
        )
    if status == "paused":
        member.paused_until = date.today() + timedelta(days=rng.randint(10, 60))
    db.session.add(member)
    db.session.flush()
    db.session.add(
        Consent(
            member_id=member.id,
            purpose=ConsentPurpose.PARTICIPATION.value,
            statement_version=statement.version,
            language=user.locale,
            given_at=joined,
        )
    )
    if rng.random() < 0.6:
        db.session.add(
            Consent(
                member_id=member.id,
                purpose=ConsentPurpose.RECORDING.value,
                statement_version=statement.version,
                language=user.locale,
                given_at=joined,
            )
        )
    changes = [
        StatusChange(member_id=member.id, to_status="applicant", created_at=joined),
        StatusChange(
            member_id=member.id,
            from_status="applicant",
            to_status=status,
            created_at=member.confirmed_at,
        ),
    ]
    if status == "paused":  # active first; paused a little while ago
        changes[-1].to_status = MemberStatus.ACTIVE.value
        changes.append(
            StatusChange(
                member_id=member.id,
                from_status="active",
                to_status=status,
                created_at=now - timedelta(days=rng.randint(2, 20)),
            )
        )
    db.session.add_all(changes)
    return member


def _leavers(rng, now):
    """Anonymous rows of members who left over the past year, for the panel health page."""
    for index in range(24):
        left = now - timedelta(days=rng.randint(1, 360))
        joined = left - timedelta(days=200)
        member = Member(
            number=800000 + index,
            status=MemberStatus.LEFT.value,
            joined_at=joined,
            confirmed_at=joined,
            activated_at=joined,
            left_at=left,
            leave_reason=rng.choice(privacy.LEAVE_REASONS + (None,)),
            customer_type=rng.choice(["prepaid", "subscription"]),
            region=rng.choice(Region.values()),
            source=rng.choice(SOURCES),
        )
        db.session.add(member)
    for index in range(6):
        joined = now - timedelta(days=rng.randint(1, 20))
        db.session.add(
            Member(
                number=850000 + index,
                status=MemberStatus.DECLINED.value,
                joined_at=joined,
                confirmed_at=joined,
                left_at=joined,
                leave_reason="not_a_customer",
                source=rng.choice(SOURCES),
            )
        )


def _quotas():
    db.session.add_all(
        [
            QuotaTarget(customer_type="subscription", target=140),
            QuotaTarget(customer_type="prepaid", target=80),
            QuotaTarget(customer_type="business", target=25),
            QuotaTarget(age_band="16-24", target=30),
            QuotaTarget(region="noord-holland", target=45),
        ]
    )


# For the other demo modules ---------------------------------------------------------------------


def panel_members(statuses=(MemberStatus.ACTIVE.value,)):
    """Members with an account in these statuses, with their user (for the language), by id."""
    return (
        Member.query.options(joinedload(Member.user))
        .filter(Member.status.in_(statuses), Member.user_id.isnot(None))
        .order_by(Member.id)
        .all()
    )


def member_by_email(email):
    return (
        Member.query.options(joinedload(Member.user)).join(Member.user).filter_by(email=email).one()
    )


def members_by(moment, members):
    """The members who were already active at `moment` (nobody writes before joining)."""
    return [m for m in members if m.activated_at is not None and m.activated_at <= moment]


def written_by(member, text):
    """text: an (nl, en) pair; the one the member writes, in the language they chose."""
    return text[1] if member.user.locale == "en" else text[0]

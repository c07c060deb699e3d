"""Demo data for `make run`: a panel in full swing for every role.

Each capability adds its own part here, so a newcomer logging in as any role sees real work.
"""
import random
from datetime import date, timedelta

from .accounts.services import create_user, find_user_by_email, invite_staff_member, set_password
from .audit import record_audit
from .database import utcnow
from .extensions import db
from .i18n import link_for
from .membership import privacy
from .membership.models import (Consent, ConsentPurpose, Member, MemberStatus, QuotaTarget,
                                StatusChange)
from .membership.segments import (AppUsage, CustomerType, Interest, Platform, Region,
                                  YearsAsCustomer, region_for_postcode)
from .demo_feedback import load_demo_feedback
from .demo_insights import load_demo_insights
from .demo_rounds import load_demo_rounds
from .insights.models import seed_default_streams
from .notifications.services import notify
from .security import Role

DEMO_PASSWORD = "co-creatie-demo"

STAFF = [
    ("admin@klantenteam.example", "Anouk de Vries", "nl", [Role.ADMIN]),
    ("eigenaar@klantenteam.example", "Joost Bakker", "nl", [Role.PRODUCT_OWNER]),
    ("owner@klantenteam.example", "Emma Clarke", "en", [Role.PRODUCT_OWNER]),
    ("reviewer@klantenteam.example", "Fatima El Amrani", "nl", [Role.REVIEWER]),
    ("manager@klantenteam.example", "Sanne Visser", "nl", [Role.PANEL_MANAGER, Role.PRODUCT_OWNER]),
]

FIRST_NAMES = ["Daan", "Lotte", "Sem", "Julia", "Milan", "Sophie", "Noah", "Tess", "Liam", "Fleur",
               "Lucas", "Eva", "Finn", "Anna", "Jesse", "Sara", "Thijs", "Noor", "Bram", "Lisa",
               "Mohammed", "Yara", "Kevin", "Priya", "Tom", "Maud", "Ruben", "Zoë", "Hugo", "Iris"]
LAST_NAMES = ["de Jong", "Jansen", "de Vries", "van den Berg", "van Dijk", "Bakker", "Janssen",
              "Visser", "Smit", "Meijer", "de Boer", "Mulder", "de Groot", "Bos", "Vos", "Peters",
              "Hendriks", "van Leeuwen", "Dekker", "Brouwer", "Yilmaz", "Ramdin", "O'Brien"]
POSTCODES = ["1012", "1071", "1314", "2011", "2514", "3011", "3511", "3584", "4331", "4811",
             "5038", "5611", "6211", "6511", "6811", "7511", "8011", "8224", "8911", "9711"]
SOURCES = ["website", "app-banner", "newsletter", "store-utrecht", "social", None]
PANELIST_COUNT = 200


def load_demo_data(seed=2026):
    """Create the demo installation; returns [(role, e-mail)] to print."""
    rng = random.Random(seed)
    shown = []
    staff = []
    for email, name, locale, roles in STAFF:
        user = create_user(email, name, locale, roles=roles)
        set_password(user, DEMO_PASSWORD)
        staff.append(user)
        shown.append((roles[0].value, email))
    manager = staff[4]
    # A colleague who was invited but has not chosen a password yet: see the admin outbox.
    invite_staff_member("nieuw@klantenteam.example", "Pieter Smit", "nl", [Role.REVIEWER],
                        actor=staff[0])
    statement = privacy.current_statement()
    statement.published_at = utcnow() - timedelta(days=800)
    password_hash = None
    now = utcnow()
    for number in range(1, PANELIST_COUNT + 1):
        name = f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}"
        email = f"lid{number:04d}@example.nl"
        locale = "en" if rng.random() < 0.15 else "nl"
        if number == 1:
            email, name, locale = "panellid@klantenteam.example", "Lotte de Jong", "nl"
        elif number == 2:
            email, name, locale = "member@klantenteam.example", "Chris Morgan", "en"
        user = create_user(email, name, locale, roles=[Role.PANELIST])
        # One real hash, reused: hashing 200 passwords would make `make run` slow for nothing.
        if password_hash is None:
            set_password(user, DEMO_PASSWORD)
            password_hash = user.password_hash
        else:
            user.password_hash = password_hash
        joined = now - timedelta(days=rng.randint(5, 700))
        member = _demo_member(rng, user, joined, statement, number)
        if number <= 2:
            shown.append((Role.PANELIST.value, email))
            member.status = MemberStatus.ACTIVE.value
            member.last_active_at = now - timedelta(days=3)
    _demo_leavers(rng, now, statement)
    _demo_quotas()
    db.session.flush()
    seed_default_streams()
    load_demo_rounds(rng, (staff[1], staff[2], manager))
    db.session.flush()
    load_demo_feedback(rng, staff[1])
    db.session.flush()
    load_demo_insights(rng, (staff[1], staff[3], manager))
    lotte = find_user_by_email("panellid@klantenteam.example")
    notify(lotte, "welcome")
    notify(lotte, "panel_news", subject="Bedankt voor 1.000 ideeën!", link=link_for("membership.dashboard", "nl"))
    chris = find_user_by_email("member@klantenteam.example")
    notify(chris, "welcome")
    notify(chris, "panel_news", subject="Thank you for 1,000 ideas!", link=link_for("membership.dashboard", "en"))
    record_audit("demo.load", actor=manager, panelists=PANELIST_COUNT)
    return shown


def _demo_member(rng, user, joined, statement, number):
    customer_type = rng.choices([c.value for c in CustomerType], weights=[3, 6, 1, 0])[0]
    status = rng.choices(["active", "paused", "pending", "reserve"], weights=[85, 6, 5, 4])[0]
    member = Member(user=user, number=100000 + number * 37 % 900000, joined_at=joined,
                    confirmed_at=joined + timedelta(hours=2),
                    source=rng.choice(SOURCES), status=status,
                    birth_year=rng.randint(1950, 2008), postcode=rng.choice(POSTCODES),
                    customer_type=customer_type,
                    years_as_customer=rng.choice(YearsAsCustomer.values()),
                    platform=rng.choices(Platform.values(), weights=[45, 52, 3])[0],
                    app_usage=rng.choice(AppUsage.values()),
                    attends_physical=rng.random() < 0.4, attends_online=rng.random() < 0.8,
                    accepted_statement_version=statement.version)
    member.region = region_for_postcode(member.postcode).value
    if member.attends_physical:
        member.physical_region = member.region
    member.set_interests(rng.sample(Interest.values(), rng.randint(1, 4)))
    if status in ("active", "paused"):
        member.activated_at = member.confirmed_at
        member.last_active_at = joined + timedelta(days=rng.randint(0, 300))
        if member.last_active_at > utcnow():
            member.last_active_at = utcnow() - timedelta(days=1)
    if status == "paused":
        member.paused_until = date.today() + timedelta(days=rng.randint(10, 60))
    db.session.add(member)
    db.session.flush()
    db.session.add(Consent(member_id=member.id, purpose=ConsentPurpose.PARTICIPATION.value,
                           statement_version=statement.version, language=user.locale,
                           given_at=joined))
    if rng.random() < 0.6:
        db.session.add(Consent(member_id=member.id, purpose=ConsentPurpose.RECORDING.value,
                               statement_version=statement.version, language=user.locale,
                               given_at=joined))
    db.session.add_all([
        StatusChange(member_id=member.id, to_status="applicant", created_at=joined),
        StatusChange(member_id=member.id, from_status="applicant", to_status=status,
                     created_at=member.confirmed_at),
    ])
    return member


def _demo_leavers(rng, now, statement):
    """Anonymous rows of members who left over the past year, for the panel health page."""
    for index in range(24):
        left = now - timedelta(days=rng.randint(1, 360))
        member = Member(number=800000 + index, status=MemberStatus.LEFT.value,
                        joined_at=left - timedelta(days=200), confirmed_at=left - timedelta(days=200),
                        activated_at=left - timedelta(days=200), left_at=left,
                        leave_reason=rng.choice(privacy.LEAVE_REASONS + (None,)),
                        customer_type=rng.choice(["prepaid", "subscription"]),
                        region=rng.choice(Region.values()), source=rng.choice(SOURCES))
        db.session.add(member)
    for index in range(6):
        joined = now - timedelta(days=rng.randint(1, 20))
        db.session.add(Member(number=850000 + index, status=MemberStatus.DECLINED.value,
                              joined_at=joined, confirmed_at=joined, left_at=joined,
                              leave_reason="not_a_customer", source=rng.choice(SOURCES)))


def _demo_quotas():
    db.session.add_all([
        QuotaTarget(customer_type="subscription", target=140),
        QuotaTarget(customer_type="prepaid", target=80),
        QuotaTarget(customer_type="business", target=25),
        QuotaTarget(age_band="16-24", target=30),
        QuotaTarget(region="noord-holland", target=45),
    ])

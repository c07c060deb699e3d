"""Demo: the panel team's thank-yous and budgets over the last four quarters.

The older thank-yous are written as they were kept; the two demo panelists get theirs through
the ledger itself this month, so their dashboard, page and messages show one.
"""

from datetime import datetime, timedelta

from sqlalchemy import select

from ..accounts.models import User
from ..database import AMSTERDAM
from ..extensions import db
from ..membership.models import TAKING_PART, Member
from ..recognition import ledger
from ..recognition.models import ThankYou
from .membership import DEMO_PANELISTS

# Per quarter, the oldest first: what the panel team may spend, in cents.
BUDGETS = [750_00, 750_00, 1_000_00, 1_000_00]
# (kind, value in cents, the manager's reason, the message in Dutch, in English)
THANKS = [
    (
        "gift_card",
        25_00,
        "Kwam drie keer naar een sessie in Utrecht",
        "Wat fijn dat je drie keer naar Utrecht kwam. Je feedback op de nieuwe factuurpagina "
        "hebben we echt gebruikt.",
        "Thank you for coming to Utrecht three times. We really used your feedback on the new "
        "bill page.",
    ),
    (
        "tickets",
        90_00,
        "Dacht de hele pilot van de nieuwe app mee",
        "Twee kaartjes voor TivoliVredenburg, omdat je in de pilot zo goed meedacht.",
        "Two tickets for TivoliVredenburg, for thinking along so well during the pilot.",
    ),
    (
        "merchandise",
        15_00,
        "Idee over het opwaarderen van prepaid zit in versie 11.12",
        "Je idee zit in de app! Als dank een hoodie met ons logo.",
        "Your idea is in the app! A hoodie with our logo to say thanks.",
    ),
    (
        "note",
        0,
        "Uitgebreide reacties op de vragen over storingen",
        "Bedankt voor je uitgebreide antwoorden over storingen. Daar hebben we veel aan gehad.",
        "Thanks for your detailed answers about outages. They helped us a lot.",
    ),
    (
        "gift_card",
        20_00,
        "Online sessie over de prepaid-opwaardering, bleef langer om te testen",
        "Dank je dat je na de online sessie nog bleef om te testen.",
        "Thanks for staying on after the online session to test with us.",
    ),
    (
        "gift_card",
        50_00,
        "Interview van een uur over het zakelijke abonnement",
        "Bedankt voor het interview. We nemen je tips mee in de nieuwe zakelijke app.",
        "Thank you for the interview. Your tips go into the new business app.",
    ),
    (
        "merchandise",
        12_00,
        "Meldde als eerste de fout bij inloggen met Face ID",
        "Jij zag de fout met Face ID als eerste. Dank je wel!",
        "You were the first to spot the Face ID bug. Thank you!",
    ),
    (
        "note",
        0,
        "Reageerde op elke feedbackronde van dit jaar",
        "Je hebt dit jaar op elke nieuwe versie gereageerd. Dat waarderen we enorm.",
        "You've told us what you think of every new version this year. We really appreciate it.",
    ),
    (
        "tickets",
        60_00,
        "Hielp nieuwe panelleden op weg in de sessie in Rotterdam",
        "Dank je dat je de nieuwe panelleden in Rotterdam zo goed op weg hielp.",
        "Thanks for helping the new panelists in Rotterdam find their way.",
    ),
    (
        "gift_card",
        15_00,
        "Testte de app met een schermlezer",
        "Dank je voor het testen met je schermlezer. Drie knoppen hebben nu een goede naam.",
        "Thanks for testing with your screen reader. Three buttons now have a proper name.",
    ),
]
OLDER_THANKS = 13  # spread over the four quarters, before the demo panelists' own


def quarter_start(quarter):
    """The first moment of a quarter, in Amsterdam, as an aware time."""
    year, number = int(quarter[:4]), int(quarter[-1])
    return datetime(year, (number - 1) * 3 + 1, 1, 9, tzinfo=AMSTERDAM)


def demo_thank_yous(rng, staff, now):
    """A year of thank-yous within quarterly budgets."""
    current = ledger.quarter_of(now)
    quarters = [ledger.shift_quarter(current, back) for back in (-3, -2, -1, 0)]
    for quarter, amount in zip(quarters, BUDGETS, strict=True):
        ledger.set_budget(quarter, amount, staff.manager)
    demo_emails = [email for email, *_ in DEMO_PANELISTS]
    members = db.session.scalars(
        select(Member)
        .join(Member.user)
        .where(Member.status.in_(TAKING_PART), User.email.not_in(demo_emails))
        .order_by(Member.number)
    ).all()
    for number in range(OLDER_THANKS):
        quarter = quarters[number % len(quarters)]
        start = quarter_start(quarter)
        end = min(now, start + timedelta(days=88))
        given_at = start + (end - start) * rng.random()
        kind, cents, reason, message_nl, message_en = THANKS[number % len(THANKS)]
        member = rng.choice(members)
        db.session.add(
            ThankYou(
                member_id=member.id,
                kind=kind,
                value_cents=cents,
                reason=reason,
                message=message_nl if member.user.locale == "nl" else message_en,
                quarter=ledger.quarter_of(given_at),
                given_at=given_at,
                given_by_id=staff.manager.id,
            )
        )
    db.session.flush()
    # The demo panelists' own, given through the ledger now: they are told, in their language.
    for email, (kind, cents, reason, message_nl, message_en) in zip(
        demo_emails, (THANKS[0], THANKS[3]), strict=True
    ):
        member = db.session.scalar(select(Member).join(Member.user).where(User.email == email))
        message = message_nl if member.user.locale == "nl" else message_en
        ledger.give_thank_you(member, kind, cents, reason, message, staff.manager)

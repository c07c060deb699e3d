"""Demo data for `make run`: a panel in full swing for every role.

Each capability adds its own part here, so a newcomer logging in as any role sees real work.
"""
import random

from .accounts.services import create_user, invite_staff_member, set_password
from .audit import record_audit
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
PANELIST_COUNT = 200


def load_demo_data(seed=2026):
    """Create the demo installation; returns [(role title, e-mail)] to print."""
    rng = random.Random(seed)
    shown = []
    staff = []
    for email, name, locale, roles in STAFF:
        user = create_user(email, name, locale, roles=roles)
        set_password(user, DEMO_PASSWORD)
        staff.append(user)
        shown.append((roles[0].value, email))
    # A colleague who was invited but has not chosen a password yet: see the admin outbox.
    invite_staff_member("nieuw@klantenteam.example", "Pieter Smit", "nl", [Role.REVIEWER],
                        actor=staff[0])
    admin_password_hash = None
    for number in range(1, PANELIST_COUNT + 1):
        name = f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}"
        email = "panellid@klantenteam.example" if number == 1 else f"lid{number:04d}@example.nl"
        locale = "en" if number == 2 or rng.random() < 0.15 else "nl"
        if number == 2:
            email, name = "member@klantenteam.example", "Chris Morgan"
        user = create_user(email, name, locale, roles=[Role.PANELIST])
        # One real hash, reused: hashing 200 passwords would make `make run` slow for nothing.
        if admin_password_hash is None:
            set_password(user, DEMO_PASSWORD)
            admin_password_hash = user.password_hash
        else:
            user.password_hash = admin_password_hash
        if number <= 2:
            shown.append((Role.PANELIST.value, email))
    record_audit("demo.load", actor=None, panelists=PANELIST_COUNT)
    return shown

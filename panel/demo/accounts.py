"""Demo staff: one account per role, and a colleague who was invited but has no password yet."""

from collections import namedtuple

from ..accounts.services import create_user, invite_staff_member, set_password
from ..security import Role

DEMO_PASSWORD = "co-creatie-demo"

Staff = namedtuple("Staff", "admin owner_nl owner_en reviewer manager")

STAFF = [
    ("admin@klantenteam.example", "Anouk de Vries", "nl", [Role.ADMIN]),
    ("eigenaar@klantenteam.example", "Joost Bakker", "nl", [Role.PRODUCT_OWNER]),
    ("owner@klantenteam.example", "Emma Clarke", "en", [Role.PRODUCT_OWNER]),
    ("reviewer@klantenteam.example", "Fatima El Amrani", "nl", [Role.REVIEWER]),
    ("manager@klantenteam.example", "Sanne Visser", "nl", [Role.PANEL_MANAGER, Role.PRODUCT_OWNER]),
]


def load_staff(shown):
    """Create the staff accounts; adds (role, e-mail) for each to `shown`. Returns Staff."""
    users = []
    for email, name, locale, roles in STAFF:
        user = create_user(email, name, locale, roles=roles)
        set_password(user, DEMO_PASSWORD)
        users.append(user)
        shown.append((roles[0].value, email))
    staff = Staff(*users)
    # A colleague who was invited but has not chosen a password yet: see the admin outbox.
    invite_staff_member(
        "nieuw@klantenteam.example", "Pieter Smit", "nl", [Role.REVIEWER], actor=staff.admin
    )
    return staff

"""Demo notifications: what the two demo panelists find in their in-app list."""

from datetime import timedelta

from ..i18n import link_for
from ..notifications.services import notify
from .membership import DEMO_PANELISTS, member_by_email
from .moments import mail_went_out

NEWS = {
    "nl": "De chat in de app is live, dankzij jullie ideeën!",
    "en": "The chat in the app is live, thanks to your ideas!",
}


def load_notifications(chat_round, now):
    """The welcome (read long ago) and this week's panel news (still unread)."""
    for email, *_ in DEMO_PANELISTS:
        member = member_by_email(email)
        user = member.user
        welcome = notify(user, "welcome")
        welcome.created_at = member.activated_at
        welcome.read_at = member.activated_at + timedelta(hours=5)
        news = notify(
            user,
            "panel_news",
            subject=NEWS[user.locale],
            link=link_for("rounds.round_page", user.locale, round_id=chat_round.id),
        )
        news.created_at = now - timedelta(days=2)
    mail_went_out(now - timedelta(days=2))

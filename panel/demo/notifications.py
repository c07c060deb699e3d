"""Demo notifications and news: what the two demo panelists find in their in-app list, and the
news the panel manager sent (one of them written in Dutch only, so English readers see it
marked "(in Dutch)")."""

from datetime import timedelta

from sqlalchemy import update

from ..extensions import db
from ..membership.news import save_news, send_news
from ..notifications.models import Notification
from ..notifications.services import notify
from .membership import DEMO_PANELISTS, member_by_email
from .moments import mail_went_out

# (subject nl, subject en, body nl, body en, days ago; None: a draft)
NEWS = [
    (
        "Zo gaat het met jullie ideeën",
        "How your ideas are doing",
        "Dit voorjaar stuurden jullie meer dan 300 ideeën in. De meeste gingen over de "
        "rekening en over de chat.\n\nIn ‘Mijn inbreng’ zie je wat er met jouw ideeën is "
        "gebeurd. Dank je wel voor het meedenken!",
        "This spring you sent in more than 300 ideas. Most were about the bill and the chat."
        "\n\nUnder ‘My contributions’ you can see what happened to your ideas. Thank you for "
        "helping!",
        40,
    ),
    (
        "Nieuwe testlocatie in Utrecht",
        "",
        "Vanaf januari kun je ook meedoen aan sessies in onze winkel in Hoog Catharijne, "
        "vlak bij het station.\n\nJe krijgt een uitnodiging als er een sessie bij jou in de "
        "buurt is.",
        "",
        9,
    ),
    (
        "De chat in de app is live, dankzij jullie ideeën!",
        "The chat in the app is live, thanks to your ideas!",
        "Jullie vroegen om een chat die ook 's avonds werkt en je gesprek onthoudt. Die zit nu "
        "in de app.\n\nProbeer hem uit en vertel ons wat je ervan vindt.",
        "You asked for a chat that also works in the evening and remembers your conversation. "
        "It's in the app now.\n\nTry it and tell us what you think.",
        2,
    ),
    (
        "Sessies in december",
        "",
        "In december plannen we twee extra sessies over de nieuwe bundels. Meer volgt.",
        "",
        None,
    ),
]


def load_notifications(manager, now):
    """The welcome (read long ago), the news the panel manager sent, and a draft."""
    for email, *_ in DEMO_PANELISTS:
        member = member_by_email(email)
        welcome = notify(member.user, "welcome")
        welcome.created_at = member.activated_at
        welcome.read_at = member.activated_at + timedelta(hours=5)
    for subject_nl, subject_en, body_nl, body_en, days_ago in NEWS:
        item = save_news(
            None,
            {
                "subject_nl": subject_nl,
                "subject_en": subject_en,
                "body_nl": body_nl,
                "body_en": body_en,
            },
            manager,
        )
        if days_ago is None:
            continue
        sent = now - timedelta(days=days_ago)
        item.created_at = item.updated_at = sent - timedelta(hours=3)
        send_news(item, manager)
        item.sent_at = sent
        # Only this week's news is still unread.
        db.session.execute(
            update(Notification)
            .where(
                Notification.kind == "panel_news",
                Notification.params_json.like(f'{{"news_id": {item.id},%'),
            )
            .values(created_at=sent, read_at=None if days_ago < 7 else sent + timedelta(days=1))
            .execution_options(synchronize_session=False)
        )
        mail_went_out(sent)

"""News from the panel team to every active member: written in Dutch and English, sent once."""

from flask_babel import gettext as _
from sqlalchemy import select, update

from ..accounts.models import User
from ..audit import record_audit
from ..database import UTCDateTime, utcnow
from ..errors import NotAllowed
from ..extensions import db
from ..i18n import OTHER_LANGUAGE_LABELS, bilingual, pick_language
from ..notifications.kinds import both_languages
from ..notifications.services import notify_many
from .models import Member, MemberStatus

LANGUAGES = ("nl", "en")


class NewsItem(db.Model):
    """A news item: a draft until it is sent; sent once, to the members active at that moment."""

    __tablename__ = "news_items"

    id = db.Column(db.Integer, primary_key=True)
    subject_nl = db.Column(db.String(150), nullable=False, default="", server_default="")
    subject_en = db.Column(db.String(150), nullable=False, default="", server_default="")
    body_nl = db.Column(db.Text, nullable=False, default="", server_default="")
    body_en = db.Column(db.Text, nullable=False, default="", server_default="")
    created_by_id = db.Column(db.Integer, db.ForeignKey("users.id", ondelete="SET NULL"))
    created_at = db.Column(UTCDateTime, nullable=False, default=utcnow)
    updated_at = db.Column(UTCDateTime, nullable=False, default=utcnow)
    sent_at = db.Column(UTCDateTime, index=True)
    sent_by_id = db.Column(db.Integer, db.ForeignKey("users.id", ondelete="SET NULL"))
    recipient_count = db.Column(db.Integer, nullable=False, default=0, server_default="0")

    sent_by = db.relationship("User", foreign_keys=[sent_by_id])

    subject = bilingual("subject")
    body = bilingual("body")

    @property
    def is_sent(self):
        return self.sent_at is not None

    def written_in(self, lang):
        """Both the subject and the text are there in `lang`."""
        return bool(
            (getattr(self, f"subject_{lang}") or "").strip()
            and (getattr(self, f"body_{lang}") or "").strip()
        )

    @property
    def missing_languages(self):
        """The languages not written yet: their readers get the other one, marked."""
        return [lang for lang in LANGUAGES if not self.written_in(lang)]

    def in_language(self, field, lang):
        """The subject or body for a reader of `lang` (a mail), the other language marked."""
        return pick_language(
            {other: getattr(self, f"{field}_{other}") for other in LANGUAGES}, lang
        )

    @staticmethod
    def fallback_mark(text):
        """'(in Dutch)' after a body shown in the other language (the subject marks itself)."""
        return _("(in %(language)s)", language=OTHER_LANGUAGE_LABELS[text.lang])

    @staticmethod
    def paragraphs(text):
        """The body's paragraphs, split on empty lines, for <p> elements (never markup)."""
        lines = str(text).replace("\r\n", "\n").split("\n\n")
        return [line.strip() for line in lines if line.strip()]


def save_news(news, data, actor):
    """Create or change a draft; a sent item stays as it was sent (NotAllowed('sent'))."""
    if news is None:
        news = NewsItem(created_by_id=actor.id)
        db.session.add(news)
    elif news.is_sent:
        raise NotAllowed("sent")
    for lang in LANGUAGES:
        setattr(news, f"subject_{lang}", (data.get(f"subject_{lang}") or "").strip())
        setattr(news, f"body_{lang}", (data.get(f"body_{lang}") or "").strip())
    news.updated_at = utcnow()
    db.session.flush()
    return news


def active_recipients():
    """The users of every active member (one query)."""
    return db.session.scalars(
        select(User)
        .join(Member, Member.user_id == User.id)
        .where(Member.status == MemberStatus.ACTIVE.value)
        .order_by(User.id)
    ).all()


def send_news(news, actor):
    """Send the item once to every active member: a notification and, unless they turned it off,
    an e-mail in their own language. A second send (two tabs, a double click) is refused."""
    if len(news.missing_languages) == len(LANGUAGES):
        raise NotAllowed("empty")
    now = utcnow()
    claimed = db.session.execute(
        update(NewsItem)
        .where(NewsItem.id == news.id, NewsItem.sent_at.is_(None))
        .values(sent_at=now, sent_by_id=actor.id)
        .execution_options(synchronize_session=False)
    ).rowcount
    if claimed != 1:
        raise NotAllowed("sent")
    users = active_recipients()
    # The subject as a pair: each reader sees the notification in their own language.
    notify_many(
        users,
        "panel_news",
        endpoint="membership.news_item",
        endpoint_args={"news_id": news.id},
        mail_context={"news": news},
        news_id=news.id,
        subject=both_languages(news, "subject"),
    )
    db.session.execute(
        update(NewsItem)
        .where(NewsItem.id == news.id)
        .values(recipient_count=len(users))
        .execution_options(synchronize_session=False)
    )
    db.session.refresh(news)
    record_audit("news.send", target=news, actor=actor, recipients=len(users))
    return len(users)

"""Moderation of ideas and reactions: how a redacted text is shown (the `moderated` filter),
panelists' reports, and what a panel manager does with them (the moderation queue).

A moderator redacts part of a stored text (a phone number, a name) by replacing it with
REDACTED, one ASCII SUB character ("substitute"). Nobody can type it: every typed text drops it
(panel.forms.clean_text), so only a moderator's redaction shows as "[removed by the moderator]".
"""

from flask_babel import gettext as _
from markupsafe import Markup, escape
from sqlalchemy import Index, select, update
from sqlalchemy import text as sql
from sqlalchemy.exc import IntegrityError

from ..database import UTCDateTime, utcnow
from ..enums import TitledEnum
from ..errors import NotAllowed
from ..extensions import db
from ..forms import REDACTED
from ..i18n import lazy_gettext as _l
from .models import Comment, Idea


def redaction_phrase():
    """What a reader sees where a moderator removed words, in the reader's language."""
    return _("[removed by the moderator]")


def moderated(text):
    """A stored idea title or body, or a reaction, as safe HTML: escaped (line breaks kept as
    they are; the page's CSS shows them), each redaction shown as the moderator's phrase."""
    if text is None:
        return Markup("")
    parts = str(text).split(REDACTED)
    if len(parts) == 1:
        return escape(parts[0])
    marker = Markup('<em class="redacted">%s</em>') % redaction_phrase()
    return marker.join(escape(part) for part in parts)


def moderated_text(text):
    """The same as plain text, for where no HTML can go: a page's <title>, an attribute, the
    subject or text part of an e-mail."""
    if text is None:
        return ""
    return str(text).replace(REDACTED, redaction_phrase())


# Reports ----------------------------------------------------------------------------------------


class ReportReason(TitledEnum):
    OFFENSIVE = "offensive"
    PERSONAL_DATA = "personal_data"
    SPAM = "spam"
    OFF_TOPIC = "off_topic"
    OTHER = "other"


ReportReason.TITLES = {
    "offensive": _l("Offensive or insulting"),
    "personal_data": _l("Shares personal data"),
    "spam": _l("Spam or advertising"),
    "off_topic": _l("Off topic"),
    "other": _l("Something else"),
}


class ContentReport(db.Model):
    """A panelist's report of an idea (comment_id empty) or of a reaction on it. Open until a
    moderator hides or unhides the item or dismisses its reports."""

    __tablename__ = "content_reports"

    id = db.Column(db.Integer, primary_key=True)
    # The round too, so the queue filters by round without joining every idea.
    round_id = db.Column(db.Integer, db.ForeignKey("rounds.id", ondelete="CASCADE"), nullable=False)
    idea_id = db.Column(db.Integer, db.ForeignKey("ideas.id", ondelete="CASCADE"), nullable=False)
    comment_id = db.Column(db.Integer, db.ForeignKey("comments.id", ondelete="CASCADE"))
    reporter_id = db.Column(
        db.Integer, db.ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True
    )
    reason = db.Column(db.String(20), nullable=False)
    text = db.Column(db.String(1000))
    created_at = db.Column(UTCDateTime, nullable=False, default=utcnow)
    closed_at = db.Column(UTCDateTime)
    # hidden, unhidden, dismissed: what the moderator did
    closed_as = db.Column(db.String(10))

    __table_args__ = (
        # One report per person per item (NULL comment ids are never equal: two indexes).
        Index(
            "uq_content_reports_idea_reporter",
            "idea_id",
            "reporter_id",
            unique=True,
            sqlite_where=sql("comment_id IS NULL"),
            postgresql_where=sql("comment_id IS NULL"),
        ),
        Index(
            "uq_content_reports_comment_reporter",
            "comment_id",
            "reporter_id",
            unique=True,
            sqlite_where=sql("comment_id IS NOT NULL"),
            postgresql_where=sql("comment_id IS NOT NULL"),
        ),
        # The queue: open reports, by round.
        Index(
            "ix_content_reports_open",
            "round_id",
            "created_at",
            sqlite_where=sql("closed_at IS NULL"),
            postgresql_where=sql("closed_at IS NULL"),
        ),
    )

    @property
    def reason_title(self):
        return ReportReason.title_of(self.reason)


# The queue's hidden items, newest first, read from small indexes of the hidden ones only.
Index(
    "ix_ideas_hidden",
    Idea.hidden_at,
    sqlite_where=sql("hidden_at IS NOT NULL"),
    postgresql_where=sql("hidden_at IS NOT NULL"),
)
Index(
    "ix_comments_hidden",
    Comment.hidden_at,
    sqlite_where=sql("hidden_at IS NOT NULL"),
    postgresql_where=sql("hidden_at IS NOT NULL"),
)


def item_filter(item):
    """The reports of one idea (not its reactions') or of one reaction."""
    if isinstance(item, Comment):
        return ContentReport.comment_id == item.id
    return (ContentReport.idea_id == item.id) & ContentReport.comment_id.is_(None)


def author_user_id(item):
    return item.author.user_id if item.author is not None else None


def report_content(idea, comment, user, reason, note):
    """One report per person per item; a second (even sent at the same moment) is refused
    with 'reported'. The author can't report their own words."""
    item = comment or idea
    if author_user_id(item) == user.id:
        raise NotAllowed("own")
    already = db.session.execute(
        select(ContentReport.id).where(item_filter(item), ContentReport.reporter_id == user.id)
    ).first()
    if already is not None:
        raise NotAllowed("reported")
    report = ContentReport(
        round_id=idea.round_id,
        idea_id=idea.id,
        comment_id=comment.id if comment is not None else None,
        reporter_id=user.id,
        reason=ReportReason(reason).value,
        text=note or None,
    )
    try:
        with db.session.begin_nested():
            db.session.add(report)
            db.session.flush()
    except IntegrityError:
        raise NotAllowed("reported") from None
    return report


def close_reports(item, outcome):
    """Closes the item's open reports as `outcome`; how many there were."""
    return db.session.execute(
        update(ContentReport)
        .where(item_filter(item), ContentReport.closed_at.is_(None))
        .values(closed_at=utcnow(), closed_as=outcome)
        .execution_options(synchronize_session=False)
    ).rowcount

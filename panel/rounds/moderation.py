"""Moderation of ideas and reactions: how a redacted text is shown (the `moderated` filter),
panelists' reports, and what a panel manager does with them (the moderation queue).

A moderator redacts part of a stored text (a phone number, a name) by replacing it with
REDACTED, one ASCII SUB character ("substitute"). Nobody can type it: every typed text drops it
(panel.forms.clean_text), so only a moderator's redaction shows as "[removed by the moderator]".
"""

from flask_babel import gettext as _
from markupsafe import Markup, escape
from sqlalchemy import Index, and_, func, literal, null, or_, select, union_all, update
from sqlalchemy import text as sql
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from ..audit import record_audit
from ..database import UTCDateTime, race_pause, utcnow
from ..enums import TitledEnum
from ..errors import NotAllowed
from ..extensions import db
from ..forms import REDACTED
from ..i18n import lazy_gettext as _l
from ..i18n import link_for
from ..notifications.services import notify
from .idea_search import reindex_idea
from .models import Comment, Idea, Round


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
    # Withdrawals lock the idea's row too (rounds.reactions): a report waits for one under way,
    # then reads afresh, so it never lands on words withdrawn meanwhile.
    db.session.execute(select(Idea.id).where(Idea.id == idea.id).with_for_update())
    model = type(item)
    now = db.session.execute(select(model.withdrawn_at).where(model.id == item.id)).first()
    if now is None or now.withdrawn_at is not None:
        raise NotAllowed("withdrawn")
    already = db.session.execute(
        select(ContentReport.id).where(item_filter(item), ContentReport.reporter_id == user.id)
    ).first()
    if already is not None:
        raise NotAllowed("reported")
    race_pause("REPORT_RACE_DELAY")
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


# What a moderator does ----------------------------------------------------------------------------
# Each is one conditional UPDATE: of two moderators acting on the same item at once, one acts and
# the other is told it was done already (NotAllowed), so nothing is logged or sent twice.


def _set_hidden(item, values, hidden):
    """Changes an item only if it is (hidden=True) or isn't (False) hidden now."""
    model = type(item)
    state = model.hidden_at.isnot(None) if hidden else model.hidden_at.is_(None)
    changed = db.session.execute(
        update(model)
        .where(model.id == item.id, state)
        .values(**values)
        .execution_options(synchronize_session=False)
    ).rowcount
    if changed:
        db.session.refresh(item)
        if isinstance(item, Idea):  # the search leaves hidden ideas out
            reindex_idea(item)
    return bool(changed)


def hide_item(item, reason):
    """Hidden with the reason its author sees; its reports are closed. False when someone
    hid it first."""
    if not _set_hidden(item, {"hidden_at": utcnow(), "hidden_reason": reason}, hidden=False):
        return False
    close_reports(item, "hidden")
    return True


def unhide_content(item, actor):
    """A hide undone: the item is back for everyone, its reports closed, its author told."""
    if not _set_hidden(item, {"hidden_at": None, "hidden_reason": None}, hidden=True):
        raise NotAllowed("not_hidden")
    close_reports(item, "unhidden")
    if isinstance(item, Comment):
        record_audit("comment.unhide", target=item, actor=actor)
    else:
        record_audit("idea.unhide", target=item, actor=actor)
    user = item.author.user if item.author is not None else None
    if user is not None:
        notify(user, "content_unhidden", link=item_link(item, user.locale))


def dismiss_reports(item, actor):
    """The reports were not about abuse: closed, the item stays as it is."""
    count = close_reports(item, "dismissed")
    if not count:
        raise NotAllowed("no_reports")
    if isinstance(item, Comment):
        record_audit("comment.dismiss_reports", target=item, actor=actor, reports=count)
    else:
        record_audit("idea.dismiss_reports", target=item, actor=actor, reports=count)
    return count


REDACTABLE = {Idea: ("title", "body"), Comment: ("body",)}


def redact(item, field, snippet, actor):
    """Every occurrence of `snippet` (as typed or pasted by the moderator) in the item's title
    or text becomes REDACTED. Written only if the text is still the one the moderator saw, so
    two moderators (or a moderator and the author editing) never overwrite each other."""
    model = type(item)
    if field not in REDACTABLE[model]:
        raise NotAllowed("field")
    before = getattr(item, field)
    snippet = (snippet or "").strip()
    if not snippet or snippet not in before:
        raise NotAllowed("not_found")
    column = getattr(model, field)
    changed = db.session.execute(
        update(model)
        .where(model.id == item.id, column == before)
        .values({field: before.replace(snippet, REDACTED)})
        .execution_options(synchronize_session=False)
    ).rowcount
    if not changed:
        raise NotAllowed("changed")
    db.session.refresh(item)
    if isinstance(item, Idea):  # the removed words are no longer found
        reindex_idea(item)
    # The audit says what was removed from where, never the removed words themselves.
    if isinstance(item, Comment):
        record_audit("comment.redact", target=item, actor=actor)
    else:
        record_audit("idea.redact", target=item, actor=actor, in_title=field == "title")


def item_link(item, lang):
    """The idea page an item is on, in `lang` (a reaction: through rounds.show_reaction, which
    opens the page of reactions it is on, at its place)."""
    if isinstance(item, Comment):
        return link_for(
            "rounds.show_reaction",
            lang,
            round_id=item.idea.round_id,
            idea_id=item.idea_id,
            comment_id=item.id,
        )
    return link_for("rounds.idea_page", lang, round_id=item.round_id, idea_id=item.id)


# The queue ----------------------------------------------------------------------------------------


def queue_rows(round_id=None, reason=None):
    """The queue as a select of keys (rank, idea_id, comment_id, at): items with open reports
    first, the most recently reported first; then hidden items, the most recently hidden first
    (not when filtering by a reason: a hide has no reason from the list)."""
    open_ = ContentReport.closed_at.is_(None)
    reported = select(
        literal(0).label("rank"),
        ContentReport.idea_id.label("idea_id"),
        ContentReport.comment_id.label("comment_id"),
        func.max(ContentReport.created_at).label("at"),
    ).where(open_)
    if round_id is not None:
        reported = reported.where(ContentReport.round_id == round_id)
    if reason is not None:
        reported = reported.where(ContentReport.reason == reason)
    parts = [reported.group_by(ContentReport.idea_id, ContentReport.comment_id)]
    if reason is None:
        ideas = select(literal(1), Idea.id, null(), Idea.hidden_at).where(
            Idea.hidden_at.isnot(None),
            ~select(ContentReport.id)
            .where(ContentReport.idea_id == Idea.id, ContentReport.comment_id.is_(None), open_)
            .exists(),
        )
        comments = select(literal(1), Comment.idea_id, Comment.id, Comment.hidden_at).where(
            Comment.hidden_at.isnot(None),
            ~select(ContentReport.id).where(ContentReport.comment_id == Comment.id, open_).exists(),
        )
        if round_id is not None:
            ideas = ideas.where(Idea.round_id == round_id)
            comments = comments.join(Idea, Idea.id == Comment.idea_id).where(
                Idea.round_id == round_id
            )
        parts += [ideas, comments]
    keys = union_all(*parts).subquery()
    rows = select(keys).order_by(
        keys.c.rank, keys.c.at.desc(), keys.c.idea_id.desc(), keys.c.comment_id.desc()
    )
    count = select(func.count()).select_from(keys)
    return rows, count


class QueueItem:
    """One row of the queue: the idea or reaction, its idea, and its open reports."""

    def __init__(self, idea, comment, reports):
        self.idea = idea
        self.comment = comment
        self.reports = reports

    @property
    def item(self):
        return self.comment or self.idea

    @property
    def kind(self):
        return "comments" if self.comment is not None else "ideas"

    @property
    def anchor(self):
        return f"{self.kind}-{self.item.id}"

    def reason_counts(self):
        """(reason title, how many) for the open reports, the most frequent first."""
        counts = {}
        for report in self.reports:
            counts[report.reason] = counts.get(report.reason, 0) + 1
        ordered = sorted(counts.items(), key=lambda pair: (-pair[1], pair[0]))
        return [(ReportReason.title_of(reason), count) for reason, count in ordered]


def load_items(keys):
    """The queue's page of keys as QueueItems: three queries whatever the page's length."""
    idea_ids = {key.idea_id for key in keys}
    comment_ids = {key.comment_id for key in keys if key.comment_id is not None}
    ideas = {
        idea.id: idea
        for idea in db.session.scalars(
            select(Idea)
            .where(Idea.id.in_(idea_ids))
            .options(joinedload(Idea.author), joinedload(Idea.round))
        )
    }
    comments = {
        comment.id: comment
        for comment in db.session.scalars(
            select(Comment).where(Comment.id.in_(comment_ids)).options(joinedload(Comment.author))
        )
    }
    reports = {}
    about = [ContentReport.comment_id.in_(comment_ids)]
    idea_only = [key.idea_id for key in keys if key.comment_id is None]
    if idea_only:
        about.append(and_(ContentReport.idea_id.in_(idea_only), ContentReport.comment_id.is_(None)))
    for report in db.session.scalars(
        select(ContentReport)
        .where(ContentReport.closed_at.is_(None), or_(*about))
        .order_by(ContentReport.created_at.desc(), ContentReport.id.desc())
    ):
        reports.setdefault((report.idea_id, report.comment_id), []).append(report)
    return [
        QueueItem(
            ideas[key.idea_id],
            comments.get(key.comment_id),
            reports.get((key.idea_id, key.comment_id), []),
        )
        for key in keys
        if key.idea_id in ideas and (key.comment_id is None or key.comment_id in comments)
    ]


def rounds_in_queue(selected_id=None):
    """The rounds the queue's round filter offers: those with open reports or hidden ideas or
    reactions, and the one chosen now."""
    with_reports = select(ContentReport.round_id).where(ContentReport.closed_at.is_(None))
    with_hidden = select(Idea.round_id).where(Idea.hidden_at.isnot(None))
    with_hidden_reactions = (
        select(Idea.round_id)
        .join(Comment, Comment.idea_id == Idea.id)
        .where(Comment.hidden_at.isnot(None))
    )
    wanted = (
        Round.id.in_(with_reports) | Round.id.in_(with_hidden) | Round.id.in_(with_hidden_reactions)
    )
    if selected_id is not None:
        wanted = wanted | (Round.id == selected_id)
    return db.session.scalars(
        select(Round).where(wanted).order_by(Round.created_at.desc(), Round.id.desc())
    ).all()


def item_reports(item):
    """Every report of one item, open ones first, newest first (the item's own page)."""
    return db.session.scalars(
        select(ContentReport)
        .where(item_filter(item))
        .order_by(ContentReport.closed_at.isnot(None), ContentReport.created_at.desc())
    ).all()

"""Telling the members who asked for a change that it shipped: one message per member and
release, in their own language, however many of its changes they asked for.

Who is told is decided by the insert of their ShippedNotice ("unless already there"): two
requests announcing the same release at once (a publisher and someone linking a late insight)
each tell only the members they inserted, so nobody hears it twice.
"""

import json
from dataclasses import dataclass, field

from sqlalchemy import exists, insert, literal, select, union_all

from ..accounts.models import User
from ..database import conflict_insert, race_pause, utcnow
from ..extensions import db
from ..feedback.models import Audience, FeedbackInvitation, ReleaseChange, ReleaseState
from ..i18n import link_for
from ..insights.models import Evidence, Insight
from ..mail import queue_mail_bulk
from ..membership.models import TAKING_PART, Member
from ..notifications import kinds
from ..notifications.models import Notification
from ..notifications.services import users_without_email_for
from ..rounds.models import Idea, IdeaSupport
from ..rounds.sampling import Recipient
from . import links
from .models import ChangeAsker, ChangeIdea, ChangeInsight, ShippedNotice
from .notices import asked_params

KIND = "asked_shipped"
# Up to this many members told at once, how they asked is read for them alone (an IN list);
# more, and it is read for the whole release and sorted out here.
FEW = 500


@dataclass
class Asked:
    """One change a member asked for, and how: their ideas, ideas they supported, and the
    insights their contributions are evidence of (models: the mail shows them in its reader's
    language)."""

    change: object
    authored: list = field(default_factory=list)
    supported: list = field(default_factory=list)
    insights: list = field(default_factory=list)


def on_release_published(release):
    """Answers signals.release_published: the askers are counted anew from the links, the
    linked ideas are marked shipped in this version, and the askers are told."""
    links.refresh_askers(links.change_ids_of(release))
    links.mark_ideas_shipped(release)
    announce_shipped(release)


def announce_shipped(release):
    """Send "You asked for this" once to every asker of the published `release`'s changes who
    has not been told about it yet; returns how many were told. Safe to call again."""
    if release.published_at is None:
        return 0
    told = _claim_notices(release, _untold_askers(release))
    if not told:
        return 0
    recipients = _recipients(told)
    asked = _what_they_asked(release, set(told))
    link_to_form = _may_answer_form(release, told)
    now = utcnow()
    db.session.execute(
        insert(Notification),
        [
            {
                "user_id": recipient.id,
                "kind": KIND,
                "params_json": json.dumps(asked_params(release, _changes(asked[member_id]))),
                "link": _link(release, recipient.locale, member_id in link_to_form),
                "created_at": now,
            }
            for member_id, recipient in recipients.items()
        ],
    )
    _queue_mails(release, recipients, asked, link_to_form)
    return len(recipients)


def _untold_askers(release):
    """The member ids of this release's askers who may be told and were not told yet."""
    told = exists().where(
        ShippedNotice.release_id == release.id, ShippedNotice.member_id == ChangeAsker.member_id
    )
    return db.session.scalars(
        select(ChangeAsker.member_id)
        .join(ReleaseChange, ReleaseChange.id == ChangeAsker.change_id)
        .join(Member, Member.id == ChangeAsker.member_id)
        .where(
            ReleaseChange.release_id == release.id,
            Member.status.in_(TAKING_PART),
            Member.user_id.isnot(None),
            ~told,
        )
        .distinct()
    ).all()


def _claim_notices(release, member_ids):
    """Insert the notices, skipping members already told (also by a request at the same
    moment); the member ids inserted here, who are the ones to tell."""
    if not member_ids:
        return []
    race_pause("SHIPPED_RACE_DELAY")
    statement = (
        conflict_insert(ShippedNotice)
        .on_conflict_do_nothing(index_elements=["release_id", "member_id"])
        .returning(ShippedNotice.member_id)
    )
    now = utcnow()
    rows = [
        {"release_id": release.id, "member_id": member_id, "sent_at": now}
        for member_id in sorted(member_ids)
    ]
    return db.session.connection().execute(statement, rows).scalars().all()


def _recipients(member_ids):
    """{member id: Recipient} of the members' accounts, read in one query."""
    return {
        member_id: Recipient(user_id, email, name, locale)
        for member_id, user_id, email, name, locale in db.session.execute(
            select(Member.id, User.id, User.email, User.name, User.locale)
            .join(User, User.id == Member.user_id)
            .where(Member.id.in_(member_ids))
            .order_by(Member.id)
        )
    }


def _what_they_asked(release, member_ids):
    """{member id: [Asked]} in the release's order of changes: three reads whatever the number
    of members (which changes each asked for and how, then the ideas and insights named)."""
    in_release = ReleaseChange.release_id == release.id
    linked_ideas = (
        select(ChangeIdea.change_id, ChangeIdea.idea_id)
        .join(ReleaseChange, ReleaseChange.id == ChangeIdea.change_id)
        .where(in_release)
        .subquery()
    )
    ways = union_all(
        # The kept askers decide which changes; the rest says how they asked.
        select(ChangeAsker.change_id, ChangeAsker.member_id, literal("asked"), literal(0))
        .join(ReleaseChange, ReleaseChange.id == ChangeAsker.change_id)
        .where(in_release),
        select(linked_ideas.c.change_id, Idea.author_id, literal("authored"), Idea.id)
        .join(Idea, Idea.id == linked_ideas.c.idea_id)
        .where(Idea.author_id.isnot(None)),
        select(
            linked_ideas.c.change_id,
            IdeaSupport.member_id,
            literal("supported"),
            IdeaSupport.idea_id,
        ).join(IdeaSupport, IdeaSupport.idea_id == linked_ideas.c.idea_id),
        select(
            ChangeInsight.change_id, Evidence.member_id, literal("insights"), Evidence.insight_id
        )
        .join(ReleaseChange, ReleaseChange.id == ChangeInsight.change_id)
        .join(Evidence, Evidence.insight_id == ChangeInsight.insight_id)
        .where(in_release, Evidence.member_id.isnot(None)),
    )
    query = select(ways.subquery())
    if len(member_ids) <= FEW:  # a late link tells a few: read theirs, not every asker's
        query = query.where(query.selected_columns[1].in_(sorted(member_ids)))
    rows = [tuple(row) for row in db.session.execute(query) if row[1] in member_ids]
    ideas = _by_id(Idea, {ref for _, _, way, ref in rows if way in ("authored", "supported")})
    insights = _by_id(Insight, {ref for _, _, way, ref in rows if way == "insights"})
    named = {"authored": ideas, "supported": ideas, "insights": insights}
    changes = {change.id: change for change in release.changes}
    asked = {member_id: {} for member_id in member_ids}
    for change_id, member_id, way, _ref in rows:
        if way == "asked":
            asked[member_id][change_id] = Asked(changes[change_id])
    for change_id, member_id, way, ref in sorted(rows, key=lambda row: row[3]):
        item = asked[member_id].get(change_id)
        found = named.get(way, {}).get(ref)
        if item is not None and found is not None and found not in getattr(item, way):
            getattr(item, way).append(found)
    return {
        member_id: sorted(items.values(), key=lambda item: (item.change.position, item.change.id))
        for member_id, items in asked.items()
    }


def _by_id(model, ids):
    if not ids:
        return {}
    return {row.id: row for row in db.session.scalars(select(model).where(model.id.in_(ids)))}


def _changes(items):
    return [item.change for item in items]


def _may_answer_form(release, member_ids):
    """The members who can answer the release's feedback form now: all, while it is open and
    asked of everyone; those invited, when it is asked of a sample."""
    if release.state() != ReleaseState.OPEN:
        return set()
    if release.audience != Audience.SAMPLE.value:
        return set(member_ids)
    return set(
        db.session.scalars(
            select(FeedbackInvitation.member_id).where(
                FeedbackInvitation.release_id == release.id,
                FeedbackInvitation.member_id.in_(member_ids),
            )
        )
    )


def _endpoint(release, to_form):
    if to_form:
        return "feedback.form", {"release_id": release.id}
    return "loop.contributions", {}


def _link(release, lang, to_form):
    endpoint, args = _endpoint(release, to_form)
    return link_for(endpoint, lang, **args)


def _queue_mails(release, recipients, asked, link_to_form):
    """The mails, rendered once per language for each group of members who asked for the same
    things in the same ways (the supporters of one idea, the people behind one insight)."""
    kind = kinds.get(KIND)
    opted_out = users_without_email_for(kind, [recipient.id for recipient in recipients.values()])
    groups = {}
    for member_id, recipient in recipients.items():
        if recipient.id in opted_out or not recipient.email:
            continue
        items = asked[member_id]
        story = (
            member_id in link_to_form,
            tuple(
                (
                    item.change.id,
                    tuple(idea.id for idea in item.authored),
                    tuple(idea.id for idea in item.supported),
                    tuple(insight.id for insight in item.insights),
                )
                for item in items
            ),
        )
        groups.setdefault(story, (items, []))[1].append(recipient)
    for (to_form, _ways), (items, group) in groups.items():
        endpoint, args = _endpoint(release, to_form)
        queue_mail_bulk(
            group,
            kind.mail,
            notification_kind=kind,
            params=asked_params(release, _changes(items)),
            link=None,
            endpoint=endpoint,
            endpoint_args=args,
            release=release,
            asked=items,
            to_form=to_form,
        )

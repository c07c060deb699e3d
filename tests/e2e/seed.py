"""Seeding helpers for the browser tests; they run inside the served app (LiveServer.run)."""

import itertools
from datetime import timedelta

from panel.accounts.services import create_user
from panel.database import utcnow
from panel.extensions import db
from panel.membership.joining import new_member_number
from panel.membership.models import Consent, Member
from panel.membership.privacy import current_statement
from panel.membership.segments import region_for_postcode
from panel.security import Role

PASSWORD = "a calm walk by the sea"
_numbers = itertools.count(1)


def unique_email(prefix):
    return f"{prefix}{next(_numbers)}@example.org"


def staff(roles, name="Sam Staff", locale="en"):
    user = create_user(unique_email("staff"), name, locale, roles=roles, password=PASSWORD)
    db.session.flush()
    return user.email


def panelist(locale="en", name="Pat Panel", postcode="3511", **profile):
    """An active member; returns (e-mail, member id)."""
    user = create_user(
        unique_email("member"), name, locale, roles=[Role.PANELIST], password=PASSWORD
    )
    statement = current_statement()
    values = {
        "birth_year": 1985,
        "customer_type": "subscription",
        "platform": "android",
        "app_usage": "weekly",
        "attends_online": True,
        "attends_physical": True,
        "physical_region": "utrecht",
    }
    values.update(profile)
    member = Member(
        user=user,
        number=new_member_number(),
        status="active",
        postcode=postcode,
        region=region_for_postcode(postcode).value,
        accepted_statement_version=statement.version,
        last_active_at=utcnow() - timedelta(days=1),
        **values,
    )
    db.session.add(member)
    db.session.flush()
    db.session.add(
        Consent(
            member_id=member.id,
            purpose="participation",
            statement_version=statement.version,
            language=locale,
        )
    )
    return user.email, member.id


def feedback_reviewer_setup():
    """A billing reviewer, a tag-free rule sending "bill"/"rekening" insights to billing."""
    from panel.insights.models import RoutingRule, Stream, StreamMember

    billing = Stream.query.filter_by(slug="billing").one()
    if not RoutingRule.query.filter_by(name="Bills").first():
        db.session.add(
            RoutingRule(position=1, name="Bills", keywords="bill, rekening", streams=[billing])
        )
    reviewer_email = staff([Role.REVIEWER], name="Rita Reviewer")
    from panel.accounts.services import find_user_by_email

    db.session.add(
        StreamMember(stream_id=billing.id, user_id=find_user_by_email(reviewer_email).id)
    )
    return reviewer_email


def round_with_comment(member_id, text):
    """A published round in the idea stage with an idea carrying this member's reaction."""
    from panel.rounds import services as rounds
    from panel.rounds.models import Comment, Idea

    owner_email = staff([Role.PRODUCT_OWNER], name="Olga Owner")
    from panel.accounts.services import find_user_by_email

    owner = find_user_by_email(owner_email)
    round_ = rounds.create_round(
        owner,
        {
            "title_nl": "Rekeningen",
            "title_en": "Bills",
            "summary_nl": "x",
            "summary_en": "x",
            "question_nl": "?",
            "question_en": "?",
            "visibility": "all",
        },
        [],
    )
    rounds.publish_round(round_, owner)
    idea = Idea(round_id=round_.id, author_id=member_id, title="Clearer bill", body="Please")
    db.session.add(idea)
    db.session.flush()
    comment = Comment(idea_id=idea.id, author_id=member_id, body=text)
    db.session.add(comment)
    db.session.flush()
    return owner_email, round_.id, idea.id, comment.id


def insight_of_comment(owner_email, comment_id, title_nl, title_en):
    """An insight the owner made of this reaction (its evidence); returns its number."""
    from panel.accounts.services import find_user_by_email
    from panel.insights.services import create_insight

    owner = find_user_by_email(owner_email)
    insight = create_insight(title_nl, title_en, "", [], owner, evidence=[("comment", comment_id)])
    return insight.id


def draft_release(owner_email, version, changes):
    """An unpublished release asked of everyone, its window opened an hour ago (for two
    weeks), with these changes (dicts of title_nl, title_en, description_nl, description_en);
    returns (release id, [change ids])."""
    from panel.accounts.services import find_user_by_email
    from panel.feedback import services as feedback

    now = utcnow()
    data = {
        "version": version,
        "month": now.date().replace(day=1),
        "opens_at": now - timedelta(hours=1),
        "closes_at": now + timedelta(days=14),
        "audience": "all",
        "sample_size": None,
    }
    owner = find_user_by_email(owner_email)
    release = feedback.save_release(None, data, [dict(change) for change in changes], owner)
    db.session.flush()
    return release.id, [change.id for change in release.changes]


def outbox_locales(address, kind):
    """The languages of the mails of this kind queued for this address (sent or not)."""
    from panel.mail import OutboxMessage

    return [
        message.locale
        for message in OutboxMessage.query.filter_by(to_address=address, kind=kind).all()
    ]

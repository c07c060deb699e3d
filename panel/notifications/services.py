"""notify(): the one way to tell a user something, in the app and, if wanted, by e-mail."""

import json

from sqlalchemy import func, insert, select

from ..accounts.models import forget_login_value, login_value
from ..database import utcnow
from ..extensions import db
from ..i18n import link_for
from ..mail import queue_mail, queue_mail_bulk
from . import kinds
from .models import Notification, NotificationPreference


def wants_email(user, kind):
    if kind.essential:
        return True
    preference = db.session.get(NotificationPreference, (user.id, kind.name))
    return preference is None or preference.email_enabled


def notify(user, kind_name, link=None, mail_context=None, **params):
    """Add an in-app notification; queue the e-mail in the user's language when allowed.

    `params` fill the title's placeholders and must be plain values (no personal data of others).
    """
    kind = kinds.get(kind_name)
    notification = Notification(
        user_id=user.id, kind=kind.name, params_json=json.dumps(params), link=link
    )
    db.session.add(notification)
    if kind.mail and user.email and wants_email(user, kind):
        queue_mail(
            user.email,
            kind.mail,
            user.locale,
            user=user,
            link=link,
            notification_kind=kind,
            params=params,
            **params,
            **(mail_context or {}),
        )
    return notification


def notify_many(users, kind_name, endpoint=None, endpoint_args=None, mail_context=None, **params):
    """notify() for many users at once: one insert for the notifications, and the e-mail
    rendered once per language (queue_mail_bulk), each in its recipient's language.

    The link is `endpoint` with `endpoint_args`, in each user's language. Returns how many were
    notified."""
    kind = kinds.get(kind_name)
    endpoint_args = endpoint_args or {}
    params_json = json.dumps(params)
    now = utcnow()
    rows = [
        {
            "user_id": user.id,
            "kind": kind.name,
            "params_json": params_json,
            "link": link_for(endpoint, user.locale, **endpoint_args) if endpoint else None,
            "created_at": now,
        }
        for user in users
    ]
    if rows:
        db.session.execute(insert(Notification), rows)
    if kind.mail and rows:
        opted_out = users_without_email_for(kind, [user.id for user in users])
        mail_endpoint = {"endpoint": endpoint, "endpoint_args": endpoint_args} if endpoint else {}
        queue_mail_bulk(
            [user for user in users if user.id not in opted_out],
            kind.mail,
            notification_kind=kind,
            params=params,
            link=None,
            **mail_endpoint,
            **params,
            **(mail_context or {}),
        )
    return len(rows)


def users_without_email_for(kind, user_ids):
    """The ids among user_ids who turned this kind's e-mail off (one query for many users)."""
    if kind.essential or not user_ids:
        return set()
    return set(
        db.session.scalars(
            db.select(NotificationPreference.user_id).where(
                NotificationPreference.kind == kind.name,
                NotificationPreference.email_enabled.is_(False),
                NotificationPreference.user_id.in_(user_ids),
            )
        )
    )


def set_email_preferences(user, enabled_kinds):
    """Store which optional kinds the user wants by e-mail."""
    for kind in kinds.all_kinds().values():
        if kind.essential or (kind.staff_only and not user.is_staff):
            continue
        preference = db.session.get(NotificationPreference, (user.id, kind.name))
        if preference is None:
            preference = NotificationPreference(user_id=user.id, kind=kind.name)
            db.session.add(preference)
        preference.email_enabled = kind.name in enabled_kinds


def unread_of(user_id):
    """SQL for the number of unread notifications of `user_id` (a value or a column)."""
    return (
        select(func.count())
        .select_from(Notification)
        .where(Notification.user_id == user_id, Notification.read_at.is_(None))
        .scalar_subquery()
    )


def unread_count(user):
    # The logged-in user's count came with the login session (see init_app): no query of its own.
    if user.session_token is not None:
        folded = login_value("unread_notifications")
        if folded is not None:
            return folded
    return db.session.scalar(select(unread_of(user.id)))


def mark_all_read(user):
    Notification.query.filter_by(user_id=user.id, read_at=None).update({"read_at": utcnow()})
    forget_login_value("unread_notifications")


def open_notification(notification):
    if notification.read_at is None:
        notification.read_at = utcnow()
        forget_login_value("unread_notifications")

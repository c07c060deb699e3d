"""The "surprise & delight" ledger: thank-yous given to members, counted against a budget per
quarter (Europe/Amsterdam quarters, "2026-Q4").

Two panel managers giving at the same moment must not both pass the budget check when only one
fits: the giver locks the quarter's budget row (SELECT … FOR UPDATE; on SQLite the write lock
stands in for it) before it adds up what was spent, so the second giver counts the first one's
thank-you. A thank-you given "over budget, I know" skips the check (and the lock).
"""

import re
from datetime import timedelta

from flask_babel import format_currency, get_locale
from flask_babel import gettext as _
from sqlalchemy import func, select, update
from sqlalchemy.orm import joinedload

from ..audit import record_audit
from ..database import AMSTERDAM, conflict_insert, race_pause, utcnow
from ..errors import NotAllowed
from ..extensions import db
from ..i18n import lazy_gettext as _l
from ..i18n import link_for
from ..membership.privacy import export_time
from ..notifications.services import notify
from .models import ThankYou, ThankYouBudget, ThankYouKind
from .permissions import can_receive_thank_you

QUARTER = re.compile(r"([0-9]{4})-Q([1-4])")
# The largest value or budget the ledger takes (a typing slip of three zeros stays out).
MOST_CENTS = 100_000_00
REASON_LENGTH = 300
MESSAGE_LENGTH = 2000
# The member's dashboard shows the thank-yous of the last half year, the newest first.
DASHBOARD_SHOWS = 3
DASHBOARD_SINCE = timedelta(days=183)


# Quarters -----------------------------------------------------------------------------------


def quarter_of(moment=None):
    """The quarter a moment falls in, on Amsterdam's calendar: '2026-Q4'."""
    local = (moment or utcnow()).astimezone(AMSTERDAM)
    return f"{local.year}-Q{(local.month - 1) // 3 + 1}"


def is_quarter(value):
    """True for a quarter as the ledger writes one ('2026-Q4'), of a year from 2000 to 2999."""
    match = QUARTER.fullmatch(value or "")
    return bool(match) and 2000 <= int(match.group(1)) <= 2999


def shift_quarter(quarter, by):
    """The quarter `by` quarters later (earlier when negative)."""
    year, number = QUARTER.fullmatch(quarter).groups()
    index = int(year) * 4 + int(number) - 1 + by
    return f"{index // 4}-Q{index % 4 + 1}"


def quarter_title(quarter):
    """'Q4 2026' in English, '4e kwartaal 2026' in Dutch (the Dutch sentences around it say
    'het 4e kwartaal 2026')."""
    year, number = QUARTER.fullmatch(quarter).groups()
    return _("Q%(number)s %(year)s", number=number, year=year)


def euro(cents, whole=False):
    """An amount in the page's language: '€ 12,50' in Dutch, '€12.50' in English; with `whole`,
    a round amount without its cents ('€ 1.000'), for the large figures on a narrow screen."""
    cents = cents or 0
    if whole and cents % 100 == 0:
        pattern = get_locale().currency_formats["standard"].pattern.split(";")[0]
        return format_currency(
            cents // 100, "EUR", format=pattern.replace(".00", ""), currency_digits=False
        )
    return format_currency(cents / 100, "EUR")


# The budget ---------------------------------------------------------------------------------


def budget_of(quarter):
    """The quarter's budget in cents, or None when none was set."""
    return db.session.scalar(
        select(ThankYouBudget.amount_cents).where(ThankYouBudget.quarter == quarter)
    )


def spent_in(quarter):
    """What the quarter's thank-yous add up to, in cents."""
    return db.session.scalar(
        select(func.coalesce(func.sum(ThankYou.value_cents), 0)).where(ThankYou.quarter == quarter)
    )


def budget_left(quarter):
    """The quarter's budget minus what was spent, in cents (below zero when over; a quarter
    without a budget has nothing to spend)."""
    return (budget_of(quarter) or 0) - spent_in(quarter)


def quarter_figures(quarter):
    """(budget or None, spent, left) of a quarter, in cents, in two queries."""
    budget, spent = budget_of(quarter), spent_in(quarter)
    return budget, spent, (budget or 0) - spent


def set_budget(quarter, amount_cents, actor):
    """Set what a quarter may spend: inserted, or updated when it is there (one statement, so
    two managers setting it at once leave one row, the last one's amount)."""
    if not is_quarter(quarter):
        raise NotAllowed("quarter")
    if not 0 <= amount_cents <= MOST_CENTS:
        raise NotAllowed("amount")
    now = utcnow()
    statement = conflict_insert(ThankYouBudget).values(
        quarter=quarter, amount_cents=amount_cents, set_by_id=actor.id, set_at=now
    )
    statement = statement.on_conflict_do_update(
        index_elements=["quarter"],
        set_={"amount_cents": amount_cents, "set_by_id": actor.id, "set_at": now},
    )
    db.session.execute(statement)
    record_audit("thank_you_budget.set", actor=actor, quarter=quarter, amount_cents=amount_cents)


# Giving -------------------------------------------------------------------------------------


def give_thank_you(member, kind, value_cents, reason, message, actor, over_budget=False, now=None):
    """Give `member` a thank-you and tell them. Refused (NotAllowed) with a code: "member" (not in
    the panel), "kind", "value" (below zero, too large, or zero for anything but a note),
    "reason" (empty), "over_budget" (more than the quarter has left, unless `over_budget`)."""
    if not can_receive_thank_you(member):
        raise NotAllowed("member")
    if kind not in ThankYouKind.values():
        raise NotAllowed("kind")
    if not 0 <= value_cents <= MOST_CENTS or (value_cents == 0 and kind != ThankYouKind.NOTE.value):
        raise NotAllowed("value")
    reason, message = (reason or "").strip(), (message or "").strip()
    if not reason:
        raise NotAllowed("reason")
    now = now or utcnow()
    quarter = quarter_of(now)
    if value_cents and not over_budget:
        # The lock makes a second giver wait here until the first one's thank-you is committed,
        # then count it (READ COMMITTED; SQLite's write lock begins a fresh read).
        budget = db.session.scalar(
            select(ThankYouBudget.amount_cents)
            .where(ThankYouBudget.quarter == quarter)
            .with_for_update()
        )
        race_pause("THANK_YOU_RACE_DELAY")
        if value_cents > (budget or 0) - spent_in(quarter):
            raise NotAllowed("over_budget")
    thank_you = ThankYou(
        member_id=member.id,
        kind=kind,
        value_cents=value_cents,
        reason=reason[:REASON_LENGTH],
        message=message[:MESSAGE_LENGTH],
        quarter=quarter,
        given_at=now,
        given_by_id=actor.id,
    )
    db.session.add(thank_you)
    db.session.flush()
    # The reason and message stay out of the audit log: they may name the member.
    record_audit(
        "thank_you.give",
        target=member,
        actor=actor,
        kind=kind,
        value_cents=value_cents,
        quarter=quarter,
        over_budget=bool(over_budget and value_cents),
    )
    user = member.user
    if user is not None:
        notify(
            user,
            "thank_you",
            link=link_for("recognition.thank_yous", user.locale),
            mail_context={"thank_you": thank_you},
            thank_you_id=thank_you.id,
            thank_you_kind=kind,
        )
    return thank_you


# What the ledger lists ----------------------------------------------------------------------


def quarter_rows(quarter):
    """The quarter's thank-yous, the newest first, with their member and giver."""
    return (
        select(ThankYou)
        .where(ThankYou.quarter == quarter)
        .options(joinedload(ThankYou.member), joinedload(ThankYou.given_by))
        .order_by(ThankYou.given_at.desc(), ThankYou.id.desc())
    )


def count_in(quarter):
    return select(func.count()).select_from(ThankYou).where(ThankYou.quarter == quarter)


def member_rows(member):
    """A member's own thank-yous, the newest first."""
    return (
        select(ThankYou)
        .where(ThankYou.member_id == member.id)
        .order_by(ThankYou.given_at.desc(), ThankYou.id.desc())
    )


def count_of_member(member):
    return select(func.count()).select_from(ThankYou).where(ThankYou.member_id == member.id)


# Signals ------------------------------------------------------------------------------------


def dashboard_sections(member):
    """Answers signals.dashboard_sections: the member's recent thank-yous (none: no section)."""
    recent = db.session.scalars(
        member_rows(member)
        .where(ThankYou.given_at >= utcnow() - DASHBOARD_SINCE)
        .limit(DASHBOARD_SHOWS)
    ).all()
    if not recent:
        return []
    return [("recognition/_thank_yous.html", {"thank_yous": recent})]


def erase_member(member):
    """Answers signals.member_leaving: the amounts stay, the person goes. The member is unlinked
    and the reason and message (which may name them) are erased; kind, value, quarter and date
    stay, so the budget's figures and the finance export add up as before."""
    db.session.execute(
        update(ThankYou)
        .where(ThankYou.member_id == member.id)
        .values(member_id=None, reason="", message="")
    )


def participation_lines(member):
    """Answers signals.member_participation: [(when, text)] for the member's history."""
    return [
        (
            thank_you.given_at,
            _l(
                "Thank-you: %(kind)s, %(value)s. %(reason)s",
                kind=ThankYouKind.title_of(thank_you.kind),
                value=euro(thank_you.value_cents),
                reason=thank_you.reason,
            ),
        )
        for thank_you in db.session.scalars(member_rows(member))
    ]


def export_records(member):
    """Answers signals.member_export: (section title, records), in the member's language (the
    export speaks it). The value and the reason are theirs to see too."""
    return _("Thank-yous"), [
        {
            _("Date"): export_time(thank_you.given_at),
            _("Kind"): str(ThankYouKind.title_of(thank_you.kind)),
            _("Value"): euro(thank_you.value_cents),
            _("Reason"): thank_you.reason or None,
            _("Message"): thank_you.message or None,
        }
        for thank_you in db.session.scalars(member_rows(member))
    ]

"""The ledger pages: for panel managers the quarter's thank-yous, its budget, giving one and the
finance export; for a member, their own thank-yous."""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from ..audit import record_audit
from ..database import amsterdam_today
from ..errors import NotAllowed
from ..exports import CsvRows, csv_download, local_time
from ..extensions import db
from ..i18n import number_filter
from ..membership.forms import ExportForm
from ..membership.models import NO_CONTACT_STATUSES, Member
from ..membership.views import current_member
from ..paging import paginate
from ..security import form_checks_csrf, security_event
from ..submissions import answered_before, claim_submission
from . import bp, ledger, manage_bp
from .ledger_forms import BudgetForm, ThankYouForm
from .models import ThankYou, ThankYouKind
from .permissions import can_give_thank_yous, can_receive_thank_you

PAGE_SIZE = 50
MEMBER_PAGE_SIZE = 20


@manage_bp.app_template_global()
def can_get_thank_you(member):
    """For the member detail page: whether to offer "Give a thank-you" (not to an admin, whom
    the ledger would refuse, nor for a member outside the panel)."""
    return can_give_thank_yous(current_user) and can_receive_thank_you(member)


def requested_quarter():
    """?quarter=2026-Q4, or the current quarter when absent or not one."""
    return shown_quarter(request.args.get("quarter", ""))


def shown_quarter(value):
    return value if ledger.is_quarter(value) else ledger.quarter_of()


# The ledger ---------------------------------------------------------------------------------


@manage_bp.route("/")
def ledger_page():
    quarter = requested_quarter()
    return render_ledger(quarter, BudgetForm(), ExportForm())


def render_ledger(quarter, budget_form, export_form, status=200):
    budget, spent, left = ledger.quarter_figures(quarter)
    if budget is not None and not budget_form.is_submitted():
        budget_form.amount.data = budget / 100
    page = paginate(ledger.quarter_rows(quarter), ledger.count_in(quarter), PAGE_SIZE)
    return render_template(
        "recognition/ledger.html",
        quarter=quarter,
        quarter_title=ledger.quarter_title(quarter),
        previous_quarter=ledger.shift_quarter(quarter, -1),
        next_quarter=ledger.shift_quarter(quarter, 1),
        is_current=quarter == ledger.quarter_of(),
        budget=budget,
        spent=spent,
        left=left,
        page=page,
        budget_form=budget_form,
        export_form=export_form,
        euro=ledger.euro,
        kind_title=ThankYouKind.title_of,
    ), status


@manage_bp.route("/budget", methods=["POST"])
@form_checks_csrf
def set_budget():
    # The quarter is in the address (?quarter=…): a form with an expired token is shown again
    # before a made-up quarter is refused.
    quarter = request.args.get("quarter", "")
    form = BudgetForm()
    if not form.validate_on_submit():
        return render_ledger(shown_quarter(quarter), form, ExportForm(), status=400)
    if not ledger.is_quarter(quarter):
        abort(404)
    ledger.set_budget(quarter, form.amount_cents, current_user)
    flash(
        _(
            "The budget for %(quarter)s is now %(amount)s.",
            quarter=ledger.quarter_title(quarter),
            amount=ledger.euro(form.amount_cents),
        ),
        "success",
    )
    return redirect(url_for("recognition_manage.ledger_page", quarter=quarter))


# Giving -------------------------------------------------------------------------------------


def member_by_number(number):
    if number is None:
        return None
    return db.session.scalar(select(Member).where(Member.number == number))


REFUSALS = {
    "member": lambda: _(
        "Only members in the panel (active or paused) can get a thank-you. "
        "Please check the member number."
    ),
    "kind": lambda: _("Please choose what you give."),
    "value": lambda: _("Only a personal note can be worth nothing. Please enter a value."),
    "reason": lambda: _("Please give a reason."),
}


@manage_bp.route("/give", methods=["GET", "POST"])
@form_checks_csrf
def give():
    form = ThankYouForm()
    if not form.is_submitted():
        number = request.args.get("member", "")
        if number.isascii() and number.isdigit() and len(number) <= 9:
            form.member_number.data = int(number)
        form.kind.data = form.kind.data or ThankYouKind.GIFT_CARD.value
    valid = form.validate_on_submit()
    # (a number that failed its checks is not looked up: it may be beyond any integer column)
    member = None if form.member_number.errors else member_by_number(form.member_number.data)
    if valid:
        if not claim_submission(form):
            return answered_before(form, url_for("recognition_manage.ledger_page"))
        try:
            ledger.give_thank_you(
                member,
                form.kind.data,
                form.value_cents,
                form.reason.data,
                form.message.data,
                current_user,
                over_budget=form.over_budget.data,
            )
        except NotAllowed as refusal:
            db.session.rollback()
            refused(form, refusal)
        else:
            flash(
                _(
                    "Thank-you given to %(member)s. They get a message about it.",
                    member=member.pseudonym,
                ),
                "success",
            )
            return redirect(url_for("recognition_manage.ledger_page"))
    quarter = ledger.quarter_of()
    return render_template(
        "recognition/give.html",
        form=form,
        member=member,
        quarter_title=ledger.quarter_title(quarter),
        left=ledger.budget_left(quarter),
        euro=ledger.euro,
    ), (400 if form.is_submitted() else 200)


def refused(form, refusal):
    """The service's refusal as an error next to the field it is about."""
    if refusal.code == "over_budget":
        quarter = ledger.quarter_of()
        form.value.errors.append(
            _(
                "This goes over the budget for %(quarter)s: %(left)s is left. Please lower the "
                "value, or tick ‘Give it even if it goes over the budget’.",
                quarter=ledger.quarter_title(quarter),
                left=ledger.euro(max(ledger.budget_left(quarter), 0)),
            )
        )
        return
    field = {"member": form.member_number, "kind": form.kind, "reason": form.reason}.get(
        refusal.code, form.value
    )
    field.errors.append(REFUSALS.get(refusal.code, REFUSALS["value"])())


# The finance export -------------------------------------------------------------------------


@manage_bp.route("/export", methods=["POST"])
@form_checks_csrf
def export():
    quarter = request.args.get("quarter", "")
    form = ExportForm()
    if not form.validate_on_submit():
        return render_ledger(shown_quarter(quarter), BudgetForm(), form, status=400)
    if not ledger.is_quarter(quarter):
        abort(404)
    include_contact = form.include_contact.data
    if include_contact:
        security_event("export_contact_details", user_id=current_user.id, export="thank_yous")
    record_audit(
        "thank_yous.export",
        quarter=quarter,
        include_contact=include_contact,
        reason=form.reason.data if include_contact else None,
    )
    filename = _(
        "klantenteam-thank-yous-%(quarter)s-%(date)s.csv",
        quarter=quarter,
        date=amsterdam_today().isoformat(),
    )
    return csv_download(csv_rows(quarter, include_contact), filename)


def csv_rows(quarter, include_contact):
    """The quarter's thank-yous for finance, in the exporter's language, oldest first: by member
    number. The reason and the message are free text that may name the member, so they come
    along only with the names and e-mail addresses, when asked for with a logged reason. A
    member who is gone from the panel (removed, declined; one who left is erased already) keeps
    the amount but not their name, e-mail address or the free text, as in the member export."""
    header = [
        _("Date"),
        _("Quarter"),
        _("Member number"),
        _("Kind"),
        _("Value (EUR)"),
        _("Given by"),
    ]
    if include_contact:
        header += [_("Reason"), _("Message to the member"), _("Name"), _("E-mail address")]
    rows = CsvRows()
    yield rows.line(header)
    query = (
        ledger.quarter_rows(quarter)
        .order_by(None)
        .order_by(ThankYou.given_at, ThankYou.id)
        .execution_options(yield_per=1000)
    )
    if include_contact:
        query = query.options(joinedload(ThankYou.member).joinedload(Member.user))
    for thank_you in db.session.scalars(query):
        member = thank_you.member
        row = [
            local_time(thank_you.given_at),
            quarter,
            member.number if member is not None else "",
            ThankYouKind.title_of(thank_you.kind),
            number_filter(thank_you.value_cents / 100, 2),
            thank_you.given_by.display_name if thank_you.given_by else "",
        ]
        if include_contact:
            reachable = member is not None and member.status not in NO_CONTACT_STATUSES
            user = member.user if reachable else None
            row += [
                thank_you.reason if reachable else "",
                thank_you.message if reachable else "",
                user.name if user else "",
                user.email if user else "",
            ]
        yield rows.line(row)


# The member's own page ----------------------------------------------------------------------


@bp.route("/thank-yous")
def thank_yous():
    member = current_member()
    page = paginate(ledger.member_rows(member), ledger.count_of_member(member), MEMBER_PAGE_SIZE)
    return render_template(
        "recognition/thank_yous.html", page=page, kind_title=ThankYouKind.title_of
    )

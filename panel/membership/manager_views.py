"""Thin views for panel managers: members, quotas, settings, export and panel health."""

import re
from datetime import date, timedelta

from flask import (
    abort,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import format_date
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import or_
from sqlalchemy.orm import contains_eager, joinedload, selectinload

from .. import signals
from ..audit import record_audit
from ..charts import bar_chart, column_chart
from ..database import amsterdam_today, utcnow
from ..errors import NotAllowed
from ..exports import CsvRows, csv_download, local_time
from ..extensions import db
from ..forms import choices
from ..i18n import lazy_gettext as _l
from ..paging import paginate, requested_page
from ..security import form_checks_csrf, security_event
from ..signals import answers
from ..submissions import answered_before, claim_submission
from . import health, manage_bp, privacy, services
from .forms import (
    LEAVE_REASON_CHOICES,
    ExportForm,
    MemberActionForm,
    MemberFilterForm,
    QuotaForm,
    SettingsForm,
)
from .models import (
    NO_CONTACT_STATUSES,
    Member,
    MemberStatus,
    PanelSettings,
    QuotaTarget,
    StatusChange,
)
from .segments import AgeBand, CustomerType, Platform, Region

PAGE_SIZE = 50
COUNT_CAP = 1000


def _any(label):
    return [("", label)]


def _fill_segment_choices(form, any_label):
    form.customer_type.choices = choices(_any(any_label) + CustomerType.choices())
    form.age_band.choices = choices(_any(any_label) + AgeBand.choices())
    form.region.choices = choices(_any(any_label) + Region.choices())


def member_conditions(form):
    """(the conditions on members for the list's filters, the words to search names and e-mail
    addresses for or None)."""
    if not form.validate():
        return [], None
    data = form.data
    conditions, term = [], None
    q = (data.get("q") or "").strip()
    if re.fullmatch(r"#?[0-9]{1,9}", q):
        conditions.append(Member.number == int(q.lstrip("#")))
    elif q:
        term = q
    for column in ("status", "customer_type", "region"):
        if data.get(column):
            conditions.append(getattr(Member, column) == data[column])
    # Optional() lets whitespace-only values through as "empty": only known values filter.
    if data.get("age_band") in AgeBand.values():
        first, last = AgeBand(data["age_band"]).birth_years()
        conditions.append(Member.birth_year <= last)
        if first is not None:
            conditions.append(Member.birth_year >= first)
    if data.get("source"):
        conditions.append(Member.source == data["source"].lower())
    if data.get("inactive") in ("90", "365"):
        since = utcnow() - timedelta(days=int(data["inactive"]))
        conditions.append(or_(Member.last_active_at.is_(None), Member.last_active_at < since))
    return conditions, term


SORTS = {
    "joined_asc": (Member.joined_at.asc(), Member.id.asc()),
    "number": (Member.number.asc(),),
    "active_desc": (Member.last_active_at.desc(), Member.id.desc()),
}
DEFAULT_SORT = (Member.joined_at.desc(), Member.id.desc())


def filter_form():
    form = MemberFilterForm(request.args)
    form.status.choices = choices(_any(_("All statuses")) + MemberStatus.choices())
    _fill_segment_choices(form, _("All"))
    return form


@manage_bp.route("/members")
def members():
    form = filter_form()
    conditions, term = member_conditions(form)
    rows = (
        db.select(Member)
        .outerjoin(Member.user)
        .options(contains_eager(Member.user))
        .where(*conditions)
        .order_by(*SORTS.get(form.sort.data, DEFAULT_SORT))
    )
    if not conditions and term is None:
        page = paginate(rows, db.select(db.func.count(Member.id)), PAGE_SIZE)
        return members_page(form, page, None)
    # Filtered, matches are counted up to a cap past the page: "more than 1,000" is as useful
    # as an exact figure and costs a page's worth of rows, not a count of every match.
    count_limit = max(COUNT_CAP, requested_page() * PAGE_SIZE) + 1
    matched = db.select(Member.id).where(*conditions).limit(count_limit)
    if term is None:
        total = db.session.scalar(db.select(db.func.count()).select_from(matched.subquery()))
    else:
        # The matches' ids, driven by the index and stopped at the cap.
        found = db.session.scalars(services.search_members(matched, term)).all()
        total = len(found)
        if total < count_limit:  # at most a thousand or so: those, sorted
            rows = rows.where(Member.id.in_(found))
        else:  # many: the list read in its own order, member by member, until a page is full
            rows = rows.where(services.holds_name_or_email(term))
    more_than = count_limit - 1 if total >= count_limit else None
    page = paginate(rows, total, PAGE_SIZE)
    return members_page(form, page, more_than)


def members_page(form, page, more_than):
    return render_template(
        "manage/members.html",
        form=form,
        page=page,
        more_than=more_than,
        export_filters=list_filters(),
    )


@manage_bp.route("/members/<int:member_id>")
def member(member_id):
    member = db.session.get(
        Member, member_id, options=[joinedload(Member.user), selectinload(Member.interest_rows)]
    ) or abort(404)
    return member_page(member, MemberActionForm())


def member_page(member, form, failed_action=None):
    """A member's page for the panel manager: profile, history, consents and what may be done."""
    history = (
        StatusChange.query.options(joinedload(StatusChange.actor))
        .filter_by(member_id=member.id)
        .order_by(StatusChange.id.desc())
        .all()
    )
    return render_template(
        "manage/member.html",
        member=member,
        history=history,
        consents=privacy.member_consents(member),
        actions=services.allowed_actions(member),
        form=form,
        participation=participation_history(member),
        failed_action=failed_action,
    )


def participation_history(member):
    items = [item for found in answers(signals.member_participation, member) for item in found]
    return sorted(items, key=lambda item: item[0], reverse=True)


@manage_bp.route("/members/<int:member_id>/<action>", methods=["POST"])
@form_checks_csrf
def member_action(member_id, action):
    member = db.session.get(Member, member_id) or abort(404)
    if action not in services.MANAGER_ACTIONS:
        abort(404)
    form = MemberActionForm()
    valid = form.validate_on_submit()
    if valid and action in ("remove", "reject") and not form.require_reason():
        valid = False
    if not valid:
        return member_page(member, form, failed_action=action), 400
    try:
        services.manage_member(member, action, current_user, reason=form.reason.data or None)
    except NotAllowed:
        flash(_("That is not possible for a member with this status."), "error")
    else:
        flash(
            _(
                "Done: %(member)s is now “%(status)s”.",
                member=member.pseudonym,
                status=member.status_enum.title,
            ),
            "success",
        )
    return redirect(url_for("manage.member", member_id=member.id))


@manage_bp.route("/quotas", methods=["GET", "POST"])
@form_checks_csrf
def quotas():
    form = QuotaForm()
    _fill_segment_choices(form, _("Any"))
    if form.validate_on_submit():
        if not claim_submission(form):
            return answered_before(form, url_for("manage.quotas"))
        segment = {
            part: getattr(form, part).data or None
            for part in ("customer_type", "age_band", "region")
        }
        target = QuotaTarget.query.filter_by(**segment).first() or QuotaTarget(**segment)
        target.target = form.target.data
        db.session.add(target)
        db.session.flush()
        record_audit("quota.set", target=target, target_count=form.target.data, **segment)
        flash(_("The quota is saved."), "success")
        return redirect(url_for("manage.quotas"))
    return render_template(
        "manage/quotas.html",
        form=form,
        rows=health.composition(),
        in_panel=services.members_in_panel_count(),
    )


@manage_bp.route("/quotas/<int:quota_id>/delete", methods=["POST"])
def delete_quota(quota_id):
    target = db.session.get(QuotaTarget, quota_id) or abort(404)
    record_audit("quota.delete", target=target)
    db.session.delete(target)
    flash(_("The quota is removed."), "success")
    return redirect(url_for("manage.quotas"))


@manage_bp.route("/settings", methods=["GET", "POST"])
@form_checks_csrf
def settings():
    current = PanelSettings.current()
    form = SettingsForm(obj=current)
    if form.validate_on_submit():
        form.populate_obj(current)
        db.session.add(current)
        record_audit(
            "panel_settings.update",
            target=current,
            **{key: value for key, value in form.data.items() if key != "csrf_token"},
        )
        flash(_("The settings are saved."), "success")
        return redirect(url_for("manage.settings"))
    return render_template("manage/settings.html", form=form)


FILTER_FIELDS = ("q", "status", "customer_type", "age_band", "region", "inactive", "source")


def list_filters():
    """The member list's filters in this request's query (the page and the sort left out), to
    carry from the list to the export."""
    return {
        name: value
        for name, value in request.args.items()
        if name in FILTER_FIELDS and value.strip()
    }


def filter_summary(form):
    """(label, value in words) for every filter of the list that narrows it."""
    if not form.validate():
        return []
    summary = []
    for name in FILTER_FIELDS:
        field = form[name]
        value = (field.data or "").strip()
        if not value:
            continue
        titles = {
            str(choice.value): str(choice.label) for choice in getattr(field, "choices", None) or []
        }
        summary.append((field.label.text, titles.get(value, value)))
    return summary


@manage_bp.route("/export", methods=["GET", "POST"])
@form_checks_csrf
def export():
    form = ExportForm()
    filters = filter_form()
    if form.validate_on_submit():
        include_contact = form.include_contact.data
        if include_contact:
            security_event("export_contact_details", user_id=current_user.id, export="members")
        record_audit(
            "members.export",
            include_contact=include_contact,
            reason=form.reason.data if include_contact else None,
        )
        filename = _("klantenteam-members-%(date)s.csv", date=amsterdam_today().isoformat())
        return csv_download(csv_rows(include_contact, filters), filename)
    return render_template(
        "manage/export.html",
        form=form,
        filters=list_filters(),
        summary=filter_summary(filters),
    )


def export_query(include_contact, filters):
    """The members the export holds: those the list shows with the same filters (the same
    conditions and the same name search), by member number; with contact details, nobody who
    left, was removed or was declined."""
    conditions, term = member_conditions(filters)
    if include_contact:
        conditions.append(Member.status.not_in(NO_CONTACT_STATUSES))
    query = (
        db.select(Member)
        .outerjoin(Member.user)
        .options(contains_eager(Member.user))
        .where(*conditions)
        .order_by(Member.number)
        .execution_options(yield_per=1000)
    )
    if term is not None:
        query = services.search_members(query, term)
    return query


def csv_rows(include_contact, filters):
    """The member list as CSV in the exporter's language, streamed a thousand members at a
    time; pseudonymous unless contact details were asked for."""
    header = [
        _("Member number"),
        _("Status"),
        _("Customer type"),
        _("Age"),
        _("Region"),
        _("Phone"),
        _("Source"),
        _("Joined"),
        _("Confirmed"),
        _("Last active"),
    ]
    if include_contact:
        header += [_("Name"), _("E-mail address")]
    rows = CsvRows()
    yield rows.line(header)
    for member in db.session.execute(export_query(include_contact, filters)).scalars():
        row = [
            member.number,
            MemberStatus.title_of(member.status),
            CustomerType.title_of(member.customer_type),
            getattr(member.age_band, "title", ""),
            Region.title_of(member.region),
            Platform.title_of(member.platform),
            member.source or "",
            local_time(member.joined_at),
            local_time(member.confirmed_at),
            local_time(member.last_active_at),
        ]
        if include_contact:
            row += [
                member.user.name if member.user else "",
                member.user.email if member.user else "",
            ]
        yield rows.line(row)


def month_label(year_month):
    """'2026-03' as a short month name in the page's language ('mrt', 'Mar')."""
    year, month = year_month.split("-")
    return format_date(date(int(year), int(month), 1), "MMM").rstrip(".")


@manage_bp.route("/health")
def panel_health():
    kept = health.kept_figures()  # every figure as counted at kept.taken_at
    statuses = kept.statuses
    composition = kept.composition()
    leavers = kept.leavers
    reason_titles = dict(LEAVE_REASON_CHOICES)
    reasons = [
        (reason_titles.get(code, _("No reason given")), count) for code, count in kept.reasons
    ]
    return render_template(
        "manage/health.html",
        kept=kept,
        statuses=statuses,
        status_chart=bar_chart([(status.title, count) for status, count in statuses]),
        composition=composition,
        composition_chart=bar_chart(
            [(target.describe(), fill, target.target) for target, fill in composition]
        ),
        funnel=kept.funnel,
        leavers=leavers,
        leavers_chart=column_chart([(month_label(label), count) for label, count in leavers]),
        reasons=reasons,
        iso_active=kept.iso_active,
        in_panel=kept.in_panel,
        figures=[
            figure for found in answers(signals.panel_health_figures, kept) for figure in found
        ],
        sections=answers(signals.panel_health_sections, kept),
    )


@manage_bp.route("/health/refresh", methods=["POST"])
def refresh_health():
    """Count the kept figures again; at most once a minute (pressing twice counts once)."""
    if health.refresh():
        flash(_("The figures have been counted again."), "success")
    else:
        flash(_("The figures were counted less than a minute ago."), "info")
    return redirect(url_for("manage.panel_health"))


ACTION_TITLES = {
    "approve": _l("Approve"),
    "reject": _l("Reject"),
    "reserve": _l("Move to the reserve list"),
    "remove": _l("Remove from the panel"),
    "reinstate": _l("Reinstate"),
}
REASON_TITLES = {
    "too_young": _l("Younger than 16"),
    "not_a_customer": _l("Not a customer"),
    "quota_full": _l("The quota for this segment was full"),
    "pause_ended": _l("The pause ended"),
}


@manage_bp.context_processor
def titles():
    reasons = dict(REASON_TITLES, **dict(LEAVE_REASON_CHOICES))
    return {
        "action_titles": ACTION_TITLES,
        "status_title": MemberStatus.title_of,
        "platform_title": Platform.title_of,
        "region_title": Region.title_of,
        "reason_title": lambda code: reasons.get(code, code),
    }

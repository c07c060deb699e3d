"""Thin views to set up streams, tags and routing rules (administrators and panel managers)."""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from sqlalchemy.orm import selectinload

from ..accounts.models import User, UserRole
from ..audit import record_audit
from ..errors import NotAllowed
from ..extensions import db
from ..forms import ConfirmForm, choices
from ..security import Role, form_checks_csrf
from ..submissions import answered_before, claim_submission
from . import rules as setup
from . import services, setup_bp
from .forms import ApplyRuleForm, NewStreamForm, RuleForm, StreamForm, TagForm
from .models import RoutingRule, Stream, Tag


def _reviewers():
    return (
        User.query.join(UserRole)
        .filter(UserRole.role == Role.REVIEWER.value)
        .order_by(User.name)
        .all()
    )


@setup_bp.route("/streams")
def streams():
    # Each member's roles: a member who is disabled or no longer a reviewer is shown so.
    streams = (
        Stream.query.options(selectinload(Stream.members).selectinload(User.role_rows))
        .order_by(Stream.archived_at.isnot(None), Stream.position, Stream.id)
        .all()
    )
    return render_template(
        "insights/setup_streams.html",
        streams=streams,
        uses=setup.stream_uses(),
        staffed=services.reviewer_counts(),
        workers=(Role.REVIEWER, Role.PANEL_MANAGER),
    )


@setup_bp.route("/streams/new", methods=["GET", "POST"])
@form_checks_csrf
def new_stream():
    form = NewStreamForm()
    reviewers = _reviewers()
    form.members.choices = choices((user.id, user.display_name) for user in reviewers)
    if form.validate_on_submit():
        if not claim_submission(form):
            return answered_before(form, url_for("insight_setup.streams"))
        try:
            stream = setup.create_stream(
                form.name_nl.data,
                form.name_en.data,
                form.description_nl.data,
                form.description_en.data,
                form.target_days.data,
                current_user,
            )
        except NotAllowed:
            db.session.rollback()
            form.name_nl.errors.append(_("There is already a stream with this name."))
        else:
            stream.members = [user for user in reviewers if user.id in form.members.data]
            flash(_("The stream %(name)s is added.", name=stream.name), "success")
            return redirect(url_for("insight_setup.streams"))
    return render_template("insights/setup_stream.html", form=form, stream=None)


@setup_bp.route("/streams/<int:stream_id>", methods=["GET", "POST"])
@form_checks_csrf
def edit_stream(stream_id):
    stream = db.session.get(Stream, stream_id) or abort(404)
    form = StreamForm(obj=stream)
    reviewers = _reviewers()
    form.members.choices = choices((user.id, user.display_name) for user in reviewers)
    if not form.is_submitted():
        form.members.data = [user.id for user in stream.members]
    if form.validate_on_submit():
        if setup.stream_name_taken(form.name_nl.data, form.name_en.data, stream):
            form.name_nl.errors.append(_("There is already a stream with this name."))
        else:
            for name in ("name_nl", "name_en", "description_nl", "description_en", "target_days"):
                setattr(stream, name, getattr(form, name).data)
            stream.members = [user for user in reviewers if user.id in (form.members.data or [])]
            record_audit("stream.update", target=stream, members=len(stream.members))
            flash(_("The stream is saved."), "success")
            return redirect(url_for("insight_setup.streams"))
    return render_template(
        "insights/setup_stream.html",
        form=form,
        stream=stream,
        use=setup.stream_uses().get(stream.id),
        staffed=services.reviewer_counts().get(stream.id, 0),
    )


@setup_bp.route("/streams/<int:stream_id>/<any(remove, archive, restore):action>", methods=["POST"])
def stream_action(stream_id, action):
    stream = db.session.get(Stream, stream_id) or abort(404)
    if not ConfirmForm().validate_on_submit():
        return redirect(url_for("insight_setup.edit_stream", stream_id=stream.id))
    name = stream.name
    try:
        if action == "remove":
            setup.remove_stream(stream, current_user)
            flash(_("The stream %(name)s is removed.", name=name), "success")
        elif action == "archive":
            rules = setup.archive_stream(stream, current_user)
            flash(
                ngettext(
                    "The stream %(name)s is archived and %(num)s rule no longer routes to it.",
                    "The stream %(name)s is archived and %(num)s rules no longer route to it.",
                    rules,
                    name=name,
                )
                if rules
                else _("The stream %(name)s is archived.", name=name),
                "success",
            )
        else:
            setup.restore_stream(stream, current_user)
            flash(_("The stream %(name)s is in use again.", name=name), "success")
    except NotAllowed as refusal:
        db.session.rollback()
        flash(_refusal_message(refusal), "error")
        return redirect(url_for("insight_setup.edit_stream", stream_id=stream_id))
    return redirect(url_for("insight_setup.streams"))


def _refusal_message(refusal):
    if str(refusal) == "in_use":
        return _("It is in use, so it can't be removed; archive it instead.")
    return _("This was already done.")


@setup_bp.route("/tags", methods=["GET", "POST"])
@form_checks_csrf
def tags():
    form = TagForm()
    if form.validate_on_submit():
        if not claim_submission(form):
            return answered_before(form, url_for("insight_setup.tags"))
        duplicate = Tag.query.filter(
            (db.func.lower(Tag.name_nl) == form.name_nl.data.lower())
            | (db.func.lower(Tag.name_en) == form.name_en.data.lower())
        ).first()
        if duplicate:
            form.name_nl.errors.append(_("There is already a tag with this name."))
        else:
            tag = Tag(name_nl=form.name_nl.data, name_en=form.name_en.data)
            db.session.add(tag)
            db.session.flush()
            record_audit("tag.create", target=tag)
            flash(_("The tag is added."), "success")
            return redirect(url_for("insight_setup.tags"))
    return render_template(
        "insights/setup_tags.html",
        form=form,
        tags=Tag.query.order_by(Tag.archived_at.isnot(None), Tag.name_nl).all(),
        uses=setup.tag_uses(),
    )


@setup_bp.route("/tags/<int:tag_id>", methods=["GET", "POST"])
@form_checks_csrf
def edit_tag(tag_id):
    tag = db.session.get(Tag, tag_id) or abort(404)
    form = TagForm(obj=tag)
    if form.validate_on_submit():
        form.populate_obj(tag)
        record_audit("tag.update", target=tag)
        flash(_("The tag is saved."), "success")
        return redirect(url_for("insight_setup.tags"))
    return render_template(
        "insights/setup_tag.html", form=form, tag=tag, use=setup.tag_uses().get(tag.id)
    )


@setup_bp.route("/tags/<int:tag_id>/<any(remove, archive, restore):action>", methods=["POST"])
def tag_action(tag_id, action):
    tag = db.session.get(Tag, tag_id) or abort(404)
    if not ConfirmForm().validate_on_submit():
        return redirect(url_for("insight_setup.edit_tag", tag_id=tag.id))
    name = tag.name
    try:
        if action == "remove":
            setup.remove_tag(tag, current_user)
            flash(_("The tag %(name)s is removed.", name=name), "success")
        elif action == "archive":
            setup.archive_tag(tag, current_user)
            flash(_("The tag %(name)s is archived.", name=name), "success")
        else:
            setup.restore_tag(tag, current_user)
            flash(_("The tag %(name)s is in use again.", name=name), "success")
    except NotAllowed as refusal:
        db.session.rollback()
        flash(_refusal_message(refusal), "error")
        return redirect(url_for("insight_setup.edit_tag", tag_id=tag_id))
    return redirect(url_for("insight_setup.tags"))


@setup_bp.route("/rules")
def rules():
    return render_template(
        "insights/setup_rules.html",
        rules=RoutingRule.query.options(
            selectinload(RoutingRule.tags),
            selectinload(RoutingRule.streams),
        )
        .order_by(RoutingRule.position, RoutingRule.id)
        .all(),
    )


@setup_bp.route("/rules/new", methods=["GET", "POST"])
@setup_bp.route("/rules/<int:rule_id>", methods=["GET", "POST"])
@form_checks_csrf
def edit_rule(rule_id=None):
    rule = (db.session.get(RoutingRule, rule_id) or abort(404)) if rule_id else None
    form = RuleForm(obj=rule)
    _rule_choices(form, rule)
    if not form.is_submitted() and rule is not None:
        form.tags.data = [tag.id for tag in rule.tags]
        form.streams.data = [stream.id for stream in rule.streams]
    preview = None
    if form.validate_on_submit():
        draft = rule or RoutingRule()
        draft.name, draft.position = form.name.data, form.position.data
        draft.keywords, draft.combine = form.keywords.data or "", form.combine.data
        draft.tags = Tag.query.filter(Tag.id.in_(form.tags.data or [])).all()
        draft.streams = Stream.query.filter(Stream.id.in_(form.streams.data or [])).all()
        problem = None
        if not draft.streams:
            problem = _("Choose at least one stream to route to.")
        elif not draft.tags and not draft.keyword_list:
            problem = _("Give tags, words, or both.")
        if problem:
            form.streams.errors.append(problem)
            db.session.rollback()
        elif request.form.get("save"):
            if not claim_submission(form):
                db.session.rollback()
                return answered_before(form, url_for("insight_setup.rules"))
            db.session.add(draft)
            db.session.flush()
            record_audit("rule.save", target=draft)
            flash(
                _("The rule is saved. It applies to new insights and when tags change."), "success"
            )
            return redirect(url_for("insight_setup.rules"))
        else:
            with db.session.no_autoflush:
                preview = setup.rule_reach(draft)
            db.session.rollback()
            rule = db.session.get(RoutingRule, rule_id) if rule_id else None
            _rule_choices(form, rule)
    return render_template("insights/setup_rule.html", form=form, rule=rule, preview=preview)


def _rule_choices(form, rule):
    """The tags and streams on offer (not archived), and any archived ones the rule still has."""
    kept_tags = [tag for tag in rule.tags if tag.archived_at] if rule else []
    form.tags.choices = choices((tag.id, tag.name) for tag in setup.offered_tags() + kept_tags)
    form.streams.choices = choices((s.id, s.name) for s in setup.offered_streams())


@setup_bp.route("/rules/<int:rule_id>/apply", methods=["GET", "POST"])
@form_checks_csrf
def apply_rule(rule_id):
    """Route the existing insights the rule matches, after a confirmation."""
    rule = db.session.get(RoutingRule, rule_id) or abort(404)
    form = ApplyRuleForm()
    if form.validate_on_submit():
        if not claim_submission(form):
            return answered_before(form, url_for("insight_setup.edit_rule", rule_id=rule.id))
        routed = setup.apply_rule(rule, current_user)
        flash(
            ngettext(
                "%(num)s existing insight is routed by this rule.",
                "%(num)s existing insights are routed by this rule.",
                routed,
            )
            if routed
            else _("No existing insight needed routing by this rule."),
            "success",
        )
        return redirect(url_for("insight_setup.edit_rule", rule_id=rule.id))
    matched, newly, first = setup.rule_reach(rule)
    return render_template(
        "insights/setup_apply_rule.html",
        form=form,
        rule=rule,
        matched=matched,
        newly=newly,
        first=first,
    )


@setup_bp.route("/rules/<int:rule_id>/delete", methods=["POST"])
def delete_rule(rule_id):
    rule = db.session.get(RoutingRule, rule_id) or abort(404)
    record_audit("rule.delete", target=rule)
    db.session.delete(rule)
    flash(_("The rule is removed."), "success")
    return redirect(url_for("insight_setup.rules"))

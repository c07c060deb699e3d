"""Thin views to set up streams, tags and routing rules (administrators and panel managers)."""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy.orm import selectinload

from ..accounts.models import User, UserRole
from ..audit import record_audit
from ..extensions import db
from ..forms import choices
from ..security import Role, form_checks_csrf
from ..submissions import answered_before, claim_submission
from . import services, setup_bp
from .forms import RuleForm, StreamForm, TagForm
from .models import RoutingRule, Stream, Tag


@setup_bp.route("/streams")
def streams():
    streams = Stream.query.options(selectinload(Stream.members)).order_by(Stream.position).all()
    return render_template("insights/setup_streams.html", streams=streams)


@setup_bp.route("/streams/<int:stream_id>", methods=["GET", "POST"])
@form_checks_csrf
def edit_stream(stream_id):
    stream = db.session.get(Stream, stream_id) or abort(404)
    form = StreamForm(obj=stream)
    reviewers = (
        User.query.join(UserRole)
        .filter(UserRole.role == Role.REVIEWER.value)
        .order_by(User.name)
        .all()
    )
    form.members.choices = choices((user.id, user.display_name) for user in reviewers)
    if not form.is_submitted():
        form.members.data = [user.id for user in stream.members]
    if form.validate_on_submit():
        for name in ("name_nl", "name_en", "description_nl", "description_en", "target_days"):
            setattr(stream, name, getattr(form, name).data)
        stream.members = [user for user in reviewers if user.id in (form.members.data or [])]
        record_audit("stream.update", target=stream, members=len(stream.members))
        flash(_("The stream is saved."), "success")
        return redirect(url_for("insight_setup.streams"))
    return render_template("insights/setup_stream.html", form=form, stream=stream)


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
        "insights/setup_tags.html", form=form, tags=Tag.query.order_by(Tag.name_nl).all()
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
    return render_template("insights/setup_tag.html", form=form, tag=tag)


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
    form.tags.choices = choices((tag.id, tag.name) for tag in Tag.query.order_by(Tag.name_nl))
    form.streams.choices = choices((s.id, s.name) for s in Stream.query.order_by(Stream.position))
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
                preview = services.preview_rule(draft)
            db.session.rollback()
            form.tags.choices = choices(
                (tag.id, tag.name) for tag in Tag.query.order_by(Tag.name_nl)
            )
            form.streams.choices = choices(
                (s.id, s.name) for s in Stream.query.order_by(Stream.position)
            )
    return render_template("insights/setup_rule.html", form=form, rule=rule, preview=preview)


@setup_bp.route("/rules/<int:rule_id>/delete", methods=["POST"])
def delete_rule(rule_id):
    rule = db.session.get(RoutingRule, rule_id) or abort(404)
    record_audit("rule.delete", target=rule)
    db.session.delete(rule)
    flash(_("The rule is removed."), "success")
    return redirect(url_for("insight_setup.rules"))

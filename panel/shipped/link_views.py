"""Linking a release's changes to the insights and ideas they answer: a release's overview, a
change's page (what it is linked to, unlink, find and add by words or number), and the forms the
insight and idea pages post to. Plain forms and links: no JavaScript needed."""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload
from wtforms import HiddenField, RadioField, SelectField, StringField
from wtforms.validators import DataRequired, Length

from .. import signals
from ..converters import to_id
from ..extensions import db
from ..feedback.models import Release, ReleaseChange
from ..forms import CHOOSE, BaseForm, choices
from ..i18n import lazy_gettext as _l
from ..insights import insight_search
from ..insights.models import Insight
from ..paging import count_of, paginate
from ..rounds import idea_search
from ..rounds.models import Idea, Round
from . import announce, bp, links
from .models import ChangeAsker, ChangeIdea, ChangeInsight
from .permissions import can_link_changes, can_link_idea, sees_every_round

PER_PAGE = 20
SUGGESTIONS = 5
KINDS = ("insight", "idea")
# How many releases the "link to a release change" pickers offer, newest first.
PICKER_RELEASES = 6


class LinkForm(BaseForm):
    """Add a link by number (also what a search result's button sends)."""

    kind = RadioField(
        _l("What to link"),
        choices=choices([("insight", _l("Insight")), ("idea", _l("Idea"))]),
        default="insight",
        validators=[DataRequired(CHOOSE)],
    )
    number = StringField(
        _l("Number"),
        validators=[DataRequired(_l("Fill in the number of the insight or idea.")), Length(max=12)],
        render_kw={"inputmode": "numeric", "autocomplete": "off"},
    )


class UnlinkForm(BaseForm):
    kind = HiddenField()
    number = HiddenField()


class PickChangeForm(BaseForm):
    """On an insight's or idea's page: the release change that answers it."""

    change = SelectField(_l("Release change"), validators=[DataRequired(CHOOSE)])


def refusal_messages():
    return {
        "insight": _("There is no insight with that number."),
        "idea": _("There is no idea with that number, or it is no longer shown."),
    }


# Who may, and what is there -----------------------------------------------------------------


def require_linker():
    if not can_link_changes(current_user):
        abort(403)


def change_or_404(change_id):
    return db.session.get(
        ReleaseChange, change_id, options=[joinedload(ReleaseChange.release)]
    ) or abort(404)


def linkable_insight(number):
    """An insight that can be linked: there and not merged into another (link that one)."""
    insight = db.session.get(Insight, number) if number else None
    return insight if insight is not None and insight.merged_into_id is None else None


def linkable_idea(number):
    """An idea that can be linked: shown in its round (not hidden, withdrawn or merged). Whether
    the user may link it is asked separately (can_link_idea: whoever runs its round)."""
    if not number:
        return None
    return db.session.scalar(idea_search.listed(select(Idea).where(Idea.id == number)))


def require_idea_linker(idea):
    """Linking or unlinking an idea is for whoever runs its round (403 for anyone else)."""
    if not can_link_idea(current_user, idea):
        abort(403)


def ideas_of_my_rounds(query, user=None):
    """The ideas the user may link: a panel manager all, a product owner those of their own
    rounds (so an invitation-only round's ideas and title stay with the people running it)."""
    user = user or current_user
    if sees_every_round(user):
        return query
    return query.where(Idea.round_id.in_(select(Round.id).where(Round.owner_id == user.id)))


def linked_of(change_ids):
    """{change id: {"insights": [Insight], "ideas": [Idea]}}: two queries for any changes."""
    found = {change_id: {"insights": [], "ideas": []} for change_id in change_ids}
    if not found:
        return found
    for change_id, insight in db.session.execute(
        select(ChangeInsight.change_id, Insight)
        .join(Insight, Insight.id == ChangeInsight.insight_id)
        .where(ChangeInsight.change_id.in_(list(found)))
        .order_by(ChangeInsight.linked_at, Insight.id)
    ):
        found[change_id]["insights"].append(insight)
    for change_id, idea in db.session.execute(
        select(ChangeIdea.change_id, Idea)
        .join(Idea, Idea.id == ChangeIdea.idea_id)
        .where(ChangeIdea.change_id.in_(list(found)))
        .options(joinedload(Idea.round))
        .order_by(ChangeIdea.linked_at, Idea.id)
    ):
        found[change_id]["ideas"].append(idea)
    return found


def asker_counts(change_ids):
    """{change id: number of members who asked for it} (the kept rows)."""
    if not change_ids:
        return {}
    return dict(
        db.session.execute(
            select(ChangeAsker.change_id, func.count())
            .where(ChangeAsker.change_id.in_(list(change_ids)))
            .group_by(ChangeAsker.change_id)
        ).all()
    )


@bp.app_template_global("can_link_idea")
def may_link_idea(idea):
    """For the templates: may the current user link, unlink and open this idea (its round)?"""
    return can_link_idea(current_user, idea)


@bp.app_template_global("shipped_links")
def shipped_links(release):
    """For the release editor: what each saved change of `release` is linked to."""
    if release is None or not can_link_changes(current_user):
        return {}
    return linked_of([change.id for change in release.changes])


# A release and its changes ------------------------------------------------------------------


@bp.route("/releases/<int:release_id>")
def release_links(release_id):
    require_linker()
    release = db.session.get(Release, release_id) or abort(404)
    change_ids = [change.id for change in release.changes]
    return render_template(
        "shipped/release_links.html",
        release=release,
        linked=linked_of(change_ids),
        askers=asker_counts(change_ids),
    )


def search_words():
    return " ".join(request.args.get("q", "").split())[:100]


def found_insights(words, exclude_ids):
    query = select(Insight).where(Insight.merged_into_id.is_(None))
    number = to_id(words.removeprefix("#"))
    if number is not None:
        query = query.where(Insight.id == number)
    else:
        query = query.where(Insight.id.in_(insight_search.matching_ids(words)))
    if exclude_ids:
        query = query.where(Insight.id.notin_(list(exclude_ids)))
    rows = query.order_by(Insight.evidence_count.desc(), Insight.id.desc())
    return paginate(rows, count_of(query), PER_PAGE)


def found_ideas(words, exclude_ids):
    query = ideas_of_my_rounds(idea_search.listed(select(Idea)))
    number = to_id(words.removeprefix("#"))
    if number is not None:
        query = query.where(Idea.id == number)
    else:
        terms = idea_search.terms_of(words)
        if not terms:
            query = query.where(Idea.id.is_(None))
        else:
            query = query.where(idea_search.matching(terms))
    if exclude_ids:
        query = query.where(Idea.id.notin_(list(exclude_ids)))
    rows = query.options(joinedload(Idea.round)).order_by(Idea.support_count.desc(), Idea.id.desc())
    return paginate(rows, count_of(query), PER_PAGE)


def suggested_ideas(words, exclude_ids):
    """Ideas sharing the most telling words of the change, most supported first."""
    terms = idea_search.significant_terms(words)
    if not terms:
        return []
    query = ideas_of_my_rounds(idea_search.listed(select(Idea))).where(
        idea_search.matching(terms, any_term=True)
    )
    if exclude_ids:
        query = query.where(Idea.id.notin_(list(exclude_ids)))
    query = query.options(joinedload(Idea.round)).order_by(
        Idea.support_count.desc(), Idea.id.desc()
    )
    return db.session.scalars(query.limit(SUGGESTIONS)).all()


def render_change(change, form, status=200):
    linked = linked_of([change.id])[change.id]
    insight_ids = [insight.id for insight in linked["insights"]]
    idea_ids = [idea.id for idea in linked["ideas"]]
    find = request.args.get("find") if request.args.get("find") in ("insights", "ideas") else None
    words = search_words()
    page = suggestions = None
    if find == "insights" and words:
        page = found_insights(words, insight_ids)
    elif find == "ideas" and words:
        page = found_ideas(words, idea_ids)
    else:
        about = " ".join(
            [change.title_nl, change.title_en, change.description_nl, change.description_en]
        )
        suggestions = {
            "insights": insight_search.similar_to(
                about, limit=SUGGESTIONS, exclude_ids=insight_ids
            ),
            "ideas": suggested_ideas(about, idea_ids),
        }
    return (
        render_template(
            "shipped/change.html",
            change=change,
            release=change.release,
            linked=linked,
            askers=asker_counts([change.id]).get(change.id, 0),
            form=form,
            find=find or "insights",
            words=words,
            page=page,
            suggestions=suggestions,
        ),
        status,
    )


@bp.route("/changes/<int:change_id>")
def change(change_id):
    require_linker()
    return render_change(change_or_404(change_id), LinkForm())


@bp.route("/changes/<int:change_id>/link", methods=["POST"])
def link(change_id):
    require_linker()
    change = change_or_404(change_id)
    form = LinkForm()
    if not form.validate_on_submit():
        return render_change(change, form, 400)
    number = to_id(form.number.data.removeprefix("#"))
    if form.kind.data == "insight":
        target = linkable_insight(number)
    else:
        target = linkable_idea(number)
    if target is None:
        form.number.errors.append(refusal_messages()[form.kind.data])
        return render_change(change, form, 400)
    if form.kind.data == "idea":
        require_idea_linker(target)
    if form.kind.data == "insight":
        added = links.link_insight(change, target, current_user)
    else:
        added = links.link_idea(change, target, current_user)
    announce_late_links(change.release, added)
    if added:
        flash(_("Linked: %(title)s", title=str(target.title)), "success")
    else:
        flash(_("It was linked already."), "info")
    return redirect(back_to_search(change))


def back_to_search(change):
    """The change's page with the search the link was made from (its words, kept short)."""
    find = request.form.get("find")
    words = " ".join(request.form.get("q", "").split())[:100]
    if find in ("insights", "ideas") and words:
        return url_for("shipped.change", change_id=change.id, find=find, q=words) + "#add"
    return url_for("shipped.change", change_id=change.id)


@bp.route("/changes/<int:change_id>/unlink", methods=["POST"])
def unlink(change_id):
    require_linker()
    change = change_or_404(change_id)
    form = UnlinkForm()
    number = to_id(form.number.data or "")
    if not form.validate_on_submit() or form.kind.data not in KINDS or number is None:
        abort(400)
    if form.kind.data == "insight":
        insight = db.session.get(Insight, number) or abort(404)
        removed = links.unlink_insight(change, insight, current_user)
    else:
        idea = db.session.get(Idea, number) or abort(404)
        require_idea_linker(idea)
        removed = links.unlink_idea(change, idea, current_user)
    if removed:
        flash(_("The link is removed."), "success")
    return redirect(url_for("shipped.change", change_id=change.id))


def announce_late_links(release, added):
    """A link added to a published release: those who asked are told now (once per release)."""
    if added and release.published_at is not None:
        announce.announce_shipped(release)


# From the other side: an insight's or idea's page -------------------------------------------


def picker_choices():
    """(change id, "version — change title") of the latest releases' changes."""
    latest = select(Release.id).order_by(Release.month.desc(), Release.id.desc())
    rows = db.session.execute(
        select(ReleaseChange, Release)
        .join(Release, Release.id == ReleaseChange.release_id)
        .where(Release.id.in_(latest.limit(PICKER_RELEASES).scalar_subquery()))
        .order_by(Release.month.desc(), Release.id.desc(), ReleaseChange.position)
    ).all()
    return choices(
        (str(change.id), f"{release.version} — {change.title.plain(60)}")
        for change, release in rows
        if change.title_nl or change.title_en
    )


def picker_form():
    form = PickChangeForm()
    form.change.choices = choices([("", _("Choose a change"))]) + picker_choices()
    return form


def shipped_rows(pairs):
    return [{"change": change, "release": release} for change, release in pairs]


def insight_sections(insight, user=None):
    """signals.insight_sections: where the insight shipped, and linking it to a change."""
    user = user or current_user
    rows = shipped_rows(links.linked_changes_of_insight(insight.id))
    can_link = can_link_changes(user) and insight.merged_into_id is None
    action = url_for("shipped.link_from_insight", insight_id=insight.id)
    return _linked_from_section(rows, can_link, action)


def idea_sections(idea, user=None):
    """signals.owner_idea_sections: where the idea shipped, and linking it to a change."""
    user = user or current_user
    rows = shipped_rows(links.linked_changes_of_idea(idea.id))
    shown = not (idea.is_hidden or idea.is_withdrawn or idea.is_merged)
    can_link = can_link_idea(user, idea) and shown
    action = url_for("shipped.link_from_idea", round_id=idea.round_id, idea_id=idea.id)
    return _linked_from_section(rows, can_link, action)


def _linked_from_section(rows, can_link, action):
    """The section on an insight's or idea's page: the changes that shipped it, and the form to
    link it to one (for who may); nothing when there is neither."""
    if not rows and not can_link:
        return []
    context = {
        "rows": rows,
        "can_link": can_link,
        "form": picker_form() if can_link else None,
        "action": action,
    }
    return [("shipped/_linked_from.html", context)]


def shipping_releases(insight_id):
    """signals.insight_shipping_releases: the published releases with a change answering the
    insight, newest first (a route can be closed as "shipped in" one of them)."""
    return db.session.scalars(
        select(Release)
        .where(
            Release.published_at.isnot(None),
            Release.id.in_(
                select(ReleaseChange.release_id)
                .join(ChangeInsight, ChangeInsight.change_id == ReleaseChange.id)
                .where(ChangeInsight.insight_id == insight_id)
            ),
        )
        .order_by(Release.month.desc(), Release.id.desc())
    ).all()


def picked_change():
    """The change picked on an insight's or idea's page, or a flashed error and None."""
    form = picker_form()
    if not form.validate_on_submit():
        flash(_("Choose the release change it is in."), "error")
        return None
    change_id = to_id(form.change.data or "")
    change = db.session.get(ReleaseChange, change_id) if change_id else None
    if change is None:
        flash(_("Choose the release change it is in."), "error")
    return change


@bp.route("/insights/<int:insight_id>/link", methods=["POST"])
def link_from_insight(insight_id):
    require_linker()
    back = url_for("insights.detail", insight_id=insight_id)
    insight = linkable_insight(insight_id) or abort(404)
    change = picked_change()
    if change is not None:
        added = links.link_insight(change, insight, current_user)
        announce_late_links(change.release, added)
        flash(linked_message(change, added), "success" if added else "info")
    return redirect(back + "#shipped")


@bp.route("/rounds/<int:round_id>/ideas/<int:idea_id>/link", methods=["POST"])
def link_from_idea(round_id, idea_id):
    require_linker()
    idea = linkable_idea(idea_id)
    if idea is None or idea.round_id != round_id:
        abort(404)
    require_idea_linker(idea)
    back = url_for("owner.idea", round_id=round_id, idea_id=idea.id)
    change = picked_change()
    if change is not None:
        added = links.link_idea(change, idea, current_user)
        announce_late_links(change.release, added)
        flash(linked_message(change, added), "success" if added else "info")
    return redirect(back + "#shipped")


def linked_message(change, added):
    if not added:
        return _("It was linked already.")
    return _(
        "Linked to ‘%(change)s’ in version %(version)s.",
        change=change.title.plain(),
        version=change.release.version,
    )


@bp.record_once
def connect_signals(state):
    """The insight and idea pages ask for these sections (they can't import this domain)."""
    signals.insight_sections.connect(insight_sections)
    signals.owner_idea_sections.connect(idea_sections)
    signals.insight_shipping_releases.connect(shipping_releases)

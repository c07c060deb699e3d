"""Thin views for product owners: a round's categories (add, rename, reorder, remove)."""

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _

from ..errors import NotAllowed
from ..extensions import db
from ..security import form_checks_csrf
from ..submissions import answered_before, claim_submission
from . import categories, owner_bp
from .forms import CategoryForm
from .models import IdeaCategory
from .owner_views import managed_round_or_404


def _category_or_404(round_, category_id):
    category = db.session.get(IdeaCategory, category_id)
    if category is None or category.round_id != round_.id:
        abort(404)
    return category


def _forms_for(items, failed=None):
    """One rename form per category (prefixed, so the page's field ids differ); the one that
    failed keeps what was typed and its errors."""
    forms = {}
    for category in items:
        if failed is not None and failed.category_id == category.id:
            forms[category.id] = failed
        else:
            forms[category.id] = CategoryForm(obj=category, prefix=f"c{category.id}", formdata=None)
    return forms


def _render(round_, new_form=None, failed=None):
    items = categories.categories_of(round_)
    return render_template(
        "owner/categories.html",
        round=round_,
        categories=items,
        forms=_forms_for(items, failed),
        used=categories.ideas_per_category(round_),
        new_form=new_form or CategoryForm(prefix="new"),
        limit=categories.MAX_CATEGORIES,
    )


def _back(round_):
    return redirect(url_for("owner.categories", round_id=round_.id))


@owner_bp.route("/rounds/<int:round_id>/categories", methods=["GET", "POST"], endpoint="categories")
@form_checks_csrf
def categories_page(round_id):
    round_ = managed_round_or_404(round_id)
    form = CategoryForm(prefix="new")
    if form.validate_on_submit():
        if not claim_submission(form):
            return answered_before(form, url_for("owner.categories", round_id=round_.id))
        try:
            categories.add_category(round_, form.name_nl.data, form.name_en.data)
        except NotAllowed:
            flash(
                _(
                    "A round has at most %(num)s categories. Rename or remove one first.",
                    num=categories.MAX_CATEGORIES,
                ),
                "error",
            )
            return _back(round_)
        flash(_("The category is added."), "success")
        return _back(round_)
    return _render(round_, new_form=form)


@owner_bp.route("/rounds/<int:round_id>/categories/<int:category_id>", methods=["POST"])
@form_checks_csrf
def rename_category(round_id, category_id):
    round_ = managed_round_or_404(round_id)
    category = _category_or_404(round_, category_id)
    form = CategoryForm(prefix=f"c{category.id}")
    if not form.validate_on_submit():
        form.category_id = category.id
        return _render(round_, failed=form)
    categories.rename_category(category, form.name_nl.data, form.name_en.data)
    flash(_("The category is saved."), "success")
    return _back(round_)


@owner_bp.route(
    "/rounds/<int:round_id>/categories/<int:category_id>/<any(up, down):direction>",
    methods=["POST"],
)
def move_category(round_id, category_id, direction):
    round_ = managed_round_or_404(round_id)
    categories.move_category(_category_or_404(round_, category_id), -1 if direction == "up" else 1)
    return _back(round_)


@owner_bp.route("/rounds/<int:round_id>/categories/<int:category_id>/remove", methods=["POST"])
def remove_category(round_id, category_id):
    round_ = managed_round_or_404(round_id)
    category = _category_or_404(round_, category_id)
    try:
        categories.remove_category(category)
    except NotAllowed:
        flash(
            _(
                "Ideas are filed under this category, so it can't be removed. "
                "You can rename it instead."
            ),
            "error",
        )
        return _back(round_)
    flash(_("The category is removed."), "success")
    return _back(round_)

"""A round's categories: the owner keeps a short bilingual list, panelists file ideas under one."""

from sqlalchemy import delete, exists, func, select, update
from sqlalchemy.exc import IntegrityError

from ..database import race_pause
from ..errors import NotAllowed
from ..extensions import db
from .models import Idea, IdeaCategory

MAX_CATEGORIES = 12


def categories_of(round_):
    """The round's categories in the owner's order."""
    return (
        IdeaCategory.query.filter_by(round_id=round_.id)
        .order_by(IdeaCategory.position, IdeaCategory.id)
        .all()
    )


def ideas_per_category(round_):
    """{category id: number of ideas filed under it} in one grouped query."""
    return dict(
        db.session.execute(
            select(Idea.category_id, func.count())
            .where(Idea.round_id == round_.id, Idea.category_id.isnot(None))
            .group_by(Idea.category_id)
        ).all()
    )


def add_category(round_, name_nl, name_en):
    if len(categories_of(round_)) >= MAX_CATEGORIES:
        raise NotAllowed("category_limit")
    last = db.session.scalar(
        select(func.max(IdeaCategory.position)).where(IdeaCategory.round_id == round_.id)
    )
    category = IdeaCategory(
        round_id=round_.id, name_nl=name_nl, name_en=name_en, position=(last or 0) + 1
    )
    db.session.add(category)
    db.session.flush()
    return category


def rename_category(category, name_nl, name_en):
    category.name_nl, category.name_en = name_nl, name_en
    db.session.flush()


def move_category(category, step):
    """One place up (step -1) or down (step 1) in the round's list; at either end nothing."""
    ordered = categories_of(category.round)
    index = ordered.index(category)
    other = index + step
    if not 0 <= other < len(ordered):
        return
    ordered[index], ordered[other] = ordered[other], ordered[index]
    for position, item in enumerate(ordered, 1):
        item.position = position
    db.session.flush()


def remove_category(category):
    """Only a category no idea is filed under: the check and the delete are one statement, and
    an idea filed under it at the same moment makes the database refuse the delete."""
    try:
        with db.session.begin_nested():
            deleted = db.session.execute(
                delete(IdeaCategory)
                .where(
                    IdeaCategory.id == category.id,
                    ~exists().where(Idea.category_id == IdeaCategory.id),
                )
                .execution_options(synchronize_session=False)
            ).rowcount
            race_pause("RACE_DELAY")
    except IntegrityError:
        deleted = 0
    if not deleted:
        raise NotAllowed("category_used")
    db.session.expunge(category)


def file_idea(idea, category_id):
    """File a new idea under one of its round's categories (none: 0 or not the round's).
    Refused when the category was removed at this very moment."""
    if not category_id:
        return
    race_pause("RACE_DELAY")
    try:
        with db.session.begin_nested():
            filed = db.session.execute(
                update(Idea)
                .where(
                    Idea.id == idea.id,
                    exists().where(
                        IdeaCategory.id == category_id, IdeaCategory.round_id == idea.round_id
                    ),
                )
                .values(category_id=category_id)
                .execution_options(synchronize_session=False)
            ).rowcount
    except IntegrityError:
        filed = 0
    if not filed:
        raise NotAllowed("category_gone")
    db.session.refresh(idea)

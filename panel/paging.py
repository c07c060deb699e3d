"""Paging with a separate count query, so counting never pays for joins that only shape rows."""

import re
from dataclasses import dataclass

from flask import request

from .extensions import db


@dataclass
class Page:
    items: list
    total: int
    page: int
    per_page: int

    @property
    def pages(self):
        return max((self.total + self.per_page - 1) // self.per_page, 1)

    @property
    def has_prev(self):
        return self.page > 1

    @property
    def has_next(self):
        return self.page < self.pages

    @property
    def prev_num(self):
        return self.page - 1

    @property
    def next_num(self):
        return self.page + 1


# No list is this long; a larger number (up to 2**63 and beyond) would only make an OFFSET the
# database refuses. Anything else than 1..MAX_PAGE in plain digits is page 1.
MAX_PAGE = 10_000


def requested_page():
    value = request.args.get("page", "1")
    if not re.fullmatch(r"[0-9]{1,5}", value):  # ASCII digits only: int() also takes "١"
        return 1
    page = int(value)
    return page if 1 <= page <= MAX_PAGE else 1


def count_of(rows_query, up_to=None):
    """The count select for a rows select whose filters are all the count needs; with `up_to`,
    counted up to that and one more (the page then says "more than"), so a long list is not
    read whole to be counted."""
    rows = rows_query.order_by(None)
    if up_to is not None:
        rows = rows.limit(up_to + 1)
    return db.select(db.func.count()).select_from(rows.subquery())


def paginate(rows_query, count_query, per_page, scalars=True):
    """rows_query: a select of entities (or, with scalars=False, of rows: a page of keys, such
    as a union over several tables); count_query: a select of one count (count_of() of the rows
    select when no join can be left out), or the count itself when the view needed it first."""
    page = requested_page()
    result = db.session.execute(rows_query.limit(per_page).offset((page - 1) * per_page))
    items = (result.scalars() if scalars else result).all()
    if isinstance(count_query, int):
        return Page(items, count_query, page, per_page)
    return Page(items, db.session.execute(count_query).scalar() or 0, page, per_page)

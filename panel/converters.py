"""URL converters: an id in a path is a number the database can hold, or the page isn't found."""

from werkzeug.routing import IntegerConverter

# The largest value of an SQL INTEGER column (PostgreSQL refuses 2147483648 with an error).
MAX_ID = 2**31 - 1


class BoundedIntConverter(IntegerConverter):
    """`<int:…>` that answers 404 for a number outside the database's integer range, instead of
    handing the view an id PostgreSQL (or SQLite, from 2**63) refuses with an error."""

    def __init__(self, map, fixed_digits=0, min=None, max=None, signed=False):
        super().__init__(
            map,
            fixed_digits=fixed_digits,
            min=min,
            max=MAX_ID if max is None else max,
            signed=signed,
        )


def register_converters(app):
    """Before any blueprint adds its rules: every `<int:…>` in the url map is bounded."""
    app.url_map.converters["int"] = BoundedIntConverter


def to_id(value):
    """An id sent in a form or a query string as an int the database can hold; None for anything
    else (not plain ASCII digits, or beyond the INTEGER range). For `request.form.get(…, type=…)`.
    """
    if isinstance(value, str) and value.isascii() and value.isdigit():
        number = int(value)
        return number if number <= MAX_ID else None
    return None

"""Links to many rows of one kind, built once a page (issue 13).

url_for costs ~40 µs (the URL map, the language default, quoting); a page listing 20–150
rounds or ideas paid it per row. `id_link(endpoint, "idea_id", round_id=7)` builds the address
once, with a marker where the id goes, and returns a function that puts each row's id there:
the same text url_for gives for every integer id.
"""

from flask import url_for

_MARK = 7_919_000_000_019  # an id no row has, found once in the built address


def id_link(endpoint, name, **values):
    """A function id -> url_for(endpoint, **{name: id}, **values), for integer ids."""
    head, found, tail = url_for(endpoint, **{name: _MARK}, **values).partition(str(_MARK))
    if not found or str(_MARK) in tail:  # pragma: no cover (the marker is in the path once)
        return lambda row_id: url_for(endpoint, **{name: row_id}, **values)
    return lambda row_id: f"{head}{int(row_id)}{tail}"

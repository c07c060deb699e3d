"""CSV exports that a spreadsheet opens as data, never as formulas (OWASP: CSV injection).

A cell that starts with = + - @, a tab or a carriage return is read by Excel, LibreOffice and
Google Sheets as a formula (`=HYPERLINK(…)`, `@SUM(…)`, `-2+3+cmd|…`). Typed text in an export (a
name, an answer, a comment) gets a leading apostrophe, which a spreadsheet shows as text; numbers
the export writes itself (a score, an id, -1) stay numbers.
"""

import csv
import io
import re
import unicodedata

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# A spreadsheet may split a cell where the file has none: Dutch Excel opens a .csv with ';' as
# its separator, and a quoted cell's line breaks or tabs can end up as cell starts when pasted.
# So a formula starter right after any of these counts as a cell's start too.
_AFTER_SEPARATOR = re.compile(r"([;,\t\r\n])(?=[=+\-@\t\r])")


def neutralise(value):
    """The value as a cell that no spreadsheet evaluates, wherever a spreadsheet might start a
    cell in it (its start, or after ; , tab or a line break)."""
    if not isinstance(value, str):
        return value
    value = _AFTER_SEPARATOR.sub(r"\1'", value)
    if value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def attachment(filename):
    """A Content-Disposition value for a download named after `filename`, made safe: ASCII
    letters, digits, '.', '-' and '_' only (accents dropped, anything else a '-'), so a quote,
    a line break or a control character typed into a title never reaches the header."""
    ascii_name = unicodedata.normalize("NFKD", str(filename)).encode("ascii", "ignore").decode()
    stem, dot, extension = ascii_name.rpartition(".")
    if not dot:
        stem, extension = ascii_name, ""
    slug = re.sub(r"[^A-Za-z0-9._-]+", "-", stem).strip("-._")[:100] or "download"
    extension = re.sub(r"[^A-Za-z0-9]+", "", extension)[:10]
    return (
        f'attachment; filename="{slug}.{extension}"'
        if extension
        else (f'attachment; filename="{slug}"')
    )


class CsvRows:
    """Rows as CSV text, one string per row, for a streamed response:

    rows = CsvRows(); yield rows.line(header); yield rows.line([...])
    """

    def __init__(self):
        self._buffer = io.StringIO()
        # Every text cell quoted (numbers stay bare, so they stay numbers): a separator inside
        # typed text never splits the cell, whichever separator the spreadsheet assumes.
        self._writer = csv.writer(self._buffer, quoting=csv.QUOTE_NONNUMERIC)

    def line(self, row):
        self._buffer.seek(0)
        self._buffer.truncate()
        self._writer.writerow([neutralise(value) for value in row])
        return self._buffer.getvalue()

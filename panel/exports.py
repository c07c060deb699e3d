"""CSV exports that a spreadsheet opens as data, never as formulas (OWASP: CSV injection).

A cell that starts with = + - @, a tab or a carriage return is read by Excel, LibreOffice and
Google Sheets as a formula (`=HYPERLINK(…)`, `@SUM(…)`, `-2+3+cmd|…`). Typed text in an export (a
name, an answer, a comment) gets a leading apostrophe, which a spreadsheet shows as text; numbers
the export writes itself (a score, an id, -1) stay numbers.

A file opens in the exporter's own spreadsheet as columns, with accents intact: UTF-8 with a byte
order mark (without one Excel reads UTF-8 as Windows-1252: "ZoÃ«"), and ';' between cells for a
Dutch exporter (Dutch Excel's list separator, since ',' is the Dutch decimal mark), ',' for an
English one. CsvRows picks both up from the page's language, so every export gets them.
"""

import csv
import io
import re
import unicodedata

from flask import Response, has_app_context, stream_with_context

from .database import AMSTERDAM
from .i18n import current_language

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


BOM = "\ufeff"
# The separator a spreadsheet in this language expects; English (and anything else) gets ','.
DELIMITERS = {"nl": ";"}


def delimiter_for(language):
    return DELIMITERS.get(language, ",")


def local_time(moment):
    """A stored (UTC) moment as a spreadsheet reads a date and time in both languages, in
    Amsterdam's clock: '2026-03-29 14:05'. Empty when there is none."""
    if moment is None:
        return ""
    return moment.astimezone(AMSTERDAM).strftime("%Y-%m-%d %H:%M")


class CsvRows:
    """Rows as CSV text, one string per row, for a streamed response:

    rows = CsvRows(); yield rows.line(header); yield rows.line([...])

    The first line starts with the byte order mark; the separator follows the exporter's
    language (the page's, or `language` when given): ';' in Dutch, ',' in English.
    """

    def __init__(self, language=None):
        if language is None:
            language = current_language() if has_app_context() else "en"
        self.language = language
        self.delimiter = delimiter_for(language)
        self._started = False
        self._buffer = io.StringIO()
        # Every text cell quoted (numbers stay bare, so they stay numbers): a separator inside
        # typed text never splits the cell, whichever separator the spreadsheet assumes.
        self._writer = csv.writer(
            self._buffer, delimiter=self.delimiter, quoting=csv.QUOTE_NONNUMERIC
        )

    def line(self, row):
        self._buffer.seek(0)
        self._buffer.truncate()
        if not self._started:
            self._buffer.write(BOM)
            self._started = True
        self._writer.writerow([neutralise(_cell(value)) for value in row])
        return self._buffer.getvalue()


def _cell(value):
    """Text for translated words (lazy strings), numbers as numbers, nothing as empty."""
    if value is None:
        return ""
    if isinstance(value, (str, int, float)):
        return value
    return str(value)


def csv_download(lines, filename):
    """A streamed CSV response of `lines` (an iterator of CsvRows lines, read while the rows
    are fetched, never all held at once), downloaded as `filename`."""
    return Response(
        stream_with_context(lines),
        mimetype="text/csv",
        headers={"Content-Disposition": attachment(filename)},
    )

"""CSV exports that a spreadsheet opens as data, never as formulas (OWASP: CSV injection).

A cell that starts with = + - @, a tab or a carriage return is read by Excel, LibreOffice and
Google Sheets as a formula (`=HYPERLINK(…)`, `@SUM(…)`, `-2+3+cmd|…`). Typed text in an export (a
name, an answer, a comment) gets a leading apostrophe, which a spreadsheet shows as text; numbers
the export writes itself (a score, an id, -1) stay numbers.
"""

import csv
import io

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value):
    """The value as a cell that no spreadsheet evaluates."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


class CsvRows:
    """Rows as CSV text, one string per row, for a streamed response:

    rows = CsvRows(); yield rows.line(header); yield rows.line([...])
    """

    def __init__(self):
        self._buffer = io.StringIO()
        self._writer = csv.writer(self._buffer)

    def line(self, row):
        self._buffer.seek(0)
        self._buffer.truncate()
        self._writer.writerow([neutralise(value) for value in row])
        return self._buffer.getvalue()

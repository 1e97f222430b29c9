"""CSV for spreadsheets: UTF-8 with a byte-order mark (so Excel reads Japanese correctly) and every text cell that
a spreadsheet could take for a formula neutralised (DESIGN §8)."""

import csv
import io
from collections.abc import Iterable

# A cell starting with one of these is a formula (or becomes one) in Excel, LibreOffice and Google Sheets.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n")


def safe_cell(value):
    """Text that could be read as a formula gets a leading apostrophe, which spreadsheets show as text. Numbers
    stay numbers; None becomes an empty cell."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, int | float):
        return value
    text = str(value)
    if text.lstrip(" ").startswith(FORMULA_STARTS):
        return "'" + text
    return text


def csv_text(rows: Iterable[Iterable]) -> str:
    """The rows as CSV text, starting with the byte-order mark, lines ending in CRLF (RFC 4180)."""
    buffer = io.StringIO()
    buffer.write("\ufeff")
    writer = csv.writer(buffer, lineterminator="\r\n")
    for row in rows:
        writer.writerow([safe_cell(cell) for cell in row])
    return buffer.getvalue()

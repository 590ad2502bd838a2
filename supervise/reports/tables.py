"""PURE: a table (headers and rows of plain values) as CSV a bureau's Excel opens, or as .xlsx.

CSV is UTF-8 with a byte-order mark: Excel on Chinese Windows reads a CSV without one as GBK and
shows the Chinese as mojibake. A text cell that begins with = + - @ a tab or a carriage return is
prefixed with an apostrophe, so a spreadsheet never runs it as a formula (CSV injection; OWASP).
Numbers stay numbers. In .xlsx every text cell is written as text (never a formula), so nothing
needs escaping there and the value reads back exactly.
"""
from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from datetime import date, datetime

BOM = "\ufeff"
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value) -> object:
    """A value as it may stand in a CSV cell: formula-looking text neutralised, None as empty."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, (int, float)):
        return value
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    text = str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def csv_bytes(headers: Sequence[str], rows: Iterable[Sequence]) -> bytes:
    """The table as UTF-8 CSV with a BOM and CRLF line ends, every cell made safe."""
    out = io.StringIO()
    out.write(BOM)
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([safe_cell(h) for h in headers])
    for row in rows:
        writer.writerow([safe_cell(v) for v in row])
    return out.getvalue().encode("utf-8")


def xlsx_bytes(sheets: Sequence[tuple[str, Sequence[str], Iterable[Sequence]]]) -> bytes:
    """A workbook with one sheet per (title, headers, rows); header row bold and frozen, columns
    sized to their content, text always stored as text."""
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    book = Workbook(write_only=False)
    book.remove(book.active)
    for title, headers, rows in sheets:
        sheet = book.create_sheet(_sheet_title(title))
        widths = [len(str(h)) for h in headers]
        sheet.append([str(h) for h in headers])
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for r, row in enumerate(rows, start=2):
            for c, value in enumerate(row, start=1):
                cell = sheet.cell(row=r, column=c, value=_xlsx_value(value))
                if isinstance(cell.value, str):
                    cell.data_type = "s"     # never a formula, whatever the text begins with
                widths[c - 1] = max(widths[c - 1], min(60, len(str(cell.value or ""))))
        sheet.freeze_panes = "A2"
        for i, width in enumerate(widths, start=1):
            sheet.column_dimensions[get_column_letter(i)].width = max(8, width + 2)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _xlsx_value(value):
    if value is None:
        return None
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, (int, float)):
        return value
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, date):
        return value
    # characters XML 1.0 cannot hold (openpyxl would refuse the whole file)
    return "".join(ch for ch in str(value) if ch in "\t\n\r" or ord(ch) >= 0x20)


def _sheet_title(title: str) -> str:
    return "".join(ch for ch in title if ch not in "[]:*?/\\")[:31] or "Sheet"

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
    sized to their content, text always stored as text. Written in openpyxl's streaming mode."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    book = Workbook(write_only=True)
    bold = Font(bold=True)
    for title, headers, rows in sheets:
        values = [[_xlsx_value(v) for v in row] for row in rows]
        sheet = book.create_sheet(_sheet_title(title))
        sheet.freeze_panes = "A2"
        for i, header in enumerate(headers, start=1):
            longest = max((len(str(row[i - 1])) for row in values if i <= len(row) and row[i - 1] is not None),
                          default=0)
            sheet.column_dimensions[get_column_letter(i)].width = max(8, min(60, max(len(str(header)), longest)) + 2)
        heading = []
        for header in headers:
            cell = WriteOnlyCell(sheet, value=str(header))
            cell.font = bold
            heading.append(cell)
        sheet.append(heading)
        for row in values:
            sheet.append([_text_cell(sheet, v, WriteOnlyCell) if isinstance(v, str) else v for v in row])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _text_cell(sheet, value: str, cell_type):
    cell = cell_type(sheet, value=value)
    cell.data_type = "s"     # never a formula, whatever the text begins with
    return cell


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

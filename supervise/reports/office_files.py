"""PURE: tables as offices save them — a CSV in whatever encoding Excel or WPS wrote (UTF-8 with or
without a BOM, GBK/GB18030 on Chinese Windows), or an .xlsx workbook whose first sheet's first row
is the header — read into rows of text keyed by header, each with the line a person finds it on."""
from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date, datetime, time

CHINESE = {"gb2312", "gbk", "gb18030", "hz", "hz_gb_2312", "cp936", "big5", "big5hkscs", "cp950"}
XLSX_MAGIC = b"PK\x03\x04"


class UnreadableFile(ValueError):
    """The bytes are neither text in a known encoding nor a workbook; `code` says which."""

    def __init__(self, code: str, message: str, *, params: dict | None = None):
        self.template, self.params = message, params or {}   # translated where it is answered
        message = message % self.params if self.params else message
        super().__init__(message)
        self.code = code


@dataclass(frozen=True)
class Table:
    """Header names and rows (line number as a person counts it, values by header, all text)."""

    headers: list[str]
    rows: list[tuple[int, dict[str, str]]]
    source: str          # "csv (gb18030)", "xlsx (sheet 排班表)" …


def decode_text(data: bytes) -> tuple[str, str]:
    """The text of a file and the encoding it was read in. UTF-8 (with or without BOM) is taken as
    such; then GB18030 (the superset of GB2312 and GBK that Excel on Chinese Windows writes), when
    the bytes decode strictly as it: a Chinese office's file is far likelier than anything else, and
    detectors take short GBK text for Korean or Japanese. Otherwise charset-normalizer guesses (a
    Chinese guess is still read as GB18030). Raises UnreadableFile when no encoding fits."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8"), "utf-8-sig"
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16"), "utf-16"
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("gb18030"), "gb18030"
    except UnicodeDecodeError:
        pass
    from charset_normalizer import from_bytes

    best = from_bytes(data).best()
    if best is None:
        raise UnreadableFile("ENCODING_UNKNOWN", "The file is not text in any encoding we know; save it as "
                             "CSV (UTF-8) or .xlsx.")
    encoding = "gb18030" if best.encoding.lower().replace("-", "_") in CHINESE else best.encoding
    return data.decode(encoding, errors="strict"), encoding


def read_table(data: bytes, filename: str | None = None) -> Table:
    """A CSV or .xlsx upload as a Table (the kind found from the content, not the name)."""
    if data.startswith(XLSX_MAGIC):
        return _xlsx_table(data)
    if filename and filename.lower().endswith((".xls", ".et")) or data.startswith(b"\xd0\xcf\x11\xe0"):
        raise UnreadableFile("XLS_NOT_SUPPORTED", "Old Excel (.xls) files are not read; save as .xlsx or CSV.")
    text, encoding = decode_text(data)
    return csv_table(text, f"csv ({encoding})")


def csv_table(text: str, source: str = "csv") -> Table:
    """CSV text as a Table; line numbers are the reader's (a quoted newline counts)."""
    reader = csv.DictReader(io.StringIO(text))
    headers = [h.strip() for h in reader.fieldnames or []]
    rows = []
    for row in reader:
        rows.append((reader.line_num, {(k or "").strip(): (v or "").strip() for k, v in row.items() if k}))
    return Table(headers, rows, source)


def _xlsx_table(data: bytes) -> Table:
    from zipfile import BadZipFile

    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (BadZipFile, KeyError, OSError, ValueError) as exc:
        raise UnreadableFile("XLSX_INVALID", "The workbook cannot be read: %(exc)s", params={"exc": exc}) from None
    try:
        sheet = book.worksheets[0]
        lines = sheet.iter_rows(values_only=True)
        first = next(lines, None) or ()
        headers = [_text(v) for v in first]
        rows = []
        for number, values in enumerate(lines, start=2):
            cells = {h: _text(v) for h, v in zip(headers, values, strict=False) if h}
            if any(cells.values()):
                rows.append((number, cells))
        return Table([h for h in headers if h], rows, f"xlsx (sheet {sheet.title})")
    finally:
        book.close()


def _text(value) -> str:
    """A cell as the text a CSV would have held: whole numbers without '.0', a date-time as ISO 8601
    without offset (read as Shanghai time by the importers, which is what the office meant)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.isoformat(timespec="minutes" if value.second == 0 else "seconds")
    if isinstance(value, (date, time)):
        return value.isoformat()
    return str(value).strip()

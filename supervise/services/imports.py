"""Bulk imports from CSV files: every row checked, then all rows stored or none.

All or nothing because a half-loaded roster or rota is worse than a refused file: the
operator gets every bad row by its line number, fixes the file and runs it again.
"""
from __future__ import annotations

import csv
import io
from collections.abc import Callable

from supervise.errors import DomainError, Invalid
from supervise.extensions import db
from supervise.input_guard import holds_nul
from supervise.services.access import Actor
from supervise.services.reference import create_officer, create_shift
from supervise.timeutil import parse_instant

OFFICER_COLUMNS = ("badge_no", "name", "district", "username", "role")
SHIFT_COLUMNS = ("officer", "start", "end", "kind")
OFFICER_VALUES = ("name", "username")  # badge_no and district may be empty for managers and admins


def import_officers_csv(actor: Actor, text: str, progress: Callable[[int], None] | None = None) -> dict:
    """Create the accounts of a CSV roster; returns counts and any squads the file introduced."""
    created, squads, passwords = 0, set(), []

    def store(row: dict) -> None:
        nonlocal created
        _require(row, OFFICER_VALUES)
        result = create_officer(actor, badge_no=row.get("badge_no") or None, name=row["name"],
                                district=row.get("district") or None, squad=row.get("squad") or None,
                                username=row["username"], password=row.get("password") or None,
                                role=row.get("role") or "officer", commit=False)
        created += 1
        if result.squad_created:
            squads.add(f"{row['district']}/{row['squad']}")
        if result.initial_password:
            passwords.append(f"{row['username']}={result.initial_password}")

    _import_rows(text, OFFICER_COLUMNS, store, progress)
    summary = {"officers created": created, "squads created": ", ".join(sorted(squads)) or "none"}
    if passwords:
        summary["initial passwords (shown once)"] = " ".join(passwords)
    return summary


def import_shifts_csv(actor: Actor, text: str, progress: Callable[[int], None] | None = None) -> dict:
    """Create the shifts of a CSV rota; `breaks` is `start/end;start/end` in ISO 8601."""
    created = 0

    def store(row: dict) -> None:
        nonlocal created
        _require(row, SHIFT_COLUMNS)
        create_shift(actor, officer=row["officer"], start=_instant(row, "start"), end=_instant(row, "end"),
                     kind=row["kind"], grid=row.get("grid") or None, post=row.get("post") or None,
                     breaks=_breaks(row.get("breaks") or ""), commit=False)
        created += 1

    _import_rows(text, SHIFT_COLUMNS, store, progress)
    return {"shifts created": created}


def _import_rows(text: str, required: tuple[str, ...], store: Callable[[dict], None],
                 progress: Callable[[int], None] | None) -> None:
    reader = csv.DictReader(io.StringIO(text))
    missing = [c for c in required if c not in (reader.fieldnames or [])]
    if missing:
        raise Invalid(f"The header lacks the columns {', '.join(missing)}.", code="CSV_COLUMNS_MISSING",
                      details={"required": list(required), "found": reader.fieldnames or []})
    errors: dict[str, str] = {}
    rows = 0
    for row in reader:
        rows += 1
        line = f"line {reader.line_num}"
        clean = {k.strip(): (v or "").strip() for k, v in row.items() if k}
        if holds_nul(clean.values()):
            errors[line] = "NUL_CHARACTER: a value holds a NUL character."
        else:
            problem = _stored_or_problem(store, clean)
            if problem:
                errors[line] = problem
        if progress:
            progress(1)
    if errors:
        db.session.rollback()
        raise Invalid(f"{len(errors)} of {rows} rows are bad; nothing was stored.", code="CSV_ROWS_INVALID",
                      details={"rows": errors})
    if rows == 0:
        raise Invalid("The file has a header but no rows.", code="CSV_EMPTY")
    db.session.commit()


def _stored_or_problem(store: Callable[[dict], None], row: dict) -> str | None:
    """Store one row inside a savepoint; what was wrong with it, or None."""
    savepoint = db.session.begin_nested()
    try:
        store(row)
        savepoint.commit()
    except DomainError as exc:
        savepoint.rollback()
        return f"{exc.code}: {exc.message}"
    except (KeyError, ValueError) as exc:
        savepoint.rollback()
        return f"ROW_INVALID: {exc}"
    return None


def _require(row: dict, columns: tuple[str, ...]) -> None:
    empty = [c for c in columns if not row.get(c)]
    if empty:
        raise Invalid(f"{', '.join(empty)} {'is' if len(empty) == 1 else 'are'} empty.", code="VALUE_MISSING",
                      details={"columns": empty})


def _instant(row: dict, column: str):
    try:
        return parse_instant(row[column])
    except ValueError:
        raise Invalid(f"{column} {row[column]!r} is not an ISO 8601 time.", code="TIME_INVALID") from None


def _breaks(text: str):
    spans = []
    for part in filter(None, (p.strip() for p in text.split(";"))):
        start, _, end = part.partition("/")
        try:
            spans.append((parse_instant(start), parse_instant(end)))
        except ValueError:
            raise Invalid(f"break {part!r} is not start/end in ISO 8601.", code="BREAK_INVALID") from None
    return spans

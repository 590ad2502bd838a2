"""Bulk imports from CSV files: every row checked, then all rows stored or none.

All or nothing because a half-loaded roster or rota is worse than a refused file: the
operator gets every bad row by its line number, fixes the file and runs it again.
"""
from __future__ import annotations

from collections.abc import Callable

from supervise.errors import DomainError, Invalid
from supervise.extensions import db
from supervise.input_guard import holds_nul
from supervise.reports.office_files import Table, UnreadableFile, csv_table, read_table
from supervise.services.access import Actor
from supervise.services.reference import create_officer, create_shift
from supervise.timeutil import parse_instant

OFFICER_COLUMNS = ("badge_no", "name", "district", "username", "role")
SHIFT_COLUMNS = ("officer", "start", "end", "kind")
OFFICER_VALUES = ("name", "username")  # badge_no and district may be empty for managers and admins


def import_officers_csv(actor: Actor, text: str | Table, progress: Callable[[int], None] | None = None) -> dict:
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


def import_shifts_csv(actor: Actor, text: str | Table, progress: Callable[[int], None] | None = None) -> dict:
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


def _import_rows(source: str | Table, required: tuple[str, ...], store: Callable[[dict], None],
                 progress: Callable[[int], None] | None) -> None:
    table = source if isinstance(source, Table) else csv_table(source)
    missing = [c for c in required if c not in table.headers]
    if missing:
        raise Invalid("The header lacks the columns %(value)s.", code="CSV_COLUMNS_MISSING",
                      details={"required": list(required), "found": table.headers}, params={"value": ', '.join(missing)})
    errors: dict[str, str] = {}
    rows = 0
    for line_num, clean in table.rows:
        rows += 1
        line = f"line {line_num}"
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
        raise Invalid("%(errors_count)s of %(rows)s rows are bad; nothing was stored.", code="CSV_ROWS_INVALID",
                      details={"rows": errors}, params={"errors_count": len(errors), "rows": rows})
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
        raise Invalid("Empty: %(columns)s.", code="VALUE_MISSING", details={"columns": empty},
                      params={"columns": ", ".join(empty)})


def _instant(row: dict, column: str):
    try:
        return parse_instant(row[column])
    except ValueError:
        raise Invalid("%(column)s %(value)s is not an ISO 8601 time.", code="TIME_INVALID", params={"column": column, "value": repr(row[column])}) from None


def _breaks(text: str):
    spans = []
    for part in filter(None, (p.strip() for p in text.split(";"))):
        start, _, end = part.partition("/")
        try:
            spans.append((parse_instant(start), parse_instant(end)))
        except ValueError:
            raise Invalid("break %(part)s is not start/end in ISO 8601.", code="BREAK_INVALID", params={"part": repr(part)}) from None
    return spans


# ---------------------------------------------------------------- files as offices save them

IMPORT_KINDS = ("officers", "shifts", "grids")
GRID_COLUMNS = ("code", "district", "geometry")


def import_file(actor: Actor, kind: str, data: bytes, filename: str | None = None, *, datum: str = "wgs84",
                progress: Callable[[int], None] | None = None) -> dict:
    """Import a roster (officers), a rota (shifts) or grids from an uploaded file: CSV in any encoding
    an office writes (GBK/GB18030 detected) or .xlsx (first sheet, first row the header); grids also
    as GeoJSON. All or nothing, as the CSV imports; the summary says how the file was read."""
    from supervise.services.access import require_role

    require_role(actor, "admin")
    if kind not in IMPORT_KINDS:
        raise Invalid("kind is one of %(value)s.", code="IMPORT_KIND_INVALID", params={"value": ', '.join(IMPORT_KINDS)})
    try:
        if kind == "grids":
            return _import_grids_file(actor, data, filename, datum, progress)
        table = read_table(data, filename)
    except UnreadableFile as exc:
        raise Invalid(exc.template, code=exc.code, params=exc.params) from None
    summary = (import_officers_csv if kind == "officers" else import_shifts_csv)(actor, table, progress)
    return {"read as": table.source, **summary}


def _import_grids_file(actor: Actor, data: bytes, filename: str | None, datum: str, progress) -> dict:
    """GeoJSON (any encoding), or a table with `code,district,geometry[,parent,name,level]` where the
    geometry is GeoJSON or WKT text."""
    import json

    from supervise.reports.office_files import decode_text
    from supervise.services.reference import import_grids

    table = None
    if data.startswith(b"PK\x03\x04"):
        table = read_table(data, filename)
        source = table.source
    else:
        text, encoding = decode_text(data)
        source = f"geojson ({encoding})"
        if not text.lstrip().startswith("{"):
            table, source = csv_table(text, f"csv ({encoding})"), f"csv ({encoding})"
    if table is None:
        try:
            document = json.loads(text)
        except ValueError as exc:
            raise Invalid("The file is neither GeoJSON nor a table: %(exc)s", code="GEOJSON_INVALID", params={"exc": exc}) from None
    else:
        document = _grid_features(table)
    report = import_grids(actor, document, datum, replace=True, progress=progress)
    return {"read as": source, "grids created": len(report.created), "grids updated": len(report.updated)}


def _grid_features(table: Table) -> dict:
    missing = [c for c in GRID_COLUMNS if c not in table.headers]
    if missing:
        raise Invalid("The header lacks the columns %(value)s.", code="CSV_COLUMNS_MISSING",
                      details={"required": list(GRID_COLUMNS), "found": table.headers}, params={"value": ', '.join(missing)})
    features, problems = [], {}
    for line, row in table.rows:
        try:
            geometry = _geometry(row["geometry"])
        except ValueError as exc:
            problems[f"line {line}"] = f"GEOMETRY_INVALID: {exc}"
            continue
        props = {k: row[k] for k in ("code", "district", "parent", "name", "level") if row.get(k)}
        features.append({"type": "Feature", "geometry": geometry, "properties": props})
    if problems:
        raise Invalid("%(problems_count)s of %(rows_count)s rows are bad; nothing was stored.",
                      code="CSV_ROWS_INVALID", details={"rows": problems}, params={"problems_count": len(problems), "rows_count": len(table.rows)})
    return {"type": "FeatureCollection", "features": features}


def _geometry(text: str) -> dict:
    import json

    from shapely import wkt
    from shapely.errors import ShapelyError
    from shapely.geometry import mapping

    text = text.strip()
    if text.startswith("{"):
        return json.loads(text)
    try:
        return json.loads(json.dumps(mapping(wkt.loads(text))))
    except (ShapelyError, ValueError) as exc:
        raise ValueError(f"not GeoJSON or WKT ({exc})") from None

"""The regulation for managers and admins: what is in force, its history, a what-if replay of a
draft on past evidence (writing nothing) and, for admins, publishing the draft as the next version."""
from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import select

from supervise.errors import DomainError, Forbidden, NotFound, translated
from supervise.extensions import db
from supervise.i18n_marks import N_
from supervise.models import RegulationVersion
from supervise.regulation import default_regulation_text
from supervise.services.regulation import publish_regulation, regulation_in_force
from supervise.services.replay import replay
from supervise.timeutil import local_day_bounds, utcnow
from supervise.web import bp
from supervise.web.common import code_titles, parse_day, require_web_role, today
from supervise.web.filters import measure, measure_name, severity_name, value_text

DEFAULT_DAYS = 7


@bp.get("/regulation")
def regulation_page():
    require_web_role("manager", "admin")
    return _render(regulation_in_force().regulation.text)


@bp.post("/regulation")
def regulation_draft():
    actor = require_web_role("manager", "admin")
    text = request.form.get("text", "")
    action = request.form.get("action", "replay")
    if action == "publish":
        if actor.role != "admin":
            raise Forbidden("Only an admin may publish the regulation.")
        note = request.form.get("note", "").strip() or None
        try:
            version = publish_regulation(actor, text, note)
        except DomainError as exc:
            return _refused(text, exc)
        flash(_("Version %(number)s “%(label)s” is published and in force.", number=version.number,
                label=version.label), "ok")
        return redirect(url_for("web.regulation_page"))
    first, last = _range()
    try:
        result = replay(actor, text, local_day_bounds(first)[0], local_day_bounds(last)[1])
    except DomainError as exc:
        return _refused(text, exc)
    return _render(text, result=result)


@bp.get("/regulation/versions/<int:number>")
def regulation_version(number: int):
    require_web_role("manager", "admin")
    if number == 0:
        return render_template("regulation_version.html", number=0, version=None, text=default_regulation_text())
    version = db.session.scalar(select(RegulationVersion).where(RegulationVersion.number == number))
    if version is None:
        raise NotFound("There is no regulation version %(number)s.", params={"number": number})
    return render_template("regulation_version.html", number=number, version=version, text=version.text)


def _range():
    last = parse_day(request.values.get("to")) or today()
    first = parse_day(request.values.get("from")) or last - timedelta(days=DEFAULT_DAYS - 1)
    return first, last


def _refused(text: str, exc: DomainError):
    """The page again with the draft as typed; a document's errors beside it, others as a flash."""
    errors = exc.details.get("errors") if exc.code == "REGULATION_INVALID" else None
    if not errors:
        flash(exc.message, "error")
    return _render(text, errors=[_with_excerpt(e, text) for e in errors or []]), exc.status


# The schema library's own messages a draft may meet, for the catalog (translated when shown).
SCHEMA_MESSAGES = (N_("Missing data for required field."), N_("Unknown field."), N_("Not a valid integer."),
                   N_("Not a valid number."), N_("Not a valid boolean."), N_("Not a valid string."),
                   N_("Not a valid date."), N_("Not a valid mapping type."), N_("Not a valid list."),
                   N_("Field may not be null."))


def _with_excerpt(error: dict, text: str) -> dict:
    """The error with the line it names, as typed, so it can be found without counting lines, and
    its message in the reader's language."""
    lines = text.splitlines()
    line = error.get("line")
    excerpt = lines[line - 1].strip() if isinstance(line, int) and 0 < line <= len(lines) else ""
    shown = translated(error.get("text") or error.get("message", ""), error.get("params"))
    return {**error, "excerpt": excerpt, "message": shown}


def _render(text: str, *, result: dict | None = None, errors: list[dict] | None = None):
    in_force = regulation_in_force()
    regulation = in_force.regulation
    first, last = _range()
    versions = db.session.scalars(select(RegulationVersion).order_by(RegulationVersion.number.desc())).all()
    # The in-force version is detached (cached per process); read who published it from this session.
    current = next((v for v in versions if v.number == in_force.version_number), None)
    return render_template(
        "regulation.html", in_force=in_force, current=current, regulation=regulation,
        rules=list(regulation.values_for(utcnow(), None).values()), periods=regulation.periods,
        districts=regulation.districts, versions=versions, titles=code_titles(), draft=text, result=result,
        errors=errors or [], first=first, last=last, note=request.form.get("note", ""),
        describe=describe_entry, number=number,
    )


def describe_entry(entry: Mapping) -> list[str]:
    """One override entry (`{params: {...}, severity, enabled}`) as short `name = value` lines in the
    reader's language (grace_min = 10 → 宽限时间 = 10 分钟)."""
    lines = [f"{measure_name(name)} = {measure(name, number(value))}"
             for name, value in (entry.get("params") or {}).items()]
    if "severity" in entry:
        lines.append(f"{_('Severity')} = {severity_name(entry['severity'])}")
    if "enabled" in entry:
        lines.append(f"{_('Enabled')} = {value_text(bool(entry['enabled']))}")
    if "clause" in entry:
        lines.append(f"{_('Clause')} = {entry['clause']}")
    return lines


def number(value):
    """A threshold as people write it: 5 rather than 5.0 (other values as they are)."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value

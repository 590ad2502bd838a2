"""The regulation for managers and admins: what is in force, its history, a what-if replay of a
draft on past evidence (writing nothing) and, for admins, publishing the draft as the next version."""
from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta

from flask import flash, redirect, render_template, request, url_for
from sqlalchemy import select

from supervise.errors import DomainError, Forbidden, NotFound
from supervise.extensions import db
from supervise.models import RegulationVersion
from supervise.regulation import default_regulation_text
from supervise.services.regulation import publish_regulation, regulation_in_force
from supervise.services.replay import replay
from supervise.timeutil import local_day_bounds, utcnow
from supervise.web import bp
from supervise.web.common import code_titles, parse_day, require_web_role, today

DEFAULT_DAYS = 7
SEVERITY_LABELS = {"low": "低", "medium": "中", "high": "高"}


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
            raise Forbidden("只有管理员可以发布规定。 Only an admin may publish the regulation.")
        note = request.form.get("note", "").strip() or None
        try:
            version = publish_regulation(actor, text, note)
        except DomainError as exc:
            return _refused(text, exc)
        flash(f"已发布第 {version.number} 版「{version.label}」，即时生效。 "
              f"Version {version.number} is published and in force.", "ok")
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
        raise NotFound(f"没有第 {number} 版规定。 There is no regulation version {number}.")
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


def _with_excerpt(error: dict, text: str) -> dict:
    """The error with the line it names, as typed, so it can be found without counting lines."""
    lines = text.splitlines()
    line = error.get("line")
    excerpt = lines[line - 1].strip() if isinstance(line, int) and 0 < line <= len(lines) else ""
    return {**error, "excerpt": excerpt}


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
        severity_labels=SEVERITY_LABELS, describe=describe_entry, number=number,
    )


def describe_entry(entry: Mapping) -> list[str]:
    """One override entry (`{params: {...}, severity, enabled}`) as short `name = value` lines."""
    lines = [f"{name} = {number(value)}" for name, value in (entry.get("params") or {}).items()]
    lines += [f"{key} = {entry[key]}" for key in ("severity", "enabled", "clause") if key in entry]
    return lines


def number(value) -> str:
    """A threshold as people write it: 5 rather than 5.0."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)

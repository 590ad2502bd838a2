"""Compliance statistics for managers: by district, squad or officer over a Shanghai date range."""
from __future__ import annotations

from datetime import timedelta

from flask import flash, render_template, request

from supervise.errors import DomainError
from supervise.services import stats
from supervise.timeutil import local_day_bounds
from supervise.web import bp
from supervise.web.common import code_titles, parse_day, require_web_role, today
from supervise.web.views_reports import charts_for

DEFAULT_DAYS = 7


@bp.get("/stats")
def stats_page():
    actor = require_web_role("manager", "admin")
    group_by = request.args.get("group_by", "district")
    last = parse_day(request.args.get("to")) or today()
    first = parse_day(request.args.get("from")) or last - timedelta(days=DEFAULT_DAYS - 1)
    rows, status = [], 200
    try:
        rows = stats.compliance(actor, group_by, local_day_bounds(first)[0], local_day_bounds(last)[1])
    except DomainError as exc:
        flash(exc.message, "error")
        status = exc.status
    codes = sorted({code for row in rows for code in row["by_code"]})
    inspections = _inspection_rows(actor, first, last) if status == 200 else []
    charts = charts_for(actor, first, last, rows) if status == 200 else {}
    inspectors = stats.inspector_outcomes(actor, local_day_bounds(first)[0], local_day_bounds(last)[1]) \
        if status == 200 else []
    return render_template("stats.html", rows=rows, codes=codes, titles=code_titles(), group_by=group_by,
                           first=first, last=last, inspections=inspections, charts=charts,
                           inspectors=inspectors), status


def _inspection_rows(actor, first, last) -> list[dict]:
    """The inspection activity table, for city-wide managers and admins only (districts never learn
    of checks coming to them)."""
    if not actor.is_city_wide:
        return []
    return stats.inspection_activity(actor, local_day_bounds(first)[0], local_day_bounds(last)[1])

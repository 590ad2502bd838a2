"""Files and reports from the pages: the flag list, sign-ins and statistics as CSV or .xlsx (the
page's own filters), a shift's track as GPX or CSV, and the printable monthly report of a district."""
from __future__ import annotations

from datetime import date, timedelta

from flask import render_template, request
from flask_babel import gettext as _

from supervise.api.exports import download
from supervise.errors import Invalid
from supervise.extensions import db
from supervise.models import District
from supervise.reports.charts import bar_chart, line_chart
from supervise.services import exports, stats
from supervise.services.access import require_district
from supervise.timeutil import local_day_bounds, utcnow
from supervise.web import bp
from supervise.web.common import code_titles, current_actor, local, parse_day, require_web_role, today
from supervise.web.filters import code_title
from supervise.web.views_flags import _service_filters, queue_form


def _format() -> str:
    return request.args.get("format", "csv")


@bp.get("/flags/export")
def flags_export():
    actor = require_web_role("manager", "admin")
    form = queue_form(request.args)   # what the queue shows: its filters, its search and its order
    return download(exports.flags_file(actor, _service_filters(form), _format(), search=form["q"], sort=form["sort"]))


def _range() -> tuple[date, date]:
    last = parse_day(request.args.get("to")) or today()
    first = parse_day(request.args.get("from")) or last - timedelta(days=6)
    return first, last


@bp.get("/stats/export")
def stats_export():
    actor = require_web_role("manager", "admin")
    first, last = _range()
    return download(exports.compliance_file(actor, request.args.get("group_by", "district"),
                                            local_day_bounds(first)[0], local_day_bounds(last)[1], _format()))


@bp.get("/checkins/export")
def checkins_export():
    actor = require_web_role("manager", "admin")
    first, last = _range()
    filters = {"from": local_day_bounds(first)[0], "to": local_day_bounds(last)[1],
               "officer": request.args.get("officer") or None, "district": request.args.get("district") or None}
    return download(exports.checkins_file(actor, filters, _format()))


@bp.get("/shifts/<int:shift_id>/track.<any(gpx, csv):fmt>")
def shift_track_file(shift_id: int, fmt: str):
    return download(exports.track_file(current_actor(), shift_id, fmt))


def charts_for(actor, first: date, last: date, rows: list[dict]) -> dict[str, str]:
    """The statistics page's two charts as inline SVG: compliance per district per day, and the
    standing or pending flags by code."""
    start, end = local_day_bounds(first)[0], local_day_bounds(last)[1]
    series = stats.compliance_by_day(actor, start, end)
    titles = code_titles()
    bars = [(f"{code_title(titles, c)} {c}", n) for c, n in stats.flags_by_code(rows)]
    return {"compliance": line_chart(_("Compliance by district per day"),
                                     [d[5:] for d in series["days"]], series["series"]),
            "codes": bar_chart(_("Flags by code (pending, appealed and confirmed)"), bars, empty=_("no data"))}


@bp.get("/reports/monthly")
def monthly_report():
    actor = require_web_role("manager", "admin")
    month = _month(request.args.get("month"))
    district = _district(actor, request.args.get("district"))
    first = month
    last = (month.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)
    start, end = local_day_bounds(first)[0], local_day_bounds(last)[1]
    scoped = _district_actor(actor, district)
    squads = stats.compliance(scoped, "squad", start, end)
    officers = stats.compliance(scoped, "officer", start, end)
    whole = stats.compliance(scoped, "district", start, end)
    summary = next((r for r in whole if r["key"] == district.code), None)
    return render_template("report_monthly.html", district=district, month=month, first=first, last=last,
                           summary=summary, squads=squads, officers=officers, titles=code_titles(),
                           charts=charts_for(scoped, first, last, whole),
                           inspectors=stats.inspector_outcomes(scoped, start, end, district_id=district.id),
                           now_local=local(utcnow()))


def _month(text: str | None) -> date:
    try:
        return date.fromisoformat((text or "") + "-01") if text else today().replace(day=1)
    except ValueError:
        raise Invalid("month is YYYY-MM.", code="MONTH_INVALID") from None


def _district(actor, code: str | None) -> District:
    if code is None and actor.district_id:
        district = db.session.get(District, actor.district_id)
    else:
        district = db.session.scalar(db.select(District).where(District.code == (code or "")))
    if district is None:
        raise Invalid("Name the district: ?district=CODE.", code="UNKNOWN_DISTRICT")
    require_district(actor, district.id)
    return district


def _district_actor(actor, district: District):
    """The actor narrowed to one district, so the statistics count that district only."""
    from dataclasses import replace

    return replace(actor, role="manager", district_id=district.id, district_code=district.code)

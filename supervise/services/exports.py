"""Exports: flags, sign-ins and compliance statistics as tables (CSV or .xlsx), a shift's track as
GPX or CSV. The same filters as the lists they come from, and the same scoping: nobody exports a
row they could not see on the page."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy.orm import selectinload

from supervise.errors import Invalid
from supervise.extensions import db
from supervise.models import Checkin, Flag
from supervise.reports.tables import csv_bytes, xlsx_bytes
from supervise.reports.track_files import gpx_text, track_csv
from supervise.services import stats
from supervise.services.access import Actor, require_role
from supervise.services.checkins import list_checkins
from supervise.services.flag_queue import queue_query
from supervise.services.tracks import shift_track
from supervise.timeutil import iso_z, local_iso

FORMATS = ("csv", "xlsx")
MAX_ROWS = 100_000   # an .xlsx of this many flags takes openpyxl about half a minute
MIME = {"csv": "text/csv; charset=utf-8",
        "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "gpx": "application/gpx+xml"}


@dataclass(frozen=True)
class ExportFile:
    """Bytes to send, with the name and type a browser saves them under."""

    filename: str
    mimetype: str
    data: bytes


def _table_file(name: str, fmt: str, title: str, headers: list[str], rows: list[list]) -> ExportFile:
    if fmt not in FORMATS:
        raise Invalid("format is csv or xlsx.", code="FORMAT_INVALID", details={"formats": list(FORMATS)})
    data = csv_bytes(headers, rows) if fmt == "csv" else xlsx_bytes([(title, headers, rows)])
    return ExportFile(f"{name}.{fmt}", MIME[fmt], data)


FLAG_HEADERS = ["编号 id", "代码 code", "状态 status", "待核实 needs_review", "严重程度 severity", "区 district",
                "警号 badge", "姓名 name", "开始 start (Asia/Shanghai)", "结束 end (Asia/Shanghai)", "摘要 summary",
                "summary (en)", "条款 clause", "规定版本 regulation", "班次 shift", "生成时间 raised (UTC)",
                "最后处理 last action", "处理理由 last reason"]


def flags_file(actor: Actor, filters: dict, fmt: str, *, search: str = "", sort: str = "time") -> ExportFile:
    """The flags the queue shows with these filters, search and order, every one (not a page)."""
    require_role(actor, "manager")
    query = queue_query(actor, filters, search, sort).options(selectinload(Flag.events), selectinload(Flag.officer))
    rows = []
    for f in _capped(db.session.scalars(query.limit(MAX_ROWS + 1)).all()):
        last = f.events[-1] if f.events else None
        rows.append([f.id, f.code, f.status, f.needs_review, f.severity,
                     f.officer.district.code if f.officer.district else None, f.officer.badge_no, f.officer.name,
                     _local(f.start), _local(f.end), f.summary_zh, f.summary_en, f.clause,
                     f.evidence.get("regulation_version"), f.shift_id, iso_z(f.created_at),
                     last.action if last else None, last.reason if last else None])
    return _table_file("flags", fmt, "督察标记 flags", FLAG_HEADERS, rows)


CHECKIN_HEADERS = ["编号 id", "警号 badge", "姓名 name", "区 district", "班次 shift", "班次开始 shift start",
                   "拍摄时间 captured (Asia/Shanghai)", "收到时间 received (Asia/Shanghai)", "时间来源 time source",
                   "及时性 timeliness", "纬度 lat", "经度 lon", "精度 accuracy_m", "位置来源 location source",
                   "在网格内 inside", "离网格 distance_m", "照片 sha256"]


def checkins_file(actor: Actor, filters: dict, fmt: str) -> ExportFile:
    """Sign-ins the actor may see, filtered by officer, district and received time [from, to)."""
    require_role(actor, "manager")
    query = list_checkins(actor, officer=filters.get("officer"), district=filters.get("district"))
    if filters.get("from"):
        query = query.where(Checkin.received_at >= filters["from"])
    if filters.get("to"):
        query = query.where(Checkin.received_at < filters["to"])
    query = query.options(selectinload(Checkin.officer), selectinload(Checkin.shift))
    rows = [[c.id, c.officer.badge_no, c.officer.name, c.officer.district.code if c.officer.district else None,
             c.shift_id, _local(c.shift.start), _local(c.captured_at), _local(c.received_at), c.capture_time_source,
             c.timeliness, c.lat, c.lon, c.accuracy_m, c.location_source, c.inside_area,
             None if c.distance_to_area_m is None else round(c.distance_to_area_m, 1), c.photo_sha256]
            for c in _capped(db.session.scalars(query.limit(MAX_ROWS + 1)).all())]
    return _table_file("checkins", fmt, "签到 sign-ins", CHECKIN_HEADERS, rows)


def compliance_file(actor: Actor, group_by: str, start: datetime, end: datetime, fmt: str) -> ExportFile:
    """The compliance table of the statistics page, one row per group, every flag code a column."""
    rows = stats.compliance(actor, group_by, start, end)
    codes = sorted({code for row in rows for code in row["by_code"]})
    headers = ["代码 key", "名称 name", "班次 shifts", "合规率 compliance_rate", "待处理 pending flags",
               "含待处理的班次 shifts with pending flags", "若待处理全部确认 rate if pending confirmed",
               "已确认 confirmed", "已撤销 dismissed", "申诉中 appealed", "自动撤回 withdrawn", *codes]
    table = [[r["key"], r["name"], r["shifts"], r["compliance_rate"], r["pending"], r["shifts_with_pending_flags"],
              r["compliance_rate_if_pending_confirmed"], r["flags"]["confirmed"], r["flags"]["dismissed"],
              r["flags"]["appealed"], r["flags"]["withdrawn"], *[r["by_code"].get(c, 0) for c in codes]]
             for r in rows]
    span = f"{local_iso(start)[:10]}_{local_iso(end)[:10]}"
    return _table_file(f"compliance_{group_by}_{span}", fmt, "合规统计 compliance", headers, table)


def track_file(actor: Actor, shift_id: int, fmt: str) -> ExportFile:
    """A shift's stored positions (as the analysis reads them) as GPX 1.1 or CSV."""
    track = shift_track(actor, shift_id)
    p, shift = track.positions, track.shift
    name = f"{shift.officer.badge_no or shift.officer.username} {local_iso(shift.start)[:16]} shift {shift.id}"
    if fmt == "gpx":
        text = gpx_text(name, p.t.tolist(), p.lat.tolist(), p.lon.tolist(), p.acc.tolist())
        return ExportFile(f"shift-{shift.id}.gpx", MIME["gpx"], text.encode("utf-8"))
    if fmt == "csv":
        data = track_csv(p.t.tolist(), p.lat.tolist(), p.lon.tolist(), p.acc.tolist(),
                         lambda t: local_iso(datetime.fromtimestamp(t, UTC)))
        return ExportFile(f"shift-{shift.id}.csv", MIME["csv"], data)
    raise Invalid("A track is exported as gpx or csv.", code="FORMAT_INVALID")


def _capped(rows: list) -> list:
    """The rows, or a refusal when there are more than an export holds (never a silent cut)."""
    if len(rows) > MAX_ROWS:
        raise Invalid("More than %(max_rows)s rows match; narrow the filters (a shorter range, one district).",
                      code="EXPORT_TOO_LARGE", details={"limit": MAX_ROWS}, params={"max_rows": MAX_ROWS})
    return rows


def _local(value: datetime | None) -> str | None:
    return None if value is None else local_iso(value)[:19].replace("T", " ")

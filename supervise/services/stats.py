"""Statistics for managers: compliance (shifts, flags by code and status, and the share of shifts
without a confirmed flag, grouped by district, squad or officer) and inspection activity."""
from __future__ import annotations

from collections import Counter, defaultdict
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import aliased

from supervise.errors import Forbidden, Invalid
from supervise.extensions import db
from supervise.models import District, Flag, Shift, Squad, User
from supervise.services.access import Actor, require_role
from supervise.timeutil import utcnow

GROUPS = ("district", "squad", "officer")


def compliance(actor: Actor, group_by: str, start: datetime, end: datetime, *,
               now: datetime | None = None) -> list[dict]:
    """One row per group with shifts or flags in [start, end): counts, flags by status and code, and
    `compliance_rate` = shifts without any confirmed flag / shifts (None without shifts). Open and
    appealed flags are counted as `pending`, not as breaches: a flag is not a verdict until a manager
    confirms it; so that a rate never flatters, each row also gives `shifts_with_pending_flags` and
    `compliance_rate_if_pending_confirmed` (the rate should every pending flag be confirmed), and
    shifts that have not started by `now` are left out (they cannot have failed yet). A flag without
    a shift (an inspection finding about an officer off the roster) counts by its own time, in the
    flags but in no shift's rate."""
    require_role(actor, "manager")
    if group_by not in GROUPS:
        raise Invalid("group_by is one of %(value)s.", code="GROUP_BY_INVALID", params={"value": ', '.join(GROUPS)})
    if end <= start:
        raise Invalid("`to` must be after `from`.", code="RANGE_INVALID")
    column, label = _grouping(group_by)
    scope = [] if actor.is_city_wide else [User.district_id == actor.district_id]
    shifts = db.session.execute(select(column, label, func.count(Shift.id)).select_from(Shift)
                                .join(User, Shift.officer_id == User.id).outerjoin(District, User.district_id ==
                                                                                    District.id)
                                .outerjoin(Squad, User.squad_id == Squad.id)
                                .where(Shift.start >= start, Shift.start < end, Shift.start <= (now or utcnow()),
                                       *scope).group_by(column, label)).all()
    # A flag counts in the period of its shift; one without a shift (an inspection finding about an
    # officer off the roster) in the period of its own start.
    flag_time = func.coalesce(Shift.start, Flag.start)
    flags = db.session.execute(select(column, label, Flag.code, Flag.status, Flag.shift_id).select_from(Flag)
                               .outerjoin(Shift, Flag.shift_id == Shift.id).join(User, Flag.officer_id == User.id)
                               .outerjoin(District, User.district_id == District.id)
                               .outerjoin(Squad, User.squad_id == Squad.id)
                               .where(flag_time >= start, flag_time < end, *scope)).all()
    return _rows(shifts, flags)


def _grouping(group_by: str):
    if group_by == "district":
        return District.code, District.name
    if group_by == "squad":
        return Squad.code, Squad.name
    return User.badge_no, User.name


def _rows(shifts, flags) -> list[dict]:
    by_status: dict[str, Counter] = defaultdict(Counter)
    by_code: dict[str, Counter] = defaultdict(Counter)
    breached: dict[str, set] = defaultdict(set)
    pending: dict[str, set] = defaultdict(set)
    names, shift_counts = {}, {}
    for key, name, count in shifts:
        names[key], shift_counts[key] = name, count
    for key, name, code, status, shift_id in flags:
        names.setdefault(key, name)
        by_status[key][status] += 1
        if status in ("open", "appealed", "confirmed"):
            by_code[key][code] += 1
        if status == "confirmed" and shift_id is not None:
            breached[key].add(shift_id)
        if status in ("open", "appealed") and shift_id is not None:
            pending[key].add(shift_id)
    rows = []
    for key in sorted(names, key=str):
        count, statuses = shift_counts.get(key, 0), by_status.get(key, Counter())
        rows.append({"key": key, "name": names[key], "shifts": count,
                     "flags": {s: statuses.get(s, 0) for s in ("open", "appealed", "confirmed", "dismissed",
                                                               "withdrawn")},
                     "pending": statuses.get("open", 0) + statuses.get("appealed", 0),
                     "by_code": dict(by_code.get(key, {})),
                     "shifts_with_confirmed_flags": len(breached.get(key, ())),
                     "compliance_rate": round(1 - len(breached.get(key, ())) / count, 4) if count else None,
                     "shifts_with_pending_flags": len(pending.get(key, set()) - breached.get(key, set())),
                     "compliance_rate_if_pending_confirmed":
                         round(1 - len(breached.get(key, set()) | pending.get(key, set())) / count, 4)
                         if count else None})
    return rows


def inspection_activity(actor: Actor, start: datetime, end: datetime, *, now: datetime | None = None) -> list[dict]:
    """Per district, for spot checks on shifts starting in [start, end): what its inspectors were sent
    to do and did (`sent`, `sent_done`, `sent_missed` = no finding although the day has ended), and
    what was found in it (`received`, findings by result). City-wide managers and admins only: a
    district must not learn of checks coming to it from its statistics."""
    from supervise.models import InspectionAssignment, InspectionFinding, InspectionRound
    from supervise.timeutil import local_today

    require_role(actor, "manager")
    if not actor.is_city_wide:
        raise Forbidden("Inspection statistics are for city-wide managers and admins.", code="CITY_WIDE_ONLY")
    if end <= start:
        raise Invalid("`to` must be after `from`.", code="RANGE_INVALID")
    today = local_today(now)
    inspector = aliased(User)
    checks = db.session.execute(
        select(InspectionAssignment.id, InspectionAssignment.district_id, inspector.district_id, InspectionRound.day)
        .join(Shift, InspectionAssignment.shift_id == Shift.id)
        .join(InspectionRound, InspectionAssignment.round_id == InspectionRound.id)
        .join(inspector, InspectionAssignment.inspector_id == inspector.id)
        .where(Shift.start >= start, Shift.start < end)).all()
    results = db.session.execute(
        select(InspectionFinding.assignment_id, InspectionFinding.result)
        .where(InspectionFinding.assignment_id.in_([c[0] for c in checks]))).all() if checks else []
    return _activity_rows(checks, results, today)


def _activity_rows(checks, results, today) -> list[dict]:
    done = {assignment_id for assignment_id, _ in results}
    by_result: dict[int, Counter] = defaultdict(Counter)
    district_of = {c[0]: c[1] for c in checks}
    for assignment_id, result in results:
        by_result[district_of[assignment_id]][result] += 1
    rows: dict[int, dict] = {}
    for district in db.session.scalars(select(District).order_by(District.code)):
        rows[district.id] = {"key": district.code, "name": district.name, "sent": 0, "sent_done": 0,
                             "sent_missed": 0, "received": 0,
                             "findings": {r: by_result[district.id].get(r, 0)
                                          for r in ("compliant", "absent", "violation")}}
    for assignment_id, target_id, home_id, day in checks:
        rows[target_id]["received"] += 1
        if home_id in rows:
            home = rows[home_id]
            home["sent"] += 1
            home["sent_done"] += assignment_id in done
            home["sent_missed"] += assignment_id not in done and day < today
    return [row for row in rows.values() if row["sent"] or row["received"]]


def compliance_by_day(actor: Actor, start: datetime, end: datetime, *, now: datetime | None = None) -> dict:
    """The compliance rate (%) of each district per Shanghai day of shift start in [start, end), for
    the chart: {"days": [...], "series": {district name: [rate or None (no shift that day)]}}. The
    same rules as `compliance`: shifts not yet started are left out, only confirmed flags breach."""
    from supervise.timeutil import SHANGHAI

    require_role(actor, "manager")
    if end <= start:
        raise Invalid("`to` must be after `from`.", code="RANGE_INVALID")
    scope = [] if actor.is_city_wide else [User.district_id == actor.district_id]
    rows = db.session.execute(
        select(Shift.id, Shift.start, District.name).join(User, Shift.officer_id == User.id)
        .join(District, User.district_id == District.id)
        .where(Shift.start >= start, Shift.start < end, Shift.start <= (now or utcnow()), *scope)).all()
    breached = set(db.session.scalars(select(Flag.shift_id).where(
        Flag.status == "confirmed", Flag.shift_id.in_([r[0] for r in rows])))) if rows else set()
    first, last = start.astimezone(SHANGHAI).date(), (end - timedelta(microseconds=1)).astimezone(SHANGHAI).date()
    days = [first + timedelta(days=i) for i in range((last - first).days + 1)]
    counts: dict[str, dict] = defaultdict(lambda: defaultdict(lambda: [0, 0]))
    for shift_id, shift_start, district in rows:
        cell = counts[district][shift_start.astimezone(SHANGHAI).date()]
        cell[0] += 1
        cell[1] += shift_id in breached
    series = {name: [round(100 * (1 - c[d][1] / c[d][0]), 1) if c[d][0] else None for d in days]
              for name, c in sorted(counts.items())}
    return {"days": [d.isoformat() for d in days], "series": series}


def flags_by_code(rows: list[dict]) -> list[tuple[str, int]]:
    """Flags that stand or wait (open, appealed, confirmed) by code over compliance rows, most first."""
    total: Counter = Counter()
    for row in rows:
        total.update(row["by_code"])
    return sorted(total.items(), key=lambda item: (-item[1], item[0]))


def inspector_outcomes(actor: Actor, start: datetime, end: datetime, *, district_id: int | None = None) -> list[dict]:
    """Per inspector, the findings recorded in [start, end) and what became of them: how many raised
    a flag, how many of those a manager confirmed or later dismissed (`dismissed_rate` = dismissed /
    decided), and how many the officer's own track contradicted at the time. A district manager sees
    their own district's inspectors; `district_id` narrows a city-wide view the same way."""
    from supervise.models import InspectionFinding

    require_role(actor, "manager")
    home = district_id if actor.is_city_wide else actor.district_id
    inspector = aliased(User)
    query = (select(inspector.id, inspector.badge_no, inspector.name, InspectionFinding.result,
                    InspectionFinding.track_check, Flag.status)
             .select_from(InspectionFinding).join(inspector, InspectionFinding.inspector_id == inspector.id)
             .outerjoin(Flag, Flag.finding_id == InspectionFinding.id)
             .where(InspectionFinding.recorded_at >= start, InspectionFinding.recorded_at < end))
    if home is not None:
        query = query.where(inspector.district_id == home)
    rows: dict[int, dict] = {}
    for inspector_id, badge, name, result, track_check, status in db.session.execute(query):
        row = rows.setdefault(inspector_id, {"badge_no": badge, "name": name, "findings": 0, "flags": 0,
                                             "confirmed": 0, "dismissed": 0, "pending": 0, "contradicted": 0})
        row["findings"] += 1
        row["contradicted"] += bool(track_check and track_check.get("verdict") == "contradicts")
        if status is not None:
            row["flags"] += 1
            row["confirmed"] += status == "confirmed"
            row["dismissed"] += status == "dismissed"
            row["pending"] += status in ("open", "appealed")
    for row in rows.values():
        decided = row["confirmed"] + row["dismissed"]
        row["dismissed_rate"] = round(row["dismissed"] / decided, 4) if decided else None
    return sorted(rows.values(), key=lambda r: (-(r["dismissed_rate"] or 0), r["badge_no"] or ""))

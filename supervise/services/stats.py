"""Compliance statistics for managers: shifts, flags by code and status, and the share of shifts
without a confirmed flag, grouped by district, squad or officer."""
from __future__ import annotations

from collections import Counter, defaultdict
from datetime import datetime

from sqlalchemy import func, select

from supervise.errors import Invalid
from supervise.extensions import db
from supervise.models import District, Flag, Shift, Squad, User
from supervise.services.access import Actor, require_role

GROUPS = ("district", "squad", "officer")


def compliance(actor: Actor, group_by: str, start: datetime, end: datetime) -> list[dict]:
    """One row per group with shifts in [start, end): counts, flags by status and code, and
    `compliance_rate` = shifts without any confirmed flag / shifts. Open and appealed flags are
    counted as `pending`, not as breaches: a flag is not a verdict until a manager confirms it."""
    require_role(actor, "manager")
    if group_by not in GROUPS:
        raise Invalid(f"group_by is one of {', '.join(GROUPS)}.", code="GROUP_BY_INVALID")
    if end <= start:
        raise Invalid("`to` must be after `from`.", code="RANGE_INVALID")
    column, label = _grouping(group_by)
    scope = [] if actor.is_city_wide else [User.district_id == actor.district_id]
    shifts = db.session.execute(select(column, label, func.count(Shift.id)).select_from(Shift)
                                .join(User, Shift.officer_id == User.id).outerjoin(District, User.district_id ==
                                                                                    District.id)
                                .outerjoin(Squad, User.squad_id == Squad.id)
                                .where(Shift.start >= start, Shift.start < end, *scope).group_by(column, label)).all()
    flags = db.session.execute(select(column, Flag.code, Flag.status, Flag.shift_id).select_from(Flag)
                               .join(Shift, Flag.shift_id == Shift.id).join(User, Flag.officer_id == User.id)
                               .outerjoin(District, User.district_id == District.id)
                               .outerjoin(Squad, User.squad_id == Squad.id)
                               .where(Shift.start >= start, Shift.start < end, *scope)).all()
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
    for key, code, status, shift_id in flags:
        by_status[key][status] += 1
        if status in ("open", "appealed", "confirmed"):
            by_code[key][code] += 1
        if status == "confirmed":
            breached[key].add(shift_id)
    rows = []
    for key, name, count in sorted(shifts, key=lambda r: str(r[0])):
        statuses = by_status.get(key, Counter())
        rows.append({"key": key, "name": name, "shifts": count,
                     "flags": {s: statuses.get(s, 0) for s in ("open", "appealed", "confirmed", "dismissed",
                                                               "withdrawn")},
                     "pending": statuses.get("open", 0) + statuses.get("appealed", 0),
                     "by_code": dict(by_code.get(key, {})),
                     "shifts_with_confirmed_flags": len(breached.get(key, ())),
                     "compliance_rate": round(1 - len(breached.get(key, ())) / count, 4) if count else None})
    return rows

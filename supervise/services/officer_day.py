"""The officer's own day and month, as the officer sees them: each shift's sign-in state with its
window, the officer's flags with their evidence and appeal deadline, and the month's tally.

Read-only queries; the judgement is the regulation's: the sign-in that counts is the first one
whose time (capture time, else receipt) falls in the shift's sign-in window (as in
`regulation.rules._common.accepted_sign_in`), on time up to start + grace, late after; a sign-in
received inside the window whose photo time is outside it is kept for review (ABSENT never calls
it missing). Words are the templates' business: states and advice are codes here.
"""
from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from supervise.extensions import db
from supervise.models import Checkin, Flag, Shift
from supervise.services.access import Actor
from supervise.services.notify import appeal_deadline
from supervise.services.regulation import regulation_in_force
from supervise.timeutil import SHANGHAI, local_day_bounds, utcnow

# Evidence keys shown elsewhere on the page (an inspection finding's kind, inspector, result and items
# are in its summary), or naming other people's records and internal ids.
HIDDEN_EVIDENCE = frozenset({"params", "source", "regulation_version", "checkin_id", "support", "review",
                             "track_check", "reused_checkin_id", "checkins_outside_window", "finding_id",
                             "assignment_id", "round_id", "kind", "inspector", "result", "items"})
MY_FLAGS = 100
DECIDED = ("confirmed", "dismissed", "appealed", "open")


@dataclass(frozen=True)
class ShiftState:
    """One shift and where its sign-in stands.

    state: signed (on time), late, review (counts, a manager will look at it), not_counted (only
    sign-ins outside the window), missing (none yet, or none by the window's close);
    phase: before (window not open yet), open, closed (window over)."""

    shift: Shift
    opens: datetime
    closes: datetime
    on_time_until: datetime
    state: str
    phase: str
    accepted: Checkin | None = None
    late_min: int | None = None
    sign_ins: list[Checkin] = field(default_factory=list)
    review_codes: list[str] = field(default_factory=list)

    @property
    def needs_sign_in(self) -> bool:
        """True while a sign-in can still count and none does yet."""
        return self.phase != "closed" and self.state in ("missing", "not_counted") and self.shift.end > utcnow()

    @property
    def signed_at(self) -> datetime | None:
        return sign_in_time(self.accepted) if self.accepted is not None else None


@dataclass(frozen=True)
class MyFlag:
    """One of the officer's flags, with the evidence facts the officer may see and the appeal terms."""

    flag: Flag
    facts: list[tuple[str, object]]
    checkin: Checkin | None
    deadline: datetime
    may_appeal: bool


@dataclass(frozen=True)
class Month:
    """The officer's month: every shift's state, its flags, and the totals."""

    first_day: date
    rows: list[tuple[ShiftState, list[Flag]]]
    totals: dict[str, int]


def sign_in_time(checkin: Checkin) -> datetime:
    """When a sign-in happened: the photo's capture time, else its receipt (as the rules read it)."""
    return checkin.captured_at or checkin.received_at


def shifts_between(officer_id: int, start: datetime, end: datetime) -> list[Shift]:
    """The officer's shifts overlapping [start, end), earliest first."""
    return list(db.session.scalars(select(Shift).options(selectinload(Shift.grid), selectinload(Shift.post))
                                   .where(Shift.officer_id == officer_id, Shift.start < end, Shift.end > start)
                                   .order_by(Shift.start, Shift.id)))


def shifts_on(officer_id: int, day: date) -> list[ShiftState]:
    """The officer's shifts overlapping this Shanghai day, each with its sign-in state now."""
    return shift_states(shifts_between(officer_id, *local_day_bounds(day)))


def shift_states(shifts: list[Shift], now: datetime | None = None) -> list[ShiftState]:
    """Each shift's sign-in state as of `now`, from its sign-ins and the regulation in force."""
    now = now or utcnow()
    ids = [s.id for s in shifts]
    by_shift: dict[int, list[Checkin]] = defaultdict(list)
    flagged: dict[int, list[str]] = defaultdict(list)
    if ids:
        for c in db.session.scalars(select(Checkin).where(Checkin.shift_id.in_(ids))
                                    .order_by(Checkin.received_at, Checkin.id)):
            by_shift[c.shift_id].append(c)
        for checkin_id, code in db.session.execute(select(Flag.checkin_id, Flag.code).where(
                Flag.shift_id.in_(ids), Flag.checkin_id.is_not(None)).order_by(Flag.id)):
            flagged[checkin_id].append(code)
    regulation = regulation_in_force().regulation
    return [_state(s, by_shift[s.id], flagged, regulation, now) for s in shifts]


def _state(shift: Shift, sign_ins: list[Checkin], flagged: dict[int, list[str]], regulation,
           now: datetime) -> ShiftState:
    district = shift.officer.district.code if shift.officer.district else None
    late_rule = regulation.values_for(shift.start, district)["LATE"]
    opens = shift.start - timedelta(minutes=late_rule.sign_in.open_before_min)
    closes = shift.start + timedelta(minutes=late_rule.sign_in.close_after_min)
    on_time_until = shift.start + timedelta(minutes=late_rule.params["grace_min"])
    phase = "before" if now < opens else "open" if now <= closes else "closed"
    base = {"shift": shift, "opens": opens, "closes": closes, "on_time_until": on_time_until, "phase": phase,
            "sign_ins": sign_ins}
    in_window = sorted((c for c in sign_ins if opens <= sign_in_time(c) <= closes),
                       key=lambda c: (sign_in_time(c), c.id))
    if not in_window:
        received_in_window = next((c for c in sign_ins if opens <= c.received_at <= closes), None)
        if received_in_window is not None:  # a wrong photo clock is never a missing sign-in
            return ShiftState(**base, state="review", accepted=received_in_window,
                              review_codes=_review_codes(received_in_window, flagged))
        return ShiftState(**base, state="not_counted" if sign_ins else "missing")
    accepted = in_window[0]
    review = _review_codes(accepted, flagged)
    if review or accepted.evidence_problem or accepted.capture_time_source == "received":
        return ShiftState(**base, state="review", accepted=accepted, review_codes=review)
    if sign_in_time(accepted) > on_time_until:
        late = max(1, round((sign_in_time(accepted) - shift.start).total_seconds() / 60))
        return ShiftState(**base, state="late", accepted=accepted, late_min=late)
    return ShiftState(**base, state="signed", accepted=accepted)


def _review_codes(checkin: Checkin, flagged: dict[int, list[str]]) -> list[str]:
    """The flags on this sign-in that a manager reviews (LATE is shown as the state itself)."""
    return [code for code in flagged.get(checkin.id, []) if code != "LATE"]


def my_flags(actor: Actor, limit: int = MY_FLAGS) -> list[MyFlag]:
    """The officer's own flags, newest first, with what they stand on and whether an appeal is open."""
    now = utcnow()
    flags = list(db.session.scalars(select(Flag).options(selectinload(Flag.events))
                                    .where(Flag.officer_id == actor.id)
                                    .order_by(Flag.start.desc(), Flag.id.desc()).limit(limit)))
    checkin_ids = {f.checkin_id or f.evidence.get("checkin_id") for f in flags} - {None}
    own = {c.id: c for c in db.session.scalars(select(Checkin).where(Checkin.id.in_(checkin_ids),
                                                                    Checkin.officer_id == actor.id))}
    return [_my_flag(f, own.get(f.checkin_id or f.evidence.get("checkin_id")), now) for f in flags]


def _my_flag(flag: Flag, checkin: Checkin | None, now: datetime) -> MyFlag:
    deadline = appeal_deadline(flag)
    appealed = any(e.action == "appealed" for e in flag.events)
    open_for_appeal = flag.status in ("open", "confirmed") and not appealed and now <= deadline
    facts = [(k, v) for k, v in (flag.evidence or {}).items() if k not in HIDDEN_EVIDENCE and v is not None]
    return MyFlag(flag, facts, checkin, deadline, open_for_appeal)


def my_month(actor: Actor, day: date) -> Month:
    """The officer's shifts of `day`'s month up to the end of `day`, with their states, flags and totals."""
    first = day.replace(day=1)
    start, _ = local_day_bounds(first)
    _, end = local_day_bounds(day)
    states = shift_states(shifts_between(actor.id, start, end))
    flags_by_shift: dict[int, list[Flag]] = defaultdict(list)
    ids = [s.shift.id for s in states]
    if ids:
        for f in db.session.scalars(select(Flag).where(Flag.officer_id == actor.id, Flag.shift_id.in_(ids))
                                    .order_by(Flag.start, Flag.id)):
            flags_by_shift[f.shift_id].append(f)
    rows = [(s, flags_by_shift[s.shift.id]) for s in states]
    return Month(first, rows, _totals(rows))


def _totals(rows: list[tuple[ShiftState, list[Flag]]]) -> dict[str, int]:
    states = Counter(s.state for s, _ in rows)
    statuses = Counter(f.status for _, flags in rows for f in flags)
    return {"shifts": len(rows), "signed": states["signed"] + states["late"] + states["review"],
            "late": states["late"], "flags": sum(statuses.values()),
            **{status: statuses[status] for status in DECIDED}}


def local_hm(at: datetime) -> str:
    """HH:MM in Beijing time."""
    return at.astimezone(SHANGHAI).strftime("%H:%M")

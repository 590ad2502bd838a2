"""Demo world: cross-district inspections (交叉互检), yesterday's done and today's handed out.

Yesterday the city-wide manager `city` drew a round at 07:00 (two inspectors from each district,
two spot checks each) and the inspectors recorded a finding on every check during the checked
shift: most officers compliant, one absent from their grid, one playing with a phone (D06), one in
an untidy uniform (D01). Those three raise INSPECTION flags, left open for the demo's reviewers.
Today's round is released at 07:00 (or when the demo is built, if later), so an inspector who logs
in sees where to go; the one finding recorded today is a compliant one, and only when a checked
shift is under way.

Everything goes through the real services with explicit times and fixed seeds, so the demo is
reproducible. A day that has a round is not drawn again, and a check that has findings is left
alone, so running the demo twice adds nothing.
"""
from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import select

from supervise.demo.checkins import demo_selfie
from supervise.extensions import db
from supervise.models import InspectionAssignment, InspectionFinding, InspectionRound, User
from supervise.services.auth import actor_for
from supervise.services.inspections import FindingRequest, RoundRequest, draw_inspection_round, record_finding
from supervise.timeutil import SHANGHAI, local_day_bounds, utcnow

DRAWN_AT = timedelta(hours=7)            # rounds are drawn and released at 07:00 Shanghai time
SEEDS = {"yesterday": 20240101, "today": 20240102}
INSPECTORS_PER_DISTRICT = 2
CHECKS_PER_INSPECTOR = 2
INSPECTED_AFTER = timedelta(minutes=75)  # an inspector reaches a check this long after the shift starts
PHOTO_BEFORE_RECEIPT = timedelta(minutes=1)


@dataclass(frozen=True)
class Case:
    """What yesterday's inspector found on one check."""

    label: str
    result: str
    items: tuple[str, ...] = ()
    note: str | None = None
    districts: tuple[str, ...] = ("NG", "DL")   # where the case is preferably placed, so both managers see one


CASES = (
    Case("absent", "absent", note="督察员到达时网格内未见该队员，电话联系十分钟后仍未到岗", districts=("NG", "DL")),
    Case("D06", "violation", ("D06",), "执勤期间坐在路边长椅上低头玩手机游戏约五分钟，经提醒后收起",
         districts=("DL", "NG")),
    Case("D01", "violation", ("D01",), "未戴制式帽，上衣未系扣", districts=("NG", "DL")),
)
COMPLIANT = Case("compliant", "compliant")


def add_demo_inspections(days: tuple[date, ...]) -> Iterator[str]:
    """Yesterday's round with its findings and INSPECTION flags, and today's round (the last of
    `days`), released at 07:00 or now if later; yields one line per thing done."""
    yesterday, today = days[0], days[-1]
    yield from _yesterday(yesterday)
    yield from _today(today)


def _seven_am(day: date) -> datetime:
    return local_day_bounds(day)[0] + DRAWN_AT


def _existing_round(day: date) -> InspectionRound | None:
    return db.session.scalar(select(InspectionRound).where(InspectionRound.day == day)
                             .order_by(InspectionRound.id).limit(1))


def _round(day: date, seed: int, now: datetime) -> tuple[InspectionRound, str]:
    """The day's round: the one already there, or one drawn by `city` as of `now` (released then or at 07:00)."""
    existing = _existing_round(day)
    if existing is not None:
        return existing, f"inspection round for {day.isoformat()}: already drawn ({len(existing.assignments)} checks)"
    city = actor_for(db.session.scalar(select(User).where(User.username == "city")))
    release_at = max(_seven_am(day), now)
    round_ = draw_inspection_round(city, RoundRequest(day=day, inspectors_per_district=INSPECTORS_PER_DISTRICT,
                                                      checks_per_inspector=CHECKS_PER_INSPECTOR, seed=seed,
                                                      release_at=release_at), now=now)
    inspectors = {a.inspector_id for a in round_.assignments}
    released = release_at.astimezone(SHANGHAI)
    return round_, (f"inspection round for {day.isoformat()}: drawn by city (seed {seed}), {len(round_.assignments)} "
                    f"cross-district checks for {len(inspectors)} inspectors, released {released:%H:%M}")


def _yesterday(day: date) -> Iterator[str]:
    round_, line = _round(day, SEEDS["yesterday"], _seven_am(day))
    yield line
    now = utcnow()
    visits = _visits(round_.assignments)
    cases = _cases([a for a in round_.assignments if a.id in visits])
    done = _checks_with_findings(round_)
    counts: Counter[str] = Counter()
    flags = 0
    for assignment in round_.assignments:
        received = visits.get(assignment.id)
        if assignment.id in done or received is None or received > now:
            continue
        case = cases.get(assignment.id, COMPLIANT)
        flags += _record(assignment, case, received, seed=day.toordinal() * 100 + 90 + assignment.id).flag is not None
        counts[case.label] += 1
    if not counts:
        yield f"inspection findings for {day.isoformat()}: none added ({len(done)} checks already done)"
        return
    detail = ", ".join(f"{n} {label}" for label, n in counts.items())
    yield (f"inspection findings for {day.isoformat()}: {sum(counts.values())} recorded ({detail}); "
           f"{flags} INSPECTION flags raised, left open for review")


def _checks_with_findings(round_: InspectionRound) -> set[int]:
    # Read from the database: with expire_on_commit off, a loaded `findings` collection may be stale.
    return set(db.session.scalars(select(InspectionFinding.assignment_id).join(InspectionAssignment)
                                  .where(InspectionAssignment.round_id == round_.id)))


def _visits(assignments: list[InspectionAssignment]) -> dict[int, datetime]:
    """When the inspector reached each check (by id): during the shift and after the round's release.

    A check whose shift ended before the release (a round drawn late in its day) is left unvisited.
    """
    visits = {}
    for index, assignment in enumerate(assignments):
        shift = assignment.shift
        at = shift.start + INSPECTED_AFTER + timedelta(minutes=7 * (index % 6), seconds=13 * index)
        at = max(min(at, shift.end - timedelta(minutes=10)), assignment.release_at + timedelta(minutes=1))
        if at < shift.end:
            visits[assignment.id] = at
    return visits


def _cases(assignments: list[InspectionAssignment]) -> dict[int, Case]:
    """Which check (by id) shows which non-compliant case: in NG and DL when the draw sent someone there."""
    chosen: dict[int, Case] = {}
    for case in CASES:
        free = [a for a in assignments if a.id not in chosen]
        preferred = [a for code in case.districts for a in free if a.district.code == code]
        pick = (preferred or free or [None])[0]
        if pick is not None:
            chosen[pick.id] = case
    return chosen


def _record(assignment: InspectionAssignment, case: Case, received: datetime, *, seed: int = 0):
    photo = None
    if case.result != "compliant":
        photo = demo_selfie(assignment.shift, received - PHOTO_BEFORE_RECEIPT, seed)
    request = FindingRequest(officer=assignment.officer.badge_no, result=case.result, items=case.items,
                             note=case.note, photo=photo)
    return record_finding(actor_for(assignment.inspector), assignment.id, request, received_at=received)


def _today(day: date) -> Iterator[str]:
    now = utcnow()
    day_end = local_day_bounds(day)[1]
    # A day already over (a demo built for a past date) is drawn as of its 07:00.
    drawn_at = now if now < day_end else _seven_am(day)
    round_, line = _round(day, SEEDS["today"], drawn_at)
    yield line
    if _checks_with_findings(round_):
        yield f"inspection findings for {day.isoformat()}: already recorded"
        return
    under_way = [a for a in round_.assignments
                 if a.shift.start <= now < a.shift.end and a.release_at <= now]
    if not under_way:
        yield f"inspection findings for {day.isoformat()}: none yet (no checked shift is under way)"
        return
    assignment = under_way[0]
    _record(assignment, COMPLIANT, now)
    yield (f"inspection findings for {day.isoformat()}: 1 compliant ({assignment.inspector.username} "
           f"found {assignment.officer.badge_no} at work)")


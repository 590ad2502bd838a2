"""Cross-district inspections (交叉互检): drawing rounds, handing out spot checks, recording findings.

A round is drawn for one Shanghai day from that day's shifts (the pure draw in
supervise.inspections.draw decides who goes where). An inspector sees their own checks only from
the round's release time, and the inspected side never sees them ahead: district managers see only
what their own inspectors were sent to do, and officers see nothing until a finding names them.
A finding other than compliant raises an INSPECTION flag in the same transaction; its photo is kept
like a sign-in photo (content-addressed, on the disk before the commit, removed if the commit fails).
"""
from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import and_, func, insert, or_, select, update
from sqlalchemy.orm import selectinload

from supervise.errors import Conflict, Forbidden, Invalid, NotFound
from supervise.evidence.photo import PhotoEvidence
from supervise.extensions import db
from supervise.i18n_marks import N_
from supervise.inspections.draw import Inspector, Target, draw_round, select_per_district
from supervise.inspections.kinds import cited_outside, form_teams, in_focus, parse_scope, team_as_inspector
from supervise.models import (
    AssignmentMember,
    Checkin,
    District,
    Flag,
    FlagEvent,
    Grid,
    InspectionAssignment,
    InspectionFinding,
    InspectionRound,
    Photo,
    Shift,
    User,
)
from supervise.regulation.facts import InspectionFact
from supervise.regulation.rules.inspection import finding_for, unknown_items
from supervise.services import audit, lookup, photos, storage
from supervise.services.access import Actor, can_manage_district, require_role
from supervise.services.areas import area_for_shift
from supervise.services.checkins import _photo_row, read_evidence
from supervise.services.reconcile import check_against_track
from supervise.services.regulation import InForce, regulation_in_force
from supervise.stored_text import english, stored
from supervise.timeutil import SHANGHAI, is_supported_day, iso_z, local_day_bounds, utcnow

RECENT_ROUNDS = 4                       # pairings from this many earlier rounds are avoided
RECORDING_GRACE = timedelta(hours=24)   # findings may still arrive this long after the round's day ends
CAPTURE_SLACK = timedelta(hours=1)      # a finding's photo may be taken this far outside the day


# ---------------------------------------------------------------- drawing a round


@dataclass(frozen=True)
class RoundRequest:
    day: date
    kind: str = "cross_district"
    inspectors_per_district: int | None = None
    checks_per_inspector: int = 3
    seed: int | None = None
    release_at: datetime | None = None
    scope: dict | None = None


def draw_inspection_round(actor: Actor, request: RoundRequest, *, now: datetime | None = None) -> InspectionRound:
    """Draw and store a round of spot checks for `request.day` (a city-wide manager or an admin).

    District managers are refused: a district is always on the inspected side of a cross-district
    round, and whoever draws it sees where every inspector goes. Raises Invalid for a day that has
    ended, a release after the day, or a draw that places nobody (with the reasons).
    """
    require_role(actor, "manager")
    if not actor.is_city_wide:
        raise Forbidden("Inspection rounds are drawn by city-wide managers: a district manager's district is "
                        "inspected in the round and must not learn its checks ahead.", code="CITY_WIDE_ONLY")
    now = now or utcnow()
    if not is_supported_day(request.day):
        raise Invalid("%(day)s is outside the years the service keeps (1900–2999).", code="DAY_OUT_OF_RANGE", params={"day": request.day})
    day_start, day_end = local_day_bounds(request.day)
    if day_end <= now:
        raise Invalid("%(day)s has ended; draw rounds for today or a later day.", code="ROUND_DAY_PASSED", params={"day": request.day})
    release_at = request.release_at or max(day_start, now)
    if release_at >= day_end:
        raise Invalid("The round must be released before its day ends.", code="RELEASE_AFTER_DAY")
    seed = request.seed if request.seed is not None else secrets.randbelow(2**31)
    scope = _scope(request)
    targets = _targets(request.day, request.kind, scope)
    inspectors, teams = _drawn_inspectors(request, scope, seed)
    try:
        draw = draw_round(inspectors, list(targets.values()), seed=seed,
                          inspectors_per_district=None if teams else request.inspectors_per_district,
                          checks_per_inspector=request.checks_per_inspector,
                          recent_pairings={} if request.kind == "routine" else _recent_pairings(request.day),
                          recent_checks=_recent_checks(request.day), own_district=request.kind == "routine")
    except ValueError as exc:
        raise Invalid(str(exc), code="DRAW_INVALID") from None
    if not draw.checks:
        raise Invalid("Nobody could be sent: the draw needs inspectors and, in another district than theirs, shifts on %(day)s.", code="NOTHING_TO_DRAW",
                      details={"unplaced": [{"inspector_id": i, "reason": r} for i, r in draw.unplaced],
                               "shifts": len(targets)}, params={"day": request.day})
    districts = {d.code: d.id for d in db.session.scalars(select(District))}
    round_ = InspectionRound(day=request.day, kind=request.kind, seed=seed,
                             inspectors_per_district=request.inspectors_per_district,
                             checks_per_inspector=request.checks_per_inspector, release_at=release_at,
                             unplaced=[{"inspector_id": i, "reason": r} for i, r in draw.unplaced],
                             repeated_pairings=[{"inspector_id": i, "district": d} for i, d in draw.repeated_pairings],
                             created_by_id=actor.id or None, scope=scope or None)  # 0: the operator's CLI
    for check in draw.checks:
        target = targets[check.target_id]
        assignment = InspectionAssignment(
            inspector_id=check.inspector_id, district_id=districts[check.district], shift_id=target.id,
            officer_id=target.officer_id, release_at=release_at)
        assignment.members = [AssignmentMember(inspector_id=m) for m in teams.get(check.inspector_id, [])]
        round_.assignments.append(assignment)
    db.session.add(round_)
    db.session.commit()
    return round_


def _inspectors() -> list[Inspector]:
    rows = db.session.execute(
        select(User.id, District.code).outerjoin(District, User.district_id == District.id)
        .where(User.role == "inspector", User.active.is_(True)))
    return [Inspector(id=row.id, district=row.code or "") for row in rows]


def _targets(day: date, kind: str = "cross_district", scope: dict | None = None) -> dict[int, Target]:
    """The day's shifts of active officers, each in the district of its grid (else its officer's);
    a key-point round keeps those on its focus grids during its focus times, a routine or joint
    round with named districts those in them."""
    scope = scope or {}
    start, end = local_day_bounds(day)
    rows = db.session.execute(
        select(Shift.id, Shift.officer_id, District.code, Shift.grid_id, Shift.start, Shift.end)
        .join(User, Shift.officer_id == User.id)
        .outerjoin(Grid, Shift.grid_id == Grid.id)
        .join(District, District.id == db.func.coalesce(Grid.district_id, User.district_id))
        .where(Shift.start >= start, Shift.start < end, User.active.is_(True), User.role == "officer"))
    chains = _grid_chains() if kind == "key_point" else {}
    return {row.id: Target(id=row.id, district=row.code, officer_id=row.officer_id) for row in rows
            if (kind != "key_point" or in_focus(chains.get(row.grid_id, ()), row.start, row.end, scope, day))
            and ("districts" not in scope or row.code in scope["districts"])}


def _grid_chains() -> dict[int, list[str]]:
    """Each grid's code with its parents' (net, domain), for key-point rounds that name a net."""
    grids = {g.id: (g.code, g.parent_id) for g in db.session.execute(select(Grid.id, Grid.code, Grid.parent_id))}
    chains = {}
    for grid_id in grids:
        chain, cursor = [], grid_id
        while cursor is not None and len(chain) < 5:
            code, parent = grids[cursor]
            chain.append(code)
            cursor = parent
        chains[grid_id] = chain
    return chains


def _scope(request: RoundRequest) -> dict:
    in_force = regulation_in_force()
    try:
        return parse_scope(request.kind, request.scope, catalog=in_force.regulation.catalog,
                           grids=set(db.session.scalars(select(Grid.code))),
                           districts=set(db.session.scalars(select(District.code))))
    except ValueError as exc:
        raise Invalid("scope: %(exc)s.", code="SCOPE_INVALID", params={"exc": exc}) from None


def _drawn_inspectors(request: RoundRequest, scope: dict, seed: int) -> tuple[list[Inspector], dict[int, list[int]]]:
    """The inspectors who take part, and for a joint round its teams by leader ({leader: member ids})."""
    inspectors = [i for i in _inspectors() if "districts" not in scope or i.district in scope["districts"]]
    if request.kind != "joint":
        return inspectors, {}
    if request.inspectors_per_district is not None:
        inspectors = select_per_district(inspectors, request.inspectors_per_district, seed)
    teams = form_teams(inspectors, scope["team_size"], seed)
    if not teams:
        raise Invalid("A joint round needs inspectors from %(value)s different districts.",
                      code="NOTHING_TO_DRAW", params={"value": scope['team_size']})
    return [team_as_inspector(t) for t in teams], {t[0].id: sorted(m.id for m in t) for t in teams}


def _earlier_rounds(day: date) -> list[int]:
    return list(db.session.scalars(select(InspectionRound.id).where(InspectionRound.day < day,
                                                                    InspectionRound.withdrawn_at.is_(None))
                                   .order_by(InspectionRound.day.desc(), InspectionRound.id.desc())
                                   .limit(RECENT_ROUNDS)))


def _recent_pairings(day: date) -> dict[tuple[int, str], int]:
    """(inspector, district) → how many rounds ago (1 = the latest earlier round)."""
    rounds = _earlier_rounds(day)
    if not rounds:
        return {}
    ago = {round_id: k for k, round_id in enumerate(rounds, start=1)}
    rows = db.session.execute(
        select(InspectionAssignment.round_id, InspectionAssignment.inspector_id, District.code)
        .join(District, InspectionAssignment.district_id == District.id)
        .where(InspectionAssignment.round_id.in_(rounds)))
    pairings: dict[tuple[int, str], int] = {}
    for row in rows:
        key = (row.inspector_id, row.code)
        pairings[key] = min(pairings.get(key, RECENT_ROUNDS + 1), ago[row.round_id])
    return pairings


def _recent_checks(day: date) -> set[tuple[int, int]]:
    rounds = _earlier_rounds(day)
    if not rounds:
        return set()
    rows = db.session.execute(select(InspectionAssignment.inspector_id, InspectionAssignment.officer_id)
                              .where(InspectionAssignment.round_id.in_(rounds)))
    return {(row.inspector_id, row.officer_id) for row in rows}


# ---------------------------------------------------------------- who sees what


def rounds_query(actor: Actor):
    """A select() of the rounds, newest first (city-wide managers and admins only)."""
    _require_round_reader(actor)
    return select(InspectionRound).order_by(InspectionRound.day.desc(), InspectionRound.id.desc())


def get_round(actor: Actor, round_id: int) -> InspectionRound:
    """One round with its assignments (city-wide managers and admins only)."""
    _require_round_reader(actor)
    return lookup.get_or_404(InspectionRound, round_id, "inspection round")


MIN_WITHDRAWAL_REASON = 4
MAX_WITHDRAWAL_REASON = 2000


def withdraw_round(actor: Actor, round_id: int, reason: str, *, now: datetime | None = None) -> InspectionRound:
    """Withdraw a round before its release (a city-wide manager or an admin), with a reason kept on
    the round: its checks are then never shown to the inspectors. At or after the release it
    cannot be withdrawn (409 ROUND_RELEASED): inspectors may already be on their way. The
    withdrawal is a record of the audit trail ("round.withdrawn"), in its transaction. One
    conditional update, so a withdrawal racing the release time or another withdrawal is one or
    the other, never both."""
    round_ = get_round(actor, round_id)
    reason = (reason or "").strip()
    if len(reason) < MIN_WITHDRAWAL_REASON or len(reason) > MAX_WITHDRAWAL_REASON:
        raise Invalid(f"Give a reason for withdrawing the round ({MIN_WITHDRAWAL_REASON} to "
                      f"{MAX_WITHDRAWAL_REASON} characters); it is kept with the round.",
                      code="REASON_REQUIRED")
    now = now or utcnow()
    if round_.withdrawn_at is not None:
        raise Conflict("This round has been withdrawn already.", code="ROUND_WITHDRAWN",
                       details={"withdrawn_at": iso_z(round_.withdrawn_at)})
    if round_.release_at <= now:
        raise _released(round_)
    moved = db.session.execute(
        update(InspectionRound).where(InspectionRound.id == round_.id, InspectionRound.withdrawn_at.is_(None),
                                      InspectionRound.release_at > now)
        .values(withdrawn_at=now, withdrawn_by_id=actor.id or None, withdrawn_reason=reason),
        execution_options={"synchronize_session": False}).rowcount
    if moved != 1:
        db.session.rollback()
        raise _released(db.session.get(InspectionRound, round_id, populate_existing=True))
    withdrawn = db.session.get(InspectionRound, round_id, populate_existing=True)
    audit.append(db.session, [audit.RoundWithdrawal(withdrawn)])
    db.session.commit()
    return withdrawn


def _released(round_: InspectionRound) -> Conflict:
    if round_.withdrawn_at is not None:
        return Conflict("This round has been withdrawn already.", code="ROUND_WITHDRAWN",
                        details={"withdrawn_at": iso_z(round_.withdrawn_at)})
    return Conflict("The round has been released: inspectors may already be on their way, so it can no "
                    "longer be withdrawn.", code="ROUND_RELEASED", details={"release_at": iso_z(round_.release_at)})


def rounds_on(day: date) -> list[InspectionRound]:
    """The rounds already drawn for `day` and not withdrawn (to warn before drawing another)."""
    return list(db.session.scalars(select(InspectionRound).where(InspectionRound.day == day,
                                                                 InspectionRound.withdrawn_at.is_(None))
                                   .order_by(InspectionRound.id)))


def next_release(actor: Actor, day: date, *, now: datetime | None = None) -> datetime | None:
    """When the inspector's next check of `day` appears (None when none is waiting to be released)."""
    now = now or utcnow()
    teams = select(AssignmentMember.assignment_id).where(AssignmentMember.inspector_id == actor.id)
    return db.session.scalar(
        select(func.min(InspectionAssignment.release_at))
        .where(or_(InspectionAssignment.inspector_id == actor.id, InspectionAssignment.id.in_(teams)),
               InspectionAssignment.release_at > now,
               InspectionAssignment.round.has(and_(InspectionRound.day == day,
                                                   InspectionRound.withdrawn_at.is_(None)))))


def _require_round_reader(actor: Actor) -> None:
    if not actor.is_city_wide:
        raise Forbidden("Only city-wide managers and admins see whole inspection rounds.", code="CITY_WIDE_ONLY")


def assignments_query(actor: Actor, *, round_id: int | None = None, day: date | None = None,
                      now: datetime | None = None):
    """A select() of the spot checks the actor may list, earliest first.

    Inspectors: their own, once released. District managers: those of their own district's
    inspectors, once released (never the checks coming to their district). City-wide managers
    and admins: all. Officers: none (403).
    """
    now = now or utcnow()
    query = select(InspectionAssignment).options(
        selectinload(InspectionAssignment.findings).selectinload(InspectionFinding.flag))
    if actor.role == "inspector":
        teams = select(AssignmentMember.assignment_id).where(AssignmentMember.inspector_id == actor.id)
        query = query.where(or_(InspectionAssignment.inspector_id == actor.id, InspectionAssignment.id.in_(teams)),
                            InspectionAssignment.release_at <= now)
    elif actor.role == "manager" and not actor.is_city_wide:
        own = select(User.id).where(User.district_id == actor.district_id, User.role == "inspector")
        query = query.where(InspectionAssignment.inspector_id.in_(own), InspectionAssignment.release_at <= now)
    elif not actor.is_city_wide:
        raise Forbidden("Spot checks are for inspectors and managers.", code="NOT_AN_INSPECTOR")
    if actor.role in ("inspector", "manager") and not actor.is_city_wide:
        query = query.where(~InspectionAssignment.round.has(InspectionRound.withdrawn_at.is_not(None)))
    if round_id is not None:
        query = query.where(InspectionAssignment.round_id == round_id)
    if day is not None:
        query = query.where(InspectionAssignment.round.has(InspectionRound.day == day))
    return query.order_by(InspectionAssignment.release_at, InspectionAssignment.id)


def get_assignment(actor: Actor, assignment_id: int, *, now: datetime | None = None) -> InspectionAssignment:
    """One spot check, to whoever may list it; to anyone else it does not exist (404)."""
    assignment = db.session.scalar(assignments_query(actor, now=now)
                                   .where(InspectionAssignment.id == assignment_id))
    if assignment is None:
        raise NotFound("There is no spot check with id %(assignment_id)s for you.",
                              details={"id": assignment_id}, params={"assignment_id": assignment_id})
    return assignment


# ---------------------------------------------------------------- recording a finding


@dataclass(frozen=True)
class FindingRequest:
    officer: str                      # badge number
    result: str                       # compliant | absent | violation
    items: tuple[str, ...] = ()
    note: str | None = None
    photo: bytes | None = None


@dataclass
class RecordedFinding:
    finding: InspectionFinding
    flag: Flag | None


def record_finding(actor: Actor, assignment_id: int, request: FindingRequest, *,
                   received_at: datetime | None = None,
                   before_commit: Callable[[RecordedFinding], None] | None = None) -> RecordedFinding:
    """Record what the inspector found about one officer on this spot check, and raise its flag.

    Only the assignment's inspector, from its release until a day after the round's day. The
    officer must serve in the inspected district. `absent` and `violation` need a photo, and a
    violation names at least one catalog item; a compliant finding cites none. The photo is refused
    like a sign-in photo (415/422), when it was taken on another day than the check, or when it is
    already evidence of a sign-in or of another check. Nothing is stored when anything is refused.
    `before_commit` is given the finding right before the commit, to write in the same transaction.
    """
    received_at = received_at or utcnow()
    assignment = get_assignment(actor, assignment_id, now=received_at)
    if actor.id not in assignment.team_ids:
        raise Forbidden("Only the inspector sent on this spot check records its findings.", code="NOT_YOUR_CHECK")
    _require_open(assignment, received_at)
    officer = _inspected_officer(assignment, request.officer)
    in_force = regulation_in_force()
    _check_result(request, in_force)
    _check_scope(assignment.round, request)
    evidence = read_evidence(request.photo, received_at) if request.photo is not None else None
    if evidence is not None:
        _check_photo(assignment, evidence, received_at)
    finding = _build_finding(actor, assignment, officer, request, evidence, received_at)
    return _store_finding(finding, evidence, request.photo, in_force, before_commit)


def _require_open(assignment: InspectionAssignment, at: datetime) -> None:
    _, day_end = local_day_bounds(assignment.round.day)
    if at > day_end + RECORDING_GRACE:
        raise Conflict("This spot check was for %(day)s; findings are taken until a day after.",
                       code="CHECK_CLOSED", params={"day": assignment.round.day})


def _inspected_officer(assignment: InspectionAssignment, badge_no: str) -> User:
    officer = lookup.officer_by_badge(badge_no)
    if officer.role != "officer":
        raise Invalid("%(badge_no)s is not an officer's badge number.", code="NOT_AN_OFFICER",
                      details={"officer": badge_no}, params={"badge_no": badge_no})
    if officer.district_id != assignment.district_id and officer.id != assignment.officer_id:
        raise Invalid("Officer %(badge_no)s does not serve in %(name)s, the district of this check.", code="OFFICER_NOT_IN_DISTRICT", details={"officer": badge_no}, params={"badge_no": badge_no, "name": assignment.district.name})
    return officer


def officers_for_check(assignment: InspectionAssignment) -> list[User]:
    """The officers a finding on this check may name: the one on duty first, then the active officers
    of the inspected district with a badge number, by badge (the same rule record_finding applies)."""
    others = db.session.scalars(select(User).where(
        User.role == "officer", User.active.is_(True), User.district_id == assignment.district_id,
        User.badge_no.is_not(None), User.id != assignment.officer_id).order_by(User.badge_no))
    return [assignment.officer, *others]


def _check_result(request: FindingRequest, in_force: InForce) -> None:
    if request.result not in ("compliant", "absent", "violation"):
        raise Invalid("result is compliant, absent or violation.", code="RESULT_INVALID")
    unknown = unknown_items(request.items, in_force.regulation.catalog)
    if unknown:
        raise Invalid("Not in the regulation's catalog: %(value)s.", code="UNKNOWN_ITEM",
                      details={"items": unknown, "catalog": sorted(in_force.regulation.catalog)}, params={"value": ', '.join(unknown)})
    if len(set(request.items)) != len(request.items):
        raise Invalid("Each catalog item is cited once.", code="ITEM_REPEATED")
    if request.result == "violation" and not request.items:
        raise Invalid("A violation cites the catalog item(s) breached (十不准 codes such as D05).",
                      code="ITEMS_REQUIRED")
    if request.result == "compliant" and request.items:
        raise Invalid("A compliant finding cites no catalog items.", code="ITEMS_ON_COMPLIANT")
    if request.result != "compliant" and request.photo is None:
        raise Invalid("A finding against an officer needs a photo as evidence (file part `photo`).",
                      code="PHOTO_MISSING")


def _check_scope(round_: InspectionRound, request: FindingRequest) -> None:
    outside = cited_outside(round_.kind, round_.scope, request.items)
    if outside:
        raise Invalid("This special round is about %(value)s; it does not cover %(value2)s.", code="ITEM_OUTSIDE_ROUND",
                      details={"items": outside, "round_items": round_.scope["items"]}, params={"value": ', '.join(round_.scope['items']), "value2": ', '.join(outside)})


def _check_photo(assignment: InspectionAssignment, evidence: PhotoEvidence, received_at: datetime) -> None:
    captured = evidence.captured_at
    if captured is not None:
        day_start, day_end = local_day_bounds(assignment.round.day)
        if not day_start - CAPTURE_SLACK <= captured <= day_end + CAPTURE_SLACK:
            local = captured.astimezone(SHANGHAI)
            raise Invalid("The photo was taken on %(local)s, not on the day of this check (%(day)s); take the photo at the check.", code="PHOTO_NOT_FROM_THE_CHECK",
                          details={"captured_at_local": local.isoformat()}, params={"local": f"{local:%Y-%m-%d %H:%M}", "day": assignment.round.day})
    if db.session.scalar(select(Checkin.id).where(Checkin.photo_sha256 == evidence.sha256).limit(1)):
        raise Conflict("This photo is already a sign-in photo; a finding needs its own photo.",
                       code="PHOTO_ALREADY_EVIDENCE")
    elsewhere = db.session.scalar(select(InspectionFinding.id).where(
        InspectionFinding.photo_sha256 == evidence.sha256,
        InspectionFinding.assignment_id != assignment.id).limit(1))
    if elsewhere:
        raise Conflict("This photo is already the evidence of finding %(elsewhere)s of another check.",
                       code="PHOTO_ALREADY_EVIDENCE", details={"finding_id": elsewhere}, params={"elsewhere": elsewhere})


def _build_finding(actor: Actor, assignment: InspectionAssignment, officer: User, request: FindingRequest,
                   evidence: PhotoEvidence | None, received_at: datetime) -> InspectionFinding:
    shift = assignment.shift if officer.id == assignment.officer_id else _shift_at(officer.id, received_at)
    finding = InspectionFinding(
        assignment_id=assignment.id, inspector_id=actor.id, officer_id=officer.id,
        officer=officer, district_id=officer.district_id, shift_id=shift.id if shift else None,
        result=request.result, items=list(request.items), note=(request.note or "").strip() or None,
        recorded_at=received_at)
    if assignment.members:
        finding.signatures = [{"inspector_id": actor.id, "at": received_at.isoformat()}]
    if evidence is not None:
        finding.photo_sha256 = evidence.sha256
        finding.captured_at, finding.capture_time_source = evidence.captured_at, evidence.capture_time_source
        if evidence.gps is not None:
            finding.lat, finding.lon, finding.accuracy_m = evidence.gps.lat, evidence.gps.lon, evidence.gps.accuracy_m
            if shift is not None:
                finding.distance_to_grid_m = round(float(area_for_shift(shift).distance_m(finding.lat,
                                                                                          finding.lon)), 1)
    return finding


def _shift_at(officer_id: int, at: datetime) -> Shift | None:
    return db.session.scalar(select(Shift).where(Shift.officer_id == officer_id, Shift.start <= at + timedelta(hours=1),
                                                 Shift.end >= at - timedelta(hours=1)).order_by(Shift.start).limit(1))


def _store_finding(finding: InspectionFinding, evidence: PhotoEvidence | None, data: bytes | None,
                   in_force: InForce, before_commit: Callable[[RecordedFinding], None] | None) -> RecordedFinding:
    try:
        if evidence is None:
            flag = _commit_finding(finding, in_force, before_commit)
        else:
            with storage.original_kept_for_commit(evidence.sha256, evidence.format, data) as original:
                if db.session.get(Photo, evidence.sha256) is None:
                    db.session.connection().execute(insert(Photo), _photo_row(evidence, len(data)))
                flag = _commit_finding(finding, in_force, before_commit, original.make_durable)
    except BaseException:
        db.session.rollback()
        raise
    return RecordedFinding(finding, flag)


def _commit_finding(finding: InspectionFinding, in_force: InForce,
                    before_commit: Callable[[RecordedFinding], None] | None = None,
                    make_durable: Callable[[], None] | None = None) -> Flag | None:
    db.session.add(finding)
    db.session.flush()
    flag = _raise_flag(finding, in_force) if fully_signed(finding) else None
    check_against_track(finding, flag)
    if before_commit is not None:
        before_commit(RecordedFinding(finding, flag))
    if make_durable is not None:
        make_durable()
    db.session.commit()
    return flag


def _raise_flag(finding: InspectionFinding, in_force: InForce) -> Flag | None:
    assignment = finding.assignment
    district = finding.officer.district.code if finding.officer.district else None
    config = in_force.regulation.values_for(finding.captured_at or finding.recorded_at, district)["INSPECTION"]
    if not config.enabled:
        return None
    inspector = assignment.inspector
    shift = finding.shift
    fact = InspectionFact(finding.id, assignment.id, assignment.round_id, assignment.round.kind,
                          inspector.name or inspector.username, finding.result, tuple(finding.items), finding.note,
                          finding.recorded_at, finding.captured_at, finding.distance_to_grid_m,
                          shift.start if shift else None, shift.end if shift else None, finding.accuracy_m)
    result = finding_for(fact, config, in_force.regulation.catalog)
    if result is None:
        return None
    flag = Flag(fact_key=f"finding:{finding.id}:INSPECTION", officer_id=finding.officer_id,
                district_id=finding.district_id, shift_id=finding.shift_id, finding_id=finding.id, code=result.code,
                clause=result.clause, severity=result.severity,
                regulation_version_id=in_force.version.id if in_force.version else None, start=result.start,
                end=result.end, summary_zh=result.summary_zh, summary_en=result.summary_en,
                evidence={**result.evidence, "regulation_version": in_force.version_number,
                          **({"signed_by": finding.signatures} if finding.signatures else {})}, status="open",
                needs_review=result.needs_review)
    message = stored(N_("%(summary)s (regulation v%(version)s, clause %(clause)s)"),
                     summary={"zh": result.summary_zh, "en": result.summary_en},
                     version=in_force.version_number, clause=result.clause)
    flag.events.append(FlagEvent(action="raised", to_status="open", actor_id=finding.inspector_id,
                                 reason=english(message), data={"message": message}))
    db.session.add(flag)
    return flag


def fully_signed(finding: InspectionFinding) -> bool:
    """Whether every inspector of the check has signed the finding (always, outside joint checks)."""
    if not finding.assignment.members:
        return True
    signed = {s["inspector_id"] for s in finding.signatures or []}
    return signed >= set(finding.assignment.team_ids)


def sign_finding(actor: Actor, finding_id: int, *, now: datetime | None = None) -> RecordedFinding:
    """A member of a joint check's team signs a finding another member recorded; the last signature
    raises its flag (one finding, signed by all, one flag)."""
    now = now or utcnow()
    finding = lookup.get_or_404(InspectionFinding, finding_id, "finding")
    assignment = finding.assignment
    if actor.id not in assignment.team_ids or not assignment.members:
        raise Forbidden("Only a member of this joint check's team signs its findings.", code="NOT_YOUR_CHECK")
    if any(s["inspector_id"] == actor.id for s in finding.signatures or []):
        raise Conflict("You have signed this finding already.", code="ALREADY_SIGNED")
    _require_open(assignment, now)
    finding.signatures = [*(finding.signatures or []), {"inspector_id": actor.id, "at": now.isoformat()}]
    flag = None
    if fully_signed(finding):
        flag = _raise_flag(finding, regulation_in_force())
        check_against_track(finding, flag)
    db.session.commit()
    return RecordedFinding(finding, flag)


# ---------------------------------------------------------------- reading findings


def get_finding(actor: Actor, finding_id: int) -> InspectionFinding:
    """A finding, to its inspector, the officer it names, their district's managers, and admins."""
    finding = lookup.get_or_404(InspectionFinding, finding_id, "finding")
    if actor.id in (finding.inspector_id, finding.officer_id, *finding.assignment.team_ids) \
            or can_manage_district(actor, finding.district_id):
        return finding
    raise Forbidden("You may not see this finding.")


def finding_photo(actor: Actor, finding_id: int, variant: str = "display") -> storage.PhotoFile:
    """The finding's photo: the EXIF-stripped display copy, or the original (managers and admins,
    recorded; services.photos)."""
    finding = get_finding(actor, finding_id)
    if finding.photo_sha256 is None:
        raise NotFound("This finding has no photo.", details={"id": finding_id})
    photo = db.session.get(Photo, finding.photo_sha256)
    return photos.photo_for(actor, photo, variant, f"finding:{finding.id}", f"finding-{finding.id}")

"""run_checks and check_shift: the regulation in force applied to the evidence, flags upserted.

A *full* evaluation judges a whole shift up to `as_of` and withdraws the open flags whose cause
has gone (late data arrived). A *windowed* evaluation (the scheduler's tick for shifts still in
progress) analyses only the last stretch of positions; it raises flags for spans that begin
inside that stretch and never withdraws anything. Every raise is keyed by `fact_key`, which is
unique in the database, so repeated runs and concurrent processes never make a second flag.
"""
from __future__ import annotations

import logging
import multiprocessing
import os
from collections.abc import Iterable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import numpy as np
from sqlalchemy import bindparam, distinct, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from supervise.extensions import db
from supervise.models import Checkin, CheckRun, Flag, FlagEvent, Position, Shift, User
from supervise.regulation import Finding, Regulation
from supervise.regulation.facts import CheckinFact, ShiftFacts
from supervise.regulation.rules import evaluate_shift
from supervise.services.areas import area_for_shift
from supervise.services.regulation import InForce, regulation_in_force
from supervise.services.tracks import TrackArrays, positions_for_officers
from supervise.timeutil import utcnow
from supervise.tracks.analysis import analyze_track
from supervise.tracks.model import Span, TrackAnalysis

log = logging.getLogger("supervise.checks")

LATE_DATA_WINDOW = timedelta(hours=24)   # flags of a shift may still change this long after it ends
WINDOW_MARGIN = timedelta(minutes=5)     # windowed look-back beyond the longest threshold and the tick
EDGE = timedelta(minutes=2)              # spans starting this close to the window's edge may be clipped
BATCH = 250
WORKERS = min(os.cpu_count() or 1, 4)
PARALLEL_MIN = 64                        # fewer tracks than this are analysed in-process
TRACK_CODES = {"TRACK_GAP", "IDLE", "OFF_POST", "LOCATION_SPOOF"}
END_OF_SHIFT_KEYS = ("EARLY_LEAVE", "LOW_PATROL", "OFF_POST@total")
SIGN_IN_CODES = {"LATE", "CHECKIN_OFF_GRID", "PHOTO_STALE", "PHOTO_NO_EVIDENCE", "PHOTO_REUSED",
                 "PHOTO_TIME_CONFLICT", "LOCATION_MISMATCH", "LOCATION_SPOOF"}


@dataclass
class RunReport:
    """What one run looked at and changed."""

    run_id: int | None
    as_of: datetime
    shifts: int = 0
    created: list[Flag] = field(default_factory=list)
    withdrawn: list[Flag] = field(default_factory=list)
    reinstated: list[Flag] = field(default_factory=list)
    errors: int = 0


# ---------------------------------------------------------------- entry points


def check_shift(shift_id: int, as_of: datetime) -> list[Flag]:
    """Fully evaluate one shift as of `as_of`, commit, and return its flags."""
    shift = db.session.get(Shift, shift_id)
    in_force = regulation_in_force()
    report = RunReport(None, as_of)
    _evaluate_batch([shift], as_of, in_force, report, window=None)
    db.session.commit()
    return db.session.scalars(select(Flag).where(Flag.shift_id == shift_id).order_by(Flag.id)).all()


def check_signin(shift_id: int, as_of: datetime, *, commit: bool = True) -> list[Flag]:
    """Judge a shift's sign-ins now (no track is read), raise what they show, and return the flags
    raised (flushed, and committed unless `commit` is False: a sign-in then commits itself and its
    flags at once). Nothing is withdrawn here: the next full evaluation does that."""
    shift = db.session.get(Shift, shift_id)
    in_force = regulation_in_force()
    report = RunReport(None, as_of)
    facts = _facts(shift, as_of, _sign_in_rows(shift_id), track=None)
    findings = [f for f in evaluate_shift(facts, in_force.regulation) if f.code in SIGN_IN_CODES]
    if findings:  # most sign-ins are clean: no flag to raise or refresh, so none to read
        _apply(shift, findings, _flags_by_key([shift_id]), in_force, report, full=False)
    if commit:
        db.session.commit()
    return report.created


_CHECKINS = Checkin.__table__.c
_SIGN_INS_OF_SHIFT = (select(Checkin.__table__).where(_CHECKINS.shift_id == bindparam("shift_id"))
                      .order_by(_CHECKINS.id))


def _sign_in_rows(shift_id: int) -> list:
    """The shift's sign-ins as plain rows (same names as Checkin's attributes), oldest first.

    Read through Core after a flush: the rules only read them, and on every sign-in the ORM's
    row handling cost more than the query."""
    db.session.flush()
    return db.session.connection().execute(_SIGN_INS_OF_SHIFT, {"shift_id": shift_id}).all()


def run_checks(as_of: datetime, *, trigger: str = "manual", since: datetime | None = None) -> RunReport:
    """Evaluate the shifts due as of `as_of` (all relevant ones, or those due since `since`).

    The same run twice creates nothing new. One failing shift is logged and counted, and the
    others still run.
    """
    started = utcnow()
    in_force = regulation_in_force()
    report = RunReport(None, as_of)
    full_ids, windowed_ids = shifts_due(as_of, since, in_force.regulation)
    window = _look_back(in_force.regulation, as_of - since) if since is not None else None
    for ids, mode in ((full_ids, None), (windowed_ids, window)):
        for chunk in _chunks(sorted(ids), BATCH):
            shifts = load_shifts(chunk)
            _evaluate_batch(shifts, as_of, in_force, report, window=mode)
            db.session.commit()
    # Recorded when done (not held open meanwhile: on SQLite that would block every writer).
    run = CheckRun(as_of=as_of, trigger=trigger, started_at=started, shifts=report.shifts, created=len(report.created),
                   withdrawn=len(report.withdrawn), errors=report.errors, finished_at=utcnow(),
                   regulation_version_id=in_force.version.id if in_force.version else None)
    db.session.add(run)
    db.session.commit()
    report.run_id = run.id
    return report


def shifts_due(as_of: datetime, since: datetime | None, regulation: Regulation) -> tuple[set[int], set[int]]:
    """(fully evaluated, window-evaluated) shift ids for a run as of `as_of`.

    Without `since`: every shift whose sign-in window has opened and whose late-data window has
    not closed, in full. With `since` (a scheduler tick): in full the shifts that ended, passed
    their absence deadline, or received evidence since then; the others in progress, windowed.
    """
    opens = timedelta(minutes=_sign_in_open_min(regulation))
    relevant = select(Shift.id).where(Shift.start <= as_of + opens, Shift.end >= as_of - LATE_DATA_WINDOW)
    if since is None:
        return set(db.session.scalars(relevant)), set()
    absent_after = timedelta(minutes=_absent_after_min(regulation))
    ended = select(Shift.id).where(Shift.end > since, Shift.end <= as_of)
    absence = select(Shift.id).where(Shift.start > since - absent_after, Shift.start <= as_of - absent_after)
    full = set(db.session.scalars(ended)) | set(db.session.scalars(absence)) | _with_new_evidence(since, as_of)
    in_progress = set(db.session.scalars(select(Shift.id).where(Shift.start <= as_of, Shift.end > as_of)))
    return full, in_progress - full


def _with_new_evidence(since: datetime, as_of: datetime) -> set[int]:
    """Ended shifts (within the late-data window) that got sign-ins or positions since `since`."""
    ended = (Shift.end <= as_of, Shift.end >= as_of - LATE_DATA_WINDOW)
    by_checkin = select(Checkin.shift_id).join(Shift, Checkin.shift_id == Shift.id).where(
        Checkin.received_at > since, Checkin.received_at <= as_of, *ended)
    officers = select(distinct(Position.officer_id)).where(Position.received_ts > since.timestamp(),
                                                           Position.received_ts <= as_of.timestamp())
    by_position = select(Shift.id).where(Shift.officer_id.in_(officers), *ended)
    return set(db.session.scalars(by_checkin)) | set(db.session.scalars(by_position))


def _sign_in_open_min(regulation: Regulation) -> float:
    return regulation.values_for(utcnow(), None)["LATE"].params["window_open_before_min"]


def _absent_after_min(regulation: Regulation) -> float:
    return regulation.values_for(utcnow(), None)["ABSENT"].params["absent_after_min"]


def _look_back(regulation: Regulation, since_last_tick: timedelta) -> timedelta:
    """How far back a windowed look reads: a span that crossed its threshold since the last tick
    began at most (threshold + time since the last tick) ago, and must start clear of the edge."""
    params = regulation.analysis_params(utcnow(), None)
    longest = max(params.idle_min_s, params.gap_max_s, 10 * 60)
    return timedelta(seconds=longest) + since_last_tick + EDGE + WINDOW_MARGIN


# ---------------------------------------------------------------- evaluation


def load_shifts(ids: list[int]) -> list[Shift]:
    """The shifts with everything the checks read, loaded in a few queries."""
    return db.session.scalars(select(Shift).where(Shift.id.in_(ids)).options(
        selectinload(Shift.officer).selectinload(User.district), selectinload(Shift.grid),
        selectinload(Shift.post), selectinload(Shift.breaks))).all()


def _evaluate_batch(shifts: list[Shift], as_of: datetime, in_force: InForce, report: RunReport,
                    window: timedelta | None) -> None:
    if not shifts:
        return
    existing = _flags_by_key([s.id for s in shifts])
    for shift, facts in facts_for(shifts, as_of, in_force.regulation, window):
        try:
            with db.session.begin_nested():
                findings = evaluate_shift(facts, in_force.regulation)
                if window is not None:
                    findings = _inside_window(findings, as_of - window)
                _apply(shift, findings, existing, in_force, report, full=window is None)
            report.shifts += 1
        except Exception:
            report.errors += 1
            log.exception("checking shift %s failed; the other shifts still run", shift.id)


def facts_for(shifts: list[Shift], as_of: datetime, regulation: Regulation,
              window: timedelta | None = None) -> Iterable[tuple[Shift, ShiftFacts]]:
    """Each shift with its facts as of `as_of`, the track analysed with `regulation`'s thresholds.

    Sign-ins and positions are read for the whole batch at once, and the tracks are analysed on
    every core. A shift whose facts cannot be built is logged and skipped.
    """
    checkins = _checkins_by_shift([s.id for s in shifts])
    tracks = _tracks_for(shifts, as_of, window)
    jobs = {}
    for shift in shifts:
        try:
            jobs[shift.id] = _analysis_job(shift, as_of, tracks.get(shift.officer_id), regulation, window)
        except Exception:
            log.exception("could not prepare the track of shift %s", shift.id)
    analyses = analyze_many(jobs)
    for shift in shifts:
        if shift.id not in analyses:
            continue
        try:
            yield shift, _facts(shift, as_of, checkins.get(shift.id, []), analyses[shift.id])
        except Exception:
            log.exception("could not gather the facts of shift %s", shift.id)


def _inside_window(findings: list[Finding], window_start: datetime) -> list[Finding]:
    """Keep what a windowed look can judge whole: sign-in findings, and track spans not clipped."""
    kept = []
    for finding in findings:
        if finding.key in END_OF_SHIFT_KEYS:
            continue
        if finding.code in TRACK_CODES and finding.start <= window_start + EDGE:
            continue
        kept.append(finding)
    return kept


def _checkins_by_shift(shift_ids: list[int]) -> dict[int, list[Checkin]]:
    grouped: dict[int, list[Checkin]] = {}
    for checkin in db.session.scalars(select(Checkin).where(Checkin.shift_id.in_(shift_ids)).order_by(Checkin.id)):
        grouped.setdefault(checkin.shift_id, []).append(checkin)
    return grouped


def _tracks_for(shifts: list[Shift], as_of: datetime, window: timedelta | None) -> dict[int, TrackArrays]:
    t0 = min(s.start for s in shifts) if window is None else as_of - window
    t1 = min(max(s.end for s in shifts), as_of)
    if t1 <= t0:
        return {}
    return positions_for_officers(sorted({s.officer_id for s in shifts}), t0.timestamp(), t1.timestamp())


def _flags_by_key(shift_ids: list[int]) -> dict[str, Flag]:
    rows = db.session.scalars(select(Flag).where(Flag.shift_id.in_(shift_ids)))
    return {flag.fact_key: flag for flag in rows}


def _facts(shift: Shift, as_of: datetime, checkins: list[Checkin], track: TrackAnalysis | None) -> ShiftFacts:
    district = shift.officer.district.code if shift.officer.district else None
    return ShiftFacts(shift_id=shift.id, officer_id=shift.officer_id, district=district, kind=shift.kind,
                      start=shift.start, end=shift.end, as_of=as_of, breaks=_breaks(shift),
                      checkins=[checkin_fact(c) for c in checkins], track=track)


def _breaks(shift: Shift) -> list[Span]:
    return [Span(b.start, b.end) for b in shift.breaks]


def _analysis_job(shift: Shift, as_of: datetime, arrays: TrackArrays | None, regulation: Regulation,
                  window: timedelta | None) -> tuple | None:
    """The arguments of analyze_track for this shift, or None when there is nothing to analyse."""
    if as_of <= shift.start:
        return None
    start = shift.start if window is None else max(shift.start, as_of - window)
    if arrays is not None:
        arrays = _between(arrays, start.timestamp(), min(shift.end, as_of).timestamp())
    if window is not None and (arrays is None or arrays.t.size == 0):
        return None
    if arrays is None:
        arrays = TrackArrays.empty()
    district = shift.officer.district.code if shift.officer.district else None
    return ((arrays.t, arrays.lat, arrays.lon, arrays.acc, area_for_shift(shift), Span(start, shift.end),
             regulation.analysis_params(shift.start, district)),
            {"as_of": as_of, "mock": arrays.mock, "fixed_post": shift.kind == "fixed_post",
             "breaks": _breaks(shift), "coverage": window is None})


def analyze_many(jobs: dict[int, tuple | None]) -> dict[int, TrackAnalysis | None]:
    """Run analyze_track for each job, on every core when there are many; a failing job is logged
    and its shift left out."""
    ready = {key: job for key, job in jobs.items() if job is not None}
    results: dict[int, TrackAnalysis | None] = {key: None for key, job in jobs.items() if job is None}
    pool = _pool() if len(ready) >= PARALLEL_MIN else None
    if pool is None:
        outcomes = map(_run_job, ready.values())
    else:
        outcomes = pool.map(_run_job, ready.values(), chunksize=max(1, len(ready) // (4 * WORKERS)))
    for key, outcome in zip(ready, outcomes, strict=True):
        if isinstance(outcome, str):
            log.error("analysing the track of shift %s failed: %s", key, outcome)
        else:
            results[key] = outcome
    return results


def _run_job(job: tuple) -> TrackAnalysis | str:
    args, kwargs = job
    try:
        return analyze_track(*args, **kwargs)
    except Exception as exc:  # noqa: BLE001 - reported by the caller; one bad track must not stop the batch
        return f"{type(exc).__name__}: {exc}"


_POOL: ProcessPoolExecutor | None = None


def shutdown_pool() -> None:
    """Stop the analysis workers (they start again on the next large batch)."""
    global _POOL
    if _POOL is not None:
        _POOL.shutdown()
        _POOL = None


def _pool() -> ProcessPoolExecutor | None:
    """A process pool for track analysis (forkserver: the parent may hold threads and connections)."""
    global _POOL
    if WORKERS < 2:
        return None
    if _POOL is None:
        _POOL = ProcessPoolExecutor(max_workers=WORKERS, mp_context=multiprocessing.get_context("forkserver"))
    return _POOL


def _between(arrays: TrackArrays, t0: float, t1: float) -> TrackArrays:
    """The part of an officer's sorted positions with t0 <= t <= t1 (views, no copies)."""
    a, b = np.searchsorted(arrays.t, t0, side="left"), np.searchsorted(arrays.t, t1, side="right")
    return TrackArrays(arrays.t[a:b], arrays.lat[a:b], arrays.lon[a:b], arrays.acc[a:b], arrays.mock[a:b])


def checkin_fact(c: Checkin) -> CheckinFact:
    """The rules' view of a stored sign-in."""
    return CheckinFact(
        id=c.id, received_at=c.received_at, captured_at=c.captured_at, capture_time_source=c.capture_time_source,
        time_conflict_s=c.time_conflict_s, lat=c.lat, lon=c.lon, accuracy_m=c.accuracy_m,
        location_source=c.location_source, distance_to_area_m=c.distance_to_area_m, exif_lat=c.exif_lat,
        exif_lon=c.exif_lon, exif_accuracy_m=c.exif_accuracy_m, device_lat=c.device_lat, device_lon=c.device_lon,
        device_accuracy_m=c.device_accuracy_m, device_mock=bool(c.device_mock),
        reused_checkin_id=c.reused_checkin_id, reuse_kind=c.reuse_kind, reuse_distance=c.reuse_distance,
        evidence_problem=c.evidence_problem)


# ---------------------------------------------------------------- flags


def fact_key(shift_id: int, finding_key: str) -> str:
    """The database-wide identity of a fact: the shift and the rule's key within it."""
    return f"shift:{shift_id}:{finding_key}"


def _apply(shift: Shift, findings: Iterable[Finding], existing: dict[str, Flag], in_force: InForce,
           report: RunReport, full: bool) -> None:
    seen = set()
    for finding in findings:
        key = fact_key(shift.id, finding.key)
        seen.add(key)
        flag = existing.get(key)
        if flag is None:
            flag = _raise(shift, finding, key, in_force)
            if flag is not None:
                existing[key] = flag
                report.created.append(flag)
        elif flag.end <= report.as_of:
            _refresh(flag, finding, report)
    if full:
        # A run as of an earlier instant cannot judge what a later run saw: it leaves those flags be.
        for key, flag in existing.items():
            if (flag.shift_id == shift.id and key not in seen and flag.code != "INSPECTION"
                    and flag.end <= report.as_of):
                _cause_gone(flag, report)


def _raise(shift: Shift, finding: Finding, key: str, in_force: InForce) -> Flag | None:
    flag = Flag(fact_key=key, officer_id=shift.officer_id, district_id=shift.officer.district_id, shift_id=shift.id,
                checkin_id=_checkin_of(finding), code=finding.code, clause=finding.clause,
                severity=finding.severity, regulation_version_id=in_force.version.id if in_force.version else None,
                start=finding.start, end=finding.end, summary_zh=finding.summary_zh, summary_en=finding.summary_en,
                evidence={**finding.evidence, "regulation_version": in_force.version_number}, status="open")
    flag.events.append(FlagEvent(action="raised", to_status="open",
                                 reason=f"{finding.summary_en} (regulation v{in_force.version_number}, "
                                        f"clause {finding.clause})"))
    try:
        with db.session.begin_nested():
            db.session.add(flag)
    except IntegrityError:
        # Another process raised the same fact a moment ago; its flag stands.
        return None
    return flag


def _checkin_of(finding: Finding) -> int | None:
    value = finding.evidence.get("checkin_id")
    return int(value) if isinstance(value, int) else None


def _refresh(flag: Flag, finding: Finding, report: RunReport) -> None:
    """Bring an undecided flag's span and numbers up to date; bring back a withdrawn one."""
    if flag.status == "withdrawn":
        _move(flag, "reinstated", "open", "The cause is present again.")
        report.reinstated.append(flag)
    if flag.status != "open":
        return
    if (flag.end, flag.summary_en) != (finding.end, finding.summary_en):
        flag.end, flag.summary_zh, flag.summary_en = finding.end, finding.summary_zh, finding.summary_en
        flag.evidence = {**finding.evidence, "regulation_version": flag.evidence.get("regulation_version")}
        flag.updated_at = utcnow()


def _cause_gone(flag: Flag, report: RunReport) -> None:
    """Late data removed the cause: an open flag is withdrawn; a decided one gets a note only."""
    note = "The cause is gone after later evidence arrived (for example a track uploaded late)."
    if flag.status == "open":
        _move(flag, "withdrawn", "withdrawn", note)
        report.withdrawn.append(flag)
    elif flag.status in ("confirmed", "appealed") and not any(e.action == "cause_gone" for e in flag.events):
        flag.events.append(FlagEvent(action="cause_gone", from_status=flag.status, to_status=flag.status,
                                     reason=note + " A reviewer should look again."))


def _move(flag: Flag, action: str, to_status: str, reason: str, actor_id: int | None = None) -> None:
    flag.events.append(FlagEvent(action=action, from_status=flag.status, to_status=to_status, reason=reason,
                                 actor_id=actor_id))
    flag.status = to_status
    flag.updated_at = utcnow()


def _chunks(items: list[int], size: int) -> Iterable[list[int]]:
    for i in range(0, len(items), size):
        yield items[i:i + size]


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
import re
from collections.abc import Iterable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta

import numpy as np
from sqlalchemy import bindparam, distinct, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from supervise.extensions import db
from supervise.i18n_marks import N_
from supervise.models import Checkin, CheckRun, Flag, FlagEvent, Position, Shift, User
from supervise.regulation import Finding, Regulation
from supervise.regulation.facts import CheckinFact, ShiftFacts
from supervise.regulation.rules import evaluate_shift
from supervise.services.areas import area_for_shift
from supervise.services.regulation import InForce, regulation_in_force
from supervise.services.tracks import TrackArrays, positions_for_officers
from supervise.stored_text import english, stored
from supervise.timeutil import iso_z, local_iso, utcnow
from supervise.tracks.analysis import analyze_track
from supervise.tracks.model import Span, TrackAnalysis
from supervise.tracks.sources import untrusted_after

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
    queued: bool = False          # the shifts were handed to queue workers, not judged here


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
    not closed, in full. With `since` (a scheduler tick): in full the shifts whose end plus the
    regulation's upload allowance (TRACK_GAP `upload_within_min`: officers without live tracking
    upload their file after the shift) passed, that passed their absence deadline, or that
    received evidence since then; the others in progress, windowed.
    """
    opens = timedelta(minutes=_sign_in_open_min(regulation))
    relevant = select(Shift.id).where(Shift.start <= as_of + opens, Shift.end >= as_of - LATE_DATA_WINDOW)
    if since is None:
        return set(db.session.scalars(relevant)), set()
    absent_after = timedelta(minutes=_absent_after_min(regulation))
    grace = timedelta(minutes=_upload_within_min(regulation))
    ended = select(Shift.id).where(Shift.end > since - grace, Shift.end <= as_of - grace)
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


def _upload_within_min(regulation: Regulation) -> float:
    return regulation.values_for(utcnow(), None)["TRACK_GAP"].params["upload_within_min"]


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
    for evidence in _evidence_for(shifts, as_of, in_force.regulation, window):
        try:
            with db.session.begin_nested():
                findings = evaluate_shift(evidence.facts, in_force.regulation)
                if window is not None:
                    findings = _inside_window(findings, as_of - window)
                _apply(evidence.shift, findings, existing, in_force, report, full=window is None,
                       evidence=evidence if window is None else None)
            report.shifts += 1
        except Exception:
            report.errors += 1
            log.exception("checking shift %s failed; the other shifts still run", evidence.shift.id)


@dataclass
class ShiftEvidence:
    """One shift's facts, with the stored positions they came from (to judge late data by)."""

    shift: Shift
    facts: ShiftFacts
    positions: TrackArrays | None
    regulation: Regulation

    def trusted_findings(self, cutoff: float) -> list[Finding] | None:
        """The findings without the uploaded positions received after `cutoff` (POSIX seconds), or
        None when there are none (the findings would not change)."""
        positions = self.positions
        if positions is None or not untrusted_after(positions.live, positions.received, cutoff).any():
            return None
        job = _analysis_job(self.shift, self.facts.as_of, positions, self.regulation, None, trusted_before=cutoff)
        analysis = analyze_many({0: job}).get(0)
        return evaluate_shift(replace(self.facts, track=analysis), self.regulation)


def facts_for(shifts: list[Shift], as_of: datetime, regulation: Regulation,
              window: timedelta | None = None) -> Iterable[tuple[Shift, ShiftFacts]]:
    """Each shift with its facts as of `as_of`, the track analysed with `regulation`'s thresholds.

    Sign-ins and positions are read for the whole batch at once, and the tracks are analysed on
    every core. A shift whose facts cannot be built is logged and skipped.
    """
    for evidence in _evidence_for(shifts, as_of, regulation, window):
        yield evidence.shift, evidence.facts


def _evidence_for(shifts: list[Shift], as_of: datetime, regulation: Regulation,
                  window: timedelta | None) -> Iterable[ShiftEvidence]:
    checkins = _checkins_by_shift([s.id for s in shifts])
    tracks = _tracks_for(shifts, as_of, window)
    jobs, positions = {}, {}
    for shift in shifts:
        try:
            positions[shift.id] = _shift_positions(shift, as_of, tracks.get(shift.officer_id), window)
            jobs[shift.id] = _analysis_job(shift, as_of, positions[shift.id], regulation, window)
        except Exception:
            log.exception("could not prepare the track of shift %s", shift.id)
    analyses = analyze_many(jobs)
    for shift in shifts:
        if shift.id not in analyses:
            continue
        try:
            facts = _facts(shift, as_of, checkins.get(shift.id, []), analyses[shift.id])
        except Exception:
            log.exception("could not gather the facts of shift %s", shift.id)
            continue
        yield ShiftEvidence(shift, facts, positions.get(shift.id), regulation)


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


def _shift_positions(shift: Shift, as_of: datetime, arrays: TrackArrays | None,
                     window: timedelta | None) -> TrackArrays | None:
    """The officer's stored positions that fall in this shift's analysed window."""
    if arrays is None or as_of <= shift.start:
        return None
    start = shift.start if window is None else max(shift.start, as_of - window)
    return _between(arrays, start.timestamp(), min(shift.end, as_of).timestamp())


def _analysis_job(shift: Shift, as_of: datetime, positions: TrackArrays | None, regulation: Regulation,
                  window: timedelta | None, *, trusted_before: float | None = None) -> tuple | None:
    """The arguments of analyze_track for this shift, or None when there is nothing to analyse.

    The positions judged are `TrackArrays.judged`: an uploaded file does not override the live
    channel, and with `trusted_before`, uploads received after it are left out."""
    if as_of <= shift.start:
        return None
    start = shift.start if window is None else max(shift.start, as_of - window)
    if positions is not None:
        positions = positions.judged(trusted_before)
    if window is not None and (positions is None or positions.t.size == 0):
        return None
    if positions is None:
        positions = TrackArrays.empty()
    district = shift.officer.district.code if shift.officer.district else None
    return ((positions.t, positions.lat, positions.lon, positions.acc, area_for_shift(shift), Span(start, shift.end),
             regulation.analysis_params(shift.start, district)),
            {"as_of": as_of, "mock": positions.mock, "fixed_post": shift.kind == "fixed_post",
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
_IN_PROCESS = False


def analyse_in_process() -> None:
    """Analyse every track in this process from now on (a queue worker: the processes are the workers)."""
    global _IN_PROCESS
    _IN_PROCESS = True


def shutdown_pool() -> None:
    """Stop the analysis workers (they start again on the next large batch)."""
    global _POOL
    if _POOL is not None:
        _POOL.shutdown()
        _POOL = None


def _pool() -> ProcessPoolExecutor | None:
    """A process pool for track analysis (forkserver: the parent may hold threads and connections)."""
    global _POOL
    if WORKERS < 2 or _IN_PROCESS:
        return None
    if _POOL is None:
        _POOL = ProcessPoolExecutor(max_workers=WORKERS, mp_context=multiprocessing.get_context("forkserver"))
    return _POOL


def _between(arrays: TrackArrays, t0: float, t1: float) -> TrackArrays:
    """The part of an officer's sorted positions with t0 <= t <= t1 (views, no copies)."""
    a, b = np.searchsorted(arrays.t, t0, side="left"), np.searchsorted(arrays.t, t1, side="right")
    return arrays.take(slice(int(a), int(b)))


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
           report: RunReport, full: bool, evidence: ShiftEvidence | None = None) -> None:
    """Raise, refresh, join and withdraw this shift's flags to match the findings.

    A finding about a span (a stay, a stretch outside, a silence, a leap) is the same event as a
    live flag of its code whose span it meets, even when the evaluations saw it begin at another
    minute: that flag is refreshed instead of a second one raised, and in a full evaluation the
    other flags it meets are withdrawn into it (one event, one flag). In a full evaluation a flag
    whose cause is gone is withdrawn, unless the evidence that removed it is a file the officer
    uploaded after the flag was raised (`ShiftEvidence.trusted_findings`): then it stands, and
    the upload is noted on it as counter-evidence."""
    mine = [f for f in existing.values() if f.shift_id == shift.id]
    seen: set[str] = set()
    for finding in findings:
        flag, fragments = _flag_for(shift.id, finding, existing, mine)
        if flag is None:
            flag = _raise(shift, finding, fact_key(shift.id, finding.key), in_force)
            if flag is not None:
                existing[flag.fact_key] = flag
                mine.append(flag)
                report.created.append(flag)
                seen.add(flag.fact_key)
            continue
        seen.add(flag.fact_key)
        if flag.end <= report.as_of or not full:
            _refresh(flag, finding, report, full)
        if full:
            for other in fragments:
                seen.add(other.fact_key)
                _joined(other, flag, report)
    if full:
        _judge_what_is_gone(shift, mine, seen, report, evidence)


def _judge_what_is_gone(shift: Shift, mine: list[Flag], seen: set[str], report: RunReport,
                        evidence: ShiftEvidence | None) -> None:
    # A run as of an earlier instant cannot judge what a later run saw: it leaves those flags be.
    judged = [f for f in mine if f.code != "INSPECTION" and f.status != "withdrawn" and f.end <= report.as_of]
    gone = [f for f in judged if f.fact_key not in seen]
    if gone and evidence is not None:
        trusted = evidence.trusted_findings(min(f.created_at for f in gone).timestamp())
        if trusted is not None:
            standing = _still_shown(shift.id, trusted, gone)
            gone = [f for f in gone if f.fact_key not in standing]
    for flag in gone:
        _cause_gone(flag, report, _late_data_note(flag, evidence))
    if evidence is not None and evidence.positions is not None and not evidence.positions.live.all():
        for flag in judged:
            if flag not in gone and flag.code in TRACK_CODES | {"EARLY_LEAVE", "LOW_PATROL"}:
                _note_counter_evidence(flag, evidence.positions)


def _still_shown(shift_id: int, findings: list[Finding], flags: list[Flag]) -> set[str]:
    """The fact keys of those `flags` that one of `findings` is still about."""
    by_key = {f.fact_key: f for f in flags}
    shown = set()
    for finding in findings:
        flag, _ = _flag_for(shift_id, finding, by_key, flags)
        if flag is not None:
            shown.add(flag.fact_key)
    return shown


_EVENT_KEY = re.compile(r"^[A-Z_]+@\d{4}-\d{2}-\d{2}T")
TOUCH = timedelta(seconds=60)


def is_event_key(key: str) -> bool:
    """Whether a finding key names an event by the minute it began (IDLE@2026-11-26T02:10Z)."""
    return bool(_EVENT_KEY.match(key))


def _flag_for(shift_id: int, finding: Finding, existing: dict[str, Flag],
              mine: list[Flag]) -> tuple[Flag | None, list[Flag]]:
    """The flag this finding is about (its key, or a live flag of the same event) and the other
    live flags of that event."""
    flag = existing.get(fact_key(shift_id, finding.key))
    if not is_event_key(finding.key):
        return flag, []
    same = sorted((f for f in mine if f.code == finding.code and f.status != "withdrawn"
                   and is_event_key(f.fact_key.split(":", 2)[-1])
                   and f.start <= finding.end + TOUCH and f.end >= finding.start - TOUCH),
                  key=lambda f: (f.start, f.id))
    if flag is not None and flag.status != "withdrawn":
        return flag, [f for f in same if f is not flag]
    if same:
        return same[0], same[1:]
    return flag, []


def _raise(shift: Shift, finding: Finding, key: str, in_force: InForce) -> Flag | None:
    flag = Flag(fact_key=key, officer_id=shift.officer_id, district_id=shift.officer.district_id, shift_id=shift.id,
                checkin_id=_checkin_of(finding), code=finding.code, clause=finding.clause,
                severity=finding.severity, regulation_version_id=in_force.version.id if in_force.version else None,
                start=finding.start, end=finding.end, summary_zh=finding.summary_zh, summary_en=finding.summary_en,
                evidence={**finding.evidence, "regulation_version": in_force.version_number}, status="open",
                needs_review=finding.needs_review)
    message = stored(N_("%(summary)s (regulation v%(version)s, clause %(clause)s)"),
                     summary={"zh": finding.summary_zh, "en": finding.summary_en},
                     version=in_force.version_number, clause=finding.clause)
    flag.events.append(FlagEvent(action="raised", to_status="open", reason=english(message),
                                 data={"message": message}))
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


def _refresh(flag: Flag, finding: Finding, report: RunReport, full: bool = True) -> None:
    """Bring an undecided flag's span, numbers and review marker up to date; bring back a withdrawn
    one. A windowed look sees only the last stretch of the track, so it may only lengthen a span."""
    if flag.status == "withdrawn":
        _move(flag, "reinstated", "open", stored(N_("The cause is present again.")))
        report.reinstated.append(flag)
    if flag.status != "open":
        return
    if not full and flag.start <= finding.start and finding.end <= flag.end:
        return
    start = finding.start if full else min(flag.start, finding.start)
    end = finding.end if full else max(flag.end, finding.end)
    if (flag.start, flag.end, flag.summary_en, flag.needs_review) != (start, end, finding.summary_en,
                                                                        finding.needs_review):
        flag.start, flag.end = start, end
        flag.summary_zh, flag.summary_en = finding.summary_zh, finding.summary_en
        flag.needs_review = finding.needs_review
        flag.evidence = {**finding.evidence, "regulation_version": flag.evidence.get("regulation_version")}
        flag.updated_at = utcnow()


def _joined(fragment: Flag, flag: Flag, report: RunReport) -> None:
    """A flag that turned out to be part of another flag's event: withdrawn into it (open) or
    noted (decided)."""
    note = stored(N_("Part of the same event as flag #%(id)s (%(code)s, %(start)s to %(end)s): one event, one flag."),
                  id=flag.id, code=flag.code, start=iso_z(flag.start), end=iso_z(flag.end))
    if fragment.status == "open":
        _move(fragment, "withdrawn", "withdrawn", note)
        report.withdrawn.append(fragment)
    elif not any(e.action == "joined" for e in fragment.events):
        fragment.events.append(FlagEvent(action="joined", from_status=fragment.status, to_status=fragment.status,
                                         reason=english(note), data={"flag_id": flag.id, "message": note}))


def _late_data_note(flag: Flag, evidence: ShiftEvidence | None) -> dict:
    """Why the cause is gone (a stored text), naming the late data that removed it when there is some."""
    generic = stored(N_("The cause is gone after later evidence arrived."))
    if evidence is None or evidence.positions is None:
        return generic
    late = evidence.positions.live_after(flag.start.timestamp() - 60, flag.end.timestamp() + 60,
                                         flag.created_at.timestamp())
    if len(late) == 0:
        return generic
    received = local_iso(datetime.fromtimestamp(float(late.received.max()), UTC))
    return stored(N_("The phone's live tracking sent %(n)s positions for this span late (the phone came back "
                     "online; last received %(received)s): the cause is gone, so the flag is withdrawn."),
                  n=len(late), received=received)


def _note_counter_evidence(flag: Flag, positions: TrackArrays) -> None:
    """Note on the flag a file the officer uploaded after it was raised that covers its span: the
    officer's counter-evidence, for a reviewer or an appeal; it withdraws nothing by itself."""
    sent = positions.uploaded_after(flag.start.timestamp(), flag.end.timestamp(), flag.created_at.timestamp())
    if len(sent) == 0:
        return
    last = float(sent.received.max())
    if any(e.action == "counter_evidence" and (e.data or {}).get("received_ts") == last for e in flag.events):
        return
    message = stored(N_("After this flag was raised the officer uploaded a file with %(n)s positions for its span "
                        "(received %(received)s). Evidence the officer sends about a judged period is weighed by a "
                        "person: it may support an appeal; it does not withdraw the flag."),
                     n=len(sent), received=local_iso(datetime.fromtimestamp(last, UTC)))
    flag.events.append(FlagEvent(
        action="counter_evidence", from_status=flag.status, to_status=flag.status, reason=english(message),
        data={"message": message, "positions": len(sent), "received_ts": last,
              "first": iso_z(datetime.fromtimestamp(float(sent.t.min()), UTC)),
              "last": iso_z(datetime.fromtimestamp(float(sent.t.max()), UTC))}))


def _cause_gone(flag: Flag, report: RunReport, note: dict | str) -> None:
    """Late data removed the cause: an open flag is withdrawn; a decided one gets a note only."""
    if flag.status == "open":
        _move(flag, "withdrawn", "withdrawn", note)
        report.withdrawn.append(flag)
    elif flag.status in ("confirmed", "appealed") and not any(e.action == "cause_gone" for e in flag.events):
        message = stored(N_("%(note)s A reviewer should look again."),
                         note=note if isinstance(note, dict) else stored(note))
        flag.events.append(FlagEvent(action="cause_gone", from_status=flag.status, to_status=flag.status,
                                     reason=english(message), data={"message": message}))


def _move(flag: Flag, action: str, to_status: str, reason: dict | str, actor_id: int | None = None) -> None:
    """A system-written move: the reason kept as a stored text (see supervise/stored_text.py), or as
    the free text it is."""
    message = reason if isinstance(reason, dict) else stored(reason)
    flag.events.append(FlagEvent(action=action, from_status=flag.status, to_status=to_status,
                                 reason=english(message), actor_id=actor_id, data={"message": message}))
    flag.status = to_status
    flag.updated_at = utcnow()


def _chunks(items: list[int], size: int) -> Iterable[list[int]]:
    for i in range(0, len(items), size):
        yield items[i:i + size]


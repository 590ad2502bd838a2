"""Patrol tracks: taking positions in (files, batches from the app, the OsmAnd protocol),
storing them in bulk, reading them back as numpy columns, and analysing a shift.

Storage: positions are written with one Core INSERT ... ON CONFLICT (officer_id, ts) DO
NOTHING executed for many rows at once, so a re-sent file or position is harmless and only
new rows are counted as stored. Reading goes straight from Core rows to numpy arrays: no ORM
objects for the ~14 M positions of a city-day.
"""
from __future__ import annotations

import hashlib
import math
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from itertools import chain

import numpy as np
from sqlalchemy import bindparam, false, literal_column, null, select, true
from sqlalchemy.dialects import postgresql, sqlite

from supervise.errors import Conflict, DomainError, Forbidden, Invalid, NotFound, Text
from supervise.extensions import db
from supervise.geo.area import Area
from supervise.models import Device, Shift, User, text_limit
from supervise.models.tracks import ANALYSIS_COLUMNS, SOURCE_CODES, Position, TrackUpload
from supervise.services import live_positions, lookup
from supervise.services.access import Actor, require_district, require_officer_visible
from supervise.services.areas import area_for_shift
from supervise.services.regulation import regulation_in_force
from supervise.timeutil import iso_z, local_iso
from supervise.tracks.analysis import analyze_track
from supervise.tracks.filtering import FilterParams, FixArrays, filter_arrays, fix_problem
from supervise.tracks.model import Span, TrackAnalysis
from supervise.tracks.osmand import OsmandReport
from supervise.tracks.parse import DEFAULT_NAIVE_TZ, TrackRejected, _zone, parse_track_arrays, time_to_posix
from supervise.tracks.sources import superseded_by_live, untrusted_after

MAX_BATCH_POSITIONS = 10_000
INSERT_BATCH_ROWS = 5_000
SQLITE_PARAMS = 999  # parameters per statement: SQLite's historical limit, safe on every build
READ_CHUNK_OFFICERS = 500
DEVICE_CACHE_TTL_S = 30.0
DEVICE_CACHE_MAX = 50_000
_COLUMNS = live_positions.COLUMNS


# ---------------------------------------------------------------- results


@dataclass(frozen=True)
class TrackArrays:
    """One officer's stored positions as columns, sorted by time: POSIX seconds, degrees,
    accuracy in metres (NaN unknown), mock flags, the channel (`source` code) and when each
    position was received (POSIX seconds)."""

    t: np.ndarray
    lat: np.ndarray
    lon: np.ndarray
    acc: np.ndarray
    mock: np.ndarray
    source: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int8))
    received: np.ndarray = field(default_factory=lambda: np.empty(0))

    def __post_init__(self) -> None:
        if self.source.size != self.t.size:  # positions built by hand: live, received when taken
            object.__setattr__(self, "source", np.full(self.t.size, SOURCE_CODES["osmand"], dtype=np.int8))
            object.__setattr__(self, "received", self.t.copy())

    def __len__(self) -> int:
        return int(self.t.size)

    @classmethod
    def empty(cls) -> TrackArrays:
        z = np.empty(0)
        return cls(z, z.copy(), z.copy(), z.copy(), np.zeros(0, dtype=bool))

    def take(self, index) -> TrackArrays:
        """The positions at `index` (a slice, integer or boolean array), in that order."""
        return TrackArrays(self.t[index], self.lat[index], self.lon[index], self.acc[index], self.mock[index],
                           self.source[index], self.received[index])

    @property
    def live(self) -> np.ndarray:
        """True for positions that came over a live-tracking channel (not an uploaded file)."""
        return self.source != SOURCE_CODES["upload"]

    def judged(self, trusted_before: float | None = None) -> TrackArrays:
        """The positions a judgement rests on: uploaded fixes where the live channel reported are
        set aside, and with `trusted_before`, so are uploaded fixes received after it (see
        `supervise.tracks.sources`)."""
        drop = superseded_by_live(self.t, self.live)
        if trusted_before is not None:
            drop |= untrusted_after(self.live, self.received, trusted_before)
        return self.take(np.flatnonzero(~drop)) if drop.any() else self

    def uploaded_after(self, t0: float, t1: float, received_after: float) -> TrackArrays:
        """Uploaded positions taken between t0 and t1 and received after `received_after`."""
        mask = ~self.live & (self.t >= t0) & (self.t <= t1) & (self.received > received_after)
        return self.take(np.flatnonzero(mask))

    def live_after(self, t0: float, t1: float, received_after: float) -> TrackArrays:
        """Live positions taken between t0 and t1 and received after `received_after` (a late batch)."""
        mask = self.live & (self.t >= t0) & (self.t <= t1) & (self.received > received_after)
        return self.take(np.flatnonzero(mask))


@dataclass(frozen=True)
class IngestResult:
    """What became of the points of one upload or batch."""

    upload_id: int | None
    officer: str | None
    received: int
    accepted: int
    rejected: dict[str, int]
    stored: int
    flagged: dict[str, int]
    start: datetime | None
    end: datetime | None

    def as_dict(self) -> dict:
        """The 201 body clients read."""
        return {"id": self.upload_id, "officer": self.officer,
                "points": {"received": self.received, "accepted": self.accepted, "rejected": self.rejected,
                           "stored": self.stored, "flagged": self.flagged},
                "start": iso_z(self.start), "end": iso_z(self.end)}


# ---------------------------------------------------------------- who gets the positions


def _target_officer(actor: Actor, badge_no: str | None) -> User:
    """The officer the positions belong to: the caller, or `badge_no` for an admin/their manager."""
    if badge_no:
        officer = lookup.officer_by_badge(badge_no)
        if officer.id != actor.id:
            require_district(actor, officer.district_id)
        return officer
    if actor.role != "officer":
        raise Invalid("Say whose track this is with ?officer=<badge number>.", code="OFFICER_REQUIRED")
    return db.session.get(User, actor.id)


# ---------------------------------------------------------------- uploads and batches


def upload_track(actor: Actor, data: bytes, *, filename: str | None = None, officer: str | None = None,
                 now: float | None = None) -> IngestResult:
    """Parse, filter and store a GPX/GeoJSON/CSV file for an officer, all or nothing.

    Damaged points are dropped and counted by reason; a file that cannot be read at all, or
    has no usable timed position, is refused (413/415/422) and nothing is stored.
    """
    person = _target_officer(actor, officer)
    now = time.time() if now is None else now
    try:
        parsed = parse_track_arrays(data)
    except TrackRejected as exc:
        raise DomainError("%(reason)s; nothing was stored.", code=exc.code, details=exc.details,
                          status=exc.http_status, params={"reason": Text(exc.template, exc.params, capital=True)}
                          ) from None
    received = len(parsed.fixes) + sum(parsed.rejected.values())
    return _ingest(actor, person, parsed.fixes, parsed.rejected, received, now, "upload",
                   parsed.format, filename, hashlib.sha256(data).hexdigest())


def record_positions(actor: Actor, items, *, officer: str | None = None, now: float | None = None) -> IngestResult:
    """Store a JSON batch [{time, lat, lon, accuracy?, speed?, mock?}] from the service's app."""
    if not isinstance(items, list):
        raise Invalid("Send a JSON array of positions.", code="POSITIONS_NOT_A_LIST")
    if not items:
        raise Invalid("The batch holds no positions.", code="POSITIONS_EMPTY")
    if len(items) > MAX_BATCH_POSITIONS:
        raise DomainError("A batch holds at most %(max_batch_positions)s positions; split it.",
                          code="POSITIONS_TOO_MANY", status=413, details={"limit": MAX_BATCH_POSITIONS}, params={"max_batch_positions": MAX_BATCH_POSITIONS})
    person = _target_officer(actor, officer)
    now = time.time() if now is None else now
    fixes, rejected = _batch_columns(items)
    body = repr(items).encode()
    return _ingest(actor, person, fixes, rejected, len(items), now, "app", "json", None,
                   hashlib.sha256(body).hexdigest())


def _batch_columns(items: list) -> tuple[FixArrays, Counter[str]]:
    zone = _zone(DEFAULT_NAIVE_TZ)
    rows: list[tuple[float, float, float, float, float, bool]] = []
    rejected: Counter[str] = Counter()
    for item in items:
        row = _batch_row(item, zone)
        if isinstance(row, str):
            rejected[row] += 1
        else:
            rows.append(row)
    if not rows:
        return FixArrays.empty(), rejected
    array = np.array([r[:5] for r in rows], dtype=np.float64)
    mock = np.array([r[5] for r in rows], dtype=bool)
    return FixArrays(array[:, 0], array[:, 1], array[:, 2], array[:, 3], array[:, 4], mock), rejected


def _batch_row(item, zone) -> tuple | str:
    if not isinstance(item, dict):
        return "invalid_item"
    try:
        lat, lon = _number(item.get("lat")), _number(item.get("lon"))
    except (TypeError, ValueError):
        return "invalid_coordinates"
    if lat is None or lon is None:
        return "invalid_coordinates"
    try:
        t = time_to_posix(item["time"], zone) if item.get("time") not in (None, "") else math.nan
    except (TypeError, ValueError):
        return "invalid_time"
    try:
        acc, speed = _number(item.get("accuracy")), _number(item.get("speed"))
    except (TypeError, ValueError):
        acc = speed = None
    return (t, lat, lon, math.nan if acc is None else acc, math.nan if speed is None else speed,
            item.get("mock") is True)


def _number(value) -> float | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise TypeError("a boolean is not a number")
    return float(value)


def _ingest(actor: Actor, person: User, fixes: FixArrays, rejected: Counter[str], received: int, now: float,
            source: str, fmt: str, filename: str | None, sha256: str) -> IngestResult:
    kept = filter_arrays(fixes, FilterParams(now=now))
    rejected = rejected + kept.rejected
    accepted = kept.accepted
    if len(accepted) == 0:
        raise Invalid("No position in it is usable (see details for why each was refused); nothing was stored.",
                      code="TRACK_NO_USABLE_POSITIONS", details={"received": received, "rejected": dict(rejected)})
    start, end = _instant(accepted.t[0]), _instant(accepted.t[-1])
    # A file name is a label the phone chose, not evidence: cut to its column rather than refused.
    name = (filename or None) and filename[:text_limit(TrackUpload.filename)]
    upload = TrackUpload(officer_id=person.id, uploaded_by_id=actor.id or person.id, format=fmt,
                         filename=name, sha256=sha256, points_received=received,
                         points_accepted=len(accepted), points_stored=0, rejected=dict(rejected),
                         flagged=dict(kept.flagged), first_time=start, last_time=end)
    db.session.add(upload)
    db.session.flush()
    stored = store_positions(person.id, accepted, source, now)
    upload.points_stored = stored
    db.session.commit()
    return IngestResult(upload.id, person.badge_no, received, len(accepted), dict(rejected), stored,
                        dict(kept.flagged), start, end)


def _instant(ts: float) -> datetime:
    return datetime.fromtimestamp(float(ts), UTC)


# ---------------------------------------------------------------- storage


def _insert_statement(dialect: str):
    """INSERT ... ON CONFLICT (officer_id, ts) DO NOTHING in that dialect."""
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    # inline(): no RETURNING of the key, which would hide how many rows were new.
    return insert(Position.__table__).inline().on_conflict_do_nothing(index_elements=["officer_id", "ts"])


def store_positions(officer_id: int, fixes: FixArrays, source: str, received_ts: float) -> int:
    """Insert filtered fixes in the current transaction (not committed); returns how many rows
    were new. Positions already stored for that officer at the same instant are left as they are."""
    n = len(fixes)
    if n == 0:
        return 0
    fixed, varying = _bulk_columns(officer_id, fixes, SOURCE_CODES[source], received_ts)
    connection = db.session.connection()
    sql, positional = _bulk_sql(connection, tuple(fixed.items()))
    if connection.dialect.name == "sqlite":
        return _store_multirow(connection, sql, list(varying.values()), n)
    names = list(varying)
    stored = 0
    for i in range(0, n, INSERT_BATCH_ROWS):
        batch = zip(*(column[i:i + INSERT_BATCH_ROWS] for column in varying.values()), strict=True)
        params = list(batch) if positional else [dict(zip(names, row, strict=True)) for row in batch]
        stored += max(connection.exec_driver_sql(sql, params).rowcount, 0)
    return stored


def _store_multirow(connection, sql: str, columns: list[list], n: int) -> int:
    """Insert on SQLite with statements of many rows each (VALUES (..), (..), ...).

    Why: executemany steps and resets the statement once per row, which costs about as much as
    the insert itself; one statement per ~SQLITE_PARAMS parameters does that once per batch."""
    per_row = len(columns)
    rows_per_statement = max(1, SQLITE_PARAMS // per_row)
    flat = list(chain.from_iterable(zip(*columns, strict=True)))
    whole = n // rows_per_statement * rows_per_statement
    stored = 0
    if whole:
        step = rows_per_statement * per_row
        batches = [tuple(flat[i:i + step]) for i in range(0, whole * per_row, step)]
        stored += max(connection.exec_driver_sql(_multirow(sql, rows_per_statement), batches).rowcount, 0)
    if whole < n:
        rest = tuple(flat[whole * per_row:])
        stored += max(connection.exec_driver_sql(_multirow(sql, n - whole), [rest]).rowcount, 0)
    return stored


def _multirow(sql: str, rows: int) -> str:
    """The compiled one-row insert `sql` repeating its VALUES group `rows` times."""
    head, values = sql.split(" VALUES ", 1)
    group, on_conflict, tail = values.partition(" ON CONFLICT ")
    if not (group.startswith("(") and group.endswith(")") and on_conflict):
        raise RuntimeError("unexpected shape of the compiled position insert")
    return f"{head} VALUES {', '.join([group] * rows)}{on_conflict}{tail}"


def _bulk_columns(officer_id: int, fixes: FixArrays, code: int, received_ts: float
                  ) -> tuple[dict[str, int | None], dict[str, list]]:
    """Split the columns into integer/NULL constants written into the statement and lists bound per row.

    Why: the DBAPI binding of each parameter (bools and None in particular) costs more than
    SQLite's own insert; an upload's officer, source, and usually its missing accuracy, speed
    and mock flags are the same for every row. Floats are always bound, so they stay exact."""
    n = len(fixes)
    fixed: dict[str, int | None] = {"officer_id": int(officer_id), "source": int(code)}
    varying: dict[str, list] = {"ts": fixes.t.tolist(), "lat": fixes.lat.tolist(), "lon": fixes.lon.tolist()}
    for name, values in (("accuracy_m", fixes.acc), ("speed_mps", fixes.speed)):
        # A negative or infinite accuracy or speed is a phone's way of saying it does not know.
        with np.errstate(invalid="ignore"):
            missing = ~np.isfinite(values) | (values < 0)
        if missing.all():
            fixed[name] = None
        else:
            varying[name] = values.tolist() if not missing.any() else [
                None if m else v for v, m in zip(values.tolist(), missing.tolist(), strict=True)]
    mock = fixes.mock.astype(bool)
    if not mock.any() or mock.all():
        fixed["mock"] = int(mock[0])
    else:
        varying["mock"] = mock.tolist()
    varying["received_ts"] = [float(received_ts)] * n
    return fixed, varying


_BULK: dict[tuple[str, tuple], tuple[str, bool]] = {}


def _bulk_sql(connection, fixed: tuple[tuple[str, int | None], ...]) -> tuple[str, bool]:
    """The Core ON CONFLICT insert with `fixed` columns as literals and the rest bound in
    _COLUMNS order, compiled once per dialect and set of constants."""
    key = (connection.dialect.name, fixed)
    if key not in _BULK:
        literals = {name: _literal(name, value) for name, value in fixed}
        bound = [c for c in _COLUMNS if c not in literals]
        values = {c: literals.get(c, bindparam(c)) for c in _COLUMNS}
        statement = _insert_statement(connection.dialect.name).values(values)
        compiled = statement.compile(dialect=connection.dialect)
        positional = bool(compiled.positional)
        if positional and list(compiled.positiontup) != bound:
            raise RuntimeError("unexpected parameter order in the compiled position insert")
        if len(_BULK) > 256:
            _BULK.clear()
        _BULK[key] = (str(compiled), positional)
    return _BULK[key]


def _literal(name: str, value: int | None):
    if value is None:
        return null()
    if name == "mock":
        return true() if value else false()
    return literal_column(str(int(value)))




def positions_between(officer_id: int, t0: float, t1: float) -> TrackArrays:
    """One officer's stored positions with t0 <= ts <= t1 (POSIX seconds), sorted by time."""
    return positions_for_officers([officer_id], t0, t1).get(officer_id, TrackArrays.empty())


def positions_for_officers(officer_ids, t0: float, t1: float) -> dict[int, TrackArrays]:
    """Stored positions of many officers with t0 <= ts <= t1, grouped by officer (officers
    without positions are absent), each sorted by time; one query per 500 officers."""
    ids = sorted({int(i) for i in officer_ids})
    found: dict[int, TrackArrays] = {}
    for k in range(0, len(ids), READ_CHUNK_OFFICERS):
        query = positions_query(ids[k:k + READ_CHUNK_OFFICERS], t0, t1)
        # Plain DBAPI tuples: numpy probing SQLAlchemy Row objects costs ~20x the fetch itself.
        rows = db.session.execute(query).cursor.fetchall()
        if rows:
            found.update(_grouped(np.array(rows, dtype=np.float64)))
    return found


def positions_query(officer_ids: list[int], t0: float, t1: float):
    """The analysis's read of positions: key and ANALYSIS_COLUMNS of those officers with
    t0 <= ts <= t1, by officer then time (answered from the primary key's index alone)."""
    p = Position.__table__.c
    return (select(p.officer_id, p.ts, *(p[name] for name in ANALYSIS_COLUMNS))
            .where(p.officer_id.in_(officer_ids), p.ts >= float(t0), p.ts <= float(t1))
            .order_by(p.officer_id, p.ts))


def _grouped(table: np.ndarray) -> dict[int, TrackArrays]:
    owners = table[:, 0].astype(np.int64)
    starts = np.flatnonzero(np.concatenate(([True], owners[1:] != owners[:-1])))
    ends = np.append(starts[1:], owners.size)
    return {int(owners[a]): TrackArrays(table[a:b, 1].copy(), table[a:b, 2].copy(), table[a:b, 3].copy(),
                                        table[a:b, 4].copy(), table[a:b, 5] > 0, table[a:b, 6].astype(np.int8),
                                        table[a:b, 7].copy())
            for a, b in zip(starts, ends, strict=True)}


# ---------------------------------------------------------------- OsmAnd (Traccar Client)


class _DeviceCache:
    """identifier -> officer id of every active device, per process: a phone reports every few
    seconds and must not cost a lookup each time. All devices are read in one query, again after
    DEVICE_CACHE_TTL_S, so a revoked device stops within the TTL; a device registered since the
    last reading is looked up on its own (unknown identifiers are never kept)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.entries: dict[str, int] = {}
        self.fresh_until = 0.0

    def get(self, identifier: str) -> int | None:
        if time.monotonic() >= self.fresh_until:
            self._read_all()
        officer_id = self.entries.get(identifier)
        if officer_id is not None:
            return officer_id
        officer_id = db.session.scalar(select(Device.officer_id).where(
            Device.identifier == identifier, Device.revoked_at.is_(None)))
        if officer_id is not None and len(self.entries) < DEVICE_CACHE_MAX:
            self.entries[identifier] = officer_id
        return officer_id

    def _read_all(self) -> None:
        if not self.lock.acquire(blocking=False):
            return   # another request is reading them; this one uses what is known (or looks its own up)
        try:
            rows = db.session.execute(select(Device.identifier, Device.officer_id).where(
                Device.revoked_at.is_(None)).limit(DEVICE_CACHE_MAX)).all()
            self.entries = dict(rows)
            self.fresh_until = time.monotonic() + DEVICE_CACHE_TTL_S
        finally:
            self.lock.release()

    def clear(self) -> None:
        with self.lock:
            self.entries = {}
            self.fresh_until = 0.0


device_cache = _DeviceCache()


@dataclass(frozen=True)
class OsmandOutcome:
    """What an OsmAnd request did: stored a position, or why not (no position, unfit fix)."""

    stored: bool
    reason: str | None = None


def record_osmand(report: OsmandReport, *, now: float | None = None) -> OsmandOutcome:
    """Store the position of one OsmAnd report for the device's officer, committed before return.

    Unknown (or revoked) device: 404; no id: 400. A report without a position, or with a fix
    unfit to store (bad coordinates, far future or past, low accuracy), stores nothing and
    says why; speed jumps between live fixes are left to the analysis.
    """
    if not report.device_id:
        raise DomainError("The request has no device id (`id` or `device_id`).", code="OSMAND_NO_ID")
    officer_id = device_cache.get(report.device_id)
    if officer_id is None:
        raise NotFound("No registered device has that id.", code="DEVICE_UNKNOWN")
    if report.fix is None:
        return OsmandOutcome(False, "no_position")
    now = time.time() if now is None else now
    fix = report.fix
    problem = fix_problem(fix, FilterParams(now=now))
    if problem is not None:
        return OsmandOutcome(False, problem)
    row = (officer_id, float(fix.t), fix.lat, fix.lon, fix.accuracy_m, fix.speed_mps, bool(fix.mock),
           SOURCE_CODES["osmand"], now)
    # Committed with the other reports arriving now, before this one is answered (live_positions).
    return OsmandOutcome(True) if live_positions.writer_for(db.engine).insert(row) else OsmandOutcome(False, "duplicate")


# ---------------------------------------------------------------- analysis


def analyze_shift(shift: Shift, as_of: datetime | None = None, *,
                  positions: TrackArrays | None = None) -> TrackAnalysis | None:
    """The analysis of a shift's positions as of `as_of` (None: the whole shift), with the
    thresholds of the regulation in force for the shift's district and its declared breaks.
    None when the shift has not started by `as_of`. `positions` may be passed by callers that
    read many officers at once (positions_for_officers)."""
    if as_of is not None and as_of <= shift.start:
        return None
    district = shift.officer.district.code if shift.officer.district else None
    params = regulation_in_force().regulation.analysis_params(shift.start, district)
    end = shift.end if as_of is None else min(shift.end, as_of)
    if positions is None:
        positions = positions_between(shift.officer_id, shift.start.timestamp(), end.timestamp())
    positions = positions.judged()
    return analyze_track(positions.t, positions.lat, positions.lon, positions.acc, area_for_shift(shift),
                         Span(shift.start, shift.end), params, as_of=as_of, mock=positions.mock,
                         fixed_post=shift.kind == "fixed_post",
                         breaks=[Span(b.start, b.end) for b in shift.breaks])


@dataclass(frozen=True)
class ShiftTrack:
    """A shift with its area, positions and analysis, for the API's views of it."""

    shift: Shift
    area: Area
    positions: TrackArrays
    analysis: TrackAnalysis


def shift_track(actor: Actor, shift_id: int, as_of: datetime | None = None) -> ShiftTrack:
    """The track of a shift as of `as_of` (now) for someone allowed to see the officer (403
    otherwise); a 409 SHIFT_NOT_STARTED before the shift's start, when there is nothing to show."""
    shift = lookup.shift_or_404(shift_id)
    try:
        require_officer_visible(actor, shift.officer_id, shift.officer.district_id)
    except Forbidden:
        raise Forbidden("You may not see another officer's track.") from None
    as_of = as_of or datetime.now(UTC)
    if as_of <= shift.start:
        raise Conflict("Shift %(id)s starts at %(value)s; it has no track before then.",
                       code="SHIFT_NOT_STARTED", details={"start": iso_z(shift.start), "as_of": iso_z(as_of)}, params={"id": shift.id, "value": local_iso(shift.start)})
    end = min(shift.end, as_of)
    positions = positions_between(shift.officer_id, shift.start.timestamp(), end.timestamp())
    analysis = analyze_shift(shift, as_of, positions=positions)
    return ShiftTrack(shift, area_for_shift(shift), positions, analysis)

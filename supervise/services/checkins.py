"""Selfie sign-ins: read the photo's evidence, place it in a shift, judge it, keep it.

`record_checkin` is the one verb that creates a sign-in. It refuses what cannot be evidence
(not an image, truncated, a decompression bomb) before anything is written; it keeps a sound
photo without GPS or time and says so, and a photo whose clock is impossible (after its receipt)
is kept, timed by GPS or by its receipt, for a person to review: a wrong clock is never a
missing sign-in. The same photo sent again by the same officer for the same shift (a retry on a
weak connection) is the same sign-in, answered again, never a reuse. The original bytes go to
storage while the sign-in is judged, are on the disk before the database commit, and are removed
again when the sign-in is refused (no shift, another officer's) or that commit fails.

The sign-in's own judgement (inside the grid, distance, on time / late / outside the window,
reuse of an earlier photo) is computed here with the regulation in force and stored on the row;
the flags themselves are raised by the checks (`services.checks.check_signin`) in the same
transaction, so a sign-in costs one commit; when the checks fail, the sign-in is written again
without their flags.
"""
from __future__ import annotations

import logging
import math
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from flask import current_app
from sqlalchemy import bindparam, insert, or_, select, true
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload, make_transient, make_transient_to_detached

from supervise.errors import Conflict, DomainError, Forbidden, Invalid, NotFound, Text, translated
from supervise.evidence import PhotoEvidence, PhotoRejected, hamming, notes, read_photo
from supervise.evidence.capture_time import CLOCK_SKEW
from supervise.extensions import db
from supervise.i18n_marks import N_
from supervise.models import Checkin, Flag, Photo, Shift, User
from supervise.regulation import Regulation, RuleConfig
from supervise.services import lookup, photos, storage
from supervise.services.access import Actor, require_officer_visible, scope_to_actor
from supervise.services.areas import area_for_shift
from supervise.services.checks import check_signin
from supervise.services.regulation import regulation_in_force
from supervise.timeutil import SHANGHAI, local_day_bounds, utcnow

log = logging.getLogger(__name__)

HASH_BITS, BAND_BITS, BANDS = 64, 16, 4
# Up to this distance the band lookup finds every match (see `near_duplicate_candidates`).
BAND_LOOKUP_MAX_DISTANCE = 7
# Everything judging a sign-in reads from its shift, in the query that finds the shift.
_SHIFT_LOADS = (joinedload(Shift.grid), joinedload(Shift.post), joinedload(Shift.breaks),
                joinedload(Shift.officer).joinedload(User.district))
NO_EVIDENCE_ADVICE = N_("Retake the photo with location (GPS) on, in the camera app, and sign in again.")


class PhotoRefused(DomainError):
    """A file that cannot be a sign-in photo; the code and status come from the evidence reader."""

    status, code = 422, "PHOTO_INVALID"


@dataclass(frozen=True)
class DeviceFix:
    """The phone's own position fix sent along with the photo (weaker than EXIF evidence)."""

    lat: float | None = None
    lon: float | None = None
    accuracy_m: float | None = None
    fix_time: datetime | None = None
    mock: bool = False

    @property
    def has_position(self) -> bool:
        return self.lat is not None and self.lon is not None


@dataclass(frozen=True)
class SignIn:
    """A stored sign-in with the codes of the flags that refer to it; reads through to the row.

    `repeated`: these were the same bytes as this sign-in, sent again (answered, nothing stored);
    `earlier`: the shift already had this sign-in before (this one is kept as well)."""

    checkin: Checkin
    flags: list[str]
    repeated: bool = False
    earlier: Checkin | None = None
    viewer_id: int | None = None

    def __getattr__(self, name: str):
        return getattr(self.checkin, name)

    @property
    def visible_reused_checkin_id(self) -> int | None:
        """The earlier sign-in this photo repeats, unless the viewer is an officer and it is another
        officer's (its number is none of their business)."""
        reused = self.checkin.reused_checkin_id
        if reused is None or self.viewer_id is None or self.viewer_id != self.checkin.officer_id:
            return reused
        owner = db.session.scalar(select(Checkin.officer_id).where(Checkin.id == reused))
        return reused if owner == self.viewer_id else None

    @property
    def message(self) -> str:
        return officer_message(self.checkin, self.flags, repeated=self.repeated, earlier=self.earlier)


# ---------------------------------------------------------------- the verb


def record_checkin(actor: Actor, photo: bytes, *, shift_id: int | None = None, device: DeviceFix | None = None,
                   received_at: datetime | None = None,
                   before_commit: Callable[[SignIn], None] | None = None) -> SignIn:
    """Store a sign-in of the calling officer with this photo and return it with its flags.

    Raises PhotoRefused (415/422, nothing stored), NotFound for an unknown shift, Forbidden for
    another officer's shift, Conflict NO_SHIFT when no shift of the officer fits the sign-in. The
    same bytes already signed in by this officer for the same shift come back as that sign-in
    (`repeated`; nothing is committed). `received_at` is for the demo and tests; the API uses now.
    `before_commit` is given the sign-in right before the commit, to write in the same transaction
    (the API records an Idempotency-Key with its answer there).
    """
    received_at = received_at or utcnow()
    device = _checked_device(device or DeviceFix())
    evidence = read_evidence(photo, received_at)
    captured_at, time_source = _capture_time(evidence, device, received_at)
    sent_before = _own_sign_ins_with(actor.id, evidence.sha256)
    with _original_kept(evidence, photo) as original:  # written while the sign-in is judged
        regulation = regulation_in_force().regulation
        shift = _shift_for(actor, shift_id, captured_at or received_at, received_at, regulation)
        again = next((c for c in sent_before if c.shift_id == shift.id), None)
        if again is not None:
            db.session.rollback()
            return SignIn(again, flag_codes(again.id), repeated=True, viewer_id=actor.id)
        earlier = _first_sign_in(shift.id)
        rules = _rules_for(shift, regulation)
        matches = _reuse_matches(evidence, rules["PHOTO_REUSED"].params["max_phash_distance"], actor.id, shift.id)
        checkin = _build(actor, shift, rules, evidence, device, captured_at, time_source, received_at, matches)
        codes = _commit_rows(checkin, evidence, len(photo), original,
                             photo_exists=matches.photo_stored, before_commit=before_commit,
                             answer=lambda codes: SignIn(checkin, codes, earlier=earlier, viewer_id=actor.id))
    return SignIn(checkin, codes, earlier=earlier, viewer_id=actor.id)


def read_evidence(photo: bytes, received_at: datetime | None = None) -> PhotoEvidence:
    """The photo's evidence (no capture time after `received_at`), or PhotoRefused with the
    reader's code and HTTP status."""
    try:
        return read_photo(photo, max_pixels=current_app.config.get("MAX_PHOTO_PIXELS", 50_000_000),
                          received_at=received_at)
    except PhotoRejected as exc:
        raise PhotoRefused("%(reason)s", code=exc.code, status=exc.http_status, details=exc.details,
                           params={"reason": Text(exc.template, exc.params, sentence=True)}) from None


_OWN_SIGN_INS_WITH = (select(Checkin).where(Checkin.officer_id == bindparam("officer_id"),
                                            Checkin.photo_sha256 == bindparam("sha256")).order_by(Checkin.id))


def _own_sign_ins_with(officer_id: int, sha256: str) -> list[Checkin]:
    """This officer's sign-ins whose photo is exactly these bytes (a retry finds its first try)."""
    return list(db.session.scalars(_OWN_SIGN_INS_WITH, {"officer_id": officer_id, "sha256": sha256}))


def _first_sign_in(shift_id: int) -> Checkin | None:
    """The shift's first sign-in received so far, if any."""
    return db.session.scalar(select(Checkin).where(Checkin.shift_id == shift_id)
                             .order_by(Checkin.received_at, Checkin.id).limit(1))


def _checked_device(device: DeviceFix) -> DeviceFix:
    if (device.lat is None) != (device.lon is None):
        raise Invalid("Send device_lat and device_lon together, or neither.", code="DEVICE_FIX_INVALID")
    values = [v for v in (device.lat, device.lon, device.accuracy_m) if v is not None]
    if any(not math.isfinite(v) for v in values):
        raise Invalid("The device fix has a value that is not a number.", code="DEVICE_FIX_INVALID")
    if device.has_position and not (-90 <= device.lat <= 90 and -180 <= device.lon <= 180):
        raise Invalid("device_lat must be within ±90 and device_lon within ±180.", code="DEVICE_FIX_INVALID")
    if device.accuracy_m is not None and device.accuracy_m < 0:
        raise Invalid("device_accuracy_m cannot be negative.", code="DEVICE_FIX_INVALID")
    if device.lat == 0 and device.lon == 0:  # what some browsers send when they have no fix
        return DeviceFix(accuracy_m=None, fix_time=device.fix_time, mock=device.mock)
    return device


def _capture_time(evidence: PhotoEvidence, device: DeviceFix,
                  received_at: datetime) -> tuple[datetime | None, str | None]:
    if evidence.captured_at is not None:
        return evidence.captured_at, evidence.capture_time_source
    if device.fix_time is not None:
        if device.fix_time > received_at + CLOCK_SKEW:  # a browser clock ahead: the receipt stands in
            return received_at, "received"
        return device.fix_time, "device"
    return None, None


# ---------------------------------------------------------------- which shift


def _shift_for(actor: Actor, shift_id: int | None, signed_at: datetime, received_at: datetime,
               regulation: Regulation) -> Shift:
    if shift_id is not None:
        shift = db.session.get(Shift, shift_id, options=_SHIFT_LOADS)
        if shift is None:
            raise NotFound("There is no shift with id %(shift_id)s.", details={"id": shift_id}, params={"shift_id": shift_id})
        if shift.officer_id != actor.id:
            raise Forbidden("Only the officer of a shift signs in for it.", code="NOT_YOUR_SHIFT",
                            details={"shift_id": shift_id})
        return shift
    shift = shift_for_time(actor.id, signed_at, received_at, regulation)
    if shift is None:
        raise Conflict("You have no shift whose sign-in window contains the time of this photo, and none is in "
                       "progress; ask your manager to check your roster, or send shift_id.", code="NO_SHIFT",
                       details={"signed_at": signed_at.isoformat()})
    return shift


# Built once: asked on every sign-in without shift_id, only the values change.
_NEAR_SHIFTS = (select(Shift).options(*_SHIFT_LOADS)
                .where(Shift.officer_id == bindparam("officer_id"), Shift.start >= bindparam("earliest"),
                       Shift.start <= bindparam("latest")).order_by(Shift.start))


def shift_for_time(officer_id: int, signed_at: datetime, received_at: datetime,
                   regulation: Regulation | None = None) -> Shift | None:
    """The officer's shift whose sign-in window contains `signed_at` (nearest start first), else the
    one whose window contains `received_at`, else the shift in progress at `received_at`, else None."""
    near = db.session.scalars(_NEAR_SHIFTS, {"officer_id": officer_id,
                                             "earliest": min(signed_at, received_at) - timedelta(days=1),
                                             "latest": max(signed_at, received_at) + timedelta(days=1)}).unique().all()
    regulation = regulation or regulation_in_force().regulation
    for at in (signed_at, received_at):  # an old photo sent in the window still lands on that shift
        in_window = [s for s in near if _in_window(s, at, regulation)]
        if in_window:
            return min(in_window, key=lambda s: (abs((s.start - at).total_seconds()), s.id))
    return next((s for s in near if s.start <= received_at <= s.end), None)


def _in_window(shift: Shift, at: datetime, regulation: Regulation) -> bool:
    opens, closes = _window(shift, _rules_for(shift, regulation)["LATE"])
    return opens <= at <= closes


def _rules_for(shift: Shift, regulation: Regulation) -> dict[str, RuleConfig]:
    district = shift.officer.district.code if shift.officer.district else None
    return regulation.values_for(shift.start, district)


def _window(shift: Shift, late: RuleConfig) -> tuple[datetime, datetime]:
    w = late.sign_in
    return shift.start - timedelta(minutes=w.open_before_min), shift.start + timedelta(minutes=w.close_after_min)


# ---------------------------------------------------------------- judgement


def timeliness(shift: Shift, rules: dict[str, RuleConfig], signed_at: datetime) -> str:
    """on_time (window open .. start + grace), late (.. window close), else outside_window."""
    opens, closes = _window(shift, rules["LATE"])
    if not opens <= signed_at <= closes:
        return "outside_window"
    grace = timedelta(minutes=rules["LATE"].params["grace_min"])
    return "on_time" if signed_at <= shift.start + grace else "late"


def place_tolerance_m(rules: dict[str, RuleConfig], accuracy_m: float | None) -> float:
    """max(min_tolerance_m, reported error capped at max_reported_error_m): the benefit of the doubt."""
    p = rules["CHECKIN_OFF_GRID"].params
    return max(p["min_tolerance_m"], min(accuracy_m or 0.0, p["max_reported_error_m"]))


def _build(actor: Actor, shift: Shift, rules: dict[str, RuleConfig], evidence: PhotoEvidence, device: DeviceFix,
           captured_at: datetime | None, time_source: str | None, received_at: datetime,
           matches: ReuseMatches) -> Checkin:
    gps = evidence.gps
    checkin = Checkin(
        officer_id=actor.id, shift_id=shift.id, shift=shift, photo_sha256=evidence.sha256,
        received_at=received_at, captured_at=captured_at, capture_time_source=time_source,
        capture_time_note=evidence.capture_time_note if time_source != "device" else
        "no capture time in the photo; the phone's fix time used",
        time_conflict_s=evidence.time_conflict_s,
        exif_lat=gps.lat if gps else None, exif_lon=gps.lon if gps else None,
        exif_accuracy_m=gps.accuracy_m if gps else None,
        device_lat=device.lat, device_lon=device.lon, device_accuracy_m=device.accuracy_m,
        device_fix_time=device.fix_time, device_mock=device.mock,
        camera=" ".join(p for p in (evidence.make, evidence.model) if p)[:128] or None,
    )
    _place(checkin, shift, rules)
    checkin.timeliness = timeliness(shift, rules, captured_at or received_at)
    checkin.evidence_problem = _evidence_problem(checkin, evidence)
    _mark_reuse(checkin, matches)
    return checkin


def _place(checkin: Checkin, shift: Shift, rules: dict[str, RuleConfig]) -> None:
    if checkin.exif_lat is not None:
        checkin.lat, checkin.lon, checkin.accuracy_m = checkin.exif_lat, checkin.exif_lon, checkin.exif_accuracy_m
        checkin.location_source = "exif"
    elif checkin.device_lat is not None:
        checkin.lat, checkin.lon, checkin.accuracy_m = (checkin.device_lat, checkin.device_lon,
                                                        checkin.device_accuracy_m)
        checkin.location_source = "device"
    else:
        return
    distance = float(area_for_shift(shift).distance_m(checkin.lat, checkin.lon))
    checkin.distance_to_area_m = round(distance, 1)
    checkin.inside_area = distance <= place_tolerance_m(rules, checkin.accuracy_m)


def _evidence_problem(checkin: Checkin, evidence: PhotoEvidence) -> str | None:
    problems = []
    if checkin.lat is None:
        problems.append(evidence.gps_problem or notes.NO_GPS_IN_PHOTO)
    if checkin.captured_at is None:
        problems.append(evidence.capture_time_note or notes.NO_CAPTURE_TIME)
    return notes.joined(*problems)


# ---------------------------------------------------------------- reuse


def signed_phash(phash: int) -> int:
    """The unsigned 64-bit hash as the signed int64 the database stores."""
    return phash - (1 << HASH_BITS) if phash >= 1 << (HASH_BITS - 1) else phash


def unsigned_phash(stored: int) -> int:
    """The stored signed int64 back as the unsigned 64-bit hash."""
    return stored & ((1 << HASH_BITS) - 1)


def bands(phash: int) -> list[int]:
    """The four 16-bit bands of an unsigned hash: band i = (phash >> 16 i) & 0xFFFF."""
    return [(phash >> (BAND_BITS * i)) & 0xFFFF for i in range(BANDS)]


def one_bit_neighbours(band: int) -> list[int]:
    """The band itself and the 16 values one bit flip away (17 values)."""
    return [band] + [band ^ (1 << bit) for bit in range(BAND_BITS)]


def near_duplicate_candidates(phash: int, max_distance: int) -> list[Photo]:
    """Stored photos that may lie within `max_distance` of `phash` (a superset; check with hamming).

    Multi-index lookup: the 64 bits are cut into 4 bands of 16. If two hashes differ in at
    most d bits, those bits fall into 4 bands, so some band holds at most floor(d / 4) of them
    (pigeonhole). For d <= 7 that is at most 1: every match agrees with the query on some band
    up to one bit flip, and looking up each band's 17 neighbours through its index finds it.
    So the lookup is complete for the default distance 6 (and up to 7). Beyond 7 a band could
    differ in 2 bits for every match, so a full scan is used instead of risking a miss.
    """
    return list(db.session.scalars(select(Photo).where(or_(*_band_clauses(phash, max_distance)))))


def _band_clauses(phash: int, max_distance: float) -> list:
    """OR-ed, these select the candidates of `near_duplicate_candidates` (every photo beyond 7)."""
    if max_distance > BAND_LOOKUP_MAX_DISTANCE:
        return [true()]
    columns = (Photo.band0, Photo.band1, Photo.band2, Photo.band3)
    return [column.in_(one_bit_neighbours(band)) for column, band in zip(columns, bands(phash), strict=True)]


@dataclass(frozen=True)
class ReuseMatch:
    """A stored photo these bytes repeat (distance 0 for the same bytes) and its first sign-in, if any."""

    sha256: str
    distance: int
    checkin_id: int | None
    received_at: datetime | None
    officer_id: int | None = None


class ReuseMatches(list):
    """The matches, and whether these very bytes are stored already (by any sign-in or finding)."""

    photo_stored: bool = False


def _reuse_query(*where):
    return (select(Photo.sha256, Photo.phash, Checkin.id, Checkin.received_at, Checkin.officer_id, Checkin.shift_id)
            .outerjoin(Checkin, Checkin.photo_sha256 == Photo.sha256).where(or_(*where))
            .order_by(Checkin.received_at, Checkin.id))


# Built once and run through Core: the same question on every sign-in, only the values change.
# One plain parameter per neighbour (17 per band), not expanding ones: an expanding IN is re-rendered
# into SQL text on every execution.
_NEIGHBOURS = BAND_BITS + 1
_REUSE_LOOKUP = _reuse_query(Photo.sha256 == bindparam("sha256"),
                             *(column.in_([bindparam(f"band{i}_{j}") for j in range(_NEIGHBOURS)]) for i, column in
                               enumerate((Photo.band0, Photo.band1, Photo.band2, Photo.band3))))
_REUSE_SCAN = _reuse_query(true())


def _reuse_matches(evidence: PhotoEvidence, max_distance: float, officer_id: int, shift_id: int) -> ReuseMatches:
    """Stored photos equal to or within `max_distance` of this one, each with its earliest sign-in
    that is not this officer's for this same shift (a retake or a retry is not a reuse).

    One query: the same SHA-256 or any band within one bit flip, joined to the sign-ins (a photo
    row without one is kept, so the caller also learns whether the photo is stored already)."""
    if max_distance > BAND_LOOKUP_MAX_DISTANCE:
        rows = db.session.connection().execute(_REUSE_SCAN).all()
    else:
        params = {f"band{i}_{j}": value for i, band in enumerate(bands(evidence.phash))
                  for j, value in enumerate(one_bit_neighbours(band))}
        rows = db.session.connection().execute(_REUSE_LOOKUP, {"sha256": evidence.sha256, **params}).all()
    found = ReuseMatches()
    matches: dict[str, ReuseMatch] = {}
    for sha, phash, checkin_id, received_at, owner, shift in rows:
        found.photo_stored |= sha == evidence.sha256
        if owner == officer_id and shift == shift_id:
            checkin_id = received_at = owner = None  # the officer's own sign-in of this shift
        distance = 0 if sha == evidence.sha256 else hamming(unsigned_phash(phash), evidence.phash)
        if distance <= max_distance and (sha not in matches or matches[sha].checkin_id is None):
            matches[sha] = ReuseMatch(sha, distance, checkin_id, received_at, owner)
    found.extend(matches.values())
    return found


def _mark_reuse(checkin: Checkin, matches: ReuseMatches) -> None:
    """Name the earliest earlier sign-in whose photo is these bytes or a near-identical picture."""
    signed = [m for m in matches if m.checkin_id is not None]
    if not signed:
        return
    earliest = min(signed, key=lambda m: (m.received_at, m.checkin_id))
    checkin.reused_checkin_id = earliest.checkin_id
    same_bytes = earliest.sha256 == checkin.photo_sha256
    checkin.reuse_kind = "sha256" if same_bytes else "phash"
    checkin.reuse_distance = None if same_bytes else earliest.distance


# ---------------------------------------------------------------- writing


@contextmanager
def _original_kept(evidence: PhotoEvidence, data: bytes) -> Iterator[storage.PendingOriginal]:
    """The original on its way to the disk for the block that judges and commits the sign-in; if
    the block fails or refuses, the session is rolled back and a file this call created removed."""
    try:
        with storage.original_kept_for_commit(evidence.sha256, evidence.format, data) as original:
            yield original
    except BaseException:
        db.session.rollback()
        raise


def _commit_rows(checkin: Checkin, evidence: PhotoEvidence, size: int, original: storage.PendingOriginal, *,
                 photo_exists: bool, before_commit: Callable[[SignIn], None] | None = None,
                 answer: Callable[[list[str]], SignIn] | None = None) -> list[str]:
    """The rows and flags in one commit, once the original is on the disk. Returns the codes of
    the flags raised on this sign-in."""
    row = _full_row(checkin)
    photo = None if photo_exists else _photo_row(evidence, size)
    _insert_rows(checkin, row, photo)
    try:
        codes = _run_checks(checkin)
    except Exception:
        log.exception("checks after sign-in failed for shift %s; the scheduler will retry", checkin.shift_id)
        _insert_again_without_flags(checkin, row, photo)
        codes = []
    if before_commit is not None:
        before_commit(answer(codes) if answer is not None else SignIn(checkin, codes))
    original.make_durable()
    db.session.commit()
    return codes


_INSERT_PHOTO = insert(Photo)
_CHECKIN_COLUMNS = tuple(c.key for c in Checkin.__table__.columns if c.key != "id")
_INSERT_CHECKIN = insert(Checkin.__table__)


def _full_row(checkin: Checkin) -> dict:
    """The new sign-in's column values, every column given (one never set is NULL)."""
    values = checkin.__dict__  # the instance's own attribute values (SQLAlchemy keeps them there)
    for key in _CHECKIN_COLUMNS:
        if key not in values:
            setattr(checkin, key, None)
    return {key: values[key] for key in _CHECKIN_COLUMNS}


def _insert_rows(checkin: Checkin, row: dict, photo: dict | None) -> None:
    """The photo row (unless it is stored already) and the sign-in row, through Core: nothing reads
    the photo row back, and the unit of work cost more than the inserts."""
    try:
        if photo is not None:
            db.session.connection().execute(_INSERT_PHOTO, photo)
        _insert_checkin(checkin, row)
    except IntegrityError:
        if photo is None:
            raise
        # The same bytes arrived at the same moment through another request, which stored the
        # photo row first: keep the sign-in, share its photo.
        db.session.rollback()
        _insert_checkin(checkin, row)


def _insert_checkin(checkin: Checkin, row: dict) -> None:
    """Insert the sign-in row and attach the object to the session as a stored row, as a flush
    would leave it (every column is set, so nothing is left to load back)."""
    checkin.id = db.session.connection().execute(_INSERT_CHECKIN, row).inserted_primary_key[0]
    make_transient_to_detached(checkin)
    db.session.add(checkin)


def _photo_row(evidence: PhotoEvidence, size: int) -> dict:
    b = bands(evidence.phash)
    return {"sha256": evidence.sha256, "format": evidence.format, "size_bytes": size, "width": evidence.width,
            "height": evidence.height, "phash": signed_phash(evidence.phash),
            "band0": b[0], "band1": b[1], "band2": b[2], "band3": b[3]}


def _run_checks(checkin: Checkin) -> list[str]:
    """Raise the shift's flags now, in the sign-in's transaction, and return the codes of those that
    refer to this sign-in (oldest first; no earlier flag can refer to a row not yet committed)."""
    raised = check_signin(checkin.shift_id, as_of=checkin.received_at, commit=False)
    return [flag.code for flag in sorted(raised, key=lambda f: f.id) if flag.checkin_id == checkin.id]


def _insert_again_without_flags(checkin: Checkin, row: dict, photo: dict | None) -> None:
    """After failed checks: roll back whatever they wrote or broke (on PostgreSQL a failed statement
    spoils the whole transaction) and write the sign-in again, so it is kept without flags and the
    scheduler's next run raises them. A savepoint around the checks would do the same, but it cost
    every sign-in two more statements, for a failure that should never happen."""
    shift = checkin.shift
    db.session.rollback()
    make_transient(checkin)
    for key, value in row.items():
        setattr(checkin, key, value)
    checkin.shift = shift
    _insert_rows(checkin, row, photo)


# ---------------------------------------------------------------- reading


def flag_codes(checkin_id: int) -> list[str]:
    """Codes of the flags that refer to this sign-in (any status), oldest first."""
    return list(db.session.scalars(select(Flag.code).where(Flag.checkin_id == checkin_id).order_by(Flag.id)))


def get_checkin(actor: Actor, checkin_id: int) -> SignIn:
    """One sign-in for the officer, their district's managers, city-wide managers and admins."""
    checkin = lookup.get_or_404(Checkin, checkin_id, "sign-in")
    require_officer_visible(actor, checkin.officer_id, checkin.officer.district_id)
    return SignIn(checkin, flag_codes(checkin.id), viewer_id=actor.id)


def checkin_photo(actor: Actor, checkin_id: int, variant: str = "display") -> storage.PhotoFile:
    """The sign-in's photo: the EXIF-stripped display copy, or the original (managers and admins,
    recorded; services.photos)."""
    checkin = get_checkin(actor, checkin_id).checkin
    return photos.photo_for(actor, checkin.photo, variant, f"checkin:{checkin.id}", f"checkin-{checkin.id}")


def list_checkins(actor: Actor, *, officer: str | None = None, shift_id: int | None = None,
                  day: date | None = None, district: str | None = None):
    """A select() of the sign-ins the actor may see, newest first, with the filters applied."""
    query = select(Checkin).join(User, Checkin.officer_id == User.id).order_by(Checkin.received_at.desc(),
                                                                                Checkin.id.desc())
    query = scope_to_actor(query, actor, Checkin.officer_id, User.district_id)
    if officer:
        query = query.where(Checkin.officer_id == lookup.officer_by_badge(officer).id)
    if district:
        query = query.where(User.district_id == lookup.district_by_code(district).id)
    if shift_id is not None:
        query = query.where(Checkin.shift_id == shift_id)
    if day is not None:
        day_start, day_end = local_day_bounds(day)
        query = query.where(Checkin.received_at >= day_start, Checkin.received_at < day_end)
    return query


# ---------------------------------------------------------------- telling the officer


def officer_message(checkin: Checkin, flags: list[str], *, repeated: bool = False,
                    earlier: Checkin | None = None) -> str:
    """One or more sentences for the officer about this sign-in, in the reader's language: what was
    found, what to do."""
    parts = [translated(text, params) for text, params in _message_parts(checkin, flags, repeated, earlier)]
    return " ".join(parts) if parts else translated(N_("Signed in on time, in place."))


def _message_parts(checkin: Checkin, flags: list[str], repeated: bool, earlier: Checkin | None):
    """The officer message's sentences as (English catalog text, params)."""
    if repeated:
        yield (N_("This photo was already received at %(time)s for this shift: it is the same sign-in, nothing "
                  "new was stored."), {"time": local_time_text(checkin.received_at)})
    elif earlier is not None:
        yield (N_("You had already signed in for this shift at %(time)s; this photo is kept as well and does not "
                  "replace the first sign-in."), {"time": local_time_text(earlier.received_at)})
    if checkin.lat is None and checkin.captured_at is None:
        yield N_("Sign-in kept, but the photo has no usable position and capture time."), {}
        yield NO_EVIDENCE_ADVICE, {}
    elif checkin.lat is None or checkin.captured_at is None:
        yield ((N_("Sign-in kept, but the photo has no usable position.") if checkin.lat is None
                else N_("Sign-in kept, but the photo has no usable capture time.")), {})
        yield NO_EVIDENCE_ADVICE, {}
    elif checkin.inside_area is False:
        yield ((N_("Signed in %(metres)s m outside your grid.") if checkin.shift.kind == "patrol"
                else N_("Signed in %(metres)s m outside your post.")), {"metres": f"{checkin.distance_to_area_m:.0f}"})
    if checkin.capture_time_source == "received":
        yield (N_("Your phone's clock is ahead: the sign-in is timed by when it arrived and a manager will check "
                  "the time. Set the phone to automatic time."), {})
    if checkin.timeliness == "late":
        yield N_("Signed in late."), {}
    elif checkin.timeliness == "outside_window":
        yield N_("This sign-in is outside your shift's sign-in window."), {}
    if checkin.reused_checkin_id is not None:
        yield N_("This photo repeats a photo already used for another sign-in; take a new selfie."), {}
    if checkin.device_mock:
        yield N_("Your phone reported a simulated (mock) location."), {}
    others = [f for f in flags if f not in ("PHOTO_NO_EVIDENCE", "CHECKIN_OFF_GRID", "LATE", "PHOTO_REUSED",
                                            "LOCATION_SPOOF")]
    if others:
        yield N_("Flagged for review: %(codes)s."), {"codes": ", ".join(others)}


def local_time_text(at: datetime) -> str:
    """HH:MM in Beijing time."""
    return at.astimezone(SHANGHAI).strftime("%H:%M")

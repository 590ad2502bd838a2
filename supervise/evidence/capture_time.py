"""Decide when a photo was taken from its EXIF clock and its GPS clock.

Sources (``capture_time_source``):

- ``exif_offset``: DateTimeOriginal with its OffsetTimeOriginal.
- ``exif_local``: DateTimeOriginal without an offset, read as Asia/Shanghai
  wall-clock time (and the note says so).
- ``exif_gps``: the GPS date and time stamps, which are UTC by definition.
- ``device``: not decided here; the service uses it when the photo has no time.

Rules, when both an EXIF time and a GPS time exist (``diff = GPS - EXIF``):

- ``|diff| <= 120 s``: they agree. With an offset tag the EXIF time is used
  (``exif_offset``). Without one, GPS time is used (``exif_gps``): it is UTC by
  definition and more precise than an assumed zone.
- Otherwise, if the zone the camera clock must have been set to
  (``DateTimeOriginal - GPS``) is within 120 s of a whole multiple of 30 minutes
  and between UTC-12 and UTC+14, the phone was set to the wrong zone (or wrote
  the wrong offset): GPS time is used and the note says why. Thirty minutes, not
  an hour, so that zones like +05:30 count; +05:45 and other odd clocks go to
  review, the safe side.
- Otherwise the clocks disagree for no zone reason (a camera clock set wrong, an
  edited file): ``conflict_s`` is set to ``diff`` and a person has to review it.
  Without the receipt time the EXIF-derived time is kept. The Nikon P6000 fixtures
  are such a case: GPS is 21.97 h after the naive EXIF time, a zone no place has.

With the time the photo was received (``received_at``; what a sign-in always has),
a clock that is wrong is not allowed to decide against the officer (DOMAIN.md,
"Judging fairly"):

- A capture time can never be after the receipt (beyond ``CLOCK_SKEW``): such a
  clock is impossible.
- When the clocks disagree for no zone reason and the GPS time is possible, the
  GPS time decides: it comes from the satellites, the camera clock from whoever set
  it. When the camera clock is possible too, the disagreement is kept
  (``conflict_s``) for a person to review; when it is impossible, there is no
  question left (a phone 8 h ahead with a right GPS time signs in on time).
- When only an impossible clock is left (a camera clock ahead and no usable GPS
  time), the receipt time stands in (source ``received``), the note says why, and
  ``conflict_s`` holds how far the camera clock was ahead: kept for review, never
  refused.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from supervise.evidence import notes

SHANGHAI = ZoneInfo("Asia/Shanghai")
AGREEMENT_S = 120.0
# A phone clock a little ahead of the server is normal; beyond this a capture time is impossible.
CLOCK_SKEW = timedelta(minutes=2)
ZONE_STEP_S = 1800
_MIN_ZONE_S = -12 * 3600
_MAX_ZONE_S = 14 * 3600


@dataclass(frozen=True)
class CaptureTime:
    """When the photo was taken (UTC), from which source, and why if not obvious."""

    captured_at: datetime | None
    source: str | None
    note: str | None = None
    conflict_s: float | None = None


def resolve_capture_time(
    local: datetime | None,
    offset: timedelta | None,
    gps_utc: datetime | None,
    assumed_zone: ZoneInfo = SHANGHAI,
    received_at: datetime | None = None,
) -> CaptureTime:
    """Pick the capture instant from EXIF local time (+offset) and GPS UTC time.

    ``local`` is DateTimeOriginal as written (naive); ``gps_utc`` and
    ``received_at`` are aware. Never raises; see the module docstring for the rules.
    """
    if local is None:
        if gps_utc is None:
            return CaptureTime(None, None, notes.NO_CAPTURE_TIME)
        decided = CaptureTime(gps_utc, "exif_gps", notes.GPS_TIME_ONLY)
    else:
        exif_time = _exif_instant(local, offset, assumed_zone)
        decided = exif_time if gps_utc is None else _reconcile(local, offset, exif_time, gps_utc, assumed_zone,
                                                               received_at)
    if received_at is None or decided.captured_at is None or _possible(decided.captured_at, received_at):
        return decided
    return _by_receipt(decided, received_at)


def _possible(at: datetime, received_at: datetime | None) -> bool:
    return received_at is None or at <= received_at + CLOCK_SKEW


def _by_receipt(decided: CaptureTime, received_at: datetime) -> CaptureTime:
    ahead = (decided.captured_at - received_at).total_seconds()
    note = notes.note(notes.CLOCK_AFTER_RECEIPT, source=decided.source, ahead=_format_hours_exact(ahead))
    return CaptureTime(received_at, "received", notes.joined(decided.note, note), ahead)


def _exif_instant(local: datetime, offset: timedelta | None, zone: ZoneInfo) -> CaptureTime:
    if offset is not None:
        return CaptureTime((local - offset).replace(tzinfo=UTC), "exif_offset")
    instant = local.replace(tzinfo=zone).astimezone(UTC)
    return CaptureTime(instant, "exif_local", notes.note(notes.ZONE_ASSUMED, zone=zone.key))


def _reconcile(
    local: datetime, offset: timedelta | None, exif_time: CaptureTime, gps_utc: datetime, zone: ZoneInfo,
    received_at: datetime | None = None,
) -> CaptureTime:
    assert exif_time.captured_at is not None
    diff = (gps_utc - exif_time.captured_at).total_seconds()
    if abs(diff) <= AGREEMENT_S:
        if offset is not None:
            return exif_time
        return CaptureTime(gps_utc, "exif_gps", notes.note(notes.GPS_AGREES, zone=zone.key))
    camera_zone = implied_zone_s(local, gps_utc)
    if camera_zone is not None and _possible(gps_utc, received_at):
        stated = _format_zone(offset.total_seconds()) if offset is not None else zone.key
        note = notes.note(notes.CAMERA_ZONE, hours=_format_hours(diff), camera=_format_zone(camera_zone), stated=stated)
        return CaptureTime(gps_utc, "exif_gps", note)
    if received_at is not None and _possible(gps_utc, received_at):
        if not _possible(exif_time.captured_at, received_at):
            note = notes.note(notes.EXIF_AHEAD, ahead=_format_hours_exact(diff))
            return CaptureTime(gps_utc, "exif_gps", notes.joined(exif_time.note, note))
        note = notes.note(notes.CLOCKS_DIFFER_GPS, seconds=f"{diff:+.0f}")
        return CaptureTime(gps_utc, "exif_gps", notes.joined(exif_time.note, note), diff)
    note = notes.note(notes.CLOCKS_DIFFER_EXIF, seconds=f"{diff:+.0f}")
    return CaptureTime(exif_time.captured_at, exif_time.source, notes.joined(exif_time.note, note), diff)


def implied_zone_s(local: datetime, gps_utc: datetime) -> int | None:
    """The UTC offset (s) the camera clock was set to, if it looks like a real zone."""
    zone = (local - gps_utc.replace(tzinfo=None)).total_seconds()
    nearest = round(zone / ZONE_STEP_S) * ZONE_STEP_S
    if abs(zone - nearest) > AGREEMENT_S or not _MIN_ZONE_S <= nearest <= _MAX_ZONE_S:
        return None
    return nearest


def _format_zone(seconds: float) -> str:
    sign = "-" if seconds < 0 else "+"
    minutes = round(abs(seconds) / 60)
    return f"UTC{sign}{minutes // 60:02d}:{minutes % 60:02d}"


def _format_hours(diff_s: float) -> str:
    return f"{round(abs(diff_s) / ZONE_STEP_S) * ZONE_STEP_S / 3600:g} h"


def _format_hours_exact(seconds: float) -> str:
    minutes = round(abs(seconds) / 60)
    return f"{minutes // 60} h {minutes % 60} min" if minutes >= 60 else f"{minutes} min"




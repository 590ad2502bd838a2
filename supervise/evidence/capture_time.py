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
  edited file): the EXIF-derived time is kept, ``conflict_s`` is set to ``diff``
  and a person has to review it. The Nikon P6000 fixtures are such a case: GPS
  is 21.97 h after the naive EXIF time, a zone no place has.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

SHANGHAI = ZoneInfo("Asia/Shanghai")
AGREEMENT_S = 120.0
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
) -> CaptureTime:
    """Pick the capture instant from EXIF local time (+offset) and GPS UTC time.

    ``local`` is DateTimeOriginal as written (naive); ``gps_utc`` is aware.
    Never raises; see the module docstring for the rules.
    """
    if local is None:
        if gps_utc is None:
            return CaptureTime(None, None, "no capture time in the photo")
        return CaptureTime(gps_utc, "exif_gps", "no DateTimeOriginal; GPS time (UTC) used")
    exif_time = _exif_instant(local, offset, assumed_zone)
    if gps_utc is None:
        return exif_time
    return _reconcile(local, offset, exif_time, gps_utc, assumed_zone)


def _exif_instant(local: datetime, offset: timedelta | None, zone: ZoneInfo) -> CaptureTime:
    if offset is not None:
        return CaptureTime((local - offset).replace(tzinfo=UTC), "exif_offset")
    instant = local.replace(tzinfo=zone).astimezone(UTC)
    return CaptureTime(instant, "exif_local", f"no offset tag; assumed {zone.key}")


def _reconcile(
    local: datetime, offset: timedelta | None, exif_time: CaptureTime, gps_utc: datetime, zone: ZoneInfo
) -> CaptureTime:
    assert exif_time.captured_at is not None
    diff = (gps_utc - exif_time.captured_at).total_seconds()
    if abs(diff) <= AGREEMENT_S:
        if offset is not None:
            return exif_time
        return CaptureTime(gps_utc, "exif_gps", f"no offset tag; GPS time used (agrees with {zone.key})")
    camera_zone = implied_zone_s(local, gps_utc)
    if camera_zone is not None:
        stated = _format_zone(offset.total_seconds()) if offset is not None else zone.key
        note = (
            f"EXIF clock {_format_hours(diff)} off GPS time: camera set to {_format_zone(camera_zone)}, "
            f"not {stated}; GPS time used"
        )
        return CaptureTime(gps_utc, "exif_gps", note)
    note = (
        f"EXIF time and GPS time differ by {diff:+.0f} s, not a time-zone difference; "
        f"EXIF time kept, needs review"
    )
    return CaptureTime(exif_time.captured_at, exif_time.source, _join(exif_time.note, note), diff)


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


def _join(first: str | None, second: str) -> str:
    return f"{first}; {second}" if first else second


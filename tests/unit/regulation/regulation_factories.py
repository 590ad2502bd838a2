"""Small factories for shift facts, sign-ins, tracks and rule configs (test helpers)."""
from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import numpy as np

from supervise.regulation import RuleConfig, default_regulation_text, parse_regulation
from supervise.regulation.facts import CheckinFact, ShiftFacts
from supervise.tracks.model import Excursion, Span, SpeedJump, StayPoint, Teleport, TrackAnalysis

HARBIN = ZoneInfo("Asia/Shanghai")
DEFAULT = parse_regulation(default_regulation_text())


def local(day: int, hour: int, minute: int = 0, second: int = 0, month: int = 11,
          year: int = 2026) -> datetime:
    """A Harbin wall-clock time as a UTC-aware instant."""
    return datetime(year, month, day, hour, minute, second, tzinfo=HARBIN).astimezone(ZoneInfo("UTC"))


START = local(26, 9)          # 09:00 Harbin = 01:00 UTC
END = START + timedelta(hours=8)


def mins(n: float) -> timedelta:
    return timedelta(minutes=n)


def config(code: str, **params: float) -> RuleConfig:
    """The default regulation's config of `code`, with some params changed."""
    base = DEFAULT.values_for(START, None)[code]
    return replace(base, params={**base.params, **params})


def checkin(id: int = 1, at: datetime = START, received: datetime | None = None, **kw) -> CheckinFact:
    """A sign-in captured at `at`, received then unless said otherwise, inside the grid."""
    values = {
        "id": id, "received_at": received or at, "captured_at": at, "capture_time_source": "exif_offset",
        "lat": 45.77, "lon": 126.62, "accuracy_m": 8.0, "location_source": "exif", "distance_to_area_m": 0.0,
    }
    values.update(kw)
    return CheckinFact(**values)


def track(start: datetime = START, end: datetime = END, **kw) -> TrackAnalysis:
    """A track covering [start, end], 10 km long, inside the grid throughout, a fix every 10 s with
    an accuracy of 10 m (where no silence of `gaps` falls), unless told."""
    fixes = np.arange(start.timestamp(), end.timestamp() + 1, 10.0)
    for gap in kw.get("gaps", []):
        fixes = fixes[(fixes <= gap.start.timestamp()) | (fixes >= gap.end.timestamp())]
    values = {
        "window": Span(start, end), "points": int(fixes.size), "distance_m": 10_000.0,
        "moving_s": (end - start).total_seconds(),
        "first_fix": start, "last_fix": end, "last_inside": end, "coverage": 1.0,
        "fix_t": fixes, "fix_acc": np.full(fixes.size, 10.0),
    }
    values.update(kw)
    return TrackAnalysis(**values)


def shift(
    start: datetime = START, end: datetime | None = None, as_of: datetime | None = None, **kw
) -> ShiftFacts:
    """A patrol shift in Nangang, judged after it ended unless `as_of` says otherwise."""
    end = end or start + timedelta(hours=8)
    values = {
        "shift_id": 1, "officer_id": 7, "district": "NG", "kind": "patrol", "start": start, "end": end,
        "as_of": as_of or end + mins(60),
    }
    values.update(kw)
    return ShiftFacts(**values)


def stay(start: datetime, minutes: float, radius_m: float = 30.0) -> StayPoint:
    return StayPoint(start, start + mins(minutes), 45.77, 126.62, radius_m, 40)


def excursion(start: datetime, minutes: float) -> Excursion:
    return Excursion(start, start + mins(minutes), 120.0, 12)


def gap(start: datetime, minutes: float) -> Span:
    return Span(start, start + mins(minutes))


def jump(start: datetime, speed_kmh: float) -> SpeedJump:
    return SpeedJump(start, start + timedelta(seconds=10), speed_kmh, speed_kmh / 3.6 * 10)


def leap(start: datetime, distance_m: float, back: datetime | None = None) -> Teleport:
    """A leap of the track at `start` (10 s long), and back at `back` when given."""
    end = (back or start) + timedelta(seconds=10)
    return Teleport(start, end, distance_m, distance_m / 10 * 3.6, 18, 18, back=back)


__all__ = [
    "DEFAULT", "END", "HARBIN", "START", "checkin", "config", "excursion", "gap", "jump", "leap", "local",
    "mins", "shift", "stay", "track",
]

"""Plain values shared by track parsing, filtering and analysis (PURE: no Flask, no SQLAlchemy).

Times are POSIX seconds (UTC) as floats; coordinates are WGS-84 degrees.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

import numpy as np


@dataclass(slots=True)
class RawFix:
    """One position as a source reported it, before filtering."""

    t: float | None
    lat: float | None
    lon: float | None
    accuracy_m: float | None = None
    speed_mps: float | None = None
    bearing: float | None = None
    altitude_m: float | None = None
    battery: float | None = None
    mock: bool = False


@dataclass(frozen=True)
class Span:
    """A closed interval of time, UTC-aware datetimes."""

    start: datetime
    end: datetime

    @property
    def seconds(self) -> float:
        return (self.end - self.start).total_seconds()


@dataclass(frozen=True)
class StayPoint:
    """The officer stayed at (lat, lon) from start to end: 90 % of the fixes within `radius_m`
    (measured), all judged within `allowed_m` (the regulation's radius plus the phone's noise)."""

    start: datetime
    end: datetime
    lat: float
    lon: float
    radius_m: float
    points: int
    allowed_m: float | None = None


@dataclass(frozen=True)
class Excursion:
    """A continuous stretch outside the assigned area (accuracy and buffer considered)."""

    start: datetime
    end: datetime
    max_distance_m: float
    points: int
    returned: bool = True   # False: still outside at the last fix of its segment


@dataclass(frozen=True)
class SpeedJump:
    """Two consecutive fixes that imply an impossible speed for the shift's mode."""

    start: datetime
    end: datetime
    speed_kmh: float
    distance_m: float


@dataclass(frozen=True)
class Teleport:
    """The track leapt faster than a foot patrol can move, from a place it had kept for minutes to
    one it kept for minutes after (a spoofing app switched on or off); `back` is the leap home
    when the track returned to where it had been."""

    start: datetime
    end: datetime
    distance_m: float
    speed_kmh: float
    fixes_before: int
    fixes_after: int
    back: datetime | None = None


@dataclass(frozen=True)
class AnalysisParams:
    """Thresholds the analysis needs; they come from the regulation in force."""

    idle_radius_m: float = 30.0
    idle_min_s: float = 20 * 60
    off_post_buffer_m: float = 50.0
    gap_max_s: float = 15 * 60
    max_speed_kmh: float = 50.0
    moving_speed_mps: float = 0.5
    teleport_settle_s: float = 3 * 60
    teleport_min_fixes: int = 3


@dataclass(frozen=True)
class TrackAnalysis:
    """What a shift's positions say, within the window analysed."""

    window: Span
    points: int
    distance_m: float
    moving_s: float
    first_fix: datetime | None
    last_fix: datetime | None
    last_inside: datetime | None
    coverage: float | None
    stays: list[StayPoint] = field(default_factory=list)
    excursions: list[Excursion] = field(default_factory=list)
    outside_total_s: float = 0.0
    gaps: list[Span] = field(default_factory=list)
    speed_jumps: list[SpeedJump] = field(default_factory=list)
    mock_fixes: int = 0
    outlier_fixes: int = 0
    teleports: list[Teleport] = field(default_factory=list)
    noise_m: float | None = None
    # the fixes the rules read (after outliers), for the support shown on each flag
    fix_t: np.ndarray = field(default_factory=lambda: np.empty(0), compare=False, repr=False)
    fix_acc: np.ndarray = field(default_factory=lambda: np.empty(0), compare=False, repr=False)

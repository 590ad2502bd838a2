"""Plain values shared by track parsing, filtering and analysis (PURE: no Flask, no SQLAlchemy).

Times are POSIX seconds (UTC) as floats; coordinates are WGS-84 degrees.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime


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
    """The officer stayed within `radius_m` of (lat, lon) from start to end."""

    start: datetime
    end: datetime
    lat: float
    lon: float
    radius_m: float
    points: int


@dataclass(frozen=True)
class Excursion:
    """A continuous stretch outside the assigned area (accuracy and buffer considered)."""

    start: datetime
    end: datetime
    max_distance_m: float
    points: int


@dataclass(frozen=True)
class SpeedJump:
    """Two consecutive fixes that imply an impossible speed for the shift's mode."""

    start: datetime
    end: datetime
    speed_kmh: float
    distance_m: float


@dataclass(frozen=True)
class AnalysisParams:
    """Thresholds the analysis needs; they come from the regulation in force."""

    idle_radius_m: float = 30.0
    idle_min_s: float = 20 * 60
    off_post_buffer_m: float = 50.0
    gap_max_s: float = 15 * 60
    max_speed_kmh: float = 50.0
    moving_speed_mps: float = 0.5


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

"""The facts of one shift that the rules judge (PURE: no Flask, no SQLAlchemy).

The services gather these from the database; rules read them and return findings.
All datetimes are UTC-aware.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from supervise.tracks.model import Span, TrackAnalysis


@dataclass(frozen=True)
class CheckinFact:
    """One selfie sign-in as judged at receipt."""

    id: int
    received_at: datetime
    captured_at: datetime | None
    capture_time_source: str | None          # exif_offset | exif_gps | exif_local | device | None
    time_conflict_s: float | None = None     # |EXIF local time - GPS time| when not a whole-hour zone error
    lat: float | None = None
    lon: float | None = None
    accuracy_m: float | None = None
    location_source: str | None = None       # exif | device | None
    distance_to_area_m: float | None = None  # 0 inside; None when no position
    exif_lat: float | None = None
    exif_lon: float | None = None
    exif_accuracy_m: float | None = None
    device_lat: float | None = None
    device_lon: float | None = None
    device_accuracy_m: float | None = None
    device_mock: bool = False
    reused_checkin_id: int | None = None     # an earlier sign-in with the same or a near-identical photo
    reuse_kind: str | None = None            # sha256 | phash
    reuse_distance: int | None = None        # perceptual-hash distance when reuse_kind == phash
    evidence_problem: str | None = None      # why the photo gives no usable GPS/time, for PHOTO_NO_EVIDENCE


@dataclass(frozen=True)
class ShiftFacts:
    """Everything known about one shift as of `as_of`."""

    shift_id: int
    officer_id: int
    district: str
    kind: str                                # patrol | fixed_post
    start: datetime
    end: datetime
    as_of: datetime
    breaks: list[Span] = field(default_factory=list)
    checkins: list[CheckinFact] = field(default_factory=list)
    track: TrackAnalysis | None = None


@dataclass(frozen=True)
class InspectionFact:
    """One finding an inspector recorded against an officer on a spot check."""

    finding_id: int
    assignment_id: int
    round_id: int
    kind: str                                # cross_district | routine | special | key_point | joint
    inspector: str                           # the inspector's name (or username)
    result: str                              # compliant | absent | violation
    items: tuple[str, ...]                   # catalog codes (十不准)
    note: str | None
    recorded_at: datetime
    captured_at: datetime | None             # the photo's capture time, when it has one
    distance_to_grid_m: float | None = None  # where the photo was taken, against the officer's grid
    shift_start: datetime | None = None      # the officer's shift the finding falls in (or nearest), if any
    shift_end: datetime | None = None
    photo_accuracy_m: float | None = None    # the photo's reported GPS error

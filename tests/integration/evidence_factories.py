"""Small factories for check tests: shifts, stored sign-ins and positions written straight to the
database (the sign-in and track endpoints have tests of their own)."""
from __future__ import annotations

import hashlib
from datetime import datetime, timedelta

import numpy as np
from sqlalchemy import insert

from supervise.cli import SYSTEM
from supervise.extensions import db
from supervise.models import Checkin, Photo, Position, Shift, User
from supervise.models.tracks import SOURCE_CODES
from supervise.services import reference
from supervise.timeutil import parse_instant

DL_LON, DL_LAT = 126.6180, 45.7760   # the centre of grid DL-G1 in the `world` fixture
PACE_MIN = 1000 / 60                  # minutes to walk 300 m and back at 0.6 m/s


def make_shift(badge: str, start: str, hours: float = 8, grid: str = "DL-G1", breaks=()) -> int:
    begin = parse_instant(start)
    shift = reference.create_shift(SYSTEM, officer=badge, start=begin, end=begin + timedelta(hours=hours),
                                   kind="patrol", grid=grid, breaks=list(breaks))
    return shift.id


def sign_in(shift_id: int, captured_at: datetime, *, lat: float | None = DL_LAT, lon: float | None = DL_LON,
            received_at: datetime | None = None, distance_m: float = 0.0, seed: str = "") -> int:
    shift = db.session.get(Shift, shift_id)
    digest = hashlib.sha256(f"{shift_id}{captured_at}{seed}".encode()).hexdigest()
    if db.session.get(Photo, digest) is None:
        db.session.add(Photo(sha256=digest, format="jpeg", size_bytes=1, width=1, height=1, phash=0,
                             band0=0, band1=0, band2=0, band3=0))
    checkin = Checkin(officer_id=shift.officer_id, shift_id=shift_id, photo_sha256=digest,
                      received_at=received_at or captured_at + timedelta(seconds=20), captured_at=captured_at,
                      capture_time_source="exif_offset", lat=lat, lon=lon, accuracy_m=8.0,
                      location_source="exif" if lat is not None else None, exif_lat=lat, exif_lon=lon,
                      exif_accuracy_m=8.0, distance_to_area_m=distance_m if lat is not None else None,
                      inside_area=distance_m == 0)
    db.session.add(checkin)
    db.session.commit()
    return checkin.id


def walk(badge: str, start: datetime, minutes: float, *, every_s: float = 10, lat: float = DL_LAT,
         lon: float = DL_LON, east_m_per_s: float = 0.6, wrap_m: float = 300.0, seed: int = 1,
         still: bool = False, source: str = "osmand", received: datetime | None = None) -> int:
    """Store positions of someone pacing 300 m up and down a street in the grid (or standing still at
    the end they start from). A walk lasting a whole number of PACE_MIN ends where it began, so
    segments join without an impossible jump. By default they came live from the phone (OsmAnd),
    each received when taken; `source="upload"` and `received` make them a file sent later."""
    officer = db.session.query(User).filter_by(badge_no=badge).one()
    rng = np.random.default_rng(seed)
    t = start.timestamp() + np.arange(0, round(minutes * 60), every_s)
    travelled = 0.0 if still else east_m_per_s * (t - t[0])
    east = np.abs((travelled % (2 * wrap_m)) - wrap_m) - wrap_m / 2 + rng.normal(0, 4, t.size)
    north = rng.normal(0, 4, t.size)
    lats = lat + north / 111_320
    lons = lon + east / (111_320 * np.cos(np.radians(lat)))
    code = SOURCE_CODES[source]
    rows = [{"officer_id": officer.id, "ts": float(a), "lat": float(b), "lon": float(c), "accuracy_m": 8.0,
             "speed_mps": None, "mock": False, "source": code,
             "received_ts": float(a) if received is None else received.timestamp()}
            for a, b, c in zip(t, lats, lons, strict=True)]
    db.session.execute(insert(Position), rows)
    db.session.commit()
    return len(rows)

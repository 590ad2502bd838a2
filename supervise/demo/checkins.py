"""Demo world: sign-ins for today's shifts: most on time and in place, some late, one off the grid,
one reused photo, one without GPS.

The selfies are drawn with Pillow and their EXIF written with Pillow's own `Image.Exif` (GPS IFD
0x8825), so the demo runs on a plain install (piexif is a test dependency only). Each sign-in
goes through `record_checkin` with an explicit receipt time a few seconds after capture, never
later than now; shifts whose sign-in could not have begun yet (start - 10 min after now) are
left for a later run. A shift that has a sign-in is skipped, so running the demo twice adds nothing.
"""
from __future__ import annotations

import io
import random
from collections.abc import Iterator
from datetime import date, datetime, timedelta

from PIL import Image, ImageDraw
from sqlalchemy import select

from supervise.extensions import db
from supervise.models import Checkin, Shift
from supervise.services.areas import area_for_shift
from supervise.services.auth import actor_for
from supervise.services.checkins import record_checkin
from supervise.timeutil import SHANGHAI, UTC, local_day_bounds, utcnow

EXIF_IFD, GPS_IFD = 0x8769, 0x8825
METRES_PER_DEG_LAT = 111_195.0
# Which of today's shifts (in start, badge order) shows which case; the others are on time.
OFF_GRID, NO_GPS, REUSED = 3, 6, 8


def add_demo_checkins(today: date) -> Iterator[str]:
    """Sign-ins for today's shifts: most on time and in place, some late, one off the grid, one reused
    photo, one without GPS."""
    now = utcnow()
    shifts = _todays_shifts(today)
    done = {c for c in db.session.scalars(select(Checkin.shift_id).where(Checkin.shift_id.in_([s.id for s in shifts])))}
    counts: dict[str, int] = {}
    last_photo: tuple[datetime, bytes] | None = None
    for index, shift in enumerate(shifts):
        if shift.start - timedelta(minutes=10) > now:
            counts["not started"] = counts.get("not started", 0) + 1
            continue
        case = _case(index)
        captured = min(_capture_time(shift, case, index), now - timedelta(seconds=40))
        if case == "reused" and last_photo is not None:
            captured, photo = last_photo
        else:
            photo = demo_selfie(shift, captured, today.toordinal() * 100 + index, gps=case != "no GPS", off_grid=case == "off the grid")
            last_photo = (captured, photo)
        if shift.id in done:
            continue
        received = captured + timedelta(seconds=3 + index % 20)
        record_checkin(actor_for(shift.officer), photo, shift_id=shift.id, received_at=min(received, now))
        counts[case] = counts.get(case, 0) + 1
    added = sum(v for k, v in counts.items() if k != "not started")
    detail = ", ".join(f"{v} {k}" for k, v in counts.items())
    yield f"sign-ins for {today.isoformat()}: {added} added" + (f" ({detail})" if detail else "")


def _todays_shifts(today: date) -> list[Shift]:
    day_start, day_end = local_day_bounds(today)
    return list(db.session.scalars(select(Shift).where(Shift.start >= day_start, Shift.start < day_end)
                                   .order_by(Shift.start, Shift.officer_id)))


def _case(index: int) -> str:
    special = {OFF_GRID: "off the grid", NO_GPS: "no GPS", REUSED: "reused"}
    if index in special:
        return special[index]
    return "late" if index % 5 == 4 else "on time"


def _capture_time(shift: Shift, case: str, index: int) -> datetime:
    rng = random.Random(index)
    if case == "late":
        return shift.start + timedelta(minutes=rng.uniform(7, 20))
    return shift.start - timedelta(minutes=rng.uniform(0.5, 12))


def demo_selfie(shift: Shift, captured: datetime, seed: int, *, gps: bool = True, off_grid: bool = False) -> bytes:
    """A phone-like JPEG with capture time (+08:00) and, unless `gps` is off, a GPS fix in the shift's
    area (or 150 m north of it when `off_grid`)."""
    area = area_for_shift(shift)
    lat, lon = (float(v) for v in area.centroid)
    if off_grid:
        lat = area.bbox[3] + 150 / METRES_PER_DEG_LAT
    rng = random.Random(seed)
    lat += rng.uniform(-8, 8) / METRES_PER_DEG_LAT
    out = io.BytesIO()
    _picture(seed).save(out, format="JPEG", quality=88, exif=_exif(captured, lat, lon if gps else None, rng))
    return out.getvalue()


def _picture(seed: int) -> Image.Image:
    rng = random.Random(seed * 7919)
    image = Image.new("RGB", (480, 640), tuple(rng.randrange(60, 200) for _ in range(3)))
    draw = ImageDraw.Draw(image)
    for _ in range(5):
        x, y = rng.randrange(480), rng.randrange(640)
        size = rng.randrange(60, 240)
        draw.ellipse((x, y, x + size, y + size), fill=tuple(rng.randrange(256) for _ in range(3)))
    draw.ellipse((150, 160, 330, 380), fill=(224, 186, 160))  # a face, roughly
    return image


def _exif(captured: datetime, lat: float, lon: float | None, rng: random.Random) -> Image.Exif:
    exif = Image.Exif()
    exif[0x010F], exif[0x0110] = "DemoPhone", "Harbin 1"
    local = captured.astimezone(SHANGHAI)
    sub = exif.get_ifd(EXIF_IFD)
    sub[0x9003] = local.strftime("%Y:%m:%d %H:%M:%S")
    sub[0x9011] = "+08:00"
    if lon is not None:
        gps = exif.get_ifd(GPS_IFD)
        gps[0x0000] = b"\x02\x03\x00\x00"
        gps[0x0001], gps[0x0002] = "N", _dms(lat)
        gps[0x0003], gps[0x0004] = "E", _dms(lon)
        utc = captured.astimezone(UTC)
        gps[0x0007] = (float(utc.hour), float(utc.minute), float(utc.second))
        gps[0x001D] = utc.strftime("%Y:%m:%d")
        gps[0x001F] = round(rng.uniform(4, 15), 1)
    return exif


def _dms(value: float) -> tuple[float, float, float]:
    degrees = int(value)
    minutes = int((value - degrees) * 60)
    seconds = round(((value - degrees) * 60 - minutes) * 60, 4)
    return float(degrees), float(minutes), seconds

"""Generate test photos with chosen EXIF: JPEG and HEIC with GPS/time, and bad files.

Each picture is drawn from a seed (gradient plus coloured shapes), so different
seeds give different bytes and different perceptual hashes, and the same seed
gives the same picture.

    make_jpeg(lat=45.7612, lon=126.6167, taken_local=datetime(2026, 11, 26, 8, 58),
              offset="+08:00", gps_utc=datetime(2026, 11, 26, 0, 58, tzinfo=UTC))
"""

from __future__ import annotations

import io
import random
from datetime import datetime
from fractions import Fraction
from typing import Any

import piexif
from PIL import Image, ImageDraw

Rational = tuple[int, int]


def picture(size: tuple[int, int] = (640, 480), seed: int = 0) -> Image.Image:
    """A deterministic RGB picture with large shapes: survives re-encoding, differs by seed."""
    rng = random.Random(seed)
    width, height = size
    image = Image.linear_gradient("L").resize(size).convert("RGB")
    if rng.random() < 0.5:
        image = image.transpose(Image.Transpose.ROTATE_180)
    draw = ImageDraw.Draw(image)
    for _ in range(6):
        x0, y0 = rng.randrange(width), rng.randrange(height)
        x1 = min(width, x0 + rng.randrange(width // 6, width // 2 + 2))
        y1 = min(height, y0 + rng.randrange(height // 6, height // 2 + 2))
        colour = tuple(rng.randrange(256) for _ in range(3))
        shape = draw.ellipse if rng.random() < 0.5 else draw.rectangle
        shape((x0, y0, x1, y1), fill=colour)
    return image


def dms(value: float, denominator: int = 10_000) -> tuple[Rational, Rational, Rational]:
    """Unsigned decimal degrees as EXIF degree, minute, second rationals."""
    units = round(abs(value) * 3600 * denominator)
    degrees, rest = divmod(units, 3600 * denominator)
    minutes, seconds = divmod(rest, 60 * denominator)
    return (degrees, 1), (minutes, 1), (seconds, denominator)


def exif_bytes(
    *,
    lat: float | None = None,
    lon: float | None = None,
    taken_local: datetime | str | None = None,
    offset: str | None = None,
    subsec: str | None = None,
    gps_utc: datetime | None = None,
    gps_date_only: bool = False,
    gps_time_only: bool = False,
    accuracy_m: float | None = None,
    datum: str | None = None,
    make: str | None = "TestPhone",
    model: str | None = "Model 1",
    raw_gps: dict[int, Any] | None = None,
) -> bytes:
    """An EXIF block (starting b'Exif\\0\\0') with the chosen tags; raw_gps overrides GPS tags."""
    zeroth: dict[int, Any] = {}
    exif: dict[int, Any] = {}
    gps: dict[int, Any] = {}
    if make is not None:
        zeroth[piexif.ImageIFD.Make] = make.encode()
    if model is not None:
        zeroth[piexif.ImageIFD.Model] = model.encode()
    if taken_local is not None:
        text = taken_local if isinstance(taken_local, str) else taken_local.strftime("%Y:%m:%d %H:%M:%S")
        exif[piexif.ExifIFD.DateTimeOriginal] = text.encode()
    if offset is not None:
        exif[piexif.ExifIFD.OffsetTimeOriginal] = offset.encode()
    if subsec is not None:
        exif[piexif.ExifIFD.SubSecTimeOriginal] = subsec.encode()
    if lat is not None:
        gps[piexif.GPSIFD.GPSLatitudeRef] = b"N" if lat >= 0 else b"S"
        gps[piexif.GPSIFD.GPSLatitude] = dms(lat)
    if lon is not None:
        gps[piexif.GPSIFD.GPSLongitudeRef] = b"E" if lon >= 0 else b"W"
        gps[piexif.GPSIFD.GPSLongitude] = dms(lon)
    if gps_utc is not None:
        gps |= _gps_stamps(gps_utc, date=not gps_time_only, time=not gps_date_only)
    if accuracy_m is not None:
        gps[piexif.GPSIFD.GPSHPositioningError] = Fraction(accuracy_m).limit_denominator(1000).as_integer_ratio()
    if datum is not None:
        gps[piexif.GPSIFD.GPSMapDatum] = datum.encode()
    gps |= raw_gps or {}
    if gps:
        gps.setdefault(piexif.GPSIFD.GPSVersionID, (2, 3, 0, 0))
    return piexif.dump({"0th": zeroth, "Exif": exif, "GPS": gps, "1st": {}, "thumbnail": None})


def _gps_stamps(when: datetime, *, date: bool, time: bool) -> dict[int, Any]:
    stamps: dict[int, Any] = {}
    if date:
        stamps[piexif.GPSIFD.GPSDateStamp] = when.strftime("%Y:%m:%d").encode()
    if time:
        centis = round((when.second + when.microsecond / 1e6) * 100)
        stamps[piexif.GPSIFD.GPSTimeStamp] = ((when.hour, 1), (when.minute, 1), (centis, 100))
    return stamps


def make_jpeg(
    lat: float | None = None,
    lon: float | None = None,
    taken_local: datetime | str | None = None,
    offset: str | None = None,
    gps_utc: datetime | None = None,
    accuracy_m: float | None = None,
    size: tuple[int, int] = (640, 480),
    seed: int = 0,
    raw_gps_rationals: dict[int, Any] | None = None,
    quality: int = 90,
    **exif_options: Any,
) -> bytes:
    """A JPEG of a seeded picture with the chosen EXIF (none at all if nothing is chosen)."""
    exif = exif_bytes(
        lat=lat,
        lon=lon,
        taken_local=taken_local,
        offset=offset,
        gps_utc=gps_utc,
        accuracy_m=accuracy_m,
        raw_gps=raw_gps_rationals,
        **exif_options,
    )
    out = io.BytesIO()
    picture(size, seed).save(out, format="JPEG", quality=quality, exif=exif)
    return out.getvalue()


def make_heic(
    lat: float | None = None,
    lon: float | None = None,
    taken_local: datetime | str | None = None,
    offset: str | None = None,
    gps_utc: datetime | None = None,
    size: tuple[int, int] = (320, 240),
    seed: int = 0,
    **exif_options: Any,
) -> bytes:
    """A HEIC written by pillow-heif with the chosen EXIF."""
    import pillow_heif

    pillow_heif.register_heif_opener()
    exif = exif_bytes(lat=lat, lon=lon, taken_local=taken_local, offset=offset, gps_utc=gps_utc, **exif_options)
    out = io.BytesIO()
    picture(size, seed).save(out, format="HEIF", exif=exif, quality=80)
    return out.getvalue()


def make_png(size: tuple[int, int] = (64, 48), seed: int = 0) -> bytes:
    """A PNG (whatever name it is later given)."""
    out = io.BytesIO()
    picture(size, seed).save(out, format="PNG")
    return out.getvalue()


def make_webp(size: tuple[int, int] = (64, 48), seed: int = 0) -> bytes:
    """A WebP image."""
    out = io.BytesIO()
    picture(size, seed).save(out, format="WEBP")
    return out.getvalue()


def make_gif(size: tuple[int, int] = (64, 48), seed: int = 0) -> bytes:
    """A GIF image."""
    out = io.BytesIO()
    picture(size, seed).save(out, format="GIF")
    return out.getvalue()


def truncated(data: bytes, keep: float = 0.5) -> bytes:
    """The first `keep` fraction of a file, as an interrupted upload leaves it."""
    return data[: int(len(data) * keep)]


def reencoded(data: bytes, *, quality: int = 70, scale: float = 1.0) -> bytes:
    """The same picture saved again (optionally resized), EXIF dropped: how a reused photo comes back."""
    image = Image.open(io.BytesIO(data)).convert("RGB")
    if scale != 1.0:
        image = image.resize((round(image.width * scale), round(image.height * scale)), Image.Resampling.LANCZOS)
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=quality)
    return out.getvalue()


def make_bomb_jpeg(width: int = 30_000, height: int = 30_000) -> bytes:
    """A small JPEG whose frame header declares width x height pixels (a decompression bomb)."""
    data = bytearray(make_jpeg(size=(16, 16)))
    for marker in (b"\xff\xc0", b"\xff\xc2"):
        at = data.find(marker)
        if at != -1:
            data[at + 5 : at + 9] = height.to_bytes(2, "big") + width.to_bytes(2, "big")
            return bytes(data)
    raise AssertionError("no SOF marker in generated JPEG")

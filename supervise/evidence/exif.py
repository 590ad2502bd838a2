"""Read the EXIF evidence of a photo: GPS position and time, capture time, camera.

Two readers, one result. exifread (``details=False``: MakerNotes are skipped, which
is ~150x faster on files that have one) is tried first, inside a guard: on
malformed and some HEIC files it lets ``IndexError``, ``ZeroDivisionError`` and
``AssertionError`` escape. Where it raises or finds no GPS position, Pillow's
``getexif()`` fills in what is missing. Both readers hand over raw rationals as
``(numerator, denominator)`` pairs and every one is validated here: exifread's
``builtin_types=True`` would turn a 0/0 latitude into 0 and put an officer on
the equator, so it is never used.

HEIC: the EXIF block is taken from the container by pillow-heif; its
``Exif\\0\\0`` prefix is stripped and the TIFF structure handed to exifread.
"""

from __future__ import annotations

import io
import logging
import math
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import exifread
from PIL import Image

from supervise.evidence import notes
from supervise.evidence.formats import sniff_format
from supervise.evidence.image import register_heif_opener

register_heif_opener()

Rational = tuple[int, int]
RawTags = dict[str, Any]

# name used here -> keys exifread may use (it has no name for tag 0x001F)
_EXIFREAD_KEYS: dict[str, tuple[str, ...]] = {
    "GPSLatitudeRef": ("GPS GPSLatitudeRef",),
    "GPSLatitude": ("GPS GPSLatitude",),
    "GPSLongitudeRef": ("GPS GPSLongitudeRef",),
    "GPSLongitude": ("GPS GPSLongitude",),
    "GPSDateStamp": ("GPS GPSDate", "GPS GPSDateStamp"),
    "GPSTimeStamp": ("GPS GPSTimeStamp",),
    "GPSHPositioningError": ("GPS GPSHPositioningError", "GPS Tag 0x001F"),
    "GPSMapDatum": ("GPS GPSMapDatum",),
    "DateTimeOriginal": ("EXIF DateTimeOriginal",),
    "SubSecTimeOriginal": ("EXIF SubSecTimeOriginal",),
    "OffsetTimeOriginal": ("EXIF OffsetTimeOriginal",),
    "Make": ("Image Make",),
    "Model": ("Image Model",),
}

_IFD0_TAGS = {0x010F: "Make", 0x0110: "Model"}
_EXIF_IFD_TAGS = {0x9003: "DateTimeOriginal", 0x9291: "SubSecTimeOriginal", 0x9011: "OffsetTimeOriginal"}
_GPS_IFD_TAGS = {
    1: "GPSLatitudeRef",
    2: "GPSLatitude",
    3: "GPSLongitudeRef",
    4: "GPSLongitude",
    7: "GPSTimeStamp",
    0x12: "GPSMapDatum",
    0x1D: "GPSDateStamp",
    0x1F: "GPSHPositioningError",
}
_EXIF_IFD_POINTER = 0x8769
_GPS_IFD_POINTER = 0x8825

_OFFSET_RE = re.compile(r"^([+-])(\d{2}):(\d{2})$")
_DATETIME_RE = re.compile(r"^(\d{4})[:-](\d{2})[:-](\d{2})[ T](\d{2}):(\d{2}):(\d{2})$")
_DATE_RE = re.compile(r"^(\d{4})[:-](\d{2})[:-](\d{2})$")

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class GpsReading:
    """A validated WGS-84 position (signed decimal degrees) as the photo states it."""

    lat: float
    lon: float
    accuracy_m: float | None = None
    datum: str | None = None


@dataclass(frozen=True)
class ExifReading:
    """What a photo's EXIF says, each part validated; problems say what was refused."""

    gps: GpsReading | None = None
    gps_problem: str | None = None
    gps_datetime_utc: datetime | None = None
    datetime_original: datetime | None = None
    subsec_time_original: str | None = None
    offset_time_original: str | None = None
    make: str | None = None
    model: str | None = None
    reader: str | None = None
    problems: tuple[str, ...] = field(default_factory=tuple)

    @property
    def offset(self) -> timedelta | None:
        """OffsetTimeOriginal as a timedelta, or None when absent or invalid."""
        return parse_offset(self.offset_time_original)


def read_exif(data: bytes, image: Image.Image | None = None) -> ExifReading:
    """Read GPS, times and camera from a JPEG, HEIC or TIFF file's bytes.

    Never raises for malformed EXIF: what cannot be read is absent and named in
    ``problems`` (and in ``gps_problem`` for the position). ``image`` may be the
    already opened Pillow image of ``data``, to spare opening it again.
    """
    problems: list[str] = []
    raw, reader = _read_with_exifread(data, image, problems)
    if _lacks_position(raw):
        fallback = _read_with_pillow(data, image, problems)
        if fallback:
            reader = "pillow" if not raw else f"{reader}+pillow" if reader else "pillow"
            raw = {**fallback, **raw}
    return interpret(raw, reader=reader if raw else None, problems=problems)


def interpret(raw: RawTags, *, reader: str | None = None, problems: list[str] | None = None) -> ExifReading:
    """Turn raw tag values (rationals as (num, den) pairs) into a validated reading."""
    problems = list(problems or [])
    gps, gps_problem = gps_from_tags(raw)
    gps_time, gps_time_problem = gps_datetime_from_tags(raw)
    dto, dto_problem = parse_exif_datetime(_text(raw.get("DateTimeOriginal")))
    subsec = _text(raw.get("SubSecTimeOriginal"))
    offset_text = _text(raw.get("OffsetTimeOriginal"))
    if offset_text is not None and parse_offset(offset_text) is None:
        problems.append(notes.note(notes.OFFSET_IGNORED, text=repr(offset_text)))
        offset_text = None
    if dto is not None and subsec:
        dto = dto.replace(microsecond=subsec_microseconds(subsec))
    problems += [p for p in (gps_time_problem, dto_problem) if p]
    return ExifReading(
        gps=gps,
        gps_problem=gps_problem,
        gps_datetime_utc=gps_time,
        datetime_original=dto,
        subsec_time_original=subsec or None,
        offset_time_original=offset_text,
        make=_text(raw.get("Make")),
        model=_text(raw.get("Model")),
        reader=reader,
        problems=tuple(problems),
    )


# --- the two readers -------------------------------------------------------


def _read_with_exifread(data: bytes, image: Image.Image | None, problems: list[str]) -> tuple[RawTags, str | None]:
    source = _exif_block_for_exifread(data, image)
    try:
        tags = exifread.process_file(
            io.BytesIO(source), details=False, extract_thumbnail=False, builtin_types=False
        )
    except Exception as exc:  # noqa: BLE001 - exifread escapes many kinds on malformed files
        problems.append(f"exifread failed: {type(exc).__name__}: {exc}")
        return {}, None
    raw = {name: _exifread_value(tags[key]) for name, keys in _EXIFREAD_KEYS.items() for key in keys if key in tags}
    return raw, "exifread" if raw else None


def _exif_block_for_exifread(data: bytes, image: Image.Image | None) -> bytes:
    """HEIC: hand exifread the TIFF block; its own HEIC parser is where it asserts."""
    if sniff_format(data) != "heic":
        return data
    try:
        exif = (image if image is not None else _open(data)).info.get("exif") or b""
    except Exception:  # noqa: BLE001 - a broken container is judged elsewhere
        return data
    return exif[6:] if exif.startswith(b"Exif\x00\x00") else exif


def _exifread_value(tag: Any) -> Any:
    values = getattr(tag, "values", tag)
    if isinstance(values, (str, bytes)):
        return values
    if isinstance(values, list) and values and hasattr(values[0], "denominator"):
        return tuple((int(v.numerator), int(v.denominator)) for v in values)
    return values


def _read_with_pillow(data: bytes, image: Image.Image | None, problems: list[str]) -> RawTags:
    try:
        exif = (image if image is not None else _open(data)).getexif()
        raw = _pillow_ifd(exif, _IFD0_TAGS)
        raw |= _pillow_ifd(exif.get_ifd(_EXIF_IFD_POINTER), _EXIF_IFD_TAGS)
        raw |= _pillow_ifd(exif.get_ifd(_GPS_IFD_POINTER), _GPS_IFD_TAGS)
    except Exception as exc:  # noqa: BLE001 - a fallback must not fail the reading
        problems.append(f"Pillow EXIF reader failed: {type(exc).__name__}: {exc}")
        return {}
    return raw


def _open(data: bytes) -> Image.Image:
    return Image.open(io.BytesIO(data))


def _pillow_ifd(ifd: Any, names: dict[int, str]) -> RawTags:
    return {name: _pillow_value(ifd[tag]) for tag, name in names.items() if tag in ifd}


def _pillow_value(value: Any) -> Any:
    if isinstance(value, tuple):
        return tuple(_pillow_rational(v) for v in value)
    if hasattr(value, "denominator") or isinstance(value, float):
        return (_pillow_rational(value),)
    return value


def _pillow_rational(value: Any) -> Rational:
    if hasattr(value, "denominator"):
        return int(value.numerator), int(value.denominator)
    if isinstance(value, float) and not math.isfinite(value):
        return 0, 0
    return float(value).as_integer_ratio()


def _lacks_position(raw: RawTags) -> bool:
    return "GPSLatitude" not in raw or "GPSLongitude" not in raw


# --- validation ------------------------------------------------------------


def gps_from_tags(raw: RawTags) -> tuple[GpsReading | None, str | None]:
    """Return (position, None), or (None, why there is no usable position)."""
    if _lacks_position(raw):
        return None, notes.NO_GPS_IN_EXIF
    lat, lat_problem = _coordinate(raw, "GPSLatitude", "NS", 90.0)
    lon, lon_problem = _coordinate(raw, "GPSLongitude", "EW", 180.0)
    if lat is None or lon is None:
        return None, lat_problem or lon_problem
    if lat == 0.0 and lon == 0.0:
        return None, notes.ZERO_POSITION
    accuracy = _non_negative(raw.get("GPSHPositioningError"))
    return GpsReading(lat=lat, lon=lon, accuracy_m=accuracy, datum=_text(raw.get("GPSMapDatum"))), None


def _coordinate(raw: RawTags, name: str, refs: str, limit: float) -> tuple[float | None, str | None]:
    parts, problem = _dms_parts(raw.get(name), name)
    if parts is None:
        return None, problem
    ref = (_text(raw.get(f"{name}Ref")) or "").upper()[:1]
    if ref == "" or ref not in refs:
        return None, notes.note(notes.BAD_REF, tag=name, refs="/".join(refs))
    value = parts[0] + parts[1] / 60 + parts[2] / 3600
    if value > limit:
        return None, notes.note(notes.BEYOND_LIMIT, tag=name, value=f"{value:.6f}", limit=f"{limit:g}")
    return (-value if ref == refs[1] else value), None


def _dms_parts(values: Any, name: str) -> tuple[tuple[float, float, float] | None, str | None]:
    """Degrees, minutes, seconds from 1 to 3 rationals, each checked."""
    if not isinstance(values, tuple) or not 1 <= len(values) <= 3:
        return None, notes.note(notes.NOT_RATIONALS, tag=name)
    parts = [_rational_value(v) for v in values]
    if any(p is None for p in parts):
        return None, notes.note(notes.ZERO_DENOMINATOR, tag=name, values=_show(values))
    degrees, minutes, seconds = (list(parts) + [0.0, 0.0])[:3]
    if min(degrees, minutes, seconds) < 0:
        return None, notes.note(notes.NEGATIVE_PART, tag=name, values=_show(values))
    if minutes >= 60 or seconds >= 60:
        return None, notes.note(notes.SIXTY_OR_MORE, tag=name, values=_show(values))
    return (degrees, minutes, seconds), None


def _rational_value(value: Any) -> float | None:
    if not (isinstance(value, tuple) and len(value) == 2):
        return None
    numerator, denominator = value
    if not isinstance(numerator, int) or not isinstance(denominator, int) or denominator == 0:
        return None
    result = numerator / denominator
    return result if math.isfinite(result) else None


def _non_negative(values: Any) -> float | None:
    if not isinstance(values, tuple) or len(values) != 1:
        return None
    value = _rational_value(values[0])
    return value if value is not None and value >= 0 else None


def _show(values: tuple[Any, ...]) -> str:
    return ", ".join(f"{v[0]}/{v[1]}" if isinstance(v, tuple) and len(v) == 2 else repr(v) for v in values)


def gps_datetime_from_tags(raw: RawTags) -> tuple[datetime | None, str | None]:
    """GPSDateStamp + GPSTimeStamp as an aware UTC instant; only both make one."""
    date_text, time_values = _text(raw.get("GPSDateStamp")), raw.get("GPSTimeStamp")
    if date_text is None and time_values is None:
        return None, None
    if date_text is None or time_values is None:
        return None, notes.NO_GPS_STAMP
    match = _DATE_RE.match(date_text)
    parts = [_rational_value(v) for v in time_values] if isinstance(time_values, tuple) else []
    if not match or len(parts) != 3 or any(p is None for p in parts):
        return None, notes.note(notes.GPS_STAMP_UNREADABLE, text=repr(date_text))
    hours, minutes, seconds = parts
    if not (0 <= hours < 24 and 0 <= minutes < 60 and 0 <= seconds < 61):
        return None, notes.note(notes.GPS_TIME_OUT_OF_RANGE, values=_show(time_values))
    try:
        day = datetime(*map(int, match.groups()), tzinfo=UTC)
    except ValueError:
        return None, notes.note(notes.GPS_DATE_NOT_A_DATE, text=repr(date_text))
    micro = round((hours * 3600 + minutes * 60 + seconds) * 1_000_000)
    return day + timedelta(microseconds=micro), None


def parse_exif_datetime(text: str | None) -> tuple[datetime | None, str | None]:
    """An EXIF 'YYYY:MM:DD HH:MM:SS' as a naive datetime, or None and why."""
    if text is None:
        return None, None
    match = _DATETIME_RE.match(text)
    try:
        return (datetime(*map(int, match.groups())), None) if match else (None, f"DateTimeOriginal {text!r} unreadable")
    except ValueError:
        return None, f"DateTimeOriginal {text!r} is not a date"


def parse_offset(text: str | None) -> timedelta | None:
    """An EXIF '±HH:MM' offset as a timedelta; None when absent or not plausible."""
    match = _OFFSET_RE.match(text or "")
    if not match:
        return None
    sign, hours, minutes = match.group(1), int(match.group(2)), int(match.group(3))
    if hours > 14 or minutes >= 60:
        return None
    offset = timedelta(hours=hours, minutes=minutes)
    return -offset if sign == "-" else offset


def subsec_microseconds(text: str) -> int:
    """SubSecTime is a decimal fraction string: '5' is 0.5 s, '05' is 0.05 s."""
    digits = text.strip()
    if not digits.isdigit():
        return 0
    return min(round(int(digits) * 1_000_000 / 10 ** len(digits)), 999_999)


def _text(value: Any) -> str | None:
    if isinstance(value, bytes):
        value = value.decode("latin-1")
    if not isinstance(value, str):
        return None
    value = value.replace("\x00", "").strip()
    return value or None

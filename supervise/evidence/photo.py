"""Read a photo offered as evidence: refuse what is not a sound JPEG/HEIC, read the rest."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime

from supervise.evidence.capture_time import resolve_capture_time
from supervise.evidence.exif import GpsReading, read_exif
from supervise.evidence.image import accepted_format, decode_grey, open_image, perceptual_hash

DEFAULT_MAX_PIXELS = 50_000_000


@dataclass(frozen=True)
class PhotoEvidence:
    """Everything a sign-in needs from its photo.

    ``gps`` is None when the photo has no usable position, and ``gps_problem``
    then says why. ``captured_at`` is UTC; ``time_conflict_s`` (GPS minus EXIF,
    seconds) is set when the two clocks disagree for no time-zone reason and a
    person has to review the sign-in.
    """

    format: str
    width: int
    height: int
    sha256: str
    phash: int
    gps: GpsReading | None
    gps_problem: str | None
    captured_at: datetime | None
    capture_time_source: str | None
    capture_time_note: str | None
    time_conflict_s: float | None
    exif_datetime_original: datetime | None
    subsec_time_original: str | None
    offset_time_original: str | None
    gps_datetime_utc: datetime | None
    make: str | None
    model: str | None
    exif_problems: tuple[str, ...] = field(default_factory=tuple)


def read_photo(data: bytes, *, max_pixels: int = DEFAULT_MAX_PIXELS,
               received_at: datetime | None = None) -> PhotoEvidence:
    """Check, hash and read a JPEG or HEIC photo; with `received_at`, no capture time after it
    (see `resolve_capture_time`).

    Raises PhotoRejected (empty, not an image, unsupported format, truncated,
    corrupt, too many pixels). A sound photo without usable GPS or time is
    accepted and says why. One draft decode serves both the truncation check
    and the perceptual hash.
    """
    fmt = accepted_format(data)
    image = open_image(data, fmt, max_pixels)
    width, height = image.size
    exif = read_exif(data, image)
    phash = perceptual_hash(decode_grey(image, data, fmt))
    when = resolve_capture_time(exif.datetime_original, exif.offset, exif.gps_datetime_utc,
                                received_at=received_at)
    return PhotoEvidence(
        format=fmt,
        width=width,
        height=height,
        sha256=hashlib.sha256(data).hexdigest(),
        phash=phash,
        gps=exif.gps,
        gps_problem=exif.gps_problem,
        captured_at=when.captured_at,
        capture_time_source=when.source,
        capture_time_note=when.note,
        time_conflict_s=when.conflict_s,
        exif_datetime_original=exif.datetime_original,
        subsec_time_original=exif.subsec_time_original,
        offset_time_original=exif.offset_time_original,
        gps_datetime_utc=exif.gps_datetime_utc,
        make=exif.make,
        model=exif.model,
        exif_problems=exif.problems,
    )

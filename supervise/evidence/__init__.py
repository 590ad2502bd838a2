"""PURE photo evidence: format checks, EXIF GPS and capture time, photo hashes.

No Flask or SQLAlchemy here: bytes in, dataclasses out.
"""

from supervise.evidence.capture_time import CaptureTime, resolve_capture_time
from supervise.evidence.errors import PhotoRejected
from supervise.evidence.exif import ExifReading, GpsReading, read_exif
from supervise.evidence.image import display_copy, hamming
from supervise.evidence.photo import PhotoEvidence, read_photo

__all__ = [
    "CaptureTime",
    "ExifReading",
    "GpsReading",
    "PhotoEvidence",
    "PhotoRejected",
    "display_copy",
    "hamming",
    "read_exif",
    "read_photo",
    "resolve_capture_time",
]

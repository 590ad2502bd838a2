"""Image checks and hashes: open safely, decode once (draft), perceptual hash, display copy.

The perceptual hash is a 64-bit pHash (DCT of a 32x32 grey image, low 8x8
frequencies against their median) of the stored pixels as they are: EXIF
orientation is not applied, since a reused photo is the same file or a
re-encode of it. JPEGs are decoded in draft mode (DCT scaling to 1/8 and grey
only: ~14 ms instead of ~60 ms for 12 MP), and that one decode also proves the
file is not truncated (Pillow's ``verify()`` does not catch that for JPEG), even
when the cut was closed with an end marker (see `_cut_short`).
"""

from __future__ import annotations

import io
import warnings
from functools import cache

import numpy as np
import simplejpeg
from PIL import Image, ImageOps

from supervise.evidence.errors import PhotoRejected
from supervise.evidence.formats import ACCEPTED, IMAGE_FORMATS, iso_bmff_is_whole, sniff_format

HASH_SIDE = 32
DRAFT_SIDE = 64
_PILLOW_FORMATS = {"jpeg": ["JPEG", "MPO"], "heic": ["HEIF"]}


@cache
def register_heif_opener() -> None:
    """Let Pillow open HEIC/HEIF (once per process)."""
    import pillow_heif

    pillow_heif.register_heif_opener()


def accepted_format(data: bytes) -> str:
    """Return 'jpeg' or 'heic' judged from content, or raise PhotoRejected."""
    if not data:
        raise PhotoRejected("PHOTO_EMPTY", "the photo file is empty")
    found = sniff_format(data) or _pillow_format(data)
    if found in ACCEPTED:
        return found
    if found in IMAGE_FORMATS or (found is not None and found != "pdf"):
        raise PhotoRejected(
            "PHOTO_UNSUPPORTED_FORMAT",
            "a %(value)s image is not accepted; send a JPEG or HEIC photo",
            {"detected_format": found, "accepted": list(ACCEPTED)}, params={"value": found.upper()},
        )
    raise PhotoRejected("PHOTO_NOT_IMAGE", "the file is not an image", {"detected_format": found})


def _pillow_format(data: bytes) -> str | None:
    """Formats without a magic number here (PPM, TGA, ...): ask Pillow, guarded."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as image:
                return (image.format or "unknown").lower()
    except Exception:  # noqa: BLE001 - anything Pillow cannot open is not an image to us
        return None


def open_image(data: bytes, fmt: str, max_pixels: int) -> Image.Image:
    """Open (header only) an accepted format, refusing decompression bombs and cut-short HEICs."""
    if fmt == "heic" and not iso_bmff_is_whole(data):
        raise PhotoRejected("PHOTO_TRUNCATED", "the photo file is cut short; send it again",
                            {"reason": "a HEIF box runs past the end of the file"})
    register_heif_opener()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data), formats=_PILLOW_FORMATS[fmt])
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise PhotoRejected("PHOTO_TOO_LARGE_PIXELS", "the image has too many pixels", {"reason": str(exc)}) from exc
    except Exception as exc:  # Pillow signals broken headers many ways
        raise _broken(exc, data, fmt) from exc
    width, height = image.size
    if width * height > max_pixels:
        raise PhotoRejected(
            "PHOTO_TOO_LARGE_PIXELS",
            "the image has %(width)sx%(height)s pixels, more than %(max_pixels)s",
            {"width": width, "height": height, "max_pixels": max_pixels}, params={"width": width, "height": height, "max_pixels": max_pixels},
        )
    return image


def decode_grey(image: Image.Image, data: bytes, fmt: str) -> Image.Image:
    """Decode once, as small and grey as the format allows; truncation raises here."""
    if fmt == "jpeg":
        image.draft("L", (DRAFT_SIDE, DRAFT_SIDE))
    try:
        image.load()
        grey = image if image.mode == "L" else image.convert("L")
    except Exception as exc:  # decoders raise OSError, ValueError, SyntaxError...
        raise _broken(exc, data, fmt) from exc
    if fmt == "jpeg" and _cut_short(grey, data):
        raise PhotoRejected("PHOTO_TRUNCATED", "the photo file is cut short; send it again",
                            {"reason": "the image data ends before the picture does"})
    return grey


# Why this: a JPEG whose image data was cut and closed again (an end marker after the cut) decodes
# without an error in Pillow, which silences libjpeg's warnings; libjpeg fills every block it never
# received with zeros, exactly mid-grey (128), to the end of the picture. So when the last block of
# the draft is exactly 128 (a few photos in a hundred, by chance), libjpeg-turbo is asked through
# simplejpeg, whose strict mode reports its warnings: "premature end of data segment" means cut.
MID_GREY = 128


def _cut_short(grey: Image.Image, data: bytes) -> bool:
    pixels = np.asarray(grey)
    if pixels.size == 0 or pixels[-1, -1] != MID_GREY:
        return False
    try:
        simplejpeg.decode_jpeg(data, colorspace="GRAY", min_factor=8, strict=True)
    except Exception as exc:  # noqa: BLE001 - only libjpeg's own word on the data decides
        return "premature end" in str(exc).lower()
    return False


def _broken(exc: Exception, data: bytes, fmt: str) -> PhotoRejected:
    message = str(exc)
    truncated = "truncated" in message or "end of file" in message.lower()
    if fmt == "jpeg" and not data.rstrip(b"\x00").endswith(b"\xff\xd9"):
        truncated = True
    if truncated:
        return PhotoRejected("PHOTO_TRUNCATED", "the photo file is cut short; send it again", {"reason": message})
    return PhotoRejected("PHOTO_CORRUPT", "the photo file is damaged", {"reason": message})


def perceptual_hash(grey: Image.Image) -> int:
    """64-bit pHash of a grey image: nearby for re-encodes and resizes, far for other photos."""
    small = grey.resize((HASH_SIDE, HASH_SIDE), Image.Resampling.BOX)
    pixels = np.asarray(small, dtype=np.float64)
    basis = _dct_basis(HASH_SIDE)
    low = (basis @ pixels @ basis.T)[:8, :8]
    bits = (low > np.median(low)).flatten()
    return int.from_bytes(np.packbits(bits).tobytes(), "big")


@cache
def _dct_basis(n: int) -> np.ndarray:
    k = np.arange(n)[:, None]
    i = np.arange(n)[None, :]
    return np.cos(np.pi * (2 * i + 1) * k / (2 * n))


def hamming(a: int, b: int) -> int:
    """Number of differing bits between two hashes (0 = same picture)."""
    return (a ^ b).bit_count()


def display_copy(data: bytes, *, max_side: int = 1600, quality: int = 85, max_pixels: int = 50_000_000) -> bytes:
    """A JPEG for reviewers: upright, longest side <= max_side, no EXIF/XMP/comment.

    Raises PhotoRejected for the same files read_photo refuses.
    """
    fmt = accepted_format(data)
    image = open_image(data, fmt, max_pixels)
    if fmt == "jpeg":
        image.draft("RGB", (max_side, max_side))
    try:
        upright = ImageOps.exif_transpose(image).convert("RGB")
    except Exception as exc:  # same mapping as for the hash decode
        raise _broken(exc, data, fmt) from exc
    upright.thumbnail((max_side, max_side), Image.Resampling.LANCZOS)
    # A fresh image carries no info dict: no EXIF, XMP or comment can ride along.
    clean = Image.new("RGB", upright.size)
    clean.paste(upright)
    out = io.BytesIO()
    clean.save(out, format="JPEG", quality=quality, exif=b"")
    return out.getvalue()

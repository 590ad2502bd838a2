"""Judge a file's format by its first bytes, never by its name or declared type."""

from __future__ import annotations

ACCEPTED = ("jpeg", "heic")

_HEIC_BRANDS = {b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis", b"hevm", b"hevs"}
_AVIF_BRANDS = {b"avif", b"avis"}
_GENERIC_HEIF_BRANDS = {b"mif1", b"msf1", b"miaf"}

_PREFIXES: tuple[tuple[bytes, str], ...] = (
    (b"\xff\xd8\xff", "jpeg"),
    (b"\x89PNG\r\n\x1a\n", "png"),
    (b"GIF87a", "gif"),
    (b"GIF89a", "gif"),
    (b"II*\x00", "tiff"),
    (b"MM\x00*", "tiff"),
    (b"BM", "bmp"),
    (b"\x00\x00\x01\x00", "ico"),
    (b"8BPS", "psd"),
    (b"\xff\x0a", "jxl"),
    (b"\x00\x00\x00\x0cJXL \r\n\x87\n", "jxl"),
    (b"\x00\x00\x00\x0cjP  \r\n\x87\n", "jpeg2000"),
    (b"%PDF", "pdf"),
)

# Formats that are images but not accepted; anything else unknown is "not an image".
IMAGE_FORMATS = {"png", "gif", "tiff", "bmp", "ico", "psd", "jxl", "jpeg2000", "webp", "avif"}


def sniff_format(data: bytes) -> str | None:
    """Return a lower-case format name found from magic bytes, or None if unknown."""
    for prefix, name in _PREFIXES:
        if data.startswith(prefix):
            return name
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "webp"
    return _iso_bmff_brand(data)


def _iso_bmff_brand(data: bytes) -> str | None:
    """HEIF/AVIF files start with an `ftyp` box listing a major and compatible brands."""
    if data[4:8] != b"ftyp":
        return None
    box_size = int.from_bytes(data[0:4], "big")
    end = min(max(box_size, 16), len(data), 256)
    brands = {data[8:12]} | {data[i : i + 4] for i in range(16, end - 3, 4)}
    major = data[8:12]
    if major in _HEIC_BRANDS:
        return "heic"
    if major in _AVIF_BRANDS:
        return "avif"
    if brands & _HEIC_BRANDS:
        return "heic"
    if brands & _AVIF_BRANDS:
        return "avif"
    if major in _GENERIC_HEIF_BRANDS:
        return "heic"
    return None


def iso_bmff_is_whole(data: bytes) -> bool:
    """True when the top-level boxes of an ISO-BMFF file (HEIC) tile the file exactly.

    libheif decodes a cut-short HEIC without complaint, filling the missing tiles with grey, so a
    truncated upload is recognised here instead: the last box (usually `mdat`, the image data)
    claims more bytes than the file has. A box of size 0 runs to the end of the file.
    """
    position, length = 0, len(data)
    while position < length:
        if position + 8 > length:
            return False
        size = int.from_bytes(data[position:position + 4], "big")
        if size == 1:
            if position + 16 > length:
                return False
            size = int.from_bytes(data[position + 8:position + 16], "big")
        elif size == 0:
            return True
        if size < 8 or position + size > length:
            return False
        position += size
    return True

"""Properties of the photo reader: any bytes, any mutilated photo and any EXIF values (zero
denominators, huge rationals, odd text) are read with absent or valid evidence, or refused with
PhotoRejected, never another error; a position read is always a real place on Earth."""
from __future__ import annotations

import math

import piexif
from hypothesis import given
from hypothesis import strategies as st

from supervise.evidence import PhotoRejected, read_exif, read_photo
from tests.photos import make_jpeg, picture

BASE = make_jpeg(lat=45.776, lon=126.618, taken_local="2026:11:26 09:00:00", offset="+08:00", seed=3,
                 size=(160, 120))
RATIONAL = st.tuples(st.integers(0, 2**32 - 1), st.integers(0, 2**32 - 1))
TEXT = st.one_of(st.binary(max_size=40), st.sampled_from([b"", b"\x00", b"9999:99:99 99:99:99", b"+99:99",
                                                          b"2026:11:26 09:00:00\x00junk", b"N", b"Q"]))


def read_or_refuse(data: bytes) -> None:
    try:
        evidence = read_photo(data)
    except PhotoRejected as refused:
        assert refused.code.startswith("PHOTO_")
        return
    if evidence.gps is not None:
        assert -90 <= evidence.gps.lat <= 90 and -180 <= evidence.gps.lon <= 180
        assert math.isfinite(evidence.gps.lat) and math.isfinite(evidence.gps.lon)


@given(st.binary(max_size=3000))
def test_any_bytes_are_read_or_refused_as_a_photo(data):
    read_or_refuse(data)
    read_exif(data)


@given(st.lists(st.tuples(st.integers(0, len(BASE) - 1), st.integers(0, 7)), min_size=1, max_size=12))
def test_a_photo_with_flipped_bits_is_read_or_refused(flips):
    data = bytearray(BASE)
    for position, bit in flips:
        data[position] ^= 1 << bit
    read_or_refuse(bytes(data))


# The last few bytes of the last block hold too little of the picture to show in its decode: a cut
# there loses under one 8x8 block and is not told from a whole photo.
UNSEEN_TAIL = 16


@given(st.integers(2, len(BASE) - UNSEEN_TAIL), st.sampled_from([b"", b"\xff\xd9", b"\x00" * 32]))
def test_a_photo_cut_anywhere_but_its_last_bytes_is_refused(cut, ending):
    try:
        read_photo(BASE[:cut] + ending)
    except PhotoRejected as refused:
        assert refused.code in ("PHOTO_TRUNCATED", "PHOTO_CORRUPT", "PHOTO_NOT_IMAGE", "PHOTO_UNSUPPORTED_FORMAT")
    else:
        raise AssertionError(f"a photo cut at {cut} of {len(BASE)} bytes was accepted")


@given(st.lists(RATIONAL, min_size=0, max_size=4), st.lists(RATIONAL, min_size=0, max_size=4),
       TEXT, TEXT, TEXT, RATIONAL)
def test_any_gps_and_time_tags_are_read_as_valid_or_absent(lat, lon, lat_ref, date_stamp, offset, accuracy):
    gps = {piexif.GPSIFD.GPSLatitude: tuple(lat), piexif.GPSIFD.GPSLongitude: tuple(lon),
           piexif.GPSIFD.GPSLatitudeRef: lat_ref, piexif.GPSIFD.GPSLongitudeRef: b"E",
           piexif.GPSIFD.GPSDateStamp: date_stamp, piexif.GPSIFD.GPSHPositioningError: accuracy,
           piexif.GPSIFD.GPSTimeStamp: (accuracy, accuracy, accuracy)}
    exif = {piexif.ExifIFD.DateTimeOriginal: date_stamp, piexif.ExifIFD.OffsetTimeOriginal: offset}
    try:
        block = piexif.dump({"0th": {piexif.ImageIFD.Make: offset}, "Exif": exif, "GPS": gps})
    except Exception:  # noqa: BLE001 - piexif refuses some values itself; nothing to send then
        return
    import io

    out = io.BytesIO()
    picture((64, 48), 1).save(out, format="JPEG", exif=block)
    read_or_refuse(out.getvalue())

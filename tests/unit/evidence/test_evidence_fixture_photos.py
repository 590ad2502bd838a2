"""Every real photo in the fixtures, read by us and compared with ExifTool's reading (truth.json).

Where we deliberately disagree with ExifTool, the file is named below with the reason.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from supervise.evidence import PhotoRejected, read_exif, read_photo

EXIF_DIR = Path(__file__).resolve().parents[3] / ".." / "shared" / "fixtures" / "exif"
if not (EXIF_DIR / "truth.json").is_file():
    pytest.skip(f"photo fixtures not found at {EXIF_DIR}", allow_module_level=True)

TRUTH: dict[str, dict] = json.loads((EXIF_DIR / "truth.json").read_text())["files"]
FILES = sorted(TRUTH)
JPEG_AND_HEIC = [f for f in FILES if TRUTH[f]["file_type"] in ("JPEG", "HEIC")]

# Files whose image size we report differently from ExifTool's Composite:ImageSize, and why.
SIZE_DISAGREEMENTS = {
    "heic/mobile/HMD_Nokia_8.3_5G.heif": "HEIF 'irot' rotation is part of the image (unlike EXIF "
    "orientation) and pillow-heif applies it: we report the displayed 3456x4608, ExifTool the coded 4608x3456",
}
# Files we refuse although ExifTool reads them (it reads metadata, not the picture), and why.
CUT_SHORT = {
    "jpg/corrupted.jpg": "its picture's data stops early (libjpeg: 'premature end of data segment'), an end "
    "marker after the cut: the bottom rows decode as blank grey, so it is refused as PHOTO_TRUNCATED",
}
# No file disagrees on GPS: none of the fixtures has a 0/0 or out-of-range position.
# (A generated 0/0 latitude is refused in test_evidence_generated_photos.py, where ExifTool would show 0.)
GPS_DISAGREEMENTS: dict[str, str] = {}


def _data(rel: str) -> bytes:
    return (EXIF_DIR / rel).read_bytes()


@pytest.mark.parametrize("rel", FILES)
def test_no_exception_but_photo_rejected_escapes_and_only_tiffs_are_refused(rel: str) -> None:
    try:
        evidence = read_photo(_data(rel))
    except PhotoRejected as rejected:
        if rel in CUT_SHORT:
            assert rejected.code == "PHOTO_TRUNCATED", CUT_SHORT[rel]
            return
        assert TRUTH[rel]["file_type"] == "TIFF", f"{rel} refused: {rejected!r}"
        assert rejected.code == "PHOTO_UNSUPPORTED_FORMAT"
        assert rejected.details["detected_format"] == "tiff"
        return
    assert evidence.format == TRUTH[rel]["file_type"].lower()


@pytest.mark.parametrize("rel", FILES)
def test_gps_position_agrees_with_exiftool_to_a_millionth_of_a_degree(rel: str) -> None:
    truth, reading = TRUTH[rel], read_exif(_data(rel))
    assert rel not in GPS_DISAGREEMENTS
    assert (reading.gps is not None) == truth["gps_present"], reading.gps_problem
    if reading.gps is not None:
        assert reading.gps.lat == pytest.approx(truth["gps_latitude"], abs=1e-6)
        assert reading.gps.lon == pytest.approx(truth["gps_longitude"], abs=1e-6)
    else:
        assert reading.gps_problem


@pytest.mark.parametrize("rel", FILES)
def test_datetime_original_agrees_with_exiftool(rel: str) -> None:
    reading = read_exif(_data(rel))
    ours = reading.datetime_original
    assert (ours.strftime("%Y:%m:%d %H:%M:%S") if ours else None) == TRUTH[rel]["datetime_original"]
    assert reading.offset_time_original == TRUTH[rel]["offset_time_original"]
    assert reading.subsec_time_original == TRUTH[rel]["subsec_time_original"]


@pytest.mark.parametrize("rel", FILES)
def test_gps_date_and_time_agree_with_exiftool(rel: str) -> None:
    expected = TRUTH[rel]["gps_datetime_utc"]
    ours = read_exif(_data(rel)).gps_datetime_utc
    if expected is None:
        assert ours is None
        return
    whole, _, fraction = expected.rstrip("Z").partition(".")
    instant = datetime.strptime(whole, "%Y:%m:%d %H:%M:%S").replace(tzinfo=UTC)
    assert ours is not None
    assert (ours - instant).total_seconds() == pytest.approx(float(f"0.{fraction or 0}"), abs=1e-3)


@pytest.mark.parametrize("rel", FILES)
def test_camera_make_and_model_agree_with_exiftool(rel: str) -> None:
    reading = read_exif(_data(rel))
    assert (reading.make, reading.model) == (TRUTH[rel]["make"], TRUTH[rel]["model"])


@pytest.mark.parametrize("rel", [f for f in JPEG_AND_HEIC if f not in CUT_SHORT])
def test_image_size_agrees_with_exiftool(rel: str) -> None:
    evidence = read_photo(_data(rel))
    expected = (TRUTH[rel]["image_width"], TRUTH[rel]["image_height"])
    if rel in SIZE_DISAGREEMENTS:
        assert (evidence.width, evidence.height) == expected[::-1], SIZE_DISAGREEMENTS[rel]
    else:
        assert (evidence.width, evidence.height) == expected


def test_the_nikon_with_a_wrong_clock_keeps_its_exif_time_and_is_raised_for_review() -> None:
    evidence = read_photo(_data("jpg/gps/DSCN0010.jpg"))
    # GPS is 21.97 h after the naive EXIF time: no time zone explains that.
    assert evidence.capture_time_source == "exif_local"
    assert evidence.captured_at == datetime(2008, 10, 22, 8, 28, 39, tzinfo=UTC)
    assert evidence.time_conflict_s == pytest.approx(107908.24, abs=0.01)
    assert "needs review" in evidence.capture_time_note
    assert evidence.gps is not None and evidence.gps.datum == "WGS-84"


def test_an_iphone_in_summer_time_without_offset_tag_is_placed_by_gps_time() -> None:
    evidence = read_photo(_data("jpg/hdr/iphone_hdr_NO.jpg"))
    assert evidence.capture_time_source == "exif_gps"
    assert evidence.captured_at == datetime(2015, 4, 10, 18, 12, 22, 60000, tzinfo=UTC)
    assert "UTC+02:00" in evidence.capture_time_note
    assert evidence.time_conflict_s is None


def test_a_phone_that_writes_its_offset_is_placed_by_it() -> None:
    evidence = read_photo(_data("jpg/mobile/HMD_Nokia_8.3_5G.jpg"))
    assert evidence.capture_time_source == "exif_offset"
    assert evidence.captured_at == datetime(2022, 8, 14, 11, 12, 31, tzinfo=UTC)


def test_an_iphone_heic_gives_its_position_error_and_its_offset_time() -> None:
    evidence = read_photo(_data("heic/IMG_5195.HEIC"))
    assert evidence.format == "heic"
    assert evidence.gps is not None
    assert evidence.gps.accuracy_m == pytest.approx(250111 / 6444)
    assert evidence.gps_datetime_utc is None
    assert evidence.capture_time_source == "exif_offset"
    assert evidence.captured_at == datetime(2021, 4, 11, 20, 47, 53, 54000, tzinfo=UTC)


def test_a_heif_without_date_time_original_is_placed_by_gps_time() -> None:
    evidence = read_photo(_data("heic/mobile/HMD_Nokia_8.3_5G.heif"))
    assert evidence.capture_time_source == "exif_gps"
    assert evidence.captured_at == datetime(2022, 2, 3, 14, 44, 9, tzinfo=UTC)


def test_a_kodak_in_the_southern_hemisphere_near_the_equator_has_a_negative_latitude() -> None:
    gps = read_photo(_data("jpg/Kodak_CX7530.jpg")).gps
    assert gps is not None and gps.lat == pytest.approx(-0.3713, abs=1e-6)


def test_an_empty_gps_ifd_is_no_position_and_says_so() -> None:
    evidence = read_photo(_data("jpg/tests/45-gps_ifd.jpg"))
    assert evidence.gps is None
    assert evidence.gps_problem == "no GPS position in the photo's EXIF"


def test_the_display_copy_of_a_photo_with_xmp_and_gps_carries_neither() -> None:
    from supervise.evidence import display_copy

    for rel in ("jpg/xmp/BlueSquare.jpg", "jpg/hdr/iphone_hdr_NO.jpg"):
        copy = display_copy(_data(rel))
        assert b"http://ns.adobe.com/xap" not in copy and b"Exif\x00\x00" not in copy
        assert read_exif(copy).gps is None

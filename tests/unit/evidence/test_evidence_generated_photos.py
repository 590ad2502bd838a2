"""Generated photos with chosen EXIF: positions, capture times, and files that are refused."""

from __future__ import annotations

import io
from datetime import UTC, datetime
from pathlib import Path

import piexif
import pytest

from supervise.evidence import PhotoRejected, read_photo
from tests.photos import make_bomb_jpeg, make_gif, make_heic, make_jpeg, make_png, make_webp, truncated

HARBIN = (45.7612, 126.6167)


def _refusal(data: bytes, **kwargs) -> PhotoRejected:
    with pytest.raises(PhotoRejected) as caught:
        read_photo(data, **kwargs)
    return caught.value


def test_a_phone_clock_8_hours_off_is_placed_by_gps_time() -> None:
    # The phone was left on UTC: its wall clock reads 00:58 while Harbin reads 08:58.
    photo = make_jpeg(*HARBIN, taken_local=datetime(2026, 11, 26, 0, 58, 3),
                      gps_utc=datetime(2026, 11, 26, 0, 58, 4, tzinfo=UTC))
    evidence = read_photo(photo)
    assert evidence.captured_at == datetime(2026, 11, 26, 0, 58, 4, tzinfo=UTC)
    assert evidence.capture_time_source == "exif_gps"
    assert "8 h off GPS time" in evidence.capture_time_note
    assert evidence.time_conflict_s is None


def test_a_photo_without_offset_is_taken_as_shanghai_time_and_says_so() -> None:
    evidence = read_photo(make_jpeg(*HARBIN, taken_local=datetime(2026, 11, 26, 8, 58, 3)))
    assert evidence.captured_at == datetime(2026, 11, 26, 0, 58, 3, tzinfo=UTC)
    assert evidence.capture_time_source == "exif_local"
    assert evidence.capture_time_note == "no offset tag; assumed Asia/Shanghai"


def test_a_photo_with_offset_is_placed_by_it() -> None:
    evidence = read_photo(make_jpeg(*HARBIN, taken_local=datetime(2026, 11, 26, 8, 58, 3), offset="+08:00",
                                    gps_utc=datetime(2026, 11, 26, 0, 58, 5, tzinfo=UTC)))
    assert evidence.captured_at == datetime(2026, 11, 26, 0, 58, 3, tzinfo=UTC)
    assert evidence.capture_time_source == "exif_offset"


def test_exif_and_gps_clocks_37_minutes_apart_keep_the_sign_in_and_ask_for_review() -> None:
    evidence = read_photo(make_jpeg(*HARBIN, taken_local=datetime(2026, 11, 26, 8, 58, 0), offset="+08:00",
                                    gps_utc=datetime(2026, 11, 26, 1, 35, 0, tzinfo=UTC)))
    assert evidence.captured_at == datetime(2026, 11, 26, 0, 58, 0, tzinfo=UTC)
    assert evidence.capture_time_source == "exif_offset"
    assert evidence.time_conflict_s == 37 * 60


def test_subsec_time_is_a_decimal_fraction_where_leading_zeros_matter() -> None:
    taken = datetime(2026, 11, 26, 8, 58, 3)
    half = read_photo(make_jpeg(taken_local=taken, offset="+08:00", subsec="5"))
    twentieth = read_photo(make_jpeg(taken_local=taken, offset="+08:00", subsec="05"))
    assert half.captured_at.microsecond == 500_000
    assert twentieth.captured_at.microsecond == 50_000


def test_a_gps_date_without_a_time_is_no_gps_instant() -> None:
    evidence = read_photo(make_jpeg(*HARBIN, gps_utc=datetime(2026, 11, 26, 0, 58, tzinfo=UTC), gps_date_only=True))
    assert evidence.gps_datetime_utc is None
    assert evidence.captured_at is None


def test_south_and_west_refs_give_negative_coordinates() -> None:
    gps = read_photo(make_jpeg(lat=-33.8688, lon=-70.6693)).gps
    assert gps is not None
    assert gps.lat == pytest.approx(-33.8688, abs=1e-6)
    assert gps.lon == pytest.approx(-70.6693, abs=1e-6)


def test_the_position_error_and_datum_are_read_with_the_position() -> None:
    gps = read_photo(make_jpeg(*HARBIN, accuracy_m=12.5, datum="WGS-84   ")).gps
    assert gps is not None
    assert (gps.accuracy_m, gps.datum) == (12.5, "WGS-84")


def test_a_zero_denominator_latitude_is_not_a_position_but_the_photo_is_accepted() -> None:
    # ExifTool (and exifread with builtin_types=True) would show 0: an officer on the equator.
    photo = make_jpeg(*HARBIN, raw_gps_rationals={piexif.GPSIFD.GPSLatitude: ((0, 0), (0, 0), (0, 0))})
    evidence = read_photo(photo)
    assert evidence.gps is None
    assert "zero denominator" in evidence.gps_problem


@pytest.mark.parametrize(
    ("raw", "why"),
    [
        ({piexif.GPSIFD.GPSLatitude: ((91, 1), (0, 1), (0, 1))}, "beyond"),
        ({piexif.GPSIFD.GPSLongitude: ((126, 1), (60, 1), (0, 1))}, "60 or more"),
        ({piexif.GPSIFD.GPSLatitudeRef: b"X"}, "Ref"),
    ],
    ids=["latitude-91", "minutes-60", "bad-ref"],
)
def test_an_impossible_position_is_not_a_position(raw: dict, why: str) -> None:
    evidence = read_photo(make_jpeg(*HARBIN, raw_gps_rationals=raw))
    assert evidence.gps is None
    assert why in evidence.gps_problem


def test_a_missing_latitude_ref_is_not_a_position() -> None:
    photo = make_jpeg(*HARBIN)
    stripped = piexif.load(photo)
    del stripped["GPS"][piexif.GPSIFD.GPSLatitudeRef]
    evidence = read_photo(_with_exif(stripped, photo))
    assert evidence.gps is None
    assert "GPSLatitudeRef" in evidence.gps_problem


def _with_exif(exif: dict, photo: bytes) -> bytes:
    bare = io.BytesIO()
    piexif.remove(photo, bare)
    photo, out = bare.getvalue(), io.BytesIO()
    piexif.insert(piexif.dump(exif), photo, out)
    return out.getvalue()


def test_a_heic_is_read_with_its_gps_and_time() -> None:
    evidence = read_photo(make_heic(*HARBIN, taken_local=datetime(2026, 11, 26, 8, 58, 3), offset="+08:00"))
    assert evidence.format == "heic"
    assert evidence.gps is not None
    assert evidence.gps.lat == pytest.approx(HARBIN[0], abs=1e-6)
    assert evidence.captured_at == datetime(2026, 11, 26, 0, 58, 3, tzinfo=UTC)


def test_an_empty_file_is_refused_as_empty() -> None:
    refusal = _refusal(b"")
    assert (refusal.code, refusal.http_status) == ("PHOTO_EMPTY", 422)


def test_a_text_file_is_refused_as_not_an_image() -> None:
    refusal = _refusal(b"this is not a photo, it is a note.\n")
    assert (refusal.code, refusal.http_status) == ("PHOTO_NOT_IMAGE", 415)


@pytest.mark.parametrize(("make", "fmt"), [(make_png, "png"), (make_webp, "webp"), (make_gif, "gif")])
def test_a_png_webp_or_gif_named_jpg_is_refused_as_unsupported(make, fmt: str) -> None:
    # read_photo never sees the name "selfie.jpg" or the declared type: only the bytes decide.
    refusal = _refusal(make())
    assert (refusal.code, refusal.http_status) == ("PHOTO_UNSUPPORTED_FORMAT", 415)
    assert refusal.details["detected_format"] == fmt


@pytest.mark.parametrize("keep", [0.3, 0.6, 0.95])
def test_a_truncated_jpeg_is_refused(keep: float) -> None:
    refusal = _refusal(truncated(make_jpeg(*HARBIN, size=(800, 600)), keep))
    assert (refusal.code, refusal.http_status) == ("PHOTO_TRUNCATED", 422)


@pytest.mark.parametrize("keep", [0.1, 0.5, 0.99])
def test_a_truncated_heic_is_refused_although_libheif_would_decode_it_grey(keep: float) -> None:
    refusal = _refusal(truncated(make_heic(*HARBIN, size=(256, 256)), keep))
    assert (refusal.code, refusal.http_status) == ("PHOTO_TRUNCATED", 422)


def test_every_whole_heic_fixture_passes_the_truncation_check() -> None:
    from supervise.evidence.formats import iso_bmff_is_whole

    folder = Path(__file__).resolve().parents[3].parent / "shared" / "fixtures" / "exif" / "heic"
    files = [p for p in folder.rglob("*") if p.suffix.lower() in (".heic", ".heif")]
    if not files:
        pytest.skip("the shared HEIC fixtures are not here")
    assert all(iso_bmff_is_whole(p.read_bytes()) for p in files)


def test_a_jpeg_cut_inside_its_header_is_refused_as_truncated() -> None:
    refusal = _refusal(make_jpeg(*HARBIN)[:40])
    assert refusal.code == "PHOTO_TRUNCATED"


def test_a_jpeg_with_garbage_after_its_header_is_refused_as_corrupt() -> None:
    photo = make_jpeg(size=(64, 64))
    refusal = _refusal(photo[:3] + b"\x00" * (len(photo) - 5) + b"\xff\xd9")
    assert refusal.code == "PHOTO_CORRUPT"


def test_a_decompression_bomb_is_refused_before_it_is_decoded() -> None:
    refusal = _refusal(make_bomb_jpeg(30_000, 30_000))
    assert (refusal.code, refusal.http_status) == ("PHOTO_TOO_LARGE_PIXELS", 422)


def test_a_photo_over_the_pixel_limit_is_refused_with_its_size() -> None:
    refusal = _refusal(make_bomb_jpeg(8_000, 8_000))
    assert refusal.code == "PHOTO_TOO_LARGE_PIXELS"
    assert refusal.details == {"width": 8_000, "height": 8_000, "max_pixels": 50_000_000}

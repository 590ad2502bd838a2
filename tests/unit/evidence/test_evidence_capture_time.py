"""Which clock says when a photo was taken: EXIF local time, its offset, or GPS time."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from supervise.evidence import resolve_capture_time
from supervise.evidence.exif import parse_offset, subsec_microseconds

LOCAL = datetime(2026, 11, 26, 8, 58, 0)  # as written in DateTimeOriginal
HARBIN_INSTANT = datetime(2026, 11, 26, 0, 58, 0, tzinfo=UTC)


def test_without_any_clock_there_is_no_capture_time() -> None:
    result = resolve_capture_time(None, None, None)
    assert (result.captured_at, result.source) == (None, None)


def test_exif_time_with_offset_and_agreeing_gps_uses_the_offset() -> None:
    result = resolve_capture_time(LOCAL, timedelta(hours=8), HARBIN_INSTANT + timedelta(seconds=90))
    assert (result.captured_at, result.source, result.conflict_s) == (HARBIN_INSTANT, "exif_offset", None)


def test_exif_time_without_offset_and_agreeing_gps_uses_the_more_precise_gps_time() -> None:
    gps = HARBIN_INSTANT + timedelta(seconds=1.5)
    result = resolve_capture_time(LOCAL, None, gps)
    assert (result.captured_at, result.source) == (gps, "exif_gps")


def test_a_camera_on_india_time_is_recognised_as_a_zone_error() -> None:
    camera_local = (HARBIN_INSTANT + timedelta(hours=5, minutes=30)).replace(tzinfo=None)
    result = resolve_capture_time(camera_local, None, HARBIN_INSTANT)
    assert (result.captured_at, result.source) == (HARBIN_INSTANT, "exif_gps")
    assert "UTC+05:30" in result.note


def test_a_wrong_offset_tag_off_by_whole_hours_gives_way_to_gps_time() -> None:
    result = resolve_capture_time(LOCAL, timedelta(hours=9), HARBIN_INSTANT)
    assert (result.captured_at, result.source) == (HARBIN_INSTANT, "exif_gps")


def test_clocks_apart_by_a_whole_number_of_hours_beyond_any_zone_go_to_review() -> None:
    result = resolve_capture_time(LOCAL + timedelta(hours=30), None, HARBIN_INSTANT)
    assert result.source == "exif_local"
    assert result.conflict_s == pytest.approx(-30 * 3600)


def test_clocks_apart_by_a_few_minutes_more_than_two_go_to_review() -> None:
    result = resolve_capture_time(LOCAL, timedelta(hours=8), HARBIN_INSTANT + timedelta(seconds=150))
    assert (result.captured_at, result.source, result.conflict_s) == (HARBIN_INSTANT, "exif_offset", 150)
    assert "needs review" in result.note


def test_only_gps_time_is_used_as_is() -> None:
    result = resolve_capture_time(None, None, HARBIN_INSTANT)
    assert (result.captured_at, result.source) == (HARBIN_INSTANT, "exif_gps")


@pytest.mark.parametrize(("text", "micro"), [("5", 500_000), ("05", 50_000), ("054", 54_000), ("123456", 123_456),
                                             ("00", 0), ("x1", 0)])
def test_subsec_time_is_a_decimal_fraction(text: str, micro: int) -> None:
    assert subsec_microseconds(text) == micro


@pytest.mark.parametrize(("text", "hours"), [("+08:00", 8), ("-05:00", -5), ("+05:30", 5.5)])
def test_offsets_are_read_with_their_sign(text: str, hours: float) -> None:
    assert parse_offset(text) == timedelta(hours=hours)


@pytest.mark.parametrize("text", ["8", "+8:00", "+25:00", "   :  ", ""])
def test_implausible_offsets_are_no_offset(text: str) -> None:
    assert parse_offset(text) is None

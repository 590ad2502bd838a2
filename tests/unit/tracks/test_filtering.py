"""Which reported fixes are stored: damaged ones are dropped and counted by reason, never fatal."""
from __future__ import annotations

import math
from pathlib import Path

import pytest

from supervise.tracks.filtering import FilterParams, filter_fixes
from supervise.tracks.model import RawFix
from supervise.tracks.parse import parse_track

TRACKS = Path(__file__).resolve().parents[3] / ".." / "shared" / "fixtures" / "tracks"
NOW = 1_714_550_400.0  # 2024-05-01T08:00:00Z
DEG_PER_M = 1 / 111_320  # metres to degrees of latitude, near enough for tests
HARBIN = (45.75, 126.63)


def walk(n: int, *, start: float = NOW - 3600, step_s: float = 5, step_m: float = 6, acc: float = 5) -> list[RawFix]:
    """A patrol walking north at ~1.2 m/s from central Harbin."""
    lat0, lon0 = HARBIN
    return [RawFix(start + i * step_s, lat0 + i * step_m * DEG_PER_M, lon0, acc) for i in range(n)]


def params(**kwargs) -> FilterParams:
    return FilterParams(now=NOW, **kwargs)


def test_a_clean_walk_is_accepted_whole_in_time_order():
    fixes = walk(50)
    result = filter_fixes(reversed(fixes), params())
    assert result.accepted == fixes
    assert not result.rejected and not result.flagged


@pytest.mark.parametrize(
    ("fix", "reason"),
    [
        (RawFix(NOW - 60, math.nan, 126.6), "invalid_coordinates"),
        (RawFix(NOW - 60, 95.0, 126.6), "invalid_coordinates"),
        (RawFix(NOW - 60, 45.7, -181.0), "invalid_coordinates"),
        (RawFix(NOW - 60, None, 126.6), "invalid_coordinates"),
        (RawFix(NOW - 60, 0.0, 0.0), "null_island"),
        (RawFix(None, 45.7, 126.6), "no_time"),
        (RawFix(math.nan, 45.7, 126.6), "no_time"),
        (RawFix(NOW + 121, 45.7, 126.6), "future_time"),
        (RawFix(NOW - 8 * 86400, 45.7, 126.6), "too_old"),
        (RawFix(NOW - 60, 45.7, 126.6, accuracy_m=201), "low_accuracy"),
    ],
)
def test_a_damaged_fix_is_dropped_with_its_reason_and_the_rest_kept(fix, reason):
    good = walk(10)
    result = filter_fixes([*good[:5], fix, *good[5:]], params())
    assert result.accepted == good
    assert result.rejected == {reason: 1}


def test_a_fix_within_the_allowed_clock_skew_is_kept():
    assert filter_fixes([RawFix(NOW + 100, 45.7, 126.6)], params()).accepted


def test_an_exact_repeat_is_a_duplicate_and_a_same_time_elsewhere_keeps_the_more_accurate():
    a = RawFix(NOW - 60, 45.7, 126.6, accuracy_m=20)
    repeat = RawFix(NOW - 60, 45.7, 126.6, accuracy_m=20)
    better = RawFix(NOW - 60, 45.7001, 126.6, accuracy_m=5)
    result = filter_fixes([a, repeat, better], params())
    assert result.accepted == [better]
    assert result.rejected == {"duplicate": 1, "duplicate_time": 1}


def test_a_single_spike_is_dropped_when_the_next_fix_returns():
    fixes = walk(20)
    spike = RawFix(fixes[10].t + 1, fixes[10].lat + 0.05, fixes[10].lon, 5)  # 5.5 km in 1 s
    result = filter_fixes([*fixes, spike], params())
    assert result.accepted == fixes
    assert result.rejected == {"speed_jump": 1}


def test_a_real_relocation_is_accepted_once_the_next_fixes_agree_with_the_new_place():
    before = walk(10)
    # Driven 10 km across town in a car between two fixes 60 s apart, then walking on.
    after = walk(10, start=before[-1].t + 60)
    after = [RawFix(f.t, f.lat + 0.09, f.lon, f.accuracy_m) for f in after]
    result = filter_fixes(before + after, params())
    assert result.accepted == before + after
    assert not result.rejected
    assert result.flagged == {"relocation": 1}


def test_a_jump_at_the_very_end_is_kept_because_nothing_shows_it_wrong():
    fixes = walk(10)
    last = RawFix(fixes[-1].t + 5, fixes[-1].lat + 0.05, fixes[-1].lon)
    assert filter_fixes([*fixes, last], params()).accepted[-1] == last


def test_two_wild_fixes_in_a_row_that_then_return_are_both_dropped():
    fixes = walk(20)
    t = fixes[10].t
    wild = [RawFix(t + 1, fixes[10].lat + 0.05, fixes[10].lon), RawFix(t + 2, fixes[10].lat - 0.05, fixes[10].lon)]
    result = filter_fixes(fixes + wild, params())
    assert result.accepted == fixes
    assert result.rejected == {"speed_jump": 2}


def test_gps_jitter_of_a_few_tens_of_metres_is_not_a_speed_jump():
    fixes = walk(10, step_s=1, step_m=0)
    jitter = [RawFix(f.t, f.lat + (30 if i % 2 else -10) * DEG_PER_M, f.lon, 10) for i, f in enumerate(fixes)]
    assert len(filter_fixes(jitter, params()).accepted) == 10


def test_mock_fixes_are_kept_and_counted_as_flagged():
    fixes = walk(5)
    fixes[2].mock = True
    result = filter_fixes(fixes, params())
    assert len(result.accepted) == 5
    assert result.flagged == {"mock": 1}


# ---------------------------------------------------------------- real files: parse then filter

fixture_files = pytest.mark.skipif(not TRACKS.is_dir(), reason=f"fixtures folder missing: {TRACKS}")


def _parse_then_filter(rel: str, now: float, **kwargs):
    parsed = parse_track((TRACKS / rel).read_bytes())
    return parsed, filter_fixes(parsed.fixes, FilterParams(now=now, **kwargs))


@fixture_files
def test_mojstrovka_1901_times_are_dropped_as_too_old_without_refusing_the_file():
    parsed, result = _parse_then_filter("gpx/gpxpy/Mojstrovka.gpx", NOW)
    assert len(parsed.fixes) == 184
    assert result.accepted == []
    assert result.rejected == {"too_old": 184}


@fixture_files
def test_times_going_backwards_are_sorted_not_refused():
    # one_segment_mixed_times.gpx: 588 points, only 4 timed, and those 4 out of order.
    parsed, result = _parse_then_filter(
        "gpx/dougfales-gpx/one_segment_mixed_times.gpx", 1_479_730_730.0, max_age_s=30 * 86400, max_speed_mps=1e9
    )
    assert [f.t for f in parsed.fixes if f.t] != sorted(f.t for f in parsed.fixes if f.t)
    assert [f.t for f in result.accepted] == sorted(f.t for f in parsed.fixes if f.t)
    assert result.rejected == {"no_time": 584}


@fixture_files
def test_osm_gpx_duplicate_times_are_counted_not_refused():
    parsed, result = _parse_then_filter("gpx/togeojson/osm.gpx", 1_252_836_000.0, max_age_s=3 * 365 * 86400)
    assert len(parsed.fixes) == 420
    counts = result.rejected
    assert counts["no_time"] == 245
    assert counts["duplicate"] + counts["duplicate_time"] == 57  # gpxpy's duplicate_timestamps
    assert len(result.accepted) + sum(counts.values()) == 420
    ts = [f.t for f in result.accepted]
    assert ts == sorted(set(ts))


@fixture_files
def test_every_fix_of_a_real_walk_is_either_accepted_or_counted_once():
    parsed, result = _parse_then_filter("gpx/togeojson/run.gpx", 1_351_123_528.0 + 60)
    assert len(result.accepted) + sum(result.rejected.values()) == len(parsed.fixes) == 206
    assert result.rejected == {"duplicate": 1}

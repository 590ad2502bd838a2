"""The column path the service uses reads and filters every real track exactly as the RawFix
path does: same points, same times, same counts by reason."""
from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from supervise.tracks.filtering import FilterParams, FixArrays, filter_arrays, filter_fixes
from supervise.tracks.model import RawFix
from supervise.tracks.parse import TrackRejected, parse_track, parse_track_arrays

TRACKS = Path(__file__).resolve().parents[2] / ".." / "shared" / "fixtures" / "tracks"
pytestmark = pytest.mark.skipif(not TRACKS.is_dir(), reason=f"fixtures folder missing: {TRACKS}")
FILES = sorted(str(p.relative_to(TRACKS)) for p in TRACKS.rglob("*") if p.suffix in (".gpx", ".csv", ".geojson"))


def _same(a: np.ndarray, b: np.ndarray) -> bool:
    return np.array_equal(a, b, equal_nan=True)


@pytest.mark.parametrize("rel", FILES)
def test_every_fixture_reads_the_same_as_columns_and_as_fixes(rel):
    data = (TRACKS / rel).read_bytes()
    try:
        fixes = parse_track(data)
    except TrackRejected as refused:
        with pytest.raises(TrackRejected) as again:
            parse_track_arrays(data)
        assert again.value.code == refused.code
        return
    columns = parse_track_arrays(data)
    expected = FixArrays.from_fixes(fixes.fixes)
    assert columns.rejected == fixes.rejected and columns.format == fixes.format
    for name in ("t", "lat", "lon"):
        assert _same(getattr(columns.fixes, name), getattr(expected, name)), name


@pytest.mark.parametrize("rel", FILES)
def test_every_fixture_filters_the_same_as_columns_and_as_fixes(rel):
    try:
        fixes = parse_track((TRACKS / rel).read_bytes()).fixes
    except TrackRejected:
        return
    timed = [f.t for f in fixes if f.t is not None and math.isfinite(f.t)]
    params = FilterParams(now=max(timed) + 60, max_age_s=math.inf)
    by_fix = filter_fixes(fixes, params)
    by_column = filter_arrays(FixArrays.from_fixes(fixes), params)
    assert by_column.rejected == by_fix.rejected and by_column.flagged == by_fix.flagged
    assert _same(by_column.accepted.t, np.array([f.t for f in by_fix.accepted], dtype=float))
    assert _same(by_column.accepted.lat, np.array([f.lat for f in by_fix.accepted], dtype=float))


def test_spikes_relocations_and_duplicates_get_the_same_verdicts_on_both_paths():
    rng = np.random.default_rng(7)
    fixes = []
    for i in range(3000):
        lat, lon = 45.776 + 1e-5 * rng.normal(), 126.618 + i * 1e-5
        if i % 97 == 0:
            lat += 0.05  # a spike
        if 1500 <= i:
            lat += 0.02  # a relocation
        t = 1.7e9 + (i - (i % 50 == 0)) * 5.0  # some repeated times
        fixes.append(RawFix(t, lat, lon, float(rng.choice([5.0, 12.0, -1.0]))))
    params = FilterParams(now=1.7e9 + 86400)
    by_fix, by_column = filter_fixes(fixes, params), filter_arrays(FixArrays.from_fixes(fixes), params)
    assert by_fix.rejected["speed_jump"] > 10 and by_fix.rejected["duplicate_time"] > 10
    assert by_column.rejected == by_fix.rejected and by_column.flagged == by_fix.flagged
    assert _same(by_column.accepted.lat, np.array([f.lat for f in by_fix.accepted]))


def test_a_plain_logger_gpx_takes_the_column_reader_and_agrees_with_the_fix_reader():
    points = "".join(f'<trkpt lat="45.{i:04d}" lon="126.6"><ele>150</ele><time>2026-01-0{1 + i % 2}T0{i % 10}:'
                     f'{i % 60:02d}:{(i * 7) % 60:02d}Z</time></trkpt>' for i in range(500))
    data = f'<gpx version="1.1" xmlns="http://www.topografix.com/GPX/1/1"><trk><trkseg>{points}</trkseg></trk></gpx>'
    columns, fixes = parse_track_arrays(data.encode()), parse_track(data.encode())
    assert _same(columns.fixes.t, FixArrays.from_fixes(fixes.fixes).t)
    assert columns.fixes.acc.size == 500

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


_PLAIN_POINTS = ('<trkpt lat="45.7001" lon="126.6"><ele>150</ele><time>2026-01-01T08:00:00Z</time></trkpt>'
                 '<trkpt lat="45.7002" lon="126.6"><time>2026-01-01T08:00:05Z</time></trkpt>')
_UNPLAIN = {
    "a comment between points": '<!-- <trkpt lat="9" lon="9"><time>2026-01-01T00:00:00Z</time></trkpt> -->',
    "a CDATA name": '<trkpt lat="45.7003" lon="126.6"><name><![CDATA[x]]></name><time>2026-01-01T08:00:09Z</time>'
                    '</trkpt>',
    "a prefixed point": '<g:trkpt xmlns:g="http://www.topografix.com/GPX/1/1" lat="45.71" lon="126.6">'
                        '<g:time>2026-01-01T08:00:09Z</g:time></g:trkpt>',
    "a time with milliseconds": '<trkpt lat="45.7004" lon="126.6"><time>2026-01-01T08:00:09.250Z</time></trkpt>',
    "a point without time": '<trkpt lat="45.7005" lon="126.6"></trkpt>',
    "an unreadable time": '<trkpt lat="45.7006" lon="126.6"><time>2026-02-30T08:00:00Z</time></trkpt>',
}


@pytest.mark.parametrize("extra", list(_UNPLAIN.values()), ids=list(_UNPLAIN))
def test_a_logger_gpx_with_one_unusual_point_reads_the_same_as_columns_and_as_fixes(extra):
    data = ('<?xml version="1.0"?><gpx version="1.1" xmlns="http://www.topografix.com/GPX/1/1"><trk><trkseg>'
            f"{_PLAIN_POINTS}{extra}</trkseg></trk></gpx>").encode()
    columns, fixes = parse_track_arrays(data), parse_track(data)
    expected = FixArrays.from_fixes(fixes.fixes)
    assert columns.rejected == fixes.rejected
    for name in ("t", "lat", "lon"):
        assert _same(getattr(columns.fixes, name), getattr(expected, name)), name


@pytest.mark.parametrize("head", ['<?xml-stylesheet type="text/xsl" href="t.xsl"?>',
                                  "<metadata><desc>an empty route</desc></metadata><rte><rtept lat='1' lon='2'/></rte>",
                                  '<wpt lat="45.8" lon="126.7"><time>2026-01-01T07:00:00Z</time></wpt>'],
                         ids=["a stylesheet", "a route point", "a waypoint"])
def test_a_logger_gpx_with_a_stylesheet_route_or_waypoint_reads_the_same_as_columns_and_as_fixes(head):
    pi, body = (head, "") if head.startswith("<?") else ("", head)
    data = (f'<?xml version="1.0"?>{pi}<gpx version="1.1" xmlns="http://www.topografix.com/GPX/1/1">{body}'
            f"<trk><trkseg>{_PLAIN_POINTS}</trkseg></trk></gpx>").encode()
    columns, fixes = parse_track_arrays(data), parse_track(data)
    assert columns.waypoints_ignored == fixes.waypoints_ignored
    assert _same(columns.fixes.t, FixArrays.from_fixes(fixes.fixes).t)
    assert _same(columns.fixes.lat, FixArrays.from_fixes(fixes.fixes).lat)


def test_a_logger_gpx_declaring_an_entity_is_refused_before_any_point_is_read():
    data = (b'<?xml version="1.0"?><!DOCTYPE gpx [<!ENTITY x "45.7">]><gpx version="1.1"><trk><trkseg>'
            + _PLAIN_POINTS.encode() + b"</trkseg></trk></gpx>")
    with pytest.raises(TrackRejected) as refused:
        parse_track_arrays(data)
    assert refused.value.code == "TRACK_FORBIDDEN_XML"


_TRICKY_FILES = {
    "a point inside a processing instruction": f'<?note {_PLAIN_POINTS}?>',
    "a point inside a single-quoted attribute": f"<extensions note='{_PLAIN_POINTS}'/>",
    "a point inside a comment": f"<!-- {_PLAIN_POINTS} -->",
    "a control character in a time": '<trkpt lat="45.71" lon="126.6"><time>2026-01-01T08:00:09\x01Z</time></trkpt>',
    "a markup end in an elevation": '<trkpt lat="45.71" lon="126.6"><ele>1]]>2</ele></trkpt>',
    "markup inside a coordinate": '<trkpt lat="<b/>45.71" lon="126.6"><time>2026-01-01T08:00:09Z</time></trkpt>',
    "a truncated point": '<trkpt lat="45.71" lon="126.6"><time>2026-01-01T08:00:09Z</time>',
}


@pytest.mark.parametrize("extra", list(_TRICKY_FILES.values()), ids=list(_TRICKY_FILES))
def test_a_point_hidden_in_markup_or_a_malformed_point_gets_the_same_answer_as_from_the_fix_reader(extra):
    data = ('<?xml version="1.0"?><gpx version="1.1" xmlns="http://www.topografix.com/GPX/1/1"><trk><trkseg>'
            f"{_PLAIN_POINTS}{extra}</trkseg></trk></gpx>").encode()
    try:
        fixes = parse_track(data)
    except TrackRejected as refused:
        with pytest.raises(TrackRejected) as again:
            parse_track_arrays(data)
        assert (again.value.code, again.value.message) == (refused.code, refused.message)
        return
    columns = parse_track_arrays(data)
    assert columns.rejected == fixes.rejected
    assert _same(columns.fixes.t, FixArrays.from_fixes(fixes.fixes).t)
    assert _same(columns.fixes.lat, FixArrays.from_fixes(fixes.fixes).lat)

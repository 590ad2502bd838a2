"""Reading uploaded tracks: every real fixture parses, hostile files are refused with a clear code."""
from __future__ import annotations

import json
import math
from datetime import UTC, datetime
from pathlib import Path

import pytest

from supervise.tracks.parse import TrackRejected, iso_to_posix, parse_track

TRACKS = Path(__file__).resolve().parents[3] / ".." / "shared" / "fixtures" / "tracks"
pytestmark = pytest.mark.skipif(not TRACKS.is_dir(), reason=f"fixtures folder missing: {TRACKS}")


def _summary() -> dict:
    return json.loads((TRACKS / "gpx" / "summary.json").read_text()) if TRACKS.is_dir() else {}


def _utc(text: str) -> float:
    dt = datetime.fromisoformat(text)
    # gpxpy reports zone-less GPX times as naive; the GPX schema says they are UTC.
    return (dt if dt.tzinfo else dt.replace(tzinfo=UTC)).timestamp()


def _read(rel: str, **kwargs):
    return parse_track((TRACKS / rel).read_bytes(), **kwargs)


# Route points with times, which gpxpy's summary leaves out of its first/last time.
ROUTE_TIMES = {
    "gpxpy/gpx1.0_with_all_fields.gpx": (1, "2013-01-02T02:03:03+00:00"),
    "gpxpy/gpx1.1_with_all_fields.gpx": (1, "2013-01-02T02:03:03+00:00"),
    "togeojson/garmin_extensions.gpx": (1, "2007-11-25T17:58:00+00:00"),
    "togeojson/gdal.gpx": (1, "2007-11-25T17:58:00+00:00"),
    "togeojson/opencpn.gpx": (16, "2022-01-01T15:26:53+00:00"),
}
# gpxpy 1.6.2 finds no time in these because <time> comes before <ele> (against the
# schema's element order); the times are plainly there, so we read them.
GPXPY_MISSES_TIMES = {"dougfales-gpx/arches.gpx": 182, "dougfales-gpx/big.gpx": 7968}


def _gpx_cases():
    return [pytest.param(rel, s, id=rel) for rel, s in _summary().items() if rel != "togeojson/bad.gpx"]


@pytest.mark.parametrize(("rel", "summary"), _gpx_cases())
def test_every_gpx_fixture_reads_as_gpxpy_reads_it(rel, summary):
    points = summary["track_points"] + summary["route_points"]
    route_timed, route_last = ROUTE_TIMES.get(rel, (0, None))
    timed = summary["track_points_with_time"] + route_timed + GPXPY_MISSES_TIMES.get(rel, 0)
    if timed == 0 and summary["waypoints"]:
        timed = None  # only timed waypoints can make the track; checked below
    if timed == 0:
        with pytest.raises(TrackRejected) as refused:
            _read("gpx/" + rel)
        assert refused.value.code == "TRACK_NO_TIMED_POSITIONS"
        return
    try:
        result = _read("gpx/" + rel)
    except TrackRejected as refused:
        assert timed is None and refused.code == "TRACK_NO_TIMED_POSITIONS"
        return
    assert result.format == "gpx"
    if points == 0:  # a file of waypoints only: they become the track
        assert len(result.fixes) == summary["waypoints"]
        return
    assert len(result.fixes) == points
    assert sum(f.t is not None for f in result.fixes) == timed
    assert result.waypoints_ignored == summary["waypoints"]
    times = [f.t for f in result.fixes if f.t is not None]
    if route_last and not summary.get("first_time"):
        assert max(times) == _utc(route_last)
    elif summary.get("first_time") and rel not in GPXPY_MISSES_TIMES:
        assert min(times) == pytest.approx(_utc(summary["first_time"]), abs=1e-5)
        last = max(_utc(summary["last_time"]), _utc(route_last) if route_last else -math.inf)
        assert max(times) == pytest.approx(last, abs=1e-5)


def test_times_with_an_odd_offset_are_converted_to_utc():
    fix = _read("gpx/OpenTracks/gpx_timezone.gpx").fixes[0]  # 21:51:59.179+01:15
    assert fix.t == pytest.approx(_utc("2021-01-07T20:36:59.179+00:00"))


def test_zone_less_gpx_times_are_utc_as_the_gpx_schema_says_whatever_naive_tz_is():
    a = _read("gpx/gpxpy/gpx1.1_with_all_fields.gpx", naive_tz="Asia/Shanghai")
    assert min(f.t for f in a.fixes if f.t) == _utc("2013-01-01T12:00:04+00:00")


def test_files_with_a_byte_order_mark_and_without_namespaces_parse():
    assert len(_read("gpx/gpxpy/unicode_with_bom.gpx").fixes) == 1
    assert len(_read("gpx/OpenTracks/gpx11_with_speed_no_namespace.gpx").fixes) == 3


def test_speed_course_and_horizontal_accuracy_from_extensions_are_kept():
    fix = _read("gpx/togeojson/apple_watch_route.gpx").fixes[0]
    assert (fix.speed_mps, fix.bearing, fix.accuracy_m) == (1.310662, 101.747269, 1.801682)
    assert fix.altitude_m == 14.601502


def test_mojstrovka_1901_times_are_read_as_they_are_and_left_to_the_filter():
    result = _read("gpx/gpxpy/Mojstrovka.gpx")
    assert len(result.fixes) == 184
    assert all(f.t < _utc("1902-01-01T00:00:00+00:00") for f in result.fixes)


def test_bad_gpx_with_only_undefined_coordinates_is_refused_as_a_whole():
    # bad.gpx: 2 trkpt, 1 rtept and 2 wpt, all with lat/lon "undefined" or "x"/"y". The
    # fixtures README says it "must be refused": nothing in it is a position, so the file is
    # refused, and the details say why. A file mixing such points with good ones is NOT
    # refused: see the next test.
    with pytest.raises(TrackRejected) as refused:
        _read("gpx/togeojson/bad.gpx")
    assert refused.value.code == "TRACK_NO_TIMED_POSITIONS"
    assert refused.value.http_status == 422
    assert refused.value.details["rejected"] == {"invalid_coordinates": 5}


def test_undefined_coordinates_among_good_points_are_counted_not_fatal():
    good = '<trkpt lat="45.7" lon="126.6"><time>2024-05-01T08:00:00Z</time></trkpt>'
    bad = '<trkpt lat="undefined" lon="undefined"><time>2024-05-01T08:00:05Z</time></trkpt>'
    nan = '<trkpt lat="NaN" lon="126.6"><time>2024-05-01T08:00:10Z</time></trkpt>'
    result = parse_track(_gpx(good + bad + nan).encode())
    assert result.rejected == {"invalid_coordinates": 1}
    assert len(result.fixes) == 2 and math.isnan(result.fixes[1].lat)  # NaN is the filter's to drop


def _gpx(body: str, root: str = '<gpx version="1.1" xmlns="http://www.topografix.com/GPX/1/1">') -> str:
    return f'<?xml version="1.0" encoding="UTF-8"?>\n{root}<trk><trkseg>{body}</trkseg></trk></gpx>'


POINT = '<trkpt lat="45.7" lon="126.6"><time>2024-05-01T08:00:00Z</time></trkpt>'
XXE = (
    '<?xml version="1.0"?>\n<!DOCTYPE gpx [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>\n'
    '<gpx version="1.1"><trk><trkseg><trkpt lat="45.7" lon="126.6"><name>&xxe;</name>'
    "<time>2024-05-01T08:00:00Z</time></trkpt></trkseg></trk></gpx>"
)
LAUGHS = (
    '<?xml version="1.0"?>\n<!DOCTYPE gpx [<!ENTITY lol "lol">'
    + "".join(f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">' for i in range(1, 10))
    + ']>\n<gpx version="1.1"><trk><name>&lol9;</name></trk></gpx>'
)


@pytest.mark.parametrize(
    ("data", "code", "status"),
    [
        pytest.param(XXE.encode(), "TRACK_FORBIDDEN_XML", 422, id="xxe"),
        pytest.param(LAUGHS.encode(), "TRACK_FORBIDDEN_XML", 422, id="billion-laughs"),
        pytest.param(bytes(range(256)) * 20, "TRACK_UNRECOGNISED_FORMAT", 415, id="binary-junk"),
        pytest.param(b"\x89PNG\r\n\x1a\n" + b"\x00" * 100, "TRACK_UNRECOGNISED_FORMAT", 415, id="png"),
        pytest.param(b"", "TRACK_EMPTY", 422, id="empty"),
        pytest.param(b"\xef\xbb\xbf  \n", "TRACK_EMPTY", 422, id="bom-and-blanks"),
        pytest.param(b"<kml><Document/></kml>", "TRACK_UNRECOGNISED_FORMAT", 415, id="xml-not-gpx"),
        pytest.param(b'{"name": "not geojson"}', "TRACK_UNRECOGNISED_FORMAT", 415, id="json-not-geojson"),
        pytest.param(b"hello world\nthis is prose\n", "TRACK_UNRECOGNISED_FORMAT", 415, id="prose"),
        pytest.param(_gpx(POINT)[:-30].encode(), "TRACK_MALFORMED", 422, id="truncated-gpx"),
        pytest.param(_gpx('<trkpt lat="45.7" lon="126.6"/>').encode(), "TRACK_NO_TIMED_POSITIONS", 422,
                     id="no-time"),
        pytest.param(b"time,lat,lon\n,45.7,126.6\n", "TRACK_NO_TIMED_POSITIONS", 422, id="csv-no-time"),
    ],
)
def test_a_hostile_or_useless_file_is_refused_with_a_clear_code(data, code, status):
    with pytest.raises(TrackRejected) as refused:
        parse_track(data)
    assert (refused.value.code, refused.value.http_status) == (code, status)


def test_more_points_than_the_cap_is_refused_with_413():
    with pytest.raises(TrackRejected) as refused:
        parse_track(_gpx(POINT * 11).encode(), max_points=10)
    assert (refused.value.code, refused.value.http_status) == ("TRACK_TOO_MANY_POINTS", 413)
    assert len(parse_track(_gpx(POINT * 10).encode(), max_points=10).fixes) == 10


def test_the_fast_and_the_exact_gpx_readers_agree_on_every_fixture():
    from supervise.tracks.parse import _parse_gpx

    for path in sorted(TRACKS.rglob("*.gpx")):
        data = path.read_bytes().removeprefix(b"\xef\xbb\xbf")
        try:
            fast = _parse_gpx(data, 10**6)
        except TrackRejected as refused:
            assert refused.code == "TRACK_UNRECOGNISED_FORMAT" or path.name == "bad.gpx"
            continue
        exact = _parse_gpx(data, 10**6, exact=True)
        assert repr(fast.fixes) == repr(exact.fixes), path
        assert fast.rejected == exact.rejected, path


def test_comments_cdata_and_self_closing_points_take_the_exact_path_correctly():
    body = ('<trkpt lat="1" lon="2"/><!-- <trkpt lat="9" lon="9"><time>2024-01-01T00:00:00Z</time></trkpt> -->'
            '<trkpt lat="45.7" lon="126.6"><name><![CDATA[<time>x</time>]]></name>'
            "<time>2024-05-01T08:00:00Z</time></trkpt>")
    result = parse_track(_gpx(body).encode())
    assert [(f.lat, f.t) for f in result.fixes] == [(1.0, None), (45.7, _utc("2024-05-01T08:00:00+00:00"))]


# ---------------------------------------------------------------- CSV


def test_opentracks_csv_keeps_rows_with_coordinates_and_counts_markers_without():
    result = _read("csv/OpenTracks_csv_export.csv")
    assert result.format == "csv"
    assert len(result.fixes) == 5
    assert result.rejected == {"no_position": 7}
    assert result.fixes[0].t == _utc("2020-02-02T03:02:03+01:00")
    assert result.fixes[-1].t == _utc("2020-02-02T03:03:50+01:00")
    first = result.fixes[0]
    assert (first.lat, first.lon, first.accuracy_m, first.altitude_m, first.speed_mps) == (
        3.123456, 14.001456, 10.0, 1020.2, 54.0)


def test_geolife_csv_is_semicolon_separated_with_x_y_t_columns():
    result = _read("csv/movingpandas_demodata_geolife.csv")
    assert len(result.fixes) == 5908 and not result.rejected
    first = result.fixes[0]
    assert (first.lat, first.lon) == (39.898573, 116.391305)
    assert first.t == _utc("2008-12-11T04:42:14+00:00")
    assert max(f.t for f in result.fixes) == _utc("2009-06-29T11:13:12+00:00")


def test_zone_less_csv_times_are_local_shanghai_time_by_default():
    data = b"timestamp;latitude;longitude;accuracy\n2024-05-01 08:00:00;45.7;126.6;8\n"
    assert parse_track(data).fixes[0].t == _utc("2024-05-01T00:00:00+00:00")
    assert parse_track(data, naive_tz="UTC").fixes[0].t == _utc("2024-05-01T08:00:00+00:00")


def test_csv_epoch_seconds_and_milliseconds_both_read():
    data = b"time\tlat\tlon\n1714550400\t45.7\t126.6\n1714550405000\t45.7\t126.6\n"
    assert [f.t for f in parse_track(data).fixes] == [1714550400.0, 1714550405.0]


def test_damaged_csv_rows_are_counted_by_reason_and_the_rest_kept():
    data = (b"time,lat,lon\n2024-05-01T08:00:00Z,45.7,126.6\nnot-a-time,45.7,126.6\n"
            b"2024-05-01T08:00:10Z,undefined,126.6\n2024-05-01T08:00:20Z,,\n2024-05-01T08:00:30Z,95,126.6\n")
    result = parse_track(data)
    assert result.rejected == {"invalid_time": 1, "invalid_coordinates": 1, "no_position": 1}
    assert [f.lat for f in result.fixes] == [45.7, 95.0]  # 95 is out of range: the filter drops it


# ---------------------------------------------------------------- GeoJSON

GEOJSON = {  # file: (fixes, timed, first, last) as we read them
    "blue_hills.gpx.geojson": (1242, 1242, "2001-05-26T15:15:07Z", "2001-10-13T21:25:40Z"),
    "empty_ele.gpx.geojson": (2, 2, "2007-05-11T15:22:06Z", "2007-05-11T15:22:06Z"),
    "missing_hr.gpx.geojson": (16, 16, "2017-05-27T04:00:00Z", "2017-05-27T04:02:02Z"),
    "multitrackgpx.gpx.geojson": (5235, 5235, "2008-07-12T09:58:23Z", "2008-07-14T12:46:02Z"),
    "osm.gpx.geojson": (5000, 2395, "2007-05-11T15:22:06Z", "2009-09-13T09:54:03Z"),
    "run.gpx.geojson": (206, 206, "2012-10-24T23:29:40Z", "2012-10-24T23:45:28Z"),
    "run_gpxtpx.gpx.geojson": (1118, 1118, "2015-01-19T21:24:20Z", "2015-01-19T21:45:16Z"),
    "zero_elevation.gpx.geojson": (3, 3, "2001-06-24T15:09:09Z", "2001-06-24T15:16:04Z"),
}
# Lines without per-vertex times (style: one time per line; trek, north_core: none), no
# features at all (empty_trk, trek_no_rtept, unique_trkpt: togeojson drops a 1-point
# track), untimed waypoints (wpt), or timed points beside untimed lines (gdal).
GEOJSON_REFUSED = ["empty_trk", "gdal", "north_core", "style", "trek", "trek_no_rtept", "unique_trkpt", "wpt"]


@pytest.mark.parametrize(("name", "expected"), list(GEOJSON.items()))
def test_every_timed_geojson_fixture_parses_with_its_coord_times(name, expected):
    result = _read("geojson/togeojson/" + name)
    fixes, timed, first, last = expected
    assert result.format == "geojson"
    assert len(result.fixes) == fixes
    times = [f.t for f in result.fixes if f.t is not None]
    assert (len(times), min(times), max(times)) == (timed, _utc(first), _utc(last))


@pytest.mark.parametrize("name", GEOJSON_REFUSED)
def test_geojson_without_timed_positions_is_refused(name):
    with pytest.raises(TrackRejected) as refused:
        _read(f"geojson/togeojson/{name}.gpx.geojson")
    assert refused.value.code == "TRACK_NO_TIMED_POSITIONS"


@pytest.mark.parametrize("name", list(GEOJSON))
def test_a_geojson_fixture_and_its_source_gpx_give_the_same_timed_points(name):
    gpx = _read("geojson/togeojson/" + name.removesuffix(".geojson"))
    geo = _read("geojson/togeojson/" + name)
    gpx_times = sorted(f.t for f in gpx.fixes if f.t is not None)
    geo_times = sorted(f.t for f in geo.fixes if f.t is not None)
    if name == "blue_hills.gpx.geojson":
        # togeojson left out the one-point segment (2001-06-24T17:37:47Z) of this file.
        gpx_times.remove(_utc("2001-06-24T17:37:47+00:00"))
    assert gpx_times == geo_times


def test_a_feature_collection_of_timed_points_is_a_track():
    doc = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "geometry": {"type": "Point", "coordinates": [126.6, 45.7]},
         "properties": {"time": "2024-05-01T08:00:00+08:00", "accuracy": 12}},
        {"type": "Feature", "geometry": {"type": "Point", "coordinates": [126.61, 45.71]},
         "properties": {"timestamp": 1714521605000}},
    ]}
    result = parse_track(json.dumps(doc).encode())
    assert [(f.lon, f.lat, f.t, f.accuracy_m) for f in result.fixes] == [
        (126.6, 45.7, _utc("2024-05-01T00:00:00+00:00"), 12.0), (126.61, 45.71, 1714521605.0, None)]


def test_a_linestring_with_properties_times_reads_each_vertex_time():
    doc = {"type": "Feature", "properties": {"times": ["2024-05-01T08:00:00Z", "2024-05-01T08:00:05Z"]},
           "geometry": {"type": "LineString", "coordinates": [[126.6, 45.7, 150], [126.61, 45.71]]}}
    fixes = parse_track(json.dumps(doc).encode()).fixes
    assert [(f.t, f.altitude_m) for f in fixes] == [(1714550400.0, 150.0), (1714550405.0, None)]


def test_the_fast_time_reader_agrees_with_fromisoformat():
    for text in ("2024-05-01T08:00:00Z", "2024-05-01T08:00:00.25Z", "1901-12-13T20:45:52.2073437Z",
                 "2024-02-29T23:59:59Z", "2024-05-01T08:00:00+08:00", "2024-05-01 08:00:00+00"):
        assert iso_to_posix(text) == pytest.approx(datetime.fromisoformat(text).timestamp(), abs=1e-6)
    for text in ("2023-02-29T00:00:00Z", "2024-05-01T24:00:00Z", "2024-05-01T08:61:00Z", "yesterday"):
        with pytest.raises(ValueError):
            iso_to_posix(text)

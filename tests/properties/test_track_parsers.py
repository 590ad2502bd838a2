"""Properties of the track parsers (GPX, GeoJSON, CSV) and the OsmAnd decoder: whatever the bytes,
a file is read or refused with TrackRejected, never another error; and a well-formed file written
from known fixes, in any encoding or layout the readers take, reads back as those fixes."""
from __future__ import annotations

import json
import math
from datetime import UTC, datetime

from hypothesis import given
from hypothesis import strategies as st

from supervise.tracks.osmand import OsmandError, decode_json, decode_query
from supervise.tracks.parse import TrackRejected, parse_track, parse_track_arrays
from tests.properties.strategies import HOSTILE_NUMBERS, HOSTILE_TEXT, SCALARS, json_trees

START = datetime(2026, 11, 26, tzinfo=UTC).timestamp()
FIXES = st.lists(st.tuples(st.integers(0, 86_400), st.floats(-89.9, 89.9), st.floats(-179.9, 179.9)),
                 min_size=1, max_size=30, unique_by=lambda f: f[0]).map(sorted)
XML_FRAGMENTS = st.sampled_from([
    b'<?xml version="1.0" encoding="UTF-8"?>', b'<?xml version="1.0" encoding="bogus"?>',
    b'<?xml version="1.0" encoding="zlib"?>', b'<?xml version="1.0" encoding="utf-16"?>', b"<gpx>", b"</gpx>",
    b'<gpx xmlns="http://www.topografix.com/GPX/1/1" version="1.1">', b"<trk>", b"</trk>", b"<trkseg>",
    b"</trkseg>", b'<trkpt lat="45.7" lon="126.6">', b'<trkpt lat="NaN" lon="inf">', b'<trkpt lat="1e999">',
    b"</trkpt>", b"<time>2026-11-26T01:00:00Z</time>", b"<time>9999-99-99</time>", b"<ele>x</ele>",
    b'<!DOCTYPE gpx [<!ENTITY a "aaaa">]>', b"&a;", b'<!ENTITY % x SYSTEM "file:///etc/passwd">', b"<![CDATA[",
    b"]]>", b"<!--", b"-->", b"<?pi x?>", b"\xef\xbb\xbf", b"\xff\xfe", b"\x00", b"<wpt lat='1' lon='2'/>",
    b"<rtept lat='45' lon='126'><time>1901-12-13T20:45:52Z</time></rtept>", b"<x:trkpt lat='1' lon='1'/>"])


def refused_or_read(data: bytes) -> None:
    for parse in (parse_track, parse_track_arrays):
        try:
            parse(data)
        except TrackRejected:
            pass


@given(st.binary(max_size=2000))
def test_any_bytes_are_read_or_refused_as_a_track_never_an_error(data):
    refused_or_read(data)


@given(st.lists(XML_FRAGMENTS, max_size=30))
def test_any_gpx_shaped_soup_is_read_or_refused_never_an_error(fragments):
    refused_or_read(b"".join(fragments))


@given(json_trees())
def test_any_json_is_read_or_refused_as_geojson_never_an_error(tree):
    refused_or_read(json.dumps(tree).encode())
    refused_or_read(json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "geometry": {"type": "LineString", "coordinates": tree},
         "properties": {"coordTimes": tree}}]}).encode())


@given(st.lists(st.lists(HOSTILE_TEXT, max_size=6), max_size=20), st.sampled_from([",", ";", "\t"]))
def test_any_csv_is_read_or_refused_never_an_error(rows, delimiter):
    text = "\n".join(delimiter.join(row) for row in [["time", "lat", "lon", "accuracy"], *rows])
    refused_or_read(text.encode("utf-8", "surrogatepass"))


def gpx(fixes, encoding: str) -> bytes:
    points = "".join(f'<trkpt lat="{lat!r}" lon="{lon!r}"><time>'
                     f'{datetime.fromtimestamp(START + t, UTC):%Y-%m-%dT%H:%M:%SZ}</time><name>点</name></trkpt>'
                     for t, lat, lon in fixes)
    text = (f'<?xml version="1.0" encoding="{encoding}"?>\n<gpx version="1.1" creator="哈尔滨">'
            f"<trk><trkseg>{points}</trkseg></trk></gpx>")
    return text.encode(encoding)


def assert_same(fixes, parsed) -> None:
    assert len(parsed) == len(fixes)
    for (t, lat, lon), fix in zip(fixes, parsed, strict=True):
        assert fix.t == START + t and math.isclose(fix.lat, lat) and math.isclose(fix.lon, lon)


@given(FIXES, st.sampled_from(["UTF-8", "UTF-16", "GB18030", "GBK", "utf-8"]))
def test_a_gpx_written_from_fixes_reads_back_as_them_in_any_known_encoding(fixes, encoding):
    data = gpx(fixes, encoding)
    assert_same(fixes, parse_track(data).fixes)
    columns = parse_track_arrays(data).fixes
    assert list(columns.t) == [START + t for t, _, _ in fixes]


@given(FIXES, st.sampled_from([",", ";", "\t"]), st.sampled_from(["time,lat,lon", "Timestamp,Latitude,Longitude",
                                                                   "utc,y,x"]))
def test_a_csv_written_from_fixes_reads_back_as_them(fixes, delimiter, header):
    rows = [header.replace(",", delimiter)] + [
        delimiter.join((datetime.fromtimestamp(START + t, UTC).isoformat(), repr(lat), repr(lon)))
        for t, lat, lon in fixes]
    assert_same(fixes, parse_track("\n".join(rows).encode()).fixes)


@given(FIXES)
def test_a_geojson_line_written_from_fixes_reads_back_as_them(fixes):
    doc = {"type": "Feature", "properties": {"coordTimes": [
        datetime.fromtimestamp(START + t, UTC).isoformat() for t, _, _ in fixes]},
        "geometry": {"type": "LineString", "coordinates": [[lon, lat] for _, lat, lon in fixes]}}
    assert_same(fixes, parse_track(json.dumps(doc).encode()).fixes)


QUERY_KEYS = st.sampled_from(["id", "deviceid", "lat", "lon", "location", "timestamp", "speed", "bearing",
                              "heading", "altitude", "accuracy", "batt", "mock", "hdop", "odd"])


def assert_sane(report) -> None:
    fix = report.fix
    if fix is None:
        return
    assert math.isfinite(fix.lat) and math.isfinite(fix.lon)
    assert fix.t is None or math.isfinite(fix.t)
    assert fix.accuracy_m is None or fix.accuracy_m > 0
    assert fix.speed_mps is None or fix.speed_mps >= 0


@given(st.lists(st.tuples(QUERY_KEYS, st.one_of(HOSTILE_TEXT, HOSTILE_NUMBERS.map(repr))), max_size=12))
def test_any_osmand_query_is_decoded_or_refused_by_name_with_sane_values(pairs):
    try:
        assert_sane(decode_query(pairs, received_at=START))
    except OsmandError as refused:
        assert refused.code.startswith("OSMAND_")


@given(json_trees(), st.dictionaries(st.sampled_from(["latitude", "longitude", "accuracy", "speed", "heading",
                                                      "altitude"]), SCALARS, max_size=6), SCALARS)
def test_any_osmand_json_body_is_decoded_or_refused_by_name_with_sane_values(tree, coords, timestamp):
    for body in (tree, {"device_id": tree, "location": {"coords": coords, "timestamp": timestamp,
                                                        "battery": {"level": timestamp}}}):
        try:
            assert_sane(decode_json(body, received_at=START))
        except OsmandError as refused:
            assert refused.code.startswith("OSMAND_")

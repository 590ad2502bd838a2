"""The OsmAnd protocol as the Traccar Client app speaks it, checked against Traccar's own test data."""
from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import pytest

from supervise.tracks.osmand import KNOT_MPS, OsmandError, decode_json, decode_query

FIXTURES = Path(__file__).resolve().parents[3] / ".." / "shared" / "fixtures" / "osmand"
pytestmark = pytest.mark.skipif(not FIXTURES.is_dir(), reason=f"fixtures folder missing: {FIXTURES}")


def _requests() -> list[tuple[int, str, dict]]:
    lines = (FIXTURES / "requests.txt").read_text().splitlines()
    expected = {r["line"]: r for r in json.loads((FIXTURES / "expected.json").read_text())["requests"]}
    return [(n, line, expected[n]) for n, line in enumerate(lines, start=1) if line.strip()]


def _decode(line: str, **kwargs):
    if line.startswith("JSON "):
        return decode_json(json.loads(line[5:]))
    return decode_query(parse_qsl(urlsplit(line).query, keep_blank_values=True), **kwargs)


def _utc(text: str) -> float:
    return datetime.fromisoformat(text).timestamp()


def _cases():
    return [pytest.param(n, line, exp, id=f"line{n}") for n, line, exp in _requests()] if FIXTURES.is_dir() else []


@pytest.mark.parametrize(("number", "line", "expected"), _cases())
def test_every_request_decodes_to_the_values_traccar_derives(number, line, expected):
    want = expected["derived_from_decoder_source_NOT_asserted"]
    report = _decode(line, naive_tz="UTC")
    assert report.device_id == want["device_unique_id"]
    if want["latitude"] is None:
        # Traccar copies the device's last known place here; we report "no position".
        assert report.fix is None
        return
    fix = report.fix
    assert fix.lat == pytest.approx(want["latitude"], abs=1e-9)
    assert fix.lon == pytest.approx(want["longitude"], abs=1e-9)
    time_text = want["fix_time_utc"]
    if time_text is None:
        assert fix.t is None  # no timestamp sent and no received_at given
    elif "server default time zone" not in time_text:
        assert fix.t == pytest.approx(_utc(time_text), abs=1e-3)
    speed_mps = fix.speed_mps or 0.0  # Traccar writes 0 for "unknown", we keep None
    assert speed_mps / KNOT_MPS == pytest.approx(want["speed_knots"], rel=1e-4)
    assert (fix.bearing or 0.0) == pytest.approx(want["course"])
    assert (fix.altitude_m or 0.0) == pytest.approx(want["altitude"])
    battery = want["attributes"].get("batteryLevel")
    assert fix.battery == (None if battery is None else pytest.approx(battery))
    assert fix.mock is bool(want["attributes"].get("mock", False))
    for key in ("hdop", "ignition", "rpm", "fuel", "motion", "event", "activity", "odometer"):
        if key in want["attributes"]:
            assert report.attributes[key] == want["attributes"][key]


def test_json_extras_become_attributes_exactly_as_traccar_asserts():
    _, line, expected = _requests()[1]
    report = _decode(line)
    for key, value in expected["traccar_asserted_values"].items():
        assert report.attributes[key] == value
    assert report.attributes["device_very_long_double_test"] == 1763636.3442


def test_json_accuracy_below_10_m_is_kept_although_traccar_drops_it():
    # expected.json: "coords.accuracy 5 < osmand.minAccuracy default 10.0: accuracy left at 0".
    # We need the phone's own error estimate for the off-grid and sign-in checks, so we keep it.
    _, line, expected = _requests()[0]
    assert expected["derived_from_decoder_source_NOT_asserted"]["accuracy"] == 0.0
    assert _decode(line).fix.accuracy_m == 5.0
    assert _decode(_requests()[3][1]).fix.accuracy_m == 3.8


def test_json_speed_is_metres_per_second_and_battery_a_fraction_made_percent():
    fix = _decode(_requests()[3][1]).fix
    assert fix.speed_mps == 18.67
    assert fix.battery == pytest.approx(79.0)
    assert fix.bearing == 63


def test_unknown_json_values_stay_unknown_instead_of_zero():
    fix = _decode(_requests()[2][1]).fix  # speed -1, heading -1, battery -1, mock true
    assert (fix.speed_mps, fix.bearing, fix.battery, fix.mock) == (None, None, None, True)


def test_a_request_without_an_id_still_decodes_its_position_so_the_route_can_answer_400():
    report = _decode("/?timestamp=1377177267&lat=60.0&lon=30.0")
    assert report.device_id is None
    assert (report.fix.lat, report.fix.lon) == (60.0, 30.0)


def test_a_request_with_only_cell_and_wifi_has_no_fix_but_keeps_them_as_attributes():
    report = _decode(_requests()[4][1])
    assert report.device_id == "123456"
    assert report.fix is None
    assert report.attributes["cell"] == ["257,02,16,2224", "257,02,16,2223,-90"]
    assert len(report.attributes["wifi"]) == 2


def test_query_speed_in_knots_is_converted_to_metres_per_second():
    fix = _decode(_requests()[14][1]).fix  # speed=40 knots
    assert fix.speed_mps == pytest.approx(40 * 0.514444, rel=1e-5)
    assert fix.bearing == pytest.approx(7.19889788244)


def test_a_zone_less_timestamp_is_read_in_the_server_zone_which_defaults_to_shanghai():
    line = _requests()[8][1]  # timestamp=2014-06-04+09%3A10%3A11 ('+' decodes to a space)
    assert _decode(line).fix.t == _utc("2014-06-04T01:10:11+00:00")
    assert _decode(line, naive_tz="Europe/Luxembourg").fix.t == _utc("2014-06-04T07:10:11+00:00")


def test_millisecond_and_second_timestamps_are_told_apart_by_size():
    ms = decode_query({"id": "1", "lat": "1", "lon": "2", "timestamp": "1442068686579"})
    s = decode_query({"id": "1", "lat": "1", "lon": "2", "timestamp": "1442068686"})
    assert ms.fix.t == pytest.approx(1442068686.579)
    assert s.fix.t == 1442068686.0


def test_a_request_without_timestamp_takes_the_receive_time_when_given():
    report = decode_query({"id": "1", "lat": "41.6", "lon": "-0.88", "batt": "87"}, received_at=1.7e9)
    assert report.fix.t == 1.7e9
    assert report.fix.battery == 87.0


def test_location_parameter_carries_lat_and_lon_together():
    fix = _decode(_requests()[13][1]).fix
    assert (fix.lat, fix.lon) == (60.0, 30.0)


def test_traccar_client_urls_decode_with_accuracy_zero_meaning_unknown():
    lines = [x for x in (FIXTURES / "client_requests.txt").read_text().splitlines() if x.startswith("http")]
    assert len(lines) == 3
    for url in lines:
        report = decode_query(parse_qsl(urlsplit(url).query))
        assert report.device_id == "123456789012345"
        # The fixture's comment says 1989-08-16, but 619315200 s is 1989-08-17T00:00:00Z.
        assert report.fix.t == 619315200.0 == _utc("1989-08-17T00:00:00+00:00")
        assert report.fix.accuracy_m is None
        assert report.fix.battery == 0.0
    assert decode_query(parse_qsl(urlsplit(lines[2]).query)).attributes["alarm"] == "alert message"


@pytest.mark.parametrize(
    ("params", "code"),
    [
        ({"id": "1", "lat": "abc", "lon": "30"}, "OSMAND_BAD_LAT"),
        ({"id": "1", "lat": "60", "lon": "NaN"}, "OSMAND_BAD_LON"),
        ({"id": "1", "lat": "60", "lon": "30", "timestamp": "yesterday"}, "OSMAND_BAD_TIMESTAMP"),
        ({"id": "1", "lat": "60", "lon": "30", "speed": "fast"}, "OSMAND_BAD_SPEED"),
    ],
)
def test_a_malformed_value_is_refused_with_a_clear_code(params, code):
    with pytest.raises(OsmandError) as error:
        decode_query(params)
    assert error.value.code == code


def test_a_json_body_that_is_not_an_object_is_refused():
    with pytest.raises(OsmandError):
        decode_json([1, 2])

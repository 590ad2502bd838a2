"""Uploading track files: the officer's own track, an admin's upload for an officer, hostile
files refused in the one error shape with nothing stored, and a shift's analysis views."""
from __future__ import annotations

import io
import math
import time
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from supervise.extensions import db
from supervise.models import Position, TrackUpload
from tests.conftest import DL_GRID_CENTRE, FIXTURES

LON0, LAT0 = DL_GRID_CENTRE


def walk_fixes(start: float, minutes: float, step_s: float = 10.0, lat0: float = LAT0, lon0: float = LON0):
    """A walk back and forth along the grid's east-west axis at ~1.1 m/s."""
    fixes = []
    for i in range(int(minutes * 60 / step_s)):
        phase = (i * step_s * 1.1) % 800.0
        east = phase if phase < 400 else 800 - phase
        lon = lon0 - 0.0025 + east / (111_320 * math.cos(math.radians(lat0)))
        fixes.append((start + i * step_s, lat0, lon))
    return fixes


def gpx(fixes) -> bytes:
    points = "".join(
        f'<trkpt lat="{lat:.7f}" lon="{lon:.7f}"><time>{datetime.fromtimestamp(t, UTC):%Y-%m-%dT%H:%M:%SZ}</time></trkpt>\n'
        for t, lat, lon in fixes)
    return (f'<?xml version="1.0" encoding="UTF-8"?>\n<gpx version="1.1" creator="test" '
            f'xmlns="http://www.topografix.com/GPX/1/1"><trk><trkseg>\n{points}</trkseg></trk></gpx>').encode()


def post_file(client, headers, data: bytes, name: str = "track.gpx", query: str = ""):
    return client.post(f"/api/v1/tracks{query}", headers=headers, content_type="multipart/form-data",
                       data={"file": (io.BytesIO(data), name)})


def stored_positions(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Position))


def uploads(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(TrackUpload))


def test_an_officer_uploads_a_gpx_and_learns_what_became_of_each_point(client, auth, world, app):
    fixes = walk_fixes(time.time() - 3600, 30)
    response = post_file(client, auth("dl1"), gpx(fixes))
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["points"] == {"received": 180, "accepted": 180, "rejected": {}, "stored": 180, "flagged": {}}
    assert body["officer"] == "HRB-DL-0001"
    assert body["start"].endswith("Z") and body["start"] < body["end"]
    assert stored_positions(app) == 180


def test_sending_the_same_file_again_stores_no_second_copy(client, auth, world, app):
    data = gpx(walk_fixes(time.time() - 3600, 10))
    post_file(client, auth("dl1"), data)
    again = post_file(client, auth("dl1"), data).get_json()
    assert again["points"]["accepted"] == 60 and again["points"]["stored"] == 0
    assert stored_positions(app) == 60


def test_damaged_rows_are_dropped_and_counted_and_the_rest_kept(client, auth, world, app):
    now = time.time()
    rows = ["time,lat,lon,accuracy"]
    rows += [f"{int(now - 600 + i * 10)},{LAT0},{LON0 + i * 1e-5},8" for i in range(20)]
    rows += [f"{int(now - 100)},undefined,{LON0},8", f"not-a-time,{LAT0},{LON0},8",
             f"{int(now + 86400)},{LAT0},{LON0},8", f"{int(now - 50)},{LAT0},{LON0},900"]
    body = post_file(client, auth("dl1"), "\n".join(rows).encode(), "track.csv").get_json()
    assert body["points"]["accepted"] == 20
    assert body["points"]["rejected"] == {"invalid_coordinates": 1, "invalid_time": 1, "future_time": 1,
                                          "low_accuracy": 1}
    assert stored_positions(app) == 20


def test_an_admin_uploads_for_an_officer_by_badge_number(client, auth, world, app):
    response = post_file(client, auth("admin"), gpx(walk_fixes(time.time() - 3600, 5)), query="?officer=HRB-NG-0001")
    assert response.status_code == 201
    assert response.get_json()["officer"] == "HRB-NG-0001"


def test_a_manager_may_upload_for_their_district_only(client, auth, world):
    data = gpx(walk_fixes(time.time() - 3600, 5))
    assert post_file(client, auth("mgr-dl"), data, query="?officer=HRB-DL-0002").status_code == 201
    refused = post_file(client, auth("mgr-dl"), data, query="?officer=HRB-NG-0001")
    assert refused.status_code == 403 and refused.get_json()["error"]["code"] == "FORBIDDEN"


def test_an_officer_cannot_upload_for_a_colleague(client, auth, world, app):
    response = post_file(client, auth("dl1"), gpx(walk_fixes(time.time() - 3600, 5)), query="?officer=HRB-DL-0002")
    assert response.status_code == 403
    assert stored_positions(app) == 0


XXE = b"""<?xml version="1.0"?>
<!DOCTYPE gpx [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<gpx version="1.1"><trk><trkseg><trkpt lat="45.7" lon="126.6"><time>2026-01-01T00:00:00Z</time><name>&xxe;</name></trkpt></trkseg></trk></gpx>"""
LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>
<gpx version="1.1"><trk><name>&lol3;</name><trkseg></trkseg></trk></gpx>"""
NO_TIMES = b'<?xml version="1.0"?><gpx version="1.1"><trk><trkseg><trkpt lat="45.7" lon="126.6"/></trkseg></trk></gpx>'


@pytest.mark.parametrize(("data", "status", "code"), [
    pytest.param(XXE, 422, "TRACK_FORBIDDEN_XML", id="xxe"),
    pytest.param(LAUGHS, 422, "TRACK_FORBIDDEN_XML", id="billion-laughs"),
    pytest.param(bytes(range(256)) * 40, 415, "TRACK_UNRECOGNISED_FORMAT", id="binary-junk"),
    pytest.param(NO_TIMES, 422, "TRACK_NO_TIMED_POSITIONS", id="no-timed-position"),
    pytest.param(b"", 422, "TRACK_EMPTY", id="empty"),
])
def test_a_hostile_or_useless_file_is_refused_clearly_and_nothing_is_stored(client, auth, world, app, data,
                                                                           status, code):
    response = post_file(client, auth("dl1"), data)
    assert response.status_code == status
    error = response.get_json()["error"]
    assert error["code"] == code and error["message"]
    assert stored_positions(app) == 0 and uploads(app) == 0


def test_a_file_past_the_size_cap_is_refused_with_413_and_nothing_stored(client, auth, world, app):
    app.config["TRACK_MAX_BYTES"] = 20_000
    try:
        response = post_file(client, auth("dl1"), gpx(walk_fixes(time.time() - 7200, 60)))
    finally:
        del app.config["TRACK_MAX_BYTES"]
    assert response.status_code == 413
    assert response.get_json()["error"]["code"] == "TRACK_TOO_LARGE"
    assert stored_positions(app) == 0


def test_a_track_whose_every_point_is_too_old_is_refused_and_nothing_stored(client, auth, world, app):
    response = post_file(client, auth("dl1"), (FIXTURES / "tracks" / "gpx" / "gpxpy" / "Mojstrovka.gpx").read_bytes())
    assert response.status_code == 422
    error = response.get_json()["error"]
    assert error["code"] == "TRACK_NO_USABLE_POSITIONS" and error["details"]["rejected"]["too_old"] > 0
    assert stored_positions(app) == 0 and uploads(app) == 0


def test_a_request_without_the_file_field_says_so(client, auth, world):
    response = client.post("/api/v1/tracks", headers=auth("dl1"), content_type="multipart/form-data", data={})
    assert response.status_code == 422
    assert response.get_json()["error"]["code"] == "TRACK_FILE_MISSING"


def test_uploading_needs_a_token(client, world):
    assert post_file(client, {}, gpx(walk_fixes(time.time() - 600, 2))).status_code == 401


# ---------------------------------------------------------------- a shift's analysis


@pytest.fixture
def patrol(app, world):
    """A 2-hour patrol of HRB-DL-0001 on DL-G1 that ended 10 minutes ago, and its id."""
    from supervise.cli import SYSTEM
    from supervise.services import reference

    end = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=10)
    with app.app_context():
        shift = reference.create_shift(SYSTEM, officer="HRB-DL-0001", start=end - timedelta(hours=2), end=end,
                                       kind="patrol", grid="DL-G1")
        return {"id": shift.id, "start": shift.start.timestamp(), "end": end.timestamp()}


def test_a_shift_walked_then_idled_shows_distance_and_the_idle_stay(client, auth, patrol):
    start = patrol["start"]
    walking = walk_fixes(start, 80)
    idle = [(start + 80 * 60 + i * 10, LAT0 + 0.0003, LON0) for i in range(40 * 6)]
    post_file(client, auth("dl1"), gpx(walking + idle))
    body = client.get(f"/api/v1/shifts/{patrol['id']}/analysis", headers=auth("mgr-dl")).get_json()
    assert body["points"] == len(walking) + len(idle)
    assert body["distance_m"] > 4000
    assert len(body["idle"]) == 1
    stay = body["idle"][0]
    assert 35 <= stay["minutes"] <= 41 and stay["start"].endswith("Z") and stay["start_local"].endswith("+08:00")
    assert abs(stay["lat"] - (LAT0 + 0.0003)) < 1e-4
    assert body["off_grid"] == [] and body["gaps"] == []


def test_a_shift_with_a_silent_phone_shows_the_gap(client, auth, patrol):
    start = patrol["start"]
    fixes = walk_fixes(start, 50) + walk_fixes(start + 80 * 60, 40)
    post_file(client, auth("dl1"), gpx(fixes))
    body = client.get(f"/api/v1/shifts/{patrol['id']}/analysis", headers=auth("dl1")).get_json()
    assert len(body["gaps"]) == 1
    gap = body["gaps"][0]
    minutes = (datetime.fromisoformat(gap["end"]) - datetime.fromisoformat(gap["start"])).total_seconds() / 60
    assert 29 <= minutes <= 31


def test_a_shift_that_left_the_grid_shows_the_excursion_and_how_far(client, auth, patrol):
    start = patrol["start"]
    away = [(start + 30 * 60 + i * 10, LAT0 + 0.006, LON0) for i in range(15 * 6)]  # ~450 m north
    fixes = walk_fixes(start, 30) + away + walk_fixes(start + 45 * 60, 30)
    post_file(client, auth("dl1"), gpx(fixes))
    body = client.get(f"/api/v1/shifts/{patrol['id']}/analysis", headers=auth("admin")).get_json()
    assert len(body["off_grid"]) == 1
    assert 400 < body["off_grid"][0]["max_distance_m"] < 600


def test_another_district_or_a_colleague_may_not_see_the_track(client, auth, patrol):
    for who in ("mgr-ng", "dl2", "insp-dl"):
        for view in ("analysis", "track.geojson", "track.svg"):
            response = client.get(f"/api/v1/shifts/{patrol['id']}/{view}", headers=auth(who))
            assert response.status_code == 403, (who, view)
            assert response.get_json()["error"]["code"] == "FORBIDDEN"


def test_the_geojson_holds_the_grid_the_timed_track_and_the_idle_points(client, auth, patrol):
    start = patrol["start"]
    idle = [(start + i * 10, LAT0, LON0) for i in range(30 * 6)]
    post_file(client, auth("dl1"), gpx(idle + walk_fixes(start + 31 * 60, 20)))
    response = client.get(f"/api/v1/shifts/{patrol['id']}/track.geojson", headers=auth("dl1"))
    assert response.status_code == 200 and response.mimetype == "application/geo+json"
    features = response.get_json()["features"]
    kinds = [f["properties"]["kind"] for f in features]
    assert kinds == ["area", "track", "idle"]
    line = features[1]
    assert len(line["geometry"]["coordinates"]) == len(line["properties"]["times"]) == 180 + 120
    assert features[0]["geometry"]["type"] == "Polygon"


def test_the_svg_picture_of_a_track_is_served_to_its_officer(client, auth, patrol):
    post_file(client, auth("dl1"), gpx(walk_fixes(patrol["start"], 30)))
    response = client.get(f"/api/v1/shifts/{patrol['id']}/track.svg", headers=auth("dl1"))
    assert response.status_code == 200 and response.mimetype == "image/svg+xml"
    assert response.data.startswith(b"<svg") and b"HRB-DL-0001" in response.data


def test_the_analysis_of_an_unknown_shift_is_404(client, auth, world):
    response = client.get("/api/v1/shifts/9999/analysis", headers=auth("admin"))
    assert response.status_code == 404


@pytest.mark.parametrize("view", ["analysis", "track.geojson", "track.svg"])
def test_a_shift_that_has_not_started_has_no_track_yet_and_says_when_it_starts(client, auth, app, world, view):
    from supervise.cli import SYSTEM
    from supervise.services import reference

    start = datetime.now(UTC).replace(microsecond=0) + timedelta(hours=3)
    with app.app_context():
        shift_id = reference.create_shift(SYSTEM, officer="HRB-DL-0001", start=start, end=start + timedelta(hours=8),
                                          kind="patrol", grid="DL-G1").id
    response = client.get(f"/api/v1/shifts/{shift_id}/{view}", headers=auth("mgr-dl"))
    assert response.status_code == 409
    error = response.get_json()["error"]
    assert error["code"] == "SHIFT_NOT_STARTED" and error["details"]["start"] == start.isoformat().replace("+00:00", "Z")


def test_a_shift_asked_about_before_its_start_has_no_track_either(client, auth, patrol):
    before = datetime.fromtimestamp(patrol["start"] - 60, UTC).isoformat()
    response = client.get(f"/api/v1/shifts/{patrol['id']}/analysis", headers=auth("dl1"), query_string={"as_of": before})
    assert response.status_code == 409 and response.get_json()["error"]["code"] == "SHIFT_NOT_STARTED"


def test_a_track_of_one_fix_is_valid_geojson_without_a_line(client, auth, patrol):
    post_file(client, auth("dl1"), gpx([(patrol["start"] + 60, LAT0, LON0)]))
    features = client.get(f"/api/v1/shifts/{patrol['id']}/track.geojson", headers=auth("dl1")).get_json()["features"]
    line = next(f for f in features if f["properties"]["kind"] == "track")
    assert line["geometry"] is None and len(line["properties"]["times"]) == 1


def test_a_gpx_declaring_an_unknown_encoding_is_refused_by_name_and_nothing_is_stored(client, app, auth, world):
    data = b'<?xml version="1.0" encoding="bogus"?>' + gpx(walk_fixes(time.time() - 600, 5)).split(b"?>", 1)[1]
    response = post_file(client, auth("admin"), data, query="?officer=HRB-DL-0001")
    assert response.status_code == 422
    assert response.get_json()["error"]["code"] == "TRACK_UNKNOWN_ENCODING"
    assert response.get_json()["error"]["details"] == {"encoding": "bogus"}
    assert stored_positions(app) == 0 and uploads(app) == 0


def test_a_csv_track_with_a_field_over_the_csv_limit_is_refused_with_its_line(client, app, auth, world):
    data = b"time,lat,lon\n2026-11-26T09:00:00,45.776," + b"1" * 140_000 + b"\n"
    response = post_file(client, auth("admin"), data, name="track.csv", query="?officer=HRB-DL-0001")
    assert response.status_code == 422
    error = response.get_json()["error"]
    assert error["code"] == "TRACK_MALFORMED" and error["details"]["line"] == 2
    assert stored_positions(app) == 0 and uploads(app) == 0

"""Live positions from Traccar Client over the OsmAnd protocol: the device identifier
authenticates, the officer gets the position, and 200 means it is already stored."""
from __future__ import annotations

import json
import time
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from supervise.extensions import db
from supervise.models import Device, Position, User
from tests.conftest import DL_GRID_CENTRE, FIXTURES

LON0, LAT0 = DL_GRID_CENTRE


@pytest.fixture
def phone(app, world):
    """The identifier of a phone registered to HRB-DL-0001."""
    from supervise.cli import SYSTEM
    from supervise.services import reference

    with app.app_context():
        return reference.register_device(SYSTEM, "HRB-DL-0001").identifier


def positions(app) -> list[Position]:
    with app.app_context():
        rows = db.session.scalars(select(Position).order_by(Position.ts)).all()
        db.session.expunge_all()
        return rows


def officer_id(app, badge: str) -> int:
    with app.app_context():
        return db.session.scalar(select(User.id).where(User.badge_no == badge))


def test_a_query_report_is_stored_for_the_device_officer_with_speed_in_metres_per_second(client, app, phone):
    now = int(time.time())
    response = client.get(f"/osmand?id={phone}&lat={LAT0}&lon={LON0}&timestamp={now}&speed=2.0"
                          f"&accuracy=8&batt=77")
    assert response.status_code == 200 and response.get_json() == {"stored": True, "reason": None}
    [stored] = positions(app)
    assert stored.officer_id == officer_id(app, "HRB-DL-0001")
    assert stored.ts == now and stored.lat == LAT0 and stored.accuracy_m == 8
    assert stored.speed_mps == pytest.approx(2.0 * 1852 / 3600)
    assert stored.source == 2


def test_a_form_post_and_a_json_body_both_work(client, app, phone):
    now = time.time()
    form = client.post("/osmand", data={"deviceid": phone, "lat": LAT0, "lon": LON0, "timestamp": int(now) - 20})
    assert form.status_code == 200 and form.get_json()["stored"]
    body = {"device_id": phone, "location": {
        "timestamp": datetime.fromtimestamp(now - 10, UTC).isoformat().replace("+00:00", "Z"),
        "coords": {"latitude": LAT0, "longitude": LON0, "accuracy": 5, "speed": 1.2}, "mock": True}}
    sent = client.post("/osmand", data=json.dumps(body), content_type="application/json")
    assert sent.status_code == 200 and sent.get_json()["stored"]
    stored = positions(app)
    assert len(stored) == 2 and stored[1].mock is True and stored[1].speed_mps == 1.2


def test_the_same_report_resent_by_a_phone_on_a_bad_network_is_stored_once(client, app, phone):
    url = f"/osmand?id={phone}&lat={LAT0}&lon={LON0}&timestamp={int(time.time())}"
    assert client.get(url).get_json()["stored"] is True
    again = client.get(url)
    assert again.status_code == 200 and again.get_json() == {"stored": False, "reason": "duplicate"}
    assert len(positions(app)) == 1


def test_an_unknown_device_gets_404_and_a_missing_id_400_in_the_one_error_shape(client, app, phone):
    unknown = client.get(f"/osmand?id=nobody&lat={LAT0}&lon={LON0}")
    assert unknown.status_code == 404 and unknown.get_json()["error"]["code"] == "DEVICE_UNKNOWN"
    missing = client.get(f"/osmand?lat={LAT0}&lon={LON0}")
    assert missing.status_code == 400 and missing.get_json()["error"]["code"] == "OSMAND_NO_ID"
    assert positions(app) == []


def test_a_revoked_device_is_unknown(client, app, phone):
    from supervise.services.tracks import device_cache

    with app.app_context():
        device = db.session.scalar(select(Device).where(Device.identifier == phone))
        device.revoked_at = datetime.now(UTC)
        db.session.commit()
    device_cache.clear()
    assert client.get(f"/osmand?id={phone}&lat={LAT0}&lon={LON0}").status_code == 404


@pytest.mark.parametrize("query", ["lat=north&lon=126.6", "lat=45.7&lon=126.6&timestamp=yesterday",
                                   "lat=45.7&lon=126.6&speed=fast"])
def test_a_malformed_report_is_400_with_a_code_naming_the_field(client, app, phone, query):
    response = client.get(f"/osmand?id={phone}&{query}")
    assert response.status_code == 400
    assert response.get_json()["error"]["code"].startswith("OSMAND_BAD_")
    assert positions(app) == []


def test_a_malformed_json_body_is_400(client, phone):
    response = client.post("/osmand", data="[1, 2", content_type="application/json")
    assert response.status_code == 400 and response.get_json()["error"]["code"] == "OSMAND_BAD_BODY"


def test_a_report_with_only_cell_towers_and_wifi_is_accepted_and_stores_nothing(client, app, phone):
    line = (FIXTURES / "osmand" / "requests.txt").read_text().splitlines()[4]
    response = client.get("/osmand" + line[1:].replace("id=123456", f"id={phone}"))
    assert response.status_code == 200 and response.get_json() == {"stored": False, "reason": "no_position"}
    assert positions(app) == []


@pytest.mark.parametrize(("query", "reason"), [
    ("lat=0.0&lon=0.0", "null_island"),
    ("lat=95&lon=126.6", "invalid_coordinates"),
    ("lat=45.7&lon=126.6&accuracy=900", "low_accuracy"),
    ("lat=45.7&lon=126.6&timestamp=619315200", "too_old"),
    ("lat=45.7&lon=126.6&timestamp=2100-01-01T00:00:00Z", "future_time"),
])
def test_an_unfit_fix_is_acknowledged_but_not_stored_so_the_phone_stops_resending(client, app, phone, query,
                                                                                 reason):
    response = client.get(f"/osmand?id={phone}&{query}")
    assert response.status_code == 200 and response.get_json() == {"stored": False, "reason": reason}
    assert positions(app) == []


def test_the_traccar_client_request_of_its_own_test_suite_is_understood(client, app, phone):
    lines = [x for x in (FIXTURES / "osmand" / "client_requests.txt").read_text().splitlines() if x.startswith("http")]
    target = lines[0].split("5055", 1)[1].replace("?", "/osmand?", 1).replace("123456789012345", phone)
    now = int(time.time())
    target = target.replace("timestamp=619315200", f"timestamp={now}").replace("lat=0.0&lon=0.0",
                                                                               f"lat={LAT0}&lon={LON0}")
    assert client.get(target).get_json() == {"stored": True, "reason": None}


def test_the_osmand_endpoint_needs_no_bearer_token_and_no_csrf_token(client, app, phone):
    response = client.post(f"/osmand?id={phone}&lat={LAT0}&lon={LON0}&timestamp={int(time.time())}")
    assert response.status_code == 200


@pytest.mark.parametrize("accuracy", ["-5", "-0.5", "-1e9"])
def test_a_negative_accuracy_is_stored_as_unknown_from_the_query_and_the_json_body(client, app, phone, accuracy):
    now = int(time.time())
    query = client.get(f"/osmand?id={phone}&lat={LAT0}&lon={LON0}&timestamp={now - 30}&accuracy={accuracy}")
    body = {"device_id": phone, "location": {"timestamp": now - 20, "coords": {
        "latitude": LAT0, "longitude": LON0, "accuracy": float(accuracy)}}}
    sent = client.post("/osmand", data=json.dumps(body), content_type="application/json")
    assert query.get_json()["stored"] and sent.get_json()["stored"]
    assert [p.accuracy_m for p in positions(app)] == [None, None]


def test_a_negative_accuracy_or_speed_in_a_batch_or_a_file_is_stored_as_unknown(client, app, auth, phone):
    now = int(time.time())
    batch = [{"time": now - 60, "lat": LAT0, "lon": LON0, "accuracy": -9, "speed": -1},
             {"time": now - 50, "lat": LAT0, "lon": LON0, "accuracy": 7, "speed": 1.5}]
    assert client.post("/api/v1/positions?officer=HRB-DL-0001", headers=auth("admin"), json=batch).status_code == 201
    stored = positions(app)
    assert [(p.accuracy_m, p.speed_mps) for p in stored] == [(None, None), (7.0, 1.5)]

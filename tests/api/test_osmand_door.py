"""The OsmAnd door answers an ordinary live report without Flask's request machinery, and answers
it exactly as the Flask view does; everything else still reaches the Flask app."""
from __future__ import annotations

import time

import pytest

from supervise.api.osmand_door import OsmandDoor
from tests.conftest import DL_GRID_CENTRE

LON0, LAT0 = DL_GRID_CENTRE


@pytest.fixture
def phone(app, world):
    from supervise.cli import SYSTEM
    from supervise.services import reference

    with app.app_context():
        return reference.register_device(SYSTEM, "HRB-DL-0001").identifier


@pytest.fixture
def reached_flask(app, monkeypatch):
    """The paths of the requests the door handed to the Flask app."""
    door = app.wsgi_app
    assert isinstance(door, OsmandDoor)
    seen: list[str] = []
    inner = door.inner

    def spy(environ, start_response):
        seen.append(environ["PATH_INFO"] + "?" + environ.get("QUERY_STRING", ""))
        return inner(environ, start_response)

    monkeypatch.setattr(door, "inner", spy)
    return seen


def report(phone: str, seconds_ago: float, **extra) -> str:
    query = f"id={phone}&lat={LAT0}&lon={LON0}&timestamp={time.time() - seconds_ago:.3f}&speed=1.1&accuracy=8&batt=77"
    return "/osmand?" + query + "".join(f"&{k}={v}" for k, v in extra.items())


def comparable(response) -> tuple:
    headers = sorted((name, value) for name, value in response.headers.items()
                     if name not in ("X-Request-ID", "Content-Length"))
    return response.status_code, response.get_json(), headers


def test_an_ordinary_report_is_answered_by_the_door_exactly_as_the_flask_view_answers_it(client, phone, reached_flask):
    by_door = client.get(report(phone, 30))
    assert reached_flask == [], "an ordinary report never builds a Flask request"
    # A request with an Idempotency-Key (or a cookie) goes to the Flask app.
    by_flask = client.get(report(phone, 20), headers={"Idempotency-Key": "k-1"})
    assert len(reached_flask) == 1
    assert comparable(by_door) == comparable(by_flask)
    assert by_door.get_json() == {"stored": True, "reason": None}
    assert len(by_door.headers["X-Request-ID"]) == 16
    assert by_door.headers["X-Content-Type-Options"] == "nosniff"


def test_a_position_sent_again_is_answered_as_a_duplicate_by_the_door(client, phone, reached_flask):
    url = report(phone, 30)
    assert client.get(url).get_json() == {"stored": True, "reason": None}
    assert client.get(url).get_json() == {"stored": False, "reason": "duplicate"}
    assert reached_flask == []


@pytest.mark.parametrize(("make_url", "status", "code"), [
    (lambda phone: f"/osmand?id=nobody&lat={LAT0}&lon={LON0}", 404, "DEVICE_UNKNOWN"),
    (lambda phone: f"/osmand?lat={LAT0}&lon={LON0}", 400, "OSMAND_NO_ID"),
    (lambda phone: f"/osmand?id={phone}&lat=north&lon={LON0}", 400, "OSMAND_BAD_LAT"),
    (lambda phone: f"/osmand?id={phone}&lat={LAT0}&lon={LON0}&note=a%00b", 422, "NUL_CHARACTER"),
])
def test_every_refusal_is_left_to_the_flask_app_and_keeps_the_one_error_shape(client, phone, reached_flask,
                                                                                make_url, status, code):
    response = client.get(make_url(phone), headers={"Accept-Language": "zh-CN"})
    assert response.status_code == status
    assert response.get_json()["error"]["code"].startswith(code)
    assert reached_flask, "the refusal came from the Flask app"


def test_the_door_keeps_a_trusted_proxys_request_id_and_adds_hsts_over_https(client, phone, reached_flask):
    response = client.get(report(phone, 30), base_url="https://localhost",
                          environ_base={"supervise.request_id": "proxy-id-42"})
    assert response.status_code == 200 and reached_flask == []
    assert response.headers["X-Request-ID"] == "proxy-id-42"
    assert "max-age" in response.headers["Strict-Transport-Security"]


def test_positions_stored_through_the_door_are_counted_in_the_metrics(client, phone, reached_flask, app):
    def stored_by_osmand() -> float:
        text = client.get("/metrics").get_data(as_text=True)
        lines = [line for line in text.splitlines()
                 if line.startswith("supervise_positions_stored_total") and 'source="osmand"' in line]
        return float(lines[0].rsplit(" ", 1)[1]) if lines else 0.0

    before = stored_by_osmand()
    for seconds_ago in (50, 40, 30):
        assert client.get(report(phone, seconds_ago)).status_code == 200
    assert stored_by_osmand() == before + 3


def test_the_android_clients_post_with_an_empty_body_is_answered_by_the_door_as_the_view_would(client, phone,
                                                                                               reached_flask):
    by_door = client.post(report(phone, 30))
    assert reached_flask == [], "Traccar Client for Android POSTs its query with no body"
    by_flask = client.post(report(phone, 20), headers={"Idempotency-Key": "k-2"})
    assert len(reached_flask) == 1
    assert comparable(by_door) == comparable(by_flask)
    assert by_door.get_json() == {"stored": True, "reason": None}


def test_a_post_with_a_body_goes_to_the_flask_view(client, phone, reached_flask):
    response = client.post("/osmand", data={"id": phone, "lat": LAT0, "lon": LON0,
                                            "timestamp": int(time.time()) - 20})
    assert response.status_code == 200 and response.get_json()["stored"]
    assert len(reached_flask) == 1


def json_report(phone: str, seconds_ago: float) -> dict:
    from datetime import UTC, datetime

    at = datetime.fromtimestamp(time.time() - seconds_ago, UTC).isoformat().replace("+00:00", "Z")
    return {"device_id": phone, "location": {"timestamp": at, "coords": {
        "latitude": LAT0, "longitude": LON0, "accuracy": 5, "speed": 1.2, "heading": -1, "altitude": 140},
        "battery": {"level": 0.8, "is_charging": False}, "is_moving": True}}


def test_the_newer_clients_json_body_is_answered_by_the_door_as_the_view_would(client, phone, reached_flask):
    import json

    by_door = client.post("/osmand", data=json.dumps(json_report(phone, 30)), content_type="application/json")
    assert reached_flask == []
    by_flask = client.post("/osmand", data=json.dumps(json_report(phone, 20)), content_type="application/json",
                           headers={"Idempotency-Key": "k-3"})
    assert len(reached_flask) == 1
    assert comparable(by_door) == comparable(by_flask)
    assert by_door.get_json() == {"stored": True, "reason": None}


@pytest.mark.parametrize(("body", "status", "code"), [
    ('{"device_id": "nobody", "location": {"coords": {"latitude": 45.7, "longitude": 126.6}}}', 404, "DEVICE_UNKNOWN"),
    ('[1, 2]', 400, "OSMAND_BAD_BODY"),
    ('{"device_id": "a\\u0000b"}', 422, "NUL_CHARACTER"),
    ('[' * 200 + ']' * 200, 400, "JSON_TOO_DEEP"),
    ('', 400, "OSMAND_BAD_BODY"),
])
def test_a_json_report_the_view_refuses_reaches_it_with_its_body_intact(client, phone, reached_flask,
                                                                        body, status, code):
    response = client.post("/osmand?id=" + phone, data=body, content_type="application/json")
    assert response.status_code == status, response.get_json()
    assert response.get_json()["error"]["code"] == code
    assert reached_flask


def test_a_report_the_database_cannot_take_in_time_is_refused_once_after_one_wait(client, phone, reached_flask,
                                                                                  monkeypatch):
    import threading

    from supervise.services import live_positions

    stuck = threading.Event()   # the database never answers while it is clear
    waits: list[float] = []
    insert = live_positions.GroupWriter.insert
    monkeypatch.setattr(live_positions, "ANSWER_TIMEOUT_S", 0.3)
    monkeypatch.setattr(live_positions.GroupWriter, "_write", lambda self, group: stuck.wait(10))

    def counted_insert(self, row):
        waits.append(time.monotonic())
        return insert(self, row)

    monkeypatch.setattr(live_positions.GroupWriter, "insert", counted_insert)
    try:
        started = time.monotonic()
        response = client.get(report(phone, 30))
        elapsed = time.monotonic() - started
    finally:
        stuck.set()
    assert response.status_code == 503
    assert response.get_json()["error"]["code"] == "POSITION_NOT_STORED"
    assert "重新发送" in response.get_json()["error"]["message"]   # send it again
    assert reached_flask, "the refusal came from the Flask app, in the one error shape"
    assert len(waits) == 1 and elapsed < 0.6, "the phone waited for the database once, not twice"

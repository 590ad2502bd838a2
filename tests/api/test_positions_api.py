"""Position batches from the service's own app: same filtering and answer as file uploads."""
from __future__ import annotations

import time
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from supervise.extensions import db
from supervise.models import Position
from tests.conftest import DL_GRID_CENTRE

LON0, LAT0 = DL_GRID_CENTRE


def iso(t: float) -> str:
    return datetime.fromtimestamp(t, UTC).isoformat().replace("+00:00", "Z")


def count(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Position))


def test_a_batch_from_the_app_is_stored_for_the_calling_officer(client, auth, world, app):
    now = time.time()
    batch = [{"time": iso(now - 60 + i * 10), "lat": LAT0, "lon": LON0 + i * 1e-5, "accuracy": 6, "speed": 1.1}
             for i in range(6)]
    response = client.post("/api/v1/positions", headers=auth("dl1"), json=batch)
    assert response.status_code == 201
    body = response.get_json()
    assert body["points"] == {"received": 6, "accepted": 6, "rejected": {}, "stored": 6, "flagged": {}}
    assert body["start"].startswith(iso(now - 60)[:19])
    assert count(app) == 6


def test_naive_times_in_a_batch_are_shanghai_time(client, auth, world, app):
    now = time.time()
    shanghai = datetime.fromtimestamp(now - 30, UTC).astimezone(ZoneInfo("Asia/Shanghai"))
    body = client.post("/api/v1/positions", headers=auth("dl1"),
                       json=[{"time": shanghai.replace(tzinfo=None).isoformat(), "lat": LAT0, "lon": LON0}]).get_json()
    assert body["points"]["accepted"] == 1
    assert abs(datetime.fromisoformat(body["start"]).timestamp() - (now - 30)) < 1


def test_damaged_items_are_counted_mock_ones_flagged_and_the_rest_kept(client, auth, world, app):
    now = time.time()
    batch = [{"time": iso(now - 30), "lat": LAT0, "lon": LON0, "mock": True},
             {"time": iso(now - 20), "lat": "north", "lon": LON0},
             {"time": "soon", "lat": LAT0, "lon": LON0},
             "not an object",
             {"time": iso(now - 10), "lat": LAT0, "lon": LON0, "accuracy": 500}]
    body = client.post("/api/v1/positions", headers=auth("dl1"), json=batch).get_json()
    assert body["points"]["accepted"] == 1 and body["points"]["flagged"] == {"mock": 1}
    assert body["points"]["rejected"] == {"invalid_coordinates": 1, "invalid_time": 1, "invalid_item": 1,
                                          "low_accuracy": 1}
    assert count(app) == 1


def test_a_body_that_is_not_a_list_or_holds_nothing_usable_is_422_and_stores_nothing(client, auth, world, app):
    for body in ({"time": "x"}, [], [{"time": iso(time.time() + 86400), "lat": LAT0, "lon": LON0}]):
        response = client.post("/api/v1/positions", headers=auth("dl1"), json=body)
        assert response.status_code == 422, body
        assert response.get_json()["error"]["code"].startswith(("POSITIONS_", "TRACK_NO_USABLE"))
    assert count(app) == 0


def test_a_batch_needs_a_token_and_a_json_body(client, auth, world):
    assert client.post("/api/v1/positions", json=[]).status_code == 401
    response = client.post("/api/v1/positions", headers=auth("dl1"), data="x", content_type="text/plain")
    assert response.status_code == 422 and response.get_json()["error"]["code"] == "POSITIONS_NOT_JSON"

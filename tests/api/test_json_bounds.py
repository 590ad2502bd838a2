"""Every JSON door reads through one bounded loader: nesting 100,000 deep, a 100,000-digit number,
NaN or 1e999 is a 400 that names the bound, on every endpoint, and nothing is stored."""
from __future__ import annotations

import io

import pytest
from sqlalchemy import func, select

from supervise.extensions import db
from supervise.models import District, Grid, Position, TrackUpload

DEEP = b"[" * 100_000 + b"]" * 100_000
DEEP_OBJECT = b'{"a":' * 50_000 + b"1" + b"}" * 50_000
HUGE_NUMBER = b'{"username": "admin", "password": ' + b"9" * 100_000 + b"}"
JSON_DOORS = ["/api/v1/auth/token", "/api/v1/grids", "/api/v1/positions?officer=HRB-DL-0001", "/osmand",
              "/api/v1/districts", "/api/v1/posts", "/api/v1/officers", "/api/v1/shifts", "/api/v1/checks/run",
              "/api/v1/regulation/replay", "/api/v1/inspection-rounds", "/api/v1/flags/1/decision"]


def counts(app) -> tuple[int, ...]:
    with app.app_context():
        return tuple(db.session.scalar(select(func.count()).select_from(model))
                     for model in (District, Grid, Position, TrackUpload))


@pytest.mark.parametrize("path", JSON_DOORS)
@pytest.mark.parametrize("body, code", [(DEEP, "JSON_TOO_DEEP"), (DEEP_OBJECT, "JSON_TOO_DEEP"),
                                        (HUGE_NUMBER, "JSON_NUMBER_TOO_LONG"),
                                        (b'{"lat": NaN, "lon": 1e999}', "JSON_NOT_A_NUMBER")])
def test_a_json_body_beyond_the_bounds_is_a_400_naming_the_bound(client, app, auth, world, path, body, code):
    before = counts(app)
    response = client.post(path, data=body, headers=auth("admin"), content_type="application/json")
    assert response.status_code == 400, response.get_data(as_text=True)[:300]
    assert response.get_json()["error"]["code"] == code
    assert counts(app) == before


def test_a_geojson_track_nested_too_deep_is_refused_by_name_and_nothing_is_stored(client, app, auth, world):
    before = counts(app)
    response = client.post("/api/v1/tracks?officer=HRB-DL-0001", headers=auth("admin"),
                           content_type="multipart/form-data", data={"file": (io.BytesIO(b'{"type": ' + DEEP + b"}"),
                                                                              "deep.geojson")})
    assert response.status_code == 422
    error = response.get_json()["error"]
    assert error["code"] == "TRACK_MALFORMED" and error["details"]["reason"] == "JSON_TOO_DEEP"
    assert counts(app) == before


def test_a_json_body_that_is_not_json_is_still_the_400_it_always_was(client, auth, world):
    response = client.post("/api/v1/districts", data=b'{"code": ', headers=auth("admin"),
                           content_type="application/json")
    assert response.status_code == 400 and response.get_json()["error"]["code"] == "BAD_REQUEST"


def test_the_grid_import_command_refuses_a_file_nested_too_deep(runner, app, tmp_path):
    path = tmp_path / "deep.geojson"
    path.write_bytes(DEEP)
    result = runner.invoke(args=["import-grids", str(path)])
    assert result.exit_code != 0 and "nested 100000 levels deep" in result.output

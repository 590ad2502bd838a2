"""Text longer than its column is refused alike on SQLite and PostgreSQL (PostgreSQL used to answer
500, SQLite stored it): at the door by field, with the limit read from the model, and before any
flush for whatever reaches the database by another way (an import, a page, a service)."""
from __future__ import annotations

import io

import pytest
from sqlalchemy import func, select

from supervise.extensions import db
from supervise.models import (
    Device,
    District,
    Grid,
    Post,
    RegulationVersion,
    Squad,
    TrackUpload,
    User,
    text_limit,
)
from tests.conftest import DL_GRID_CENTRE, square


def over(attribute) -> str:
    return "长" * (text_limit(attribute) + 1)


def rows(app) -> tuple[int, ...]:
    with app.app_context():
        return tuple(db.session.scalar(select(func.count()).select_from(m))
                     for m in (District, Squad, User, Post, Grid, Device, RegulationVersion, TrackUpload))


FIELD_CASES = {
    "district name": ("/api/v1/districts", lambda: {"code": "HL", "name": over(District.name)}, "name"),
    "district English name": ("/api/v1/districts", lambda: {"code": "HL", "name": "呼兰", "name_en": over(District.name_en)},
                              "name_en"),
    "district code": ("/api/v1/districts", lambda: {"code": "H" * (text_limit(District.code) + 1), "name": "呼兰"}, "code"),
    "squad code": ("/api/v1/officers", lambda: {"badge_no": "HRB-DL-0099", "name": "n", "district": "DL",
                                                "squad": over(Squad.code), "username": "dl99"}, "squad"),
    "officer name": ("/api/v1/officers", lambda: {"badge_no": "HRB-DL-0099", "name": over(User.name), "district": "DL",
                                                  "username": "dl99"}, "name"),
    "badge number": ("/api/v1/officers", lambda: {"badge_no": over(User.badge_no), "name": "n", "district": "DL",
                                                  "username": "dl99"}, "badge_no"),
    "username": ("/api/v1/officers", lambda: {"badge_no": "HRB-DL-0099", "name": "n", "district": "DL",
                                              "username": "u" * (text_limit(User.username) + 1)}, "username"),
    "post code": ("/api/v1/posts", lambda: {"code": over(Post.code), "district": "DL", "lat": 45.77, "lon": 126.62,
                                            "radius_m": 30}, "code"),
    "post name": ("/api/v1/posts", lambda: {"code": "DL-P9", "name": over(Post.name), "district": "DL", "lat": 45.77,
                                            "lon": 126.62, "radius_m": 30}, "name"),
    "device label": ("/api/v1/devices", lambda: {"officer": "HRB-DL-0001", "label": over(Device.label)}, "label"),
}


@pytest.mark.parametrize("case", FIELD_CASES, ids=list(FIELD_CASES))
def test_text_longer_than_its_column_is_a_422_naming_the_field_and_stores_nothing(client, app, auth, world, case):
    path, body, field = FIELD_CASES[case]
    before = rows(app)
    response = client.post(path, json=body(), headers=auth("admin"))
    assert response.status_code == 422, response.get_json()
    assert field in response.get_json()["error"]["details"]["fields"]
    assert rows(app) == before


def test_text_of_exactly_the_column_length_is_stored(client, app, auth, world):
    body = {"code": "DL-P9", "name": "长" * text_limit(Post.name), "district": "DL", "lat": 45.77, "lon": 126.62,
            "radius_m": 30}
    response = client.post("/api/v1/posts", json=body, headers=auth("admin"))
    assert response.status_code == 201 and response.get_json()["name"] == body["name"]


@pytest.mark.parametrize("prop, attribute", [("code", Grid.code), ("name", Grid.name)])
def test_a_grid_whose_code_or_name_is_too_long_is_named_by_feature_and_nothing_is_stored(client, app, auth, world,
                                                                                         prop, attribute):
    feature = {"type": "Feature", "geometry": square(*DL_GRID_CENTRE),
               "properties": {"code": "DL-G9", "district": "DL", prop: over(attribute)}}
    before = rows(app)
    response = client.post("/api/v1/grids", json=feature, headers=auth("admin"))
    assert response.status_code == 422
    [problems] = response.get_json()["error"]["details"]["features"].values()
    assert any(f"properties.{prop}" in p and str(text_limit(attribute)) in p for p in problems)
    assert rows(app) == before


def test_a_username_longer_than_any_account_is_refused_at_login_without_a_trace(client, app, world):
    before = rows(app)
    response = client.post("/api/v1/auth/token", json={"username": over(User.username), "password": "x"})
    assert response.status_code == 422 and rows(app) == before


def test_a_track_file_name_with_a_nul_character_is_refused_at_the_door(client, app, auth, world):
    data = b"time,lat,lon\n2026-11-26T09:00:00,45.776,126.618\n"
    response = client.post("/api/v1/tracks?officer=HRB-DL-0001", headers=auth("admin"),
                           content_type="multipart/form-data", data={"file": (io.BytesIO(data), "track\x00.csv")})
    assert response.status_code == 422 and response.get_json()["error"]["code"] == "NUL_CHARACTER"


def test_a_track_file_name_longer_than_its_column_is_kept_cut_to_it(client, app, auth, world):
    import time

    from tests.api.test_tracks_api import gpx, walk_fixes

    name = "轨" * 400 + ".gpx"
    response = client.post("/api/v1/tracks?officer=HRB-DL-0001", headers=auth("admin"),
                           content_type="multipart/form-data",
                           data={"file": (io.BytesIO(gpx(walk_fixes(time.time() - 900, 10))), name)})
    assert response.status_code == 201, response.get_json()
    with app.app_context():
        stored = db.session.scalar(select(TrackUpload.filename))
    assert stored == name[:text_limit(TrackUpload.filename)]


def test_a_service_call_past_every_door_still_cannot_store_text_longer_than_its_column(app, ctx, world):
    from supervise.cli import SYSTEM
    from supervise.errors import Invalid
    from supervise.services import reference

    with pytest.raises(Invalid) as refused:
        reference.create_squad(SYSTEM, "DL", over(Squad.code), "中队")
    assert refused.value.code == "TEXT_TOO_LONG"
    assert refused.value.details == {"column": "squad.code", "max_length": text_limit(Squad.code),
                                     "length": text_limit(Squad.code) + 1}
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(Squad).where(Squad.name == "中队")) == 0


def test_a_row_written_past_every_door_cannot_hold_a_nul_character_either(app, ctx, world):
    from supervise.errors import Invalid

    district = db.session.scalar(select(District).where(District.code == "DL"))
    db.session.add(Squad(district_id=district.id, code="S\x00", name="中队"))
    with pytest.raises(Invalid) as refused:
        db.session.commit()
    assert refused.value.code == "NUL_CHARACTER" and refused.value.details == {"column": "squad.code"}
    db.session.rollback()


def test_a_roster_row_whose_squad_code_is_too_long_is_named_by_line_and_nothing_is_stored(runner, app, world,
                                                                                          tmp_path):
    path = tmp_path / "roster.csv"
    path.write_text("badge_no,name,district,squad,username,password,role\n"
                    "HRB-DL-0101,甲,DL,DL-S1,dl101,pass-word-1,officer\n"
                    f"HRB-DL-0102,乙,DL,{over(Squad.code)},dl102,pass-word-1,officer\n", encoding="utf-8")
    before = rows(app)
    result = runner.invoke(args=["import-officers", str(path)])
    assert result.exit_code != 0 and "line 3" in result.output and "TEXT_TOO_LONG" in result.output
    assert rows(app) == before

"""The operator's bulk imports through the real `supervise` commands: grids drawn on Chinese maps
land in WGS-84, rosters and rotas are stored whole or not at all, and every refusal names the line."""
from __future__ import annotations

import json
from pathlib import Path

import prcoords
import pytest
from sqlalchemy import func, select

from supervise.extensions import db
from supervise.geo.area import Area
from supervise.geo.distance import haversine_m
from supervise.models import District, Grid, Shift, Squad, User
from tests.conftest import FIXTURES

HARBIN_GCJ02 = FIXTURES / "geo" / "harbin_districts_gcj02.json"
CENTRAL_STREET = (45.7735, 126.6105)  # lat, lon in WGS-84

# A small quadrilateral of WGS-84 vertices (lon, lat) near Harbin's Sophia Cathedral.
WGS84_RING = [(126.6242, 45.7714), (126.6272, 45.7714), (126.6275, 45.7736), (126.6240, 45.7737)]


def count(app, model) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def write_json(tmp_path: Path, name: str, document: dict) -> Path:
    return write(tmp_path, name, json.dumps(document, ensure_ascii=False))


def polygon_feature(code: str, district: str, ring_lonlat: list, **properties) -> dict:
    closed = [list(p) for p in ring_lonlat] + [list(ring_lonlat[0])]
    return {"type": "Feature", "properties": {"code": code, "district": district, **properties},
            "geometry": {"type": "Polygon", "coordinates": [closed]}}


def converted(ring_lonlat: list, forward) -> list[tuple[float, float]]:
    """The WGS-84 ring as a map in another datum would draw it (prcoords works in lat, lon)."""
    return [tuple(reversed(forward((lat, lon)))) for lon, lat in ring_lonlat]


def stored_grid(app, code: str) -> dict:
    with app.app_context():
        grid = db.session.scalar(select(Grid).where(Grid.code == code))
        return {"geometry": grid.geometry, "level": grid.level, "datum": grid.source_datum,
                "district": grid.district.code}


def largest_vertex_error_m(stored_ring: list, expected_ring: list) -> float:
    assert len(stored_ring) == len(expected_ring)
    return max(haversine_m(lat1, lon1, lat2, lon2)
               for (lon1, lat1), (lon2, lat2) in zip(stored_ring, expected_ring, strict=True))


@pytest.fixture
def dl_district(app):
    from supervise.cli import SYSTEM
    from supervise.services import reference

    with app.app_context():
        reference.create_district(SYSTEM, "DL", "道里区")
        db.session.remove()


# ---------------------------------------------------------------- import-grids


@pytest.mark.parametrize("datum, forward", [("gcj02", prcoords.wgs_gcj), ("bd09", prcoords.wgs_bd)])
def test_a_grid_drawn_on_a_chinese_map_is_stored_within_5_cm_of_its_true_wgs84_corners(
        app, runner, tmp_path, dl_district, datum, forward):
    drawn = converted(WGS84_RING, forward)
    assert largest_vertex_error_m(drawn + [drawn[0]], WGS84_RING + [WGS84_RING[0]]) > 100  # the datum matters
    path = write_json(tmp_path, f"{datum}.geojson", {"type": "FeatureCollection", "features": [
        polygon_feature("DL-SOPHIA", "DL", drawn, name="索菲亚教堂广场")]})

    result = runner.invoke(args=["import-grids", str(path), "--datum", datum])

    assert result.exit_code == 0, result.output
    grid = stored_grid(app, "DL-SOPHIA")
    ring = grid["geometry"]["coordinates"][0]
    assert largest_vertex_error_m(ring, WGS84_RING + [WGS84_RING[0]]) < 0.05
    assert grid["datum"] == datum and grid["district"] == "DL"


def test_import_grids_shows_progress_and_a_summary_of_what_it_created(app, runner, tmp_path, dl_district):
    path = write_json(tmp_path, "grids.geojson", {"type": "FeatureCollection", "features": [
        polygon_feature("DL-A", "DL", converted(WGS84_RING, prcoords.wgs_gcj)),
        polygon_feature("DL-B", "DL", converted([(lon, lat + 0.01) for lon, lat in WGS84_RING], prcoords.wgs_gcj)),
    ]})

    result = runner.invoke(args=["import-grids", str(path), "--datum", "gcj02"])

    assert result.exit_code == 0, result.output
    assert "grids" in result.stdout.splitlines()[0]  # the progress bar's label
    assert "grids: 2 created, 0 updated (from gcj02 to WGS-84)" in result.stdout


def test_importing_the_same_grid_file_again_updates_instead_of_duplicating(app, runner, tmp_path, dl_district):
    path = write_json(tmp_path, "grids.geojson", {"type": "FeatureCollection", "features": [
        polygon_feature("DL-A", "DL", WGS84_RING)]})
    assert runner.invoke(args=["import-grids", str(path)]).exit_code == 0

    again = runner.invoke(args=["import-grids", str(path)])

    assert again.exit_code == 0, again.output
    assert "grids: 0 created, 1 updated" in again.stdout
    assert count(app, Grid) == 1


def harbin_features_as_domains(app) -> list[dict]:
    """The real GCJ-02 boundaries, given the code and district properties an import needs."""
    from supervise.cli import SYSTEM
    from supervise.demo.world import DISTRICTS
    from supervise.services import reference

    if not HARBIN_GCJ02.exists():
        pytest.skip(f"fixture {HARBIN_GCJ02} is missing")
    code_by_name = {name: code for code, name, *_ in DISTRICTS}
    features = json.loads(HARBIN_GCJ02.read_text(encoding="utf-8"))["features"]
    with app.app_context():
        for feature in features:
            props = feature["properties"]
            district = code_by_name.get(props["name"], str(props["adcode"]))
            reference.create_district(SYSTEM, district, props["name"], main_city=props["name"] in code_by_name)
            feature["properties"] = {"code": str(props["adcode"]), "name": props["name"], "district": district,
                                     "level": "domain"}
        db.session.remove()
    return features


def test_harbins_real_gcj02_district_boundaries_land_in_wgs84(app, runner, tmp_path):
    features = harbin_features_as_domains(app)
    path = write_json(tmp_path, "harbin.geojson", {"type": "FeatureCollection", "features": features})

    result = runner.invoke(args=["import-grids", str(path), "--datum", "gcj02"])

    assert result.exit_code == 0, result.output
    assert f"grids: {len(features)} created" in result.stdout
    daoli = stored_grid(app, "230102")
    assert daoli["level"] == "domain" and daoli["district"] == "DL"
    assert Area.from_geojson(daoli["geometry"]).contains(*CENTRAL_STREET)
    drawn = features[0]["geometry"]["coordinates"][0][0]
    stored = daoli["geometry"]["coordinates"][0][0]
    back_to_gcj = converted(stored, prcoords.wgs_gcj)
    assert largest_vertex_error_m(back_to_gcj, drawn) < 0.05
    assert 200 < largest_vertex_error_m(stored, drawn) < 1000  # moved by Harbin's GCJ-02 offset


def test_a_grid_file_with_bad_features_is_refused_whole_naming_each_bad_feature(app, runner, tmp_path, dl_district):
    good = polygon_feature("DL-GOOD", "DL", WGS84_RING)
    unclosed = polygon_feature("DL-OPEN", "DL", WGS84_RING)
    unclosed["geometry"]["coordinates"][0].pop()
    bow_tie = polygon_feature("DL-BOWTIE", "DL", [WGS84_RING[0], WGS84_RING[2], WGS84_RING[1], WGS84_RING[3]])
    elsewhere = polygon_feature("ZZ-1", "ZZ", WGS84_RING)
    path = write_json(tmp_path, "bad.geojson", {"type": "FeatureCollection",
                                                "features": [good, unclosed, bow_tie, elsewhere]})

    result = runner.invoke(args=["import-grids", str(path), "--datum", "gcj02"])

    assert result.exit_code != 0
    assert "nothing was stored" in result.stderr
    assert "feature 2 (DL-OPEN)" in result.stderr and "not closed" in result.stderr
    assert "feature 3 (DL-BOWTIE)" in result.stderr and "not valid" in result.stderr
    assert "feature 4 (ZZ-1)" in result.stderr and "'ZZ' is not a known district" in result.stderr
    assert "feature 1" not in result.stderr
    assert "Traceback" not in result.output
    assert count(app, Grid) == 0


def test_a_file_that_is_not_json_is_refused_with_a_clear_message(app, runner, tmp_path):
    path = write(tmp_path, "broken.geojson", '{"type": "FeatureCollection", ')

    result = runner.invoke(args=["import-grids", str(path)])

    assert result.exit_code != 0
    assert "is not JSON" in result.stderr


# ---------------------------------------------------------------- import-officers

OFFICER_HEADER = "badge_no,name,district,squad,username,password,role\n"


def test_a_good_roster_creates_the_accounts_and_new_squads_and_prints_a_summary(app, runner, tmp_path, world):
    path = write(tmp_path, "roster.csv", OFFICER_HEADER
                 + "HRB-DL-0101,王丽,DL,DL-WOMEN,dl0101,secret-pass-1,officer\n"
                 + "HRB-DL-0102,李静,DL,DL-WOMEN,dl0102,,officer\n"
                 + "HRB-NG-I09,张伟,NG,,insp-ng-9,secret-pass-3,inspector\n")

    result = runner.invoke(args=["import-officers", str(path)])

    assert result.exit_code == 0, result.output
    assert "officers created: 3" in result.stdout
    assert "squads created: DL/DL-WOMEN" in result.stdout
    assert "dl0102=" in result.stdout  # the generated password, shown once
    with app.app_context():
        li = db.session.scalar(select(User).where(User.username == "dl0102"))
        assert (li.name, li.badge_no, li.district.code, li.squad.code, li.role) == (
            "李静", "HRB-DL-0102", "DL", "DL-WOMEN", "officer")
        assert db.session.scalar(select(func.count()).select_from(Squad).where(Squad.code == "DL-WOMEN")) == 1


def test_a_roster_with_bad_rows_stores_nobody_and_names_every_bad_line(app, runner, tmp_path, world):
    users_before = count(app, User)
    path = write(tmp_path, "roster.csv", OFFICER_HEADER
                 + "HRB-DL-0101,王丽,DL,DL-WOMEN,dl0101,secret-pass-1,officer\n"   # line 2: good
                 + "HRB-ZZ-0001,李静,ZZ,,zz0001,secret-pass-2,officer\n"           # line 3: unknown district
                 + "HRB-DL-0103,张敏,DL,,dl0101,secret-pass-3,officer\n"           # line 4: username of line 2
                 + "HRB-DL-0104,,DL,,dl0104,secret-pass-4,officer\n")              # line 5: no name

    result = runner.invoke(args=["import-officers", str(path)])

    assert result.exit_code == 1
    assert "3 of 4 rows are bad; nothing was stored" in result.stderr
    assert "line 3" in result.stderr and "UNKNOWN_DISTRICT" in result.stderr
    assert "line 4" in result.stderr and "USERNAME_TAKEN" in result.stderr
    assert "line 5" in result.stderr and "name" in result.stderr
    assert "line 2" not in result.stderr
    assert count(app, User) == users_before
    assert count(app, Squad) == 2  # world's DL-S1 and NG-S1 only; DL-WOMEN was not kept


def test_a_roster_whose_header_lacks_columns_is_refused_naming_them(app, runner, tmp_path, world):
    path = write(tmp_path, "roster.csv", "badge_no,name,district\nHRB-DL-0101,王丽,DL\n")

    result = runner.invoke(args=["import-officers", str(path)])

    assert result.exit_code == 1
    assert "CSV_COLUMNS_MISSING" in result.stderr and "username, role" in result.stderr


# ---------------------------------------------------------------- import-shifts

SHIFT_HEADER = "officer,start,end,kind,grid,post,breaks\n"


def test_a_good_rota_creates_shifts_including_one_across_midnight_with_a_break(app, runner, tmp_path, world):
    path = write(tmp_path, "rota.csv", SHIFT_HEADER
                 + "HRB-DL-0001,2026-03-10T08:00:00+08:00,2026-03-10T16:00:00+08:00,patrol,DL-G1,,\n"
                 + "HRB-DL-0002,2026-03-10T20:00,2026-03-11T04:00,patrol,DL-G1,,"
                 + "2026-03-11T00:00/2026-03-11T00:30\n"
                 + "HRB-NG-0001,2026-03-10T07:30:00+08:00,2026-03-10T11:30:00+08:00,fixed_post,,NG-P1,\n")

    result = runner.invoke(args=["import-shifts", str(path)])

    assert result.exit_code == 0, result.output
    assert "shifts created: 3" in result.stdout
    with app.app_context():
        night = db.session.scalar(select(Shift).join(Shift.officer).where(User.badge_no == "HRB-DL-0002"))
        assert night.start.isoformat().startswith("2026-03-10T12:00:00")  # 20:00 Shanghai is 12:00 UTC
        assert night.end.isoformat().startswith("2026-03-10T20:00:00")
        assert [(b.start.hour, b.start.minute, b.end.hour, b.end.minute) for b in night.breaks] == [
            (16, 0, 16, 30)]
        post = db.session.scalar(select(Shift).where(Shift.kind == "fixed_post"))
        assert post.post.code == "NG-P1" and post.grid is None


def test_a_rota_with_bad_rows_stores_no_shift_and_names_every_bad_line(app, runner, tmp_path, world):
    path = write(tmp_path, "rota.csv", SHIFT_HEADER
                 + "HRB-DL-0001,2026-03-10T08:00,2026-03-10T16:00,patrol,DL-G1,,\n"   # line 2: good
                 + "HRB-DL-0001,2026-03-10T15:00,2026-03-10T20:00,patrol,DL-G1,,\n"   # line 3: overlaps line 2
                 + "HRB-DL-0002,2026-03-10T08:00,2026-03-10T16:00,patrol,DL-G9,,\n"   # line 4: unknown grid
                 + "HRB-NG-0001,2026-03-10T16:00,2026-03-10T08:00,patrol,NG-G1,,\n"   # line 5: ends before start
                 + "HRB-NG-0002,2026-03-10 8 o'clock,2026-03-10T16:00,patrol,NG-G1,,\n")  # line 6: bad time

    result = runner.invoke(args=["import-shifts", str(path)])

    assert result.exit_code == 1
    assert "4 of 5 rows are bad; nothing was stored" in result.stderr
    for line, code in ((3, "SHIFT_OVERLAP"), (4, "UNKNOWN_GRID"), (5, "SHIFT_TIMES_INVALID"), (6, "TIME_INVALID")):
        assert f'"line {line}": "{code}' in result.stderr, result.stderr
    assert "line 2" not in result.stderr
    assert count(app, Shift) == 0


# ---------------------------------------------------------------- create-user


def test_create_user_makes_a_city_wide_manager_and_a_district_manager(app, runner, dl_district):
    city = runner.invoke(args=["create-user", "--username", "city", "--password", "city-pass-1", "--role", "manager"])
    daoli = runner.invoke(args=["create-user", "--username", "mgr-dl", "--password", "mgr-pass-1", "--role",
                                "manager", "--district", "DL", "--name", "道里督察组长"])

    assert city.exit_code == 0 and daoli.exit_code == 0, city.output + daoli.output
    assert city.stdout.startswith("created manager city (id ")
    with app.app_context():
        people = {u.username: (u.name, u.district.code if u.district else None)
                  for u in db.session.scalars(select(User))}
    assert people == {"city": ("city", None), "mgr-dl": ("道里督察组长", "DL")}


def test_create_user_with_a_taken_username_exits_1_with_one_clear_line_and_no_traceback(app, runner, dl_district):
    args = ["create-user", "--username", "mgr-dl", "--password", "mgr-pass-1", "--role", "manager"]
    assert runner.invoke(args=args).exit_code == 0

    again = runner.invoke(args=args)

    assert again.exit_code == 1
    assert isinstance(again.exception, SystemExit)  # a clean exit, not an escaped exception
    assert again.stderr.splitlines()[0] == "error: USERNAME_TAKEN: Username 'mgr-dl' is taken."
    assert "Traceback" not in again.output
    assert count(app, User) == 1


def test_create_user_with_an_unknown_district_is_refused(app, runner):
    result = runner.invoke(args=["create-user", "--username", "x", "--password", "x-pass-123", "--role", "manager",
                                 "--district", "ZZ"])

    assert result.exit_code == 1
    assert "UNKNOWN_DISTRICT" in result.stderr
    assert count(app, District) == 0 and count(app, User) == 0


def test_a_roster_row_with_a_nul_character_is_named_and_nothing_is_stored(app, runner, tmp_path, world):
    users_before = count(app, User)
    path = write(tmp_path, "roster.csv", OFFICER_HEADER
                 + "HRB-DL-0101,王丽,DL,,dl0101,secret-pass-1,officer\n"
                 + "HRB-DL-0102,李\x00静,DL,,dl0102,secret-pass-2,officer\n")

    result = runner.invoke(args=["import-officers", str(path)])

    assert result.exit_code == 1
    assert "line 3" in result.stderr and "NUL_CHARACTER" in result.stderr and "line 2" not in result.stderr
    assert count(app, User) == users_before


def test_a_grid_whose_code_or_name_holds_a_nul_character_is_named_and_nothing_is_stored(
        app, runner, tmp_path, dl_district):
    good = polygon_feature("DL-GOOD", "DL", WGS84_RING)
    odd = polygon_feature("DL-ODD", "DL", WGS84_RING, name="中央\x00大街")
    path = write_json(tmp_path, "nul.geojson", {"type": "FeatureCollection", "features": [good, odd]})

    result = runner.invoke(args=["import-grids", str(path), "--datum", "gcj02"])

    assert result.exit_code != 0
    assert "feature 2 (DL-ODD)" in result.stderr and "NUL character" in result.stderr
    assert count(app, Grid) == 0

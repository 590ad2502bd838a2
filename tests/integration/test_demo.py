"""The demo world: Harbin's nine districts, the Daoli women's squad on Central Street, a grid
hierarchy, fixed posts and today's staggered shifts — built idempotently and usable through the API.

Later parts add sign-ins, tracks and flags to the demo; these tests only count what the
foundation builds, so that evidence is tolerated.
"""
from __future__ import annotations

from collections import Counter
from datetime import datetime, time, timedelta

import pytest
from sqlalchemy import func, select

from supervise.extensions import db
from supervise.geo.area import validate_polygon_geojson
from supervise.models import (
    District,
    Grid,
    InspectionAssignment,
    InspectionFinding,
    InspectionRound,
    Post,
    Shift,
    Squad,
    User,
)
from supervise.timeutil import SHANGHAI, as_utc_stored, local_today

HARBIN_LAT = (45.3, 46.0)
HARBIN_LON = (126.2, 127.1)


@pytest.fixture
def today():
    return local_today()


@pytest.fixture
def demo(app, today):
    """The demo world built once into the test database; returns the lines it printed."""
    from supervise.demo import build_demo_world

    with app.app_context():
        lines = list(build_demo_world(today))
        db.session.remove()
    return lines


def counts(app) -> dict[str, int]:
    with app.app_context():
        return {model.__name__: db.session.scalar(select(func.count()).select_from(model))
                for model in (District, Squad, Grid, Post, User, Shift, InspectionRound, InspectionAssignment,
                              InspectionFinding)}


def test_the_demo_has_nine_districts_and_the_twelve_women_of_daoli_patrol_central_street(app, demo, today):
    with app.app_context():
        districts = db.session.scalars(select(District.code)).all()
        women = db.session.scalars(select(User).join(User.squad).where(Squad.code == "DL-WOMEN")).all()
        central = db.session.scalar(select(Grid).where(Grid.code == "DL-G001"))
        women_shifts = {s.officer.username: s.grid.code
                        for s in db.session.scalars(select(Shift).where(Shift.officer_id.in_([w.id for w in women])))}

        assert sorted(districts) == sorted(["NG", "DL", "DW", "XF", "SB", "PF", "HL", "AC", "SC"])
        assert len(women) == 12
        assert {w.role for w in women} == {"officer"} and {w.district.code for w in women} == {"DL"}
        assert central.name == "中央大街"
        assert len(women_shifts) == 12 and set(women_shifts.values()) == {"DL-G001"}


def test_demo_grids_form_a_domain_net_grid_hierarchy_of_valid_polygons_around_harbin(app, demo):
    with app.app_context():
        grids = db.session.scalars(select(Grid)).all()
        levels = Counter(g.level for g in grids)
        assert levels["domain"] == 9 and levels["net"] >= 9 and levels["grid"] >= 9
        for grid in grids:
            expected_parent = {"domain": None, "net": "domain", "grid": "net"}[grid.level]
            assert (grid.parent.level if grid.parent else None) == expected_parent, grid.code
            assert grid.parent is None or grid.parent.district_id == grid.district_id, grid.code
            assert validate_polygon_geojson(grid.geometry) == [], grid.code
            vertices = [p for polygon in _polygons(grid.geometry) for ring in polygon for p in ring]
            assert all(HARBIN_LON[0] < lon < HARBIN_LON[1] and HARBIN_LAT[0] < lat < HARBIN_LAT[1]
                       for lon, lat in vertices), grid.code


def _polygons(geometry: dict) -> list:
    return [geometry["coordinates"]] if geometry["type"] == "Polygon" else geometry["coordinates"]


def test_todays_demo_shifts_include_fixed_posts_and_one_that_ends_after_midnight_in_shanghai(app, demo, today):
    with app.app_context():
        every = db.session.scalars(select(Shift)).all()
        officers = db.session.scalar(select(func.count()).select_from(User).where(User.role == "officer"))
        local = [(as_utc_stored(s.start).astimezone(SHANGHAI), as_utc_stored(s.end).astimezone(SHANGHAI), s)
                 for s in every if as_utc_stored(s.start).astimezone(SHANGHAI).date() == today]
        shifts = [s for _start, _end, s in local]

        assert len(shifts) == officers
        assert len(every) == 2 * officers   # yesterday's whole day too, so there is always work to review
        assert any(end.date() == today + timedelta(days=1) for _start, end, _s in local)
        fixed = [s for s in shifts if s.kind == "fixed_post"]
        assert sorted(s.post.code for s in fixed) == ["DL-P001", "NG-P001"]
        assert all(s.grid is None for s in fixed)
        assert db.session.scalar(select(func.count()).select_from(Post)) == 2


def test_building_the_demo_twice_adds_nothing(app, demo, today):
    from supervise.demo import build_demo_world

    before = counts(app)
    with app.app_context():
        lines = list(build_demo_world(today))
        db.session.remove()

    after = counts(app)
    if any(line.startswith(f"inspection findings for {today.isoformat()}: 1 compliant") for line in lines):
        # Only possible when a checked shift started between the two builds: today's first finding.
        after["InspectionFinding"] -= 1
    assert after == before
    assert "districts: 0 added, 9 in the demo world" in lines
    assert any(line.startswith("people: 0 added") for line in lines)
    assert any(line.startswith(f"shifts for {today.isoformat()}: 0 added") for line in lines)



def test_the_demo_has_yesterdays_cross_district_round_where_no_inspector_checks_their_own_district(app, demo, today):
    with app.app_context():
        round_ = db.session.scalar(select(InspectionRound).where(InspectionRound.day == today - timedelta(days=1)))
        checks = round_.assignments
        per_inspector = Counter(a.inspector.username for a in checks)
        per_home = Counter(a.inspector.district.code for a in checks)
        findings = [f for a in checks for f in a.findings]

        assert round_.kind == "cross_district" and round_.created_by.username == "city"
        assert all(a.inspector.district_id != a.district_id for a in checks)
        assert set(per_inspector.values()) == {2}
        assert all(per_home[d] == 2 * min(2, n) for d, n in Counter(
            u.district.code for u in db.session.scalars(select(User).where(User.role == "inspector"))).items())
        assert len(findings) == len(checks)  # every check was done
        assert all(f.shift.start <= f.recorded_at < f.shift.end for f in findings)  # during the checked shift
        assert Counter(f.result for f in findings) == {"compliant": len(checks) - 3, "absent": 1, "violation": 2}


def test_the_demos_inspection_findings_raise_open_flags_whose_photos_ng_and_dl_managers_see(client, demo):
    from supervise.demo.world import DEMO_PASSWORD

    def login(username):
        token = client.post("/api/v1/auth/token", json={"username": username, "password": DEMO_PASSWORD})
        return {"Authorization": f"Bearer {token.get_json()['token']}"}

    listed = client.get("/api/v1/flags?code=INSPECTION", headers=login("city")).get_json()["items"]
    managers = {"NG": login("mgr-ng"), "DL": login("mgr-dl")}
    flags = [client.get(f"/api/v1/flags/{f['id']}", headers=managers[f["district"]]).get_json() for f in listed]
    found = {f["evidence"]["finding"]["result"] + "".join(f["evidence"]["finding"]["items"]): f for f in flags}

    assert set(found) == {"absent", "violationD06", "violationD01"}
    assert {f["district"] for f in flags} == {"NG", "DL"} and {f["status"] for f in flags} == {"open"}
    assert "玩手机" in found["violationD06"]["evidence"]["finding"]["note"]
    for flag in flags:
        finding = flag["evidence"]["finding"]
        photo = client.get(finding["photo_url"], headers=managers[flag["district"]])
        assert photo.status_code == 200 and photo.headers["Content-Type"] == "image/jpeg"
        assert finding["distance_to_grid_m"] == 0.0  # the inspector stood in the officer's grid
        assert finding["captured_at_local"].endswith("+08:00")
    assert len({f["evidence"]["finding"]["photo_sha256"] for f in flags}) == 3


def test_an_inspector_who_logs_in_sees_todays_spot_checks_in_other_districts_only_from_the_release(app, demo, today):
    from supervise.services.auth import actor_for
    from supervise.services.inspections import assignments_query

    with app.app_context():
        inspector = db.session.scalar(select(User).where(User.username == "insp-ng-1"))
        round_ = db.session.scalar(select(InspectionRound).where(InspectionRound.day == today))
        actor = actor_for(inspector)

        before = db.session.scalars(assignments_query(actor, day=today, now=round_.release_at - timedelta(seconds=1)))
        checks = db.session.scalars(assignments_query(actor, day=today, now=round_.release_at)).all()

        assert list(before) == []
        assert len(checks) == 2 and {a.inspector_id for a in checks} == {inspector.id}
        assert all(a.district.code != "NG" for a in checks)
        assert round_.release_at >= datetime.combine(today, time(7), tzinfo=SHANGHAI)


def test_a_demo_manager_logs_in_and_lists_the_districts_through_the_api(client, demo):
    from supervise.demo.world import DEMO_PASSWORD

    login = client.post("/api/v1/auth/token", json={"username": "city", "password": DEMO_PASSWORD})
    assert login.status_code == 200, login.get_json()
    headers = {"Authorization": f"Bearer {login.get_json()['token']}"}

    response = client.get("/api/v1/districts", headers=headers)

    assert response.status_code == 200
    body = response.get_json()
    assert body["total"] == 9
    assert {d["code"]: d["name"] for d in body["items"]}["DL"] == "道里区"


def test_supervise_demo_builds_the_world_and_serves_it(tmp_path):
    """The README's demo command, through the real console script: it must answer HTTP."""
    import os
    import socket
    import subprocess
    import sys
    import time
    import urllib.request
    from pathlib import Path

    if os.environ.get("SUPERVISE_TEST_DATABASE_URL"):
        pytest.skip("the demo runs on SQLite; covered by the SQLite pass")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    exe = Path(sys.executable).with_name("supervise")
    env = dict(os.environ, SUPERVISE_DATABASE_URL=f"sqlite:///{tmp_path / 'demo.db'}",
               SUPERVISE_STORAGE_DIR=str(tmp_path / "storage"), SUPERVISE_SECRET_KEY="demo-test")
    server = subprocess.Popen([str(exe), "demo", "--port", str(port)], env=env, stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, text=True)
    try:
        status = None
        for _ in range(240):
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/login", timeout=2) as response:
                    status = response.status
                    break
            except OSError:
                if server.poll() is not None:
                    break
                time.sleep(0.5)
        assert status == 200, server.stdout.read() if server.poll() is not None else "no answer"
    finally:
        server.terminate()
        server.wait(timeout=10)
    said = [line for line in server.stdout.read().splitlines() if "supervise.access" in line and "/login" in line]
    assert len(said) == 1, "each request is logged once, in one format:\n" + "\n".join(said)


def test_every_flag_page_and_officers_day_of_the_demo_speaks_chinese_to_a_chinese_reader(app, demo):
    """Every kind of evidence the demo's day raised (sign-ins, tracks, a reused photo, a photo
    without GPS, inspection findings), as a manager and as the officer read it: no English left."""
    from supervise.demo.world import DEMO_PASSWORD
    from supervise.models import Flag
    from tests.web.test_language import choose
    from tests.web.test_login_page import log_in
    from tests.web.test_no_english_left import english_words, visible_text

    def read(username: str, paths: list[str]) -> dict[str, set[str]]:
        client = app.test_client()
        choose(client, "zh_Hans")
        assert log_in(client, username, DEMO_PASSWORD).status_code == 302
        left = {}
        for path in paths:
            page = client.get(path)
            assert page.status_code == 200, path
            words = english_words(visible_text(page.data.decode("utf-8"))) - {"Asia", "Shanghai", "WGS", "Amap"}
            if words:
                left[path] = words
        return left

    with app.app_context():
        flags = db.session.execute(select(Flag.id, Flag.code, User.username).join(User, Flag.officer_id == User.id)).all()
        db.session.remove()
    assert len({code for _, code, _ in flags}) >= 5, "the demo raises several kinds of flags"
    assert read("city", [f"/flags/{flag_id}" for flag_id, _, _ in flags]) == {}
    for officer in sorted({username for _, _, username in flags}):
        assert read(officer, ["/me"]) == {}, officer


def test_the_demos_inspection_pages_speak_english_to_an_english_reader_but_for_names_and_notes(app, demo):
    """Rounds, spot checks and their findings in English: the 十不准 items by their English names,
    round and flag numbers in words of the page; only what people typed or named stays Chinese."""
    from supervise.demo.world import DEMO_PASSWORD
    from tests.web.test_language import choose
    from tests.web.test_login_page import log_in
    from tests.web.test_no_english_left import chinese_words, visible_text

    with app.app_context():
        data = [*db.session.scalars(select(User.name)), *db.session.scalars(select(District.name)),
                *db.session.scalars(select(Squad.name)), *db.session.scalars(select(Grid.name)),
                *db.session.scalars(select(Post.name)), *db.session.scalars(select(InspectionFinding.note))]
        checks = db.session.scalars(select(InspectionAssignment.id).join(User, InspectionAssignment.inspector_id == User.id)
                                    .where(User.username == "insp-ng-1")).all()
        rounds = db.session.scalars(select(InspectionRound.id)).all()
        db.session.remove()
    names = set().union(*(chinese_words(text) for text in data if text))

    def chinese_left(username: str, paths: list[str]) -> dict[str, set[str]]:
        client = app.test_client()
        choose(client, "en")
        assert log_in(client, username, DEMO_PASSWORD).status_code == 302
        choose(client, "en")
        left = {}
        for path in paths:
            page = client.get(path)
            assert page.status_code == 200, path
            words = chinese_words(visible_text(page.data.decode("utf-8"))) - names
            if words:
                left[path] = words
        return left

    assert checks and rounds
    assert chinese_left("insp-ng-1", ["/inspections", *(f"/inspections/checks/{c}" for c in checks)]) == {}
    assert chinese_left("city", ["/inspections/rounds", *(f"/inspections/rounds/{r}" for r in rounds)]) == {}

"""Cross-district inspections through HTTP: a city-wide manager draws a round, inspectors see their
spot checks from the release, record findings with photos, and findings raise INSPECTION flags.

The world has two districts (DL, NG), one inspector each (insp-dl, insp-ng) and two officers each
on grids DL-G1 and NG-G1. Each test that needs shifts gives all four officers one today.
"""
from __future__ import annotations

import io
from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from supervise.extensions import db
from supervise.models import Flag, InspectionAssignment, InspectionFinding, InspectionRound, Photo
from supervise.timeutil import SHANGHAI, local_day_bounds, local_today, utcnow
from tests.conftest import NG_GRID_CENTRE
from tests.photos import make_jpeg, make_png

OFFICERS = {"DL": ("HRB-DL-0001", "HRB-DL-0002"), "NG": ("HRB-NG-0001", "HRB-NG-0002")}


def give_shifts(app, day: date | None = None) -> dict[str, int]:
    """An 8-hour patrol for each officer: today from an hour ago (never before the day starts),
    or on another day from 09:00 Shanghai time."""
    from supervise.cli import SYSTEM
    from supervise.services import reference

    day = day or local_today()
    day_start, _ = local_day_bounds(day)
    if day == local_today():
        start = max(day_start, utcnow().replace(microsecond=0) - timedelta(hours=1))
    else:
        start = day_start + timedelta(hours=9)
    ids = {}
    with app.app_context():
        for district, badges in OFFICERS.items():
            for badge in badges:
                ids[badge] = reference.create_shift(SYSTEM, officer=badge, start=start, end=start + timedelta(hours=8),
                                                    kind="patrol", grid=f"{district}-G1").id
        db.session.remove()
    return ids


def draw(client, auth, user="city", **body):
    body.setdefault("date", local_today().isoformat())
    return client.post("/api/v1/inspection-rounds", headers=auth(user), json=body)


def evidence_photo(seed: int = 3, *, taken=None, centre=NG_GRID_CENTRE) -> bytes:
    taken = taken or utcnow() - timedelta(seconds=30)
    lon, lat = centre
    return make_jpeg(lat=lat, lon=lon, accuracy_m=6.0, gps_utc=taken, seed=seed,
                     taken_local=taken.astimezone(SHANGHAI).replace(tzinfo=None), offset="+08:00")


def record(client, auth, assignment_id: int, user="insp-dl", photo: bytes | None = None, key: str | None = None,
           name="finding.jpg", **form):
    headers = auth(user) | ({"Idempotency-Key": key} if key else {})
    data = {k: v for k, v in form.items()}
    if photo is not None:
        data["photo"] = (io.BytesIO(photo), name)
    return client.post(f"/api/v1/assignments/{assignment_id}/findings", headers=headers, data=data,
                       content_type="multipart/form-data")


def count(app, model) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


def stored_files(app) -> set[Path]:
    return {p for p in Path(app.config["STORAGE_DIR"]).rglob("*") if p.is_file()}


@pytest.fixture
def drawn(client, auth, app, world):
    """Today's round, released now: insp-dl checks both NG officers, insp-ng both DL officers."""
    give_shifts(app)
    response = draw(client, auth, checks_per_inspector=2, seed=7)
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def own_check(client, auth, user="insp-dl", officer="HRB-NG-0001") -> dict:
    items = client.get("/api/v1/assignments", headers=auth(user)).get_json()["items"]
    return next(a for a in items if a["officer"] == officer)


# ---------------------------------------------------------------- drawing


def test_a_round_sends_each_inspector_to_the_other_district_only(drawn):
    sent = {(a["inspector"], a["district"], a["officer"]) for a in drawn["assignments"]}
    assert sent == {("HRB-DL-I01", "NG", "HRB-NG-0001"), ("HRB-DL-I01", "NG", "HRB-NG-0002"),
                    ("HRB-NG-I01", "DL", "HRB-DL-0001"), ("HRB-NG-I01", "DL", "HRB-DL-0002")}
    assert drawn["seed"] == 7 and drawn["kind"] == "cross_district" and drawn["unplaced"] == []


def test_the_same_seed_over_the_same_shifts_draws_the_same_round(client, auth, app, world):
    give_shifts(app)
    first = draw(client, auth, checks_per_inspector=1, seed=42).get_json()
    second = draw(client, auth, checks_per_inspector=1, seed=42).get_json()
    pairs = [{(a["inspector"], a["shift"]["id"]) for a in r["assignments"]} for r in (first, second)]
    assert pairs[0] == pairs[1] and len(pairs[0]) == 2


def test_without_a_seed_the_round_picks_one_and_shows_it(client, auth, app, world):
    give_shifts(app)
    body = draw(client, auth).get_json()
    assert isinstance(body["seed"], int)
    again = client.get(f"/api/v1/inspection-rounds/{body['id']}", headers=auth("city")).get_json()
    assert again["seed"] == body["seed"] and len(again["assignments"]) == len(body["assignments"])


@pytest.mark.parametrize("user", ["mgr-dl", "insp-dl", "dl1"])
def test_only_city_wide_managers_and_admins_draw_rounds(client, auth, app, world, user):
    give_shifts(app)
    response = draw(client, auth, user=user)
    assert response.status_code == 403
    assert count(app, InspectionRound) == 0


def test_an_admin_may_draw_a_round(client, auth, app, world):
    give_shifts(app)
    assert draw(client, auth, user="admin").status_code == 201


def test_a_round_for_a_day_that_has_ended_is_refused(client, auth, app, world):
    response = draw(client, auth, date=(local_today() - timedelta(days=1)).isoformat())
    assert response.status_code == 422 and response.get_json()["error"]["code"] == "ROUND_DAY_PASSED"


def test_a_day_without_shifts_draws_nothing_and_says_why(client, auth, app, world):
    response = draw(client, auth, date=(local_today() + timedelta(days=3)).isoformat())
    assert response.status_code == 422
    assert response.get_json()["error"]["code"] == "NOTHING_TO_DRAW"
    assert count(app, InspectionRound) == 0


def test_bad_round_fields_are_refused_by_name(client, auth, app, world):
    response = draw(client, auth, checks_per_inspector=0, kind="picnic")
    assert response.status_code == 422
    assert set(response.get_json()["error"]["details"]["fields"]) == {"checks_per_inspector", "kind"}


def test_a_later_round_avoids_sending_an_inspector_back_where_they_just_went(client, auth, app, world):
    """With three districts and an inspector in each, every inspector has two possible destinations:
    the next day's round takes the one not visited, and stays balanced."""
    from supervise.cli import SYSTEM
    from supervise.services import reference

    with app.app_context():
        reference.create_district(SYSTEM, "XF", "香坊区")
        reference.import_grids(SYSTEM, {"type": "Feature", "geometry": _square(126.68, 45.71),
                                        "properties": {"code": "XF-G1", "district": "XF"}})
        reference.create_officer(SYSTEM, badge_no="HRB-XF-0001", name="officer XF1", district="XF", squad=None,
                                 username="xf1", password="test-pass-123", role="officer")
        reference.create_officer(SYSTEM, badge_no="HRB-XF-I01", name="insp XF", district="XF", squad=None,
                                 username="insp-xf", password="test-pass-123", role="inspector")
        db.session.remove()
    OFFICERS["XF"] = ("HRB-XF-0001",)
    try:
        tomorrow, after = local_today() + timedelta(days=1), local_today() + timedelta(days=2)
        give_shifts(app, tomorrow)
        give_shifts(app, after)
        first = draw(client, auth, date=tomorrow.isoformat(), checks_per_inspector=1, seed=1).get_json()
        second = draw(client, auth, date=after.isoformat(), checks_per_inspector=1, seed=1).get_json()
    finally:
        del OFFICERS["XF"]
    went = {a["inspector"]: a["district"] for a in first["assignments"]}
    goes = {a["inspector"]: a["district"] for a in second["assignments"]}
    assert went.keys() == goes.keys() == {"HRB-DL-I01", "HRB-NG-I01", "HRB-XF-I01"}
    assert sorted(went.values()) == sorted(goes.values()) == ["DL", "NG", "XF"]
    assert all(went[i] != goes[i] for i in went)
    assert second["repeated_pairings"] == []


def _square(lon, lat):
    from tests.conftest import square

    return square(lon, lat)


# ---------------------------------------------------------------- who sees the checks


def test_an_inspector_sees_their_checks_only_from_the_release(client, auth, app, world):
    tomorrow = local_today() + timedelta(days=1)
    give_shifts(app, tomorrow)
    assert draw(client, auth, date=tomorrow.isoformat()).status_code == 201
    listed = client.get("/api/v1/assignments", headers=auth("insp-dl")).get_json()
    assert listed["total"] == 0
    assert client.get("/api/v1/assignments", headers=auth("city")).get_json()["total"] == 4


def test_an_inspector_sees_only_their_own_checks(client, auth, drawn):
    listed = client.get("/api/v1/assignments", headers=auth("insp-dl")).get_json()["items"]
    assert {a["inspector"] for a in listed} == {"HRB-DL-I01"} and len(listed) == 2
    other = next(a["id"] for a in drawn["assignments"] if a["inspector"] == "HRB-NG-I01")
    assert client.get(f"/api/v1/assignments/{other}", headers=auth("insp-dl")).status_code == 404


def test_the_inspected_side_never_sees_the_checks_coming_to_it(client, auth, drawn):
    ng_manager = client.get("/api/v1/assignments", headers=auth("mgr-ng")).get_json()["items"]
    assert ng_manager and {a["district"] for a in ng_manager} == {"DL"}  # only where NG's inspector goes
    assert client.get("/api/v1/assignments", headers=auth("ng1")).status_code == 403
    assert client.get(f"/api/v1/inspection-rounds/{drawn['id']}", headers=auth("mgr-ng")).status_code == 403
    assert client.get("/api/v1/inspection-rounds", headers=auth("mgr-ng")).status_code == 403


def test_rounds_are_listed_newest_first_for_the_city(client, auth, drawn):
    body = client.get("/api/v1/inspection-rounds", headers=auth("city")).get_json()
    assert body["total"] == 1 and body["items"][0]["checks"] == 4 and "assignments" not in body["items"][0]


# ---------------------------------------------------------------- findings


def test_a_violation_with_a_photo_raises_an_inspection_flag_with_its_evidence(client, auth, app, drawn):
    check = own_check(client, auth)
    response = record(client, auth, check["id"], photo=evidence_photo(), officer="HRB-NG-0001",
                      result="violation", items="D06", note="在岗玩手机")
    assert response.status_code == 201, response.get_json()
    finding = response.get_json()
    assert finding["items"][0]["code"] == "D06" and finding["items"][0]["zh"].startswith("不准在岗期间玩手机")
    assert finding["distance_to_grid_m"] == 0.0 and finding["shift_id"] == check["shift"]["id"]
    flag_id = finding["flag"]["id"]
    assert client.get(f"/api/v1/flags/{flag_id}", headers=auth("mgr-ng")).get_json()["needs_review"] is False

    flag = client.get(f"/api/v1/flags/{flag_id}", headers=auth("mgr-ng")).get_json()
    assert (flag["code"], flag["status"], flag["officer"], flag["finding_id"]) == (
        "INSPECTION", "open", "HRB-NG-0001", finding["id"])
    assert "D06" in flag["summary_zh"] and "insp DL" in flag["summary_zh"]
    shown = flag["evidence"]["finding"]
    assert shown["note"] == "在岗玩手机" and shown["inspector_district"] == "DL"
    assert shown["photo_url"] == f"/api/v1/findings/{finding['id']}/photo"
    assert flag["evidence"]["regulation"]["clause"] == "5.1"


def test_a_violation_photographed_far_from_the_officer_s_grid_is_raised_for_review_only(client, auth, app, drawn):
    check = own_check(client, auth)
    far = (NG_GRID_CENTRE[0] + 0.035, NG_GRID_CENTRE[1])   # about 2.7 km east
    response = record(client, auth, check["id"], photo=evidence_photo(centre=far), officer="HRB-NG-0001",
                      result="violation", items="D06")
    assert response.status_code == 201, response.get_json()
    flag = client.get(f"/api/v1/flags/{response.get_json()['flag']['id']}", headers=auth("mgr-ng")).get_json()
    assert flag["needs_review"] is True
    assert "m from the officer's grid" in flag["evidence"]["review"][0]["en"]
    queue = client.get("/api/v1/flags?needs_review=true", headers=auth("mgr-ng")).get_json()
    assert [f["id"] for f in queue["items"]] == [flag["id"]]


def test_the_officer_and_their_managers_see_the_finding_photo_but_other_districts_do_not(client, auth, drawn):
    check = own_check(client, auth)
    finding = record(client, auth, check["id"], photo=evidence_photo(), officer="HRB-NG-0001",
                     result="absent").get_json()
    url = f"/api/v1/findings/{finding['id']}/photo"
    for user in ("ng1", "mgr-ng", "insp-dl", "city"):
        response = client.get(url, headers=auth(user))
        assert response.status_code == 200 and response.headers["Content-Type"] == "image/jpeg", user
    display = client.get(url + "?variant=display", headers=auth("ng1"))
    assert display.status_code == 200 and b"Exif" not in display.data[:200]
    for user in ("mgr-dl", "ng2", "insp-ng"):
        assert client.get(url, headers=auth(user)).status_code == 403, user


def test_a_compliant_officer_is_recorded_without_a_flag_or_a_photo(client, auth, app, drawn):
    check = own_check(client, auth)
    response = record(client, auth, check["id"], officer="HRB-NG-0001", result="compliant")
    assert response.status_code == 201 and response.get_json()["flag"] is None
    assert count(app, Flag) == 0
    assignment = client.get(f"/api/v1/assignments/{check['id']}", headers=auth("insp-dl")).get_json()
    assert [f["result"] for f in assignment["findings"]] == ["compliant"]


def test_the_flagged_officer_appeals_and_their_manager_decides_but_the_inspector_cannot(client, auth, drawn):
    check = own_check(client, auth)
    flag_id = record(client, auth, check["id"], photo=evidence_photo(), officer="HRB-NG-0001",
                     result="violation", items="D01,D04").get_json()["flag"]["id"]
    assert client.post(f"/api/v1/flags/{flag_id}/decision", headers=auth("insp-dl"),
                       json={"decision": "confirm", "reason": "I saw it"}).status_code == 403
    assert client.post(f"/api/v1/flags/{flag_id}/appeal", headers=auth("ng1"),
                       json={"reason": "我当时在亮证执法"}).status_code == 200
    decided = client.post(f"/api/v1/flags/{flag_id}/decision", headers=auth("mgr-ng"),
                          json={"decision": "dismiss", "reason": "视频显示已亮证"}).get_json()
    assert decided["status"] == "dismissed"


@pytest.mark.parametrize(("form", "code"), [
    ({"result": "violation"}, "ITEMS_REQUIRED"),
    ({"result": "violation", "items": "D99"}, "UNKNOWN_ITEM"),
    ({"result": "compliant", "items": "D01"}, "ITEMS_ON_COMPLIANT"),
    ({"result": "asleep"}, "VALIDATION_ERROR"),
    ({"result": "violation", "items": "D01", "officer": "HRB-DL-0001"}, "OFFICER_NOT_IN_DISTRICT"),
    ({"result": "violation", "items": "D01", "officer": "HRB-NG-I01"}, "NOT_AN_OFFICER"),
    ({"result": "violation", "items": "D01", "officer": "HRB-XX-9999"}, "UNKNOWN_OFFICER"),
])
def test_a_malformed_finding_is_refused_and_changes_nothing(client, auth, app, drawn, form, code):
    check = own_check(client, auth)
    before = stored_files(app)
    response = record(client, auth, check["id"], photo=evidence_photo(), **({"officer": "HRB-NG-0001"} | form))
    assert response.status_code == 422, response.get_json()
    assert response.get_json()["error"]["code"] == code
    assert (count(app, InspectionFinding), count(app, Flag), count(app, Photo)) == (0, 0, 0)
    assert stored_files(app) == before


def test_a_finding_against_an_officer_needs_a_photo(client, auth, app, drawn):
    response = record(client, auth, own_check(client, auth)["id"], officer="HRB-NG-0001", result="absent")
    assert response.status_code == 422 and response.get_json()["error"]["code"] == "PHOTO_MISSING"


def test_a_png_photo_is_refused_by_its_content(client, auth, app, drawn):
    before = stored_files(app)
    response = record(client, auth, own_check(client, auth)["id"], photo=make_png(), name="looks.jpg",
                      officer="HRB-NG-0001", result="absent")
    assert response.status_code == 415
    assert count(app, InspectionFinding) == 0 and stored_files(app) == before


def test_a_photo_taken_on_another_day_is_not_evidence_of_this_check(client, auth, app, drawn):
    old = evidence_photo(taken=utcnow() - timedelta(days=3))
    before = stored_files(app)
    response = record(client, auth, own_check(client, auth)["id"], photo=old, officer="HRB-NG-0001",
                      result="violation", items="D06")
    assert response.status_code == 422
    assert response.get_json()["error"]["code"] == "PHOTO_NOT_FROM_THE_CHECK"
    assert count(app, Flag) == 0 and stored_files(app) == before


def test_one_photo_may_show_two_officers_of_one_check_but_not_serve_another_check(client, auth, app, drawn):
    photo = evidence_photo(seed=11)
    first, second = (own_check(client, auth, officer=b) for b in OFFICERS["NG"])
    assert record(client, auth, first["id"], photo=photo, officer="HRB-NG-0001", result="absent").status_code == 201
    assert record(client, auth, first["id"], photo=photo, officer="HRB-NG-0002", result="absent").status_code == 201
    again = record(client, auth, second["id"], photo=photo, officer="HRB-NG-0002", result="absent")
    assert again.status_code == 409 and again.get_json()["error"]["code"] == "PHOTO_ALREADY_EVIDENCE"


def test_only_the_checks_inspector_records_findings(client, auth, app, drawn):
    check = own_check(client, auth)
    for user in ("insp-ng", "mgr-ng", "ng1"):
        response = record(client, auth, check["id"], user=user, photo=evidence_photo(), officer="HRB-NG-0001",
                          result="absent")
        assert response.status_code in (403, 404), user
    assert record(client, auth, check["id"], user="city", photo=evidence_photo(), officer="HRB-NG-0001",
                  result="absent").status_code == 403
    assert count(app, InspectionFinding) == 0


def test_a_retry_with_the_same_idempotency_key_records_one_finding(client, auth, app, drawn):
    check = own_check(client, auth)
    photo = evidence_photo()
    first = record(client, auth, check["id"], photo=photo, key="f-1", officer="HRB-NG-0001", result="absent")
    again = record(client, auth, check["id"], photo=photo, key="f-1", officer="HRB-NG-0001", result="absent")
    assert (first.status_code, again.status_code) == (201, 201)
    assert again.headers["Idempotent-Replayed"] == "true" and again.get_json()["id"] == first.get_json()["id"]
    assert count(app, InspectionFinding) == 1 and count(app, Flag) == 1


def test_a_check_closes_a_day_after_its_day(app, drawn):
    from supervise.errors import Conflict
    from supervise.services import inspections
    from supervise.services.access import Actor

    with app.app_context():
        assignment = db.session.scalar(select(InspectionAssignment).where(
            InspectionAssignment.inspector.has(username="insp-dl")))
        actor = Actor(assignment.inspector_id, "insp-dl", "inspector", assignment.inspector.district_id)
        _, day_end = local_day_bounds(assignment.round.day)
        with pytest.raises(Conflict) as refused:
            inspections.record_finding(actor, assignment.id, inspections.FindingRequest(
                officer="HRB-NG-0001", result="compliant"), received_at=day_end + timedelta(hours=25))
        assert refused.value.code == "CHECK_CLOSED"
        db.session.remove()


def test_the_openapi_document_names_the_inspection_paths(client):
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    assert {"/api/v1/inspection-rounds", "/api/v1/assignments", "/api/v1/assignments/{assignment_id}/findings",
            "/api/v1/findings/{finding_id}/photo"} <= set(paths)


# ---------------------------------------------------------------- the operator's command


def test_the_operator_draws_a_round_from_the_command_line(app, runner, world):
    give_shifts(app)
    result = runner.invoke(args=["draw-round", "--checks", "1", "--seed", "5"])
    assert result.exit_code == 0, result.output
    assert "seed 5" in result.output and "HRB-DL-I01   -> NG" in result.output
    assert count(app, InspectionAssignment) == 2


def test_the_command_says_why_when_nothing_can_be_drawn(app, runner, world):
    result = runner.invoke(args=["draw-round"])
    assert result.exit_code == 1
    assert "NOTHING_TO_DRAW" in result.output and count(app, InspectionRound) == 0


# ---------------------------------------------------------------- statistics


def test_inspection_statistics_show_what_each_district_sent_did_and_received(client, auth, app, drawn):
    check = own_check(client, auth)
    record(client, auth, check["id"], photo=evidence_photo(), officer="HRB-NG-0001", result="violation",
           items="D06")
    day_start, day_end = local_day_bounds(local_today())
    query = {"from": day_start.isoformat(), "to": day_end.isoformat()}
    body = client.get("/api/v1/stats/inspections", headers=auth("city"), query_string=query).get_json()
    rows = {row["key"]: row for row in body["items"]}
    assert (rows["DL"]["sent"], rows["DL"]["sent_done"], rows["DL"]["received"]) == (2, 1, 2)
    assert rows["NG"]["findings"] == {"compliant": 0, "absent": 0, "violation": 1}
    assert rows["NG"]["sent_done"] == 0 and rows["NG"]["sent_missed"] == 0  # the day is not over yet


def test_a_district_manager_gets_no_inspection_statistics(client, auth, drawn):
    day_start, day_end = local_day_bounds(local_today())
    response = client.get("/api/v1/stats/inspections", headers=auth("mgr-ng"),
                          query_string={"from": day_start.isoformat(), "to": day_end.isoformat()})
    assert response.status_code == 403


def test_a_check_without_a_finding_counts_as_missed_once_its_day_is_over(app, drawn):
    from supervise.services.access import Actor
    from supervise.services.stats import inspection_activity

    day_start, day_end = local_day_bounds(local_today())
    with app.app_context():
        city = Actor(2, "city", "manager", None)
        rows = {r["key"]: r for r in inspection_activity(city, day_start, day_end, now=day_end + timedelta(hours=1))}
        db.session.remove()
    assert rows["DL"]["sent_missed"] == 2 and rows["NG"]["sent_missed"] == 2


def test_a_photo_lost_from_storage_is_a_clear_404_not_a_crash(client, auth, app, drawn):
    finding = record(client, auth, own_check(client, auth)["id"], photo=evidence_photo(seed=21),
                     officer="HRB-NG-0001", result="absent").get_json()
    with app.app_context():
        sha = db.session.get(InspectionFinding, finding["id"]).photo_sha256
        db.session.remove()
    for path in Path(app.config["STORAGE_DIR"]).rglob(f"{sha}*"):
        path.unlink()
    response = client.get(f"/api/v1/findings/{finding['id']}/photo", headers=auth("mgr-ng"))
    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == "PHOTO_MISSING_FROM_STORAGE"


def test_a_finding_about_an_officer_off_the_roster_counts_in_the_district_s_compliance_statistics(
        client, auth, app, drawn):
    from supervise.cli import SYSTEM
    from supervise.services import reference

    with app.app_context():
        reference.create_officer(SYSTEM, badge_no="HRB-NG-0003", name="officer NG3", district="NG", squad=None,
                                 username="ng3", password="test-pass-123", role="officer")
        db.session.remove()
    finding = record(client, auth, own_check(client, auth)["id"], photo=evidence_photo(), officer="HRB-NG-0003",
                     result="violation", items="D06").get_json()
    assert finding["shift_id"] is None and finding["flag"]["status"] == "open"  # no shift of theirs near it
    day_start, day_end = local_day_bounds(local_today())
    body = client.get("/api/v1/stats/compliance", headers=auth("city"), query_string={
        "group_by": "district", "from": day_start.isoformat(), "to": day_end.isoformat()}).get_json()
    ng = next(row for row in body["items"] if row["key"] == "NG")
    assert ng["flags"]["open"] == 1 and ng["by_code"] == {"INSPECTION": 1} and ng["pending"] == 1
    assert ng["shifts"] == 2 and ng["compliance_rate"] == 1.0  # a pending flag is no verdict


def test_listing_checks_costs_the_same_queries_with_one_finding_or_eight(client, auth, app, drawn):
    from sqlalchemy import event

    def statements_to_list() -> int:
        seen = []
        with app.app_context():
            engine = db.engine
        def listener(conn, cursor, statement, *rest):
            seen.append(statement)

        event.listen(engine, "before_cursor_execute", listener)
        try:
            assert client.get("/api/v1/assignments", headers=auth("insp-dl")).status_code == 200
        finally:
            event.remove(engine, "before_cursor_execute", listener)
        return len(seen)

    check = own_check(client, auth)
    record(client, auth, check["id"], photo=evidence_photo(seed=40), officer="HRB-NG-0001", result="violation",
           items="D06")
    with_one = statements_to_list()
    for seed in range(41, 48):
        assert record(client, auth, check["id"], photo=evidence_photo(seed=seed), officer="HRB-NG-0001",
                      result="violation", items="D06").status_code == 201
    listed = client.get("/api/v1/assignments", headers=auth("insp-dl")).get_json()["items"]
    assert sum(len(a["findings"]) for a in listed) == 8 and all(f["flag"] for a in listed for f in a["findings"])
    assert statements_to_list() == with_one


def test_the_command_refuses_a_day_at_the_end_of_the_calendar_by_name(app, runner, world):
    result = runner.invoke(args=["draw-round", "--date", "9999-12-31"])
    assert result.exit_code == 1 and "DAY_OUT_OF_RANGE" in result.output
    assert count(app, InspectionRound) == 0

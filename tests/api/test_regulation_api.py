"""The regulation document through the API: the default in force, validated publishing, versions, replay."""
from supervise.regulation import default_regulation_text
from tests.integration.evidence_factories import make_shift, sign_in

YAML = {"Content-Type": "application/yaml"}


def test_before_anything_is_published_the_shipped_default_is_in_force(client, auth, world):
    body = client.get("/api/v1/regulation", headers=auth("dl1")).get_json()
    assert body["number"] == 0
    assert body["rules"]["LATE"]["params"]["grace_min"] == 5
    assert body["rules"]["IDLE"]["params"]["min_duration_min"] == 20
    assert len(body["catalog"]) == 10


def test_an_invalid_document_names_the_line_and_stores_nothing(client, auth, world):
    bad = default_regulation_text().replace("radius_m: 30", "radius_m: -30")
    response = client.put("/api/v1/regulation", headers={**auth("admin"), **YAML}, data=bad.encode())
    assert response.status_code == 422
    errors = response.get_json()["error"]["details"]["errors"]
    assert any("IDLE" in e["path"] and e["line"] for e in errors)
    assert client.get("/api/v1/regulation/versions", headers=auth("admin")).get_json()["total"] == 0


def test_a_published_version_is_in_force_and_kept_with_who_and_when(client, auth, world):
    stricter = default_regulation_text().replace("grace_min: 5", "grace_min: 2")
    response = client.put("/api/v1/regulation", headers={**auth("admin"), **YAML}, data=stricter.encode())
    assert response.status_code == 201 and response.get_json()["number"] == 1
    assert response.get_json()["created_by"] == "admin"
    assert client.get("/api/v1/regulation", headers=auth("mgr-dl")).get_json()["rules"]["LATE"]["params"][
        "grace_min"] == 2
    text = client.get("/api/v1/regulation/versions/1", headers=auth("mgr-dl")).get_data(as_text=True)
    assert text == stricter


def test_only_admins_publish(client, auth, world):
    response = client.put("/api/v1/regulation", headers={**auth("mgr-dl"), **YAML},
                          data=default_regulation_text().encode())
    assert response.status_code == 403


def test_a_document_sent_as_an_image_is_415(client, auth, world):
    response = client.put("/api/v1/regulation", headers={**auth("admin"), "Content-Type": "image/png"},
                          data=b"\x89PNG")
    assert response.status_code == 415


def test_replay_shows_what_a_stricter_grace_would_flag_without_writing_anything(app, client, auth, world):
    from supervise.timeutil import parse_instant

    with app.app_context():
        shift = make_shift("HRB-DL-0001", "2026-11-26T08:00:00+08:00")
        sign_in(shift, parse_instant("2026-11-26T08:03:00+08:00"))
    draft = default_regulation_text().replace("grace_min: 5", "grace_min: 2")
    response = client.post("/api/v1/regulation/replay", headers=auth("mgr-dl"),
                           json={"document": draft, "from": "2026-11-26T00:00:00+08:00",
                                 "to": "2026-11-27T00:00:00+08:00"})
    assert response.status_code == 200, response.get_json()
    rows = {r["rule"]: r for r in response.get_json()["rows"]}
    assert rows["LATE"]["appear"] == 1
    assert client.get("/api/v1/flags", headers=auth("city")).get_json()["total"] == 0


def test_replay_against_the_flags_on_record_lists_what_the_present_rules_would_not_raise_again(
        app, client, auth, world):
    """An old judgement on record: a spoofing flag from one multipath fix, and one idle stop split in
    two flags. Replayed with the regulation in force, the spoofing disappears and the stop is one."""
    from datetime import timedelta

    from sqlalchemy import select

    from supervise.extensions import db
    from supervise.models import Flag, FlagEvent, Shift
    from supervise.services.checks import check_shift
    from supervise.timeutil import parse_instant
    from tests.integration.evidence_factories import PACE_MIN, walk

    start = parse_instant("2026-11-26T08:00:00+08:00")
    with app.app_context():
        shift = make_shift("HRB-DL-0001", "2026-11-26T08:00:00+08:00", hours=3)
        sign_in(shift, start - timedelta(minutes=5))
        walk("HRB-DL-0001", start, 3 * PACE_MIN)
        walk("HRB-DL-0001", start + timedelta(minutes=3 * PACE_MIN), 40, still=True, seed=5)
        walk("HRB-DL-0001", start + timedelta(minutes=3 * PACE_MIN + 40), 80, seed=6)
        [idle] = [f for f in check_shift(shift, start + timedelta(hours=3)) if f.code == "IDLE"]
        half = idle.start + (idle.end - idle.start) / 2
        officer, district = idle.officer_id, idle.district_id
        second = Flag(fact_key=f"shift:{shift}:IDLE@{half:%Y-%m-%dT%H:%MZ}", officer_id=officer,
                      district_id=district, shift_id=shift, code="IDLE", severity="medium", start=half, end=idle.end,
                      summary_zh="停留", summary_en="Stayed (second half, as the old rules split it)", evidence={},
                      status="open")
        idle.end = half
        spoof = Flag(fact_key=f"shift:{shift}:LOCATION_SPOOF@2026-11-26T01:30Z", officer_id=officer,
                     district_id=district, shift_id=shift, code="LOCATION_SPOOF", severity="high",
                     start=start + timedelta(minutes=90), end=start + timedelta(minutes=90, seconds=10),
                     summary_zh="速度", summary_en="Consecutive fixes imply 180 km/h", evidence={}, status="open")
        for flag in (second, spoof):
            flag.events.append(FlagEvent(action="raised", to_status="open"))
            db.session.add(flag)
        db.session.commit()
    response = client.post("/api/v1/regulation/replay", headers=auth("mgr-dl"),
                           json={"document": default_regulation_text(), "from": "2026-11-26T00:00:00+08:00",
                                 "to": "2026-11-27T00:00:00+08:00"})
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    rows = {r["rule"]: r for r in body["rows"]}
    assert rows["LOCATION_SPOOF"]["record"]["disappear"] == 1
    assert rows["IDLE"]["record"] == {"appear": 0, "disappear": 1, "change": 1, "unchanged": 0}
    assert rows["IDLE"]["appear"] == rows["IDLE"]["disappear"] == 0   # the same rules on both sides
    assert {e["rule"] for e in body["record_examples"]} == {"IDLE", "LOCATION_SPOOF"}
    with app.app_context():
        assert db.session.scalar(select(Flag).where(Flag.code == "LOCATION_SPOOF")).status == "open"
        assert db.session.get(Shift, shift) is not None

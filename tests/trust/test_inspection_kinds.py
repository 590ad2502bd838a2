"""Each kind of inspection round means something (README "Inspection kinds"): who goes where, and
what a finding may say."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from supervise.extensions import db
from supervise.inspections.draw import Inspector, Target, draw_round
from supervise.inspections.kinds import focus_windows, form_teams, parse_scope, team_as_inspector
from supervise.models import AuditRecord
from supervise.timeutil import SHANGHAI, local_today, utcnow
from tests.api.test_inspections_api import draw, evidence_photo, give_shifts, record
from tests.conftest import PASSWORD, square


def sent(round_json) -> set[tuple[str, str]]:
    return {(a["inspector"], a["district"]) for a in round_json["assignments"]}


# ---------------------------------------------------------------- 常规 routine


def test_a_routine_round_sends_each_district_s_inspectors_to_their_own_district(app, client, auth, world):
    give_shifts(app)
    response = draw(client, auth, kind="routine", checks_per_inspector=2, seed=3)
    assert response.status_code == 201, response.get_json()
    assert sent(response.get_json()) == {("HRB-DL-I01", "DL"), ("HRB-NG-I01", "NG")}


def test_the_pure_draw_never_sends_a_routine_inspector_elsewhere():
    inspectors = [Inspector(i, d) for i, d in ((1, "A"), (2, "A"), (3, "B"))]
    targets = [Target(10 + i, "A" if i < 4 else "C", 100 + i) for i in range(8)]
    result = draw_round(inspectors, targets, seed=1, checks_per_inspector=2, own_district=True)
    assert {c.district for c in result.checks} == {"A"}
    assert [i for i, _ in result.unplaced] == [3]


# ---------------------------------------------------------------- 专项 special


def test_a_special_round_names_its_items_and_its_findings_cite_only_them(app, client, auth, world):
    give_shifts(app)
    response = draw(client, auth, kind="special", scope={"items": ["D01"]}, checks_per_inspector=2, seed=5)
    assert response.status_code == 201, response.get_json()
    check = next(a for a in client.get("/api/v1/assignments", headers=auth("insp-dl")).get_json()["items"])
    assert check["scope"] == {"items": ["D01"]}
    outside = record(client, auth, check["id"], photo=evidence_photo(), officer=check["officer"],
                     result="violation", items="D02")
    assert outside.status_code == 422 and outside.get_json()["error"]["code"] == "ITEM_OUTSIDE_ROUND"
    inside = record(client, auth, check["id"], photo=evidence_photo(seed=4), officer=check["officer"],
                    result="violation", items="D01")
    assert inside.status_code == 201, inside.get_json()


def test_a_special_round_without_items_is_refused(app, client, auth, world):
    give_shifts(app)
    response = draw(client, auth, kind="special", seed=5)
    assert response.status_code == 422 and response.get_json()["error"]["code"] == "SCOPE_INVALID"


def test_the_finding_form_of_a_special_round_offers_only_its_items(app, client, auth, world):
    from tests.web.test_pages_flags import log_in, text

    give_shifts(app)
    draw(client, auth, kind="special", scope={"items": ["D04"]}, checks_per_inspector=2, seed=5)
    check = client.get("/api/v1/assignments", headers=auth("insp-dl")).get_json()["items"][0]
    log_in(client, "insp-dl")
    page = text(client.get(f"/inspections/checks/{check['id']}"))
    assert 'name="items" value="D04"' in page and 'name="items" value="D01"' not in page


# ---------------------------------------------------------------- 重点 key point


def test_a_key_point_round_draws_only_shifts_on_focus_grids_during_focus_times(app, client, auth, world):
    give_shifts(app)
    now = utcnow().astimezone(SHANGHAI)
    during = [[(now - timedelta(minutes=30)).strftime("%H:%M"), (now + timedelta(minutes=30)).strftime("%H:%M")]]
    response = draw(client, auth, kind="key_point", scope={"grids": ["NG-G1"], "times": during},
                    checks_per_inspector=2, seed=9)
    assert response.status_code == 201, response.get_json()
    assert {a["district"] for a in response.get_json()["assignments"]} == {"NG"}


def test_a_key_point_time_no_shift_meets_draws_nothing(app, client, auth, world):
    give_shifts(app)
    start = utcnow().astimezone(SHANGHAI) + timedelta(hours=9)
    later = [[start.strftime("%H:%M"), (start + timedelta(minutes=30)).strftime("%H:%M")]]
    if start.date() != local_today():
        pytest.skip("the focus time would fall on tomorrow")
    response = draw(client, auth, kind="key_point", scope={"grids": ["NG-G1", "DL-G1"], "times": later}, seed=9)
    assert response.status_code == 422 and response.get_json()["error"]["code"] == "NOTHING_TO_DRAW"


def test_a_focus_time_across_midnight_ends_the_next_day():
    from datetime import date

    [(start, end)] = focus_windows(date(2026, 12, 1), [["22:00", "02:00"]])
    assert (end - start) == timedelta(hours=4)


def test_scopes_are_checked_for_their_kind():
    known = {"catalog": {"D01"}, "grids": {"G1"}, "districts": {"DL", "NG"}}
    with pytest.raises(ValueError, match="takes no items"):
        parse_scope("routine", {"items": ["D01"]}, **known)
    with pytest.raises(ValueError, match="unknown grid"):
        parse_scope("key_point", {"grids": ["G9"], "times": [["07:00", "09:00"]]}, **known)
    assert parse_scope("joint", {"districts": ["NG", "DL"]}, **known) == {"districts": ["DL", "NG"], "team_size": 2}


# ---------------------------------------------------------------- 联检 joint


@pytest.fixture
def third_district(app, world):
    """香坊 XF with a grid, an officer on shift today, and no inspector of its own."""
    from supervise.cli import SYSTEM
    from supervise.services import reference

    with app.app_context():
        reference.create_district(SYSTEM, "XF", "香坊区")
        reference.import_grids(SYSTEM, {"type": "Feature", "geometry": square(126.68, 45.71),
                                        "properties": {"code": "XF-G1", "district": "XF"}})
        reference.create_officer(SYSTEM, badge_no="HRB-XF-0001", name="officer XF1", district="XF", squad=None,
                                 username="xf1", password=PASSWORD, role="officer")
        start = utcnow().replace(microsecond=0) - timedelta(hours=1)
        reference.create_shift(SYSTEM, officer="HRB-XF-0001", start=start, end=start + timedelta(hours=8),
                               kind="patrol", grid="XF-G1")
        db.session.remove()


def test_teams_take_one_inspector_from_each_of_several_districts():
    inspectors = [Inspector(i, d) for i, d in ((1, "A"), (2, "A"), (3, "B"), (4, "C"), (5, "B"))]
    teams = form_teams(inspectors, 2, seed=1)
    assert len(teams) == 2 and all(len({m.district for m in t}) == 2 for t in teams)
    stand_in = team_as_inspector(teams[0])
    assert stand_in.barred == {teams[0][1].district}


def test_a_joint_team_goes_where_none_of_them_comes_from_and_a_finding_needs_every_signature(
        app, client, auth, third_district):
    response = draw(client, auth, kind="joint", seed=2, checks_per_inspector=1)
    assert response.status_code == 201, response.get_json()
    [check] = response.get_json()["assignments"]
    assert check["district"] == "XF" and len(check["team"]) == 2
    seen_by = [client.get("/api/v1/assignments", headers=auth(u)).get_json()["items"] for u in ("insp-dl", "insp-ng")]
    assert all(len(items) == 1 for items in seen_by)
    centre = (126.68, 45.71)
    first = record(client, auth, check["id"], user="insp-ng", photo=evidence_photo(centre=centre),
                   officer="HRB-XF-0001", result="absent")
    assert first.status_code == 201 and first.get_json()["flag"] is None
    assert len(first.get_json()["signatures"]) == 1
    again = client.post(f"/api/v1/findings/{first.get_json()['id']}/sign", headers=auth("insp-ng"))
    assert again.status_code == 409
    signed = client.post(f"/api/v1/findings/{first.get_json()['id']}/sign", headers=auth("insp-dl"))
    assert signed.status_code == 200 and signed.get_json()["flag"] is not None
    flag = client.get(f"/api/v1/flags/{signed.get_json()['flag']['id']}", headers=auth("city")).get_json()
    assert len(flag["evidence"]["signed_by"]) == 2


def test_drawing_a_round_is_an_audit_record(app, client, auth, world):
    give_shifts(app)
    draw(client, auth, kind="routine", seed=3)
    with app.app_context():
        assert db.session.scalar(select(AuditRecord.kind).where(AuditRecord.kind == "round.drawn")) == "round.drawn"

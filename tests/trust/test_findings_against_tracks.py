"""An inspector's finding set against the officer's own track in the same minutes: a contradiction
is pointed out on the finding and its flag with the numbers, and inspector statistics count how
often each inspector's findings were dismissed later."""
from __future__ import annotations

from datetime import timedelta

import numpy as np
import pytest

from supervise.extensions import db
from supervise.inspections.reconcile import check_finding
from supervise.models import Flag
from supervise.timeutil import utcnow
from tests.api.test_flags_api import decide
from tests.api.test_inspections_api import evidence_photo, own_check, record
from tests.conftest import NG_GRID_CENTRE
from tests.integration.evidence_factories import walk

NG_LON, NG_LAT = NG_GRID_CENTRE
KM_EAST = 1 / (111.320 * np.cos(np.radians(NG_LAT)))   # degrees of longitude in a kilometre


def track_around_now(app, badge: str, *, km_east: float = 0.0) -> None:
    """Twenty minutes of live fixes every 20 s up to now, pacing in the grid or `km_east` away."""
    with app.app_context():
        walk(badge, utcnow() - timedelta(minutes=15), 20, every_s=20, lat=NG_LAT, lon=NG_LON + km_east * KM_EAST)


# ---------------------------------------------------------------- the pure judgement


def test_one_fix_inside_the_grid_is_not_enough_to_contradict_an_absent_finding():
    check = check_finding("absent", 1000.0, np.array([990.0]), np.array([0.0]), None)
    assert check.verdict == "insufficient" and check.fixes == 1


def test_fixes_inside_the_grid_contradict_an_absent_finding_with_the_numbers():
    t = np.arange(700.0, 1300.0, 30.0)
    check = check_finding("absent", 1000.0, t, np.zeros(t.size), np.full(t.size, 40.0))
    assert check.verdict == "contradicts" and check.fixes == 20
    assert check.median_to_grid_m == 0.0 and check.inside_share == 1.0 and check.median_to_photo_m == 40.0
    assert "20 fixes" in check.reason_en and "40 m from the inspector's photo" in check.reason_en


def test_fixes_two_km_away_contradict_a_compliant_finding():
    t = np.arange(700.0, 1300.0, 30.0)
    check = check_finding("compliant", 1000.0, t, np.full(t.size, 2000.0), np.full(t.size, 2050.0))
    assert check.verdict == "contradicts" and "far away" in check.reason_en
    assert check_finding("compliant", 1000.0, t, np.zeros(t.size), None).verdict == "agrees"


# ---------------------------------------------------------------- through the service


def test_an_absent_finding_on_an_officer_the_track_puts_in_the_grid_is_pointed_out(app, client, auth, drawn):
    track_around_now(app, "HRB-NG-0001")
    check = own_check(client, auth)
    response = record(client, auth, check["id"], photo=evidence_photo(), officer="HRB-NG-0001", result="absent")
    assert response.status_code == 201, response.get_json()
    finding = response.get_json()
    flag = client.get(f"/api/v1/flags/{finding['flag']['id']}", headers=auth("mgr-ng")).get_json()
    track = flag["evidence"]["track_check"]
    assert track["verdict"] == "contradicts" and track["fixes"] >= 10 and track["inside_share"] == 1.0
    assert flag["needs_review"] is True
    assert any("track puts them on post" in r["en"] for r in flag["evidence"]["review"])
    seen_by_manager = client.get(f"/api/v1/findings/{finding['id']}", headers=auth("mgr-ng")).get_json()
    assert seen_by_manager["track_check"]["verdict"] == "contradicts"
    assert client.get(f"/api/v1/findings/{finding['id']}", headers=auth("insp-dl")).get_json()["track_check"] is None


def test_a_compliant_finding_while_the_track_is_two_km_away_is_pointed_out(app, client, auth, drawn):
    track_around_now(app, "HRB-NG-0001", km_east=2.0)
    check = own_check(client, auth)
    response = record(client, auth, check["id"], photo=evidence_photo(), officer="HRB-NG-0001", result="compliant")
    finding = client.get(f"/api/v1/findings/{response.get_json()['id']}", headers=auth("mgr-ng")).get_json()
    assert finding["track_check"]["verdict"] == "contradicts"
    assert finding["track_check"]["median_to_grid_m"] > 1500


def test_a_finding_the_track_agrees_with_stays_a_plain_flag(app, client, auth, drawn):
    track_around_now(app, "HRB-NG-0001", km_east=2.0)
    check = own_check(client, auth)
    response = record(client, auth, check["id"], photo=evidence_photo(), officer="HRB-NG-0001", result="absent")
    flag = client.get(f"/api/v1/flags/{response.get_json()['flag']['id']}", headers=auth("mgr-ng")).get_json()
    assert flag["evidence"]["track_check"]["verdict"] == "agrees" and flag["needs_review"] is False


def test_a_track_that_arrives_later_is_checked_by_the_scheduler(app, client, auth, drawn):
    from supervise.services.reconcile import recheck_recent

    check = own_check(client, auth)
    response = record(client, auth, check["id"], photo=evidence_photo(), officer="HRB-NG-0001", result="absent")
    flag_id = response.get_json()["flag"]["id"]
    track_around_now(app, "HRB-NG-0001")
    with app.app_context():
        assert recheck_recent() == 1
        flag = db.session.get(Flag, flag_id)
        assert flag.evidence["track_check"]["verdict"] == "contradicts" and flag.needs_review


def test_the_flag_page_shows_the_track_check(app, client, auth, drawn):
    from tests.web.test_pages_flags import log_in, text

    track_around_now(app, "HRB-NG-0001")
    check = own_check(client, auth)
    flag_id = record(client, auth, check["id"], photo=evidence_photo(), officer="HRB-NG-0001",
                     result="absent").get_json()["flag"]["id"]
    log_in(client, "mgr-ng")
    page = text(client.get(f"/flags/{flag_id}"))
    assert 'id="track-check"' in page and "矛盾" in page


@pytest.mark.parametrize("dismiss", [True])
def test_inspector_statistics_show_how_often_findings_were_dismissed(app, client, auth, drawn, dismiss):
    flags = []
    for n, officer in enumerate(("HRB-NG-0001", "HRB-NG-0002")):
        check = own_check(client, auth, officer=officer)
        response = record(client, auth, check["id"], photo=evidence_photo(seed=20 + n), officer=officer,
                          result="absent")
        flags.append(response.get_json()["flag"]["id"])
    decide(client, auth, "mgr-ng", flags[0], "dismiss", "he was at the kiosk on his grid")
    decide(client, auth, "mgr-ng", flags[1], "confirm", "nobody on the grid")
    today = utcnow().date().isoformat()
    tomorrow = (utcnow() + timedelta(days=2)).date().isoformat()
    with app.app_context():
        from supervise.cli import SYSTEM
        from supervise.services.stats import inspector_outcomes
        from supervise.timeutil import parse_instant

        rows = inspector_outcomes(SYSTEM, parse_instant(f"{today}T00:00:00Z") - timedelta(days=1),
                                  parse_instant(f"{tomorrow}T00:00:00Z"))
    [row] = [r for r in rows if r["badge_no"] == "HRB-DL-I01"]
    assert (row["findings"], row["confirmed"], row["dismissed"], row["dismissed_rate"]) == (2, 1, 1, 0.5)

"""Statistics for managers: compliance per district, squad or officer over Shanghai days."""
from __future__ import annotations

from datetime import datetime, time, timedelta

from supervise.extensions import db
from supervise.timeutil import SHANGHAI, local_today
from tests.integration.evidence_factories import make_shift
from tests.web.test_pages_flags import log_in, raise_flags, text, token_from


def days_ago_at_eight(n: int) -> str:
    return datetime.combine(local_today() - timedelta(days=n), time(8, 0), tzinfo=SHANGHAI).isoformat()


def test_the_stats_page_defaults_to_the_last_seven_shanghai_days(client, world):
    log_in(client, "mgr-dl")

    page = text(client.get("/stats"))

    assert f'value="{(local_today() - timedelta(days=6)).isoformat()}"' in page
    assert f'value="{local_today().isoformat()}"' in page


def test_a_confirmed_flag_lowers_compliance_and_an_open_one_only_counts_as_pending(app, client, world):
    confirmed = raise_flags(app, start=days_ago_at_eight(1))["ABSENT"]
    raise_flags(app, start=days_ago_at_eight(2))
    with app.app_context():
        make_shift("HRB-DL-0002", days_ago_at_eight(1))
        make_shift("HRB-DL-0002", days_ago_at_eight(2))
        db.session.remove()
    log_in(client, "mgr-dl")
    client.post(f"/flags/{confirmed}/decision", data={"csrf_token": token_from(client.get("/stats").data),
                                                      "decision": "confirm", "reason": "Absent, confirmed."})

    page = text(client.get("/stats?group_by=officer"))

    assert "officer DL1" in page and "50.0%" in page      # 2 shifts, 1 with a confirmed flag
    assert "officer DL2" in page and "100.0%" in page
    assert "未签到（缺勤）" in page                            # a column per flag code


def test_a_district_manager_sees_only_their_district_in_the_statistics(app, client, world):
    raise_flags(app, start=days_ago_at_eight(1))
    raise_flags(app, "HRB-NG-0001", start=days_ago_at_eight(1))
    log_in(client, "mgr-ng")

    page = text(client.get("/stats?group_by=district"))

    assert "南岗区" in page and "道里区" not in page


def test_a_range_that_ends_before_it_starts_is_explained(client, world):
    log_in(client, "mgr-dl")

    response = client.get("/stats?from=2026-11-20&to=2026-11-10")

    assert response.status_code == 422 and 'class="flash error"' in text(response)


def test_the_city_sees_inspection_activity_and_a_district_manager_does_not(app, client, auth, world):
    from tests.api.test_inspections_api import draw, give_shifts

    give_shifts(app)
    assert draw(client, auth, checks_per_inspector=2, seed=3).status_code == 201

    log_in(client, "city")
    page = text(client.get("/stats"))
    assert "督察执行" in page

    client.get("/logout")
    log_in(client, "mgr-ng")
    assert "督察执行" not in text(client.get("/stats"))


def test_days_at_the_ends_of_the_calendar_are_dropped_not_a_crash(client, world):
    log_in(client, "mgr-dl")
    assert client.get("/stats?from=0001-01-01&to=9999-12-31").status_code == 200
    assert client.get("/flags?from=0001-01-01&to=9999-12-31").status_code == 200

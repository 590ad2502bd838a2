"""Rounds: drawing asks to confirm and warns when the day already has a round; a round can be
withdrawn before its release (page and API), never after; the inspector is told when today's
checks appear and gets a map to the grid."""
from __future__ import annotations

import json
import re
from datetime import timedelta

from sqlalchemy import select

from supervise.extensions import db
from supervise.models import InspectionRound
from supervise.timeutil import local_day_bounds, local_today
from tests.api.test_inspections_api import give_shifts
from tests.web.test_pages_flags import log_in, text, token_from
from tests.web.test_pages_inspections import check_of, draw_today

TOMORROW = local_today() + timedelta(days=1)


def round_state(app, round_id: int) -> tuple:
    with app.app_context():
        r = db.session.get(InspectionRound, round_id)
        state = (r.withdrawn_at is not None, r.withdrawn_by.username if r.withdrawn_by else None, r.withdrawn_reason)
        db.session.remove()
    return state


def test_drawing_a_second_round_for_a_day_warns_before_it_is_drawn(app, client, world):
    give_shifts(app, TOMORROW)
    first = draw_today(app, day=TOMORROW)
    log_in(client, "city")

    asked = text(client.post("/inspections/rounds", data={
        "csrf_token": token_from(client.get("/inspections/rounds").data), "date": TOMORROW.isoformat(),
        "kind": "cross_district", "checks_per_inspector": "2"}))

    assert 'id="confirm-draw"' in asked and 'id="same-day-warning"' in asked and f"第 {first} 轮" in asked
    assert 'name="confirmed" value="1"' in asked
    with app.app_context():
        assert db.session.scalar(select(InspectionRound.id).where(InspectionRound.id != first)) is None
        db.session.remove()


def test_a_round_is_withdrawn_before_its_release_and_its_checks_never_appear(app, client, world):
    give_shifts(app, TOMORROW)
    round_id = draw_today(app, day=TOMORROW)
    log_in(client, "city")
    page = client.get(f"/inspections/rounds/{round_id}")
    assert 'id="withdraw-form"' in text(page)

    client.post(f"/inspections/rounds/{round_id}/withdrawal", data={
        "csrf_token": token_from(page.data), "reason": "排班调整，改日重新抽签。"})

    after = text(client.get(f"/inspections/rounds/{round_id}"))
    assert round_state(app, round_id) == (True, "city", "排班调整，改日重新抽签。")
    assert 'id="withdrawn"' in after and "排班调整，改日重新抽签。" in after and 'id="withdraw-form"' not in after
    with app.app_context():
        from supervise.models import User
        from supervise.services import inspections
        from supervise.services.auth import actor_for

        inspector = actor_for(db.session.scalar(select(User).where(User.username == "insp-dl")))
        later = local_day_bounds(TOMORROW)[1] - timedelta(minutes=1)  # well after the release
        assert db.session.scalars(inspections.assignments_query(inspector, now=later)).all() == []
        db.session.remove()


def test_a_released_round_cannot_be_withdrawn(app, client, world, auth):
    give_shifts(app)
    round_id = draw_today(app)  # today's round is released at once

    response = client.post(f"/api/v1/inspection-rounds/{round_id}/withdrawal", json={"reason": "changed my mind"},
                           headers=auth("city"))

    assert response.status_code == 409 and response.get_json()["error"]["code"] == "ROUND_RELEASED"
    assert round_state(app, round_id) == (False, None, None)


def test_the_api_withdraws_a_round_before_its_release_and_says_so(app, client, world, auth):
    give_shifts(app, TOMORROW)
    round_id = draw_today(app, day=TOMORROW)

    refused = client.post(f"/api/v1/inspection-rounds/{round_id}/withdrawal", json={"reason": "x"},
                          headers=auth("city"))
    by_district = client.post(f"/api/v1/inspection-rounds/{round_id}/withdrawal", json={"reason": "not mine"},
                              headers=auth("mgr-dl"))
    done = client.post(f"/api/v1/inspection-rounds/{round_id}/withdrawal", json={"reason": "weather warning"},
                       headers=auth("city"))
    again = client.post(f"/api/v1/inspection-rounds/{round_id}/withdrawal", json={"reason": "weather warning"},
                        headers=auth("city"))

    assert refused.status_code == 422 and by_district.status_code == 403
    assert done.status_code == 200 and done.get_json()["withdrawal"]["reason"] == "weather warning"
    assert done.get_json()["withdrawal"]["by"] == "city"
    assert again.status_code == 409 and again.get_json()["error"]["code"] == "ROUND_WITHDRAWN"


def test_a_withdrawal_is_a_record_of_the_audit_trail_and_editing_its_reason_later_is_named(app, client, world,
                                                                                          auth, runner):
    from sqlalchemy import text as sql

    from supervise.models import AuditRecord

    give_shifts(app, TOMORROW)
    round_id = draw_today(app, day=TOMORROW)
    done = client.post(f"/api/v1/inspection-rounds/{round_id}/withdrawal", json={"reason": "weather warning"},
                       headers=auth("city"))
    assert done.status_code == 200
    with app.app_context():
        records = db.session.execute(select(AuditRecord.kind, AuditRecord.subject_id, AuditRecord.payload)
                                     .order_by(AuditRecord.seq)).all()
        db.session.remove()
    assert [(kind, subject) for kind, subject, _ in records] == [("round.drawn", round_id),
                                                                ("round.withdrawn", round_id)]
    assert json.loads(records[-1].payload)["reason"] == "weather warning"
    assert runner.invoke(args=["audit", "verify"]).exit_code == 0

    with app.app_context(), db.engine.begin() as conn:
        conn.execute(sql("UPDATE inspection_round SET withdrawn_reason = 'routine' WHERE id = :id"), {"id": round_id})
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 1 and "BROKEN at record #2" in result.output and "edited" in result.output


def test_an_inspector_is_told_when_todays_checks_appear(app, client, world):
    give_shifts(app)
    log_in(client, "insp-dl")

    page = text(client.get("/inspections"))

    assert 'id="release-note"' in page and "今天暂无您的督察任务" in page


def test_the_check_page_maps_the_grid_and_links_to_navigation(app, client, world):
    give_shifts(app)
    draw_today(app)
    log_in(client, "insp-dl")

    page = text(client.get(f"/inspections/checks/{check_of(app, 'insp-dl', 'HRB-NG-0001')}"))

    block = re.search(r'<script type="application/json" id="map-data">(.*?)</script>', page, re.DOTALL)
    data = json.loads(block.group(1))
    assert data["area"]["rings"] and len(data["area"]["centre"]) == 2 and data["tiles"] is None
    assert 'id="navigate" href="https://uri.amap.com/marker?position=' in page and "coordinate=gps" in page

"""Statistics that do not flatter, their charts, and the printable monthly report."""
from __future__ import annotations

import re
from datetime import datetime, time, timedelta

from supervise.extensions import db
from supervise.timeutil import SHANGHAI, local_today, utcnow
from tests.integration.evidence_factories import make_shift
from tests.web.test_pages_flags import log_in, raise_flags, text


def at_eight(days_ago: int) -> str:
    return datetime.combine(local_today() - timedelta(days=days_ago), time(8, 0), tzinfo=SHANGHAI).isoformat()


def compliance(client, auth, user="mgr-dl", group_by="officer"):
    first = (local_today() - timedelta(days=3)).isoformat()
    last = (local_today() + timedelta(days=2)).isoformat()
    response = client.get(f"/api/v1/stats/compliance?group_by={group_by}&from={first}T00:00:00Z"
                          f"&to={last}T00:00:00Z", headers=auth(user))
    return {row["key"]: row for row in response.get_json()["items"]}


def test_a_shift_not_yet_started_does_not_count_in_the_rate(app, client, auth, world):
    raise_flags(app, start=at_eight(1))
    with app.app_context():
        make_shift("HRB-DL-0001", (utcnow() + timedelta(hours=3)).isoformat())
        db.session.remove()
    row = compliance(client, auth)["HRB-DL-0001"]
    assert row["shifts"] == 1


def test_pending_flags_stand_beside_a_rate_that_would_otherwise_read_100_percent(app, client, auth, world):
    for days in (1, 2):
        raise_flags(app, start=at_eight(days))
    row = compliance(client, auth)["HRB-DL-0001"]
    assert row["compliance_rate"] == 1.0 and row["pending"] == 2
    assert row["shifts_with_pending_flags"] == 2 and row["compliance_rate_if_pending_confirmed"] == 0.0
    log_in(client, "mgr-dl")
    page = text(client.get("/stats?group_by=officer"))
    assert "2 待处理 · ≥ 0.0%" in page


def test_the_stats_page_draws_compliance_by_day_and_flags_by_code(app, client, world):
    raise_flags(app, start=at_eight(1))
    log_in(client, "city")
    page = text(client.get("/stats"))
    assert page.count("<svg") >= 2
    assert re.search(r'data-series="道里区"', page)
    assert re.search(r'class="bar" data-label="[^"]*ABSENT" data-value="1"', page)


def test_the_monthly_report_prints_one_district(app, client, world):
    raise_flags(app, start=at_eight(1))
    log_in(client, "mgr-dl")
    month = (local_today() - timedelta(days=1)).strftime("%Y-%m")
    page = text(client.get(f"/reports/monthly?month={month}"))
    assert "道里区 城管执法督察月报" in page and "data-print" in page
    assert "officer DL1" in page and "待处理" in page
    assert client.get(f"/reports/monthly?month={month}&district=NG").status_code == 403

"""The regulation page: managers read what is in force and replay a draft on past evidence without
storing anything; only admins publish; invalid drafts are explained line by line and not stored."""
from __future__ import annotations

import os
import shutil
from datetime import datetime, time, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from supervise.extensions import db
from supervise.models import Flag, RegulationVersion
from supervise.regulation import default_regulation_text
from supervise.services.regulation import regulation_in_force
from supervise.timeutil import SHANGHAI, local_today
from tests.conftest import PASSWORD
from tests.integration.evidence_factories import make_shift, sign_in
from tests.web.conftest import CHROMIUM, CHROMIUM_ARGS
from tests.web.test_pages_flags import log_in, text, token_from

DEFAULT = default_regulation_text()
STRICTER_GRACE = DEFAULT.replace("grace_min: 5", "grace_min: 2")
BAD_SEVERITY = DEFAULT.replace("severity: low", "severity: extreme", 1)   # LATE's severity, on line 18


def a_sign_in_three_minutes_late_two_days_ago(app) -> int:
    start = datetime.combine(local_today() - timedelta(days=2), time(8, 0), tzinfo=SHANGHAI)
    with app.app_context():
        shift_id = make_shift("HRB-DL-0001", start.isoformat())
        sign_in(shift_id, start + timedelta(minutes=3))
        db.session.remove()
    return shift_id


def stored(app) -> tuple[int, int]:
    """How many regulation versions and flags the database holds."""
    with app.app_context():
        counts = (db.session.scalar(select(func.count()).select_from(RegulationVersion)),
                  db.session.scalar(select(func.count()).select_from(Flag)))
        db.session.remove()
    return counts


def label_in_force(app) -> str:
    with app.app_context():
        label = regulation_in_force().regulation.version_label
        db.session.remove()
    return label


def post_draft(client, draft: str, action: str, **extra):
    token = token_from(client.get("/regulation").data)
    return client.post("/regulation", data={"csrf_token": token, "text": draft, "action": action, **extra})


def test_a_manager_sees_every_rule_in_force_and_the_discipline_catalog(client, world):
    log_in(client, "mgr-dl")

    page = text(client.get("/regulation"))

    assert "签到迟到" in page and "Late sign-in" in page and "grace_min" in page
    assert "脱岗" in page and "max_continuous_min" in page
    assert "第九届亚冬会" in page                                  # the key periods
    assert "不准不亮证执法" in page and "D04" in page              # the 十不准 catalog
    assert 'href="/regulation/versions/0"' in page
    assert 'value="replay"' in page and 'value="publish"' not in page


def test_the_replay_form_is_prefilled_with_the_text_in_force_and_the_last_seven_shanghai_days(client, world):
    log_in(client, "mgr-dl")

    page = text(client.get("/regulation"))

    assert "grace_min: 5" in page and "version_label" in page
    assert f'value="{(local_today() - timedelta(days=6)).isoformat()}"' in page
    assert f'value="{local_today().isoformat()}"' in page


def test_replaying_a_stricter_grace_shows_late_appearing_and_stores_nothing(app, client, world):
    a_sign_in_three_minutes_late_two_days_ago(app)
    log_in(client, "mgr-dl")

    response = post_draft(client, STRICTER_GRACE, "replay")

    page = text(response)
    assert response.status_code == 200
    assert 'id="replay"' in page and "签到迟到" in page
    assert '<td class="num appear">+1</td>' in page
    assert stored(app) == (0, 0)


def test_an_admin_publishes_a_valid_draft_and_it_is_in_force(app, client, world):
    log_in(client, "admin")
    draft = STRICTER_GRACE.replace('version_label: "2026 默认 / 2026 default"', 'version_label: "2026 冬季 / winter"')

    response = post_draft(client, draft, "publish", note="冬季收紧迟到宽限")

    assert response.status_code == 302
    page = text(client.get("/regulation"))
    assert "2026 冬季 / winter" in page and "冬季收紧迟到宽限" in page and "Admin" in page
    assert 'href="/regulation/versions/1"' in page
    assert "grace_min: 2" in text(client.get("/regulation/versions/1"))
    assert label_in_force(app) == "2026 冬季 / winter" and stored(app)[0] == 1


def test_an_invalid_draft_shows_the_line_of_each_error_and_stores_nothing(app, client, world):
    log_in(client, "admin")

    response = post_draft(client, BAD_SEVERITY, "publish")

    page = text(response)
    assert response.status_code == 422
    assert "第 18 行" in page and "rules.LATE.severity" in page and "Must be one of" in page
    assert "severity: extreme" in page                       # the draft is kept as typed
    assert stored(app) == (0, 0)


def test_replaying_an_invalid_draft_also_shows_the_line_of_the_error(app, client, world):
    log_in(client, "mgr-dl")

    page = text(post_draft(client, BAD_SEVERITY, "replay"))

    assert "第 18 行" in page and 'id="replay"' not in page


def test_a_manager_cannot_publish(app, client, world):
    log_in(client, "city")

    response = post_draft(client, STRICTER_GRACE, "publish")

    assert response.status_code == 403
    assert stored(app) == (0, 0)


@pytest.mark.parametrize("username", ["dl1", "insp-dl"])
def test_officers_and_inspectors_are_refused_the_regulation_page(client, world, username):
    log_in(client, username)

    assert client.get("/regulation").status_code == 403
    assert client.get("/regulation/versions/0").status_code == 403


def test_a_publish_without_the_csrf_token_changes_nothing(app, client, world):
    log_in(client, "admin")

    response = client.post("/regulation", data={"text": STRICTER_GRACE, "action": "publish"})

    assert response.status_code == 400
    assert stored(app) == (0, 0)


def test_a_version_that_does_not_exist_is_not_found(client, world):
    log_in(client, "mgr-dl")

    assert client.get("/regulation/versions/7").status_code == 404


@pytest.mark.browser
def test_the_regulation_page_with_a_replay_in_a_real_browser(sync_playwright, server, app, world, tmp_path):
    a_sign_in_three_minutes_late_two_days_ago(app)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.goto(f"{server}/login")
        page.fill("input[name=username]", "admin")
        page.fill("input[name=password]", PASSWORD)
        page.click("form#login button[type=submit]")
        page.goto(f"{server}/regulation")
        page.fill("textarea[name=text]", STRICTER_GRACE)
        page.click("button[value=replay]")
        page.wait_for_selector("#replay")
        shot = tmp_path / "regulation.png"
        page.screenshot(path=str(shot), full_page=True)
        cell = page.inner_text("table.replay td.appear")
        page.fill("textarea[name=text]", BAD_SEVERITY)
        page.click("button[value=publish]")
        page.wait_for_selector("#draft-errors")
        refused = tmp_path / "regulation-invalid.png"
        page.locator("#draft").screenshot(path=str(refused))
        explained = page.inner_text("#draft-errors")
        browser.close()
    target = os.environ.get("SUPERVISE_SCREENSHOTS")
    if target:
        Path(target).mkdir(parents=True, exist_ok=True)
        for each in (shot, refused):
            shutil.copy(each, Path(target) / each.name)
    assert cell == "+1"
    assert "第 18 行" in explained
    assert stored(app) == (0, 0)

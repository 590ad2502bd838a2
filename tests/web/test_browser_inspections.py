"""A real Chromium: the Daoli inspector opens a spot check in Nangang, records a D06 violation with a
photo file and sees the confirmation; then the Nangang manager opens the flag it raised and the
finding's photo has loaded.

Needs Debian's `chromium` (with `fonts-noto-cjk`) and the `playwright` package; skipped without them.
Screenshots are written to the test's tmp folder (and to $SUPERVISE_SCREENSHOTS when set).
"""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from supervise.timeutil import utcnow
from tests.api.test_inspections_api import evidence_photo, give_shifts
from tests.conftest import PASSWORD
from tests.web.conftest import CHROMIUM, CHROMIUM_ARGS
from tests.web.test_browser_review import keep
from tests.web.test_pages_inspections import check_of, draw_today

pytestmark = pytest.mark.browser


def log_in(page, server: str, username: str) -> None:
    page.goto(f"{server}/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("form#login button[type=submit]")
    page.wait_for_url(f"{server}/**")


def test_an_inspector_records_a_violation_and_the_manager_sees_its_photo(sync_playwright, server, app, world,
                                                                          tmp_path):
    from supervise.extensions import db
    from supervise.models import Flag

    give_shifts(app)
    draw_today(app)
    check_id = check_of(app, "insp-dl", "HRB-NG-0001")
    photo = tmp_path / "finding.jpg"
    photo.write_bytes(evidence_photo(5, taken=utcnow() - timedelta(minutes=1)))
    shots = [tmp_path / "inspection-1-check.png", tmp_path / "inspection-2-flag.png"]

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            inspector = browser.new_page(locale="zh-CN", viewport={"width": 1280, "height": 900})
            log_in(inspector, server, "insp-dl")
            inspector.click("nav a[href='/inspections']")
            inspector.click(f"a[href='/inspections/checks/{check_id}']")
            inspector.wait_for_url(f"{server}/inspections/checks/{check_id}")
            inspector.check("input[name=result][value=violation]")
            inspector.check("input[name=items][value=D06]")
            inspector.fill("textarea[name=note]", "在岗期间玩手机游戏")
            inspector.set_input_files("input[name=photo]", str(photo))
            inspector.click("#finding-form button[type=submit]")
            inspector.wait_for_selector("p.flash.ok")
            confirmation = inspector.text_content("p.flash.ok")
            findings = inspector.text_content("#findings")
            inspector.screenshot(path=str(shots[0]), full_page=True)

            with app.app_context():
                flag_id = db.session.scalar(select(Flag.id).where(Flag.finding_id.is_not(None)))
                db.session.remove()

            manager = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900}).new_page()
            log_in(manager, server, "mgr-ng")
            manager.goto(f"{server}/flags/{flag_id}")
            manager.wait_for_function("document.querySelector('img.finding-photo').naturalWidth > 0")
            shown = manager.text_content("#finding")
            manager.screenshot(path=str(shots[1]), full_page=True)
        finally:
            browser.close()

    assert flag_id is not None and f"已生成问题 #{flag_id}" in confirmation
    assert "违纪" in findings and "D06" in findings and "在岗期间玩手机游戏" in findings
    assert "insp DL" in shown and "不准在岗期间玩手机" in shown and "在岗期间玩手机游戏" in shown
    for shot in shots:
        assert shot.read_bytes().startswith(b"\x89PNG") and shot.stat().st_size > 10_000
        keep(shot)

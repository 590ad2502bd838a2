"""A real Chromium: a Daoli manager signs in, opens the flag list, opens a late sign-in flag with its
photo and clause, confirms it with a reason, and sees the status change.

Needs Debian's `chromium` (with `fonts-noto-cjk`) and the `playwright` package; skipped without them.
Screenshots are written to the test's tmp folder (and to $SUPERVISE_SCREENSHOTS when set).
"""
from __future__ import annotations

import os
import shutil
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from tests.conftest import DL_GRID_CENTRE, PASSWORD
from tests.photos import make_jpeg
from tests.web.conftest import CHROMIUM, CHROMIUM_ARGS

START = "2026-11-23T08:00:00+08:00"

pytestmark = pytest.mark.browser


@pytest.fixture
def late_flag(app, world) -> int:
    """Officer dl1 signs in with a real selfie 12 minutes late; the checks raise LATE."""
    from supervise.extensions import db
    from supervise.models import Flag, User
    from supervise.services.auth import actor_for
    from supervise.services.checkins import record_checkin
    from supervise.services.checks import run_checks
    from supervise.timeutil import SHANGHAI, parse_instant
    from tests.integration.evidence_factories import make_shift

    begin = parse_instant(START)
    taken = begin + timedelta(minutes=12)
    lon, lat = DL_GRID_CENTRE
    photo = make_jpeg(lat=lat, lon=lon, accuracy_m=6.0, gps_utc=taken, offset="+08:00", seed=11,
                      taken_local=taken.astimezone(SHANGHAI).replace(tzinfo=None))
    with app.app_context():
        shift_id = make_shift("HRB-DL-0001", START)
        officer = db.session.scalar(select(User).where(User.username == "dl1"))
        record_checkin(actor_for(officer), photo, shift_id=shift_id, received_at=taken + timedelta(seconds=30))
        run_checks(begin + timedelta(hours=1))
        flag_id = db.session.scalar(select(Flag.id).where(Flag.shift_id == shift_id, Flag.code == "LATE"))
        db.session.remove()
    assert flag_id is not None
    return flag_id


def keep(screenshot: Path) -> None:
    target = os.environ.get("SUPERVISE_SCREENSHOTS")
    if target:
        Path(target).mkdir(parents=True, exist_ok=True)
        shutil.copy(screenshot, Path(target) / screenshot.name)


def test_a_manager_confirms_a_flag_with_a_reason_in_a_real_browser(sync_playwright, server, late_flag, tmp_path):
    shots = [tmp_path / "review-1-list.png", tmp_path / "review-2-flag.png", tmp_path / "review-3-confirmed.png"]
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(locale="zh-CN", viewport={"width": 1280, "height": 900})
            page.goto(f"{server}/login")
            page.fill("input[name=username]", "mgr-dl")
            page.fill("input[name=password]", PASSWORD)
            page.click("form#login button[type=submit]")
            page.wait_for_url(f"{server}/flags")
            listed = page.text_content("table.flags")
            page.screenshot(path=str(shots[0]), full_page=True)

            page.click(f"table.flags a[href='/flags/{late_flag}'] >> nth=0")
            page.wait_for_url(f"{server}/flags/{late_flag}")
            page.wait_for_function("document.querySelector('img.selfie').naturalWidth > 0")
            clause = page.text_content("#regulation")
            before = page.text_content("#flag-status")
            page.screenshot(path=str(shots[1]), full_page=True)

            page.check("input[name=decision][value=confirm]")
            page.fill("textarea[name=reason]", "签到照片时间 08:12，迟到属实。")
            page.click("#decision-form button[type=submit]")
            page.wait_for_selector("p.flash.ok")
            after = page.text_content("#flag-status")
            history = page.text_content("#history")
            page.screenshot(path=str(shots[2]), full_page=True)
        finally:
            browser.close()

    assert "签到迟到" in listed and "officer DL1" in listed
    assert "3.1" in clause and "待处理" in before
    assert "已确认" in after and "签到照片时间 08:12，迟到属实。" in history
    for shot in shots:
        assert shot.read_bytes().startswith(b"\x89PNG") and shot.stat().st_size > 10_000
        keep(shot)

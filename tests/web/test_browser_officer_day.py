"""A real Chromium on a 390 px phone: the officer's day before and after a sign-in (no sideways
scrolling), and a sign-in made without network that waits as 待发送, is sent when the network
returns, and arrives once.

Needs Debian's `chromium` (with `fonts-noto-cjk`) and the `playwright` package; skipped without them.
Screenshots go to tests/web/screenshots/ (gitignored; README says so).
"""
from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from supervise.extensions import db
from supervise.models import Checkin
from supervise.timeutil import SHANGHAI, utcnow
from tests.conftest import PASSWORD
from tests.integration.evidence_factories import make_shift
from tests.web.conftest import CHROMIUM, CHROMIUM_ARGS
from tests.web.test_pages_officer import selfie_now

pytestmark = pytest.mark.browser

SCREENSHOTS = Path(__file__).resolve().parent / "screenshots"
PHONE = {"width": 390, "height": 844}
NO_OVERFLOW = "document.documentElement.scrollWidth <= window.innerWidth"


@pytest.fixture
def shift_soon(app, world) -> int:
    """Officer dl1's shift starting three minutes from now: a selfie taken now is on time."""
    with app.app_context():
        start = (utcnow() + timedelta(minutes=3)).astimezone(SHANGHAI).replace(second=0, microsecond=0)
        shift_id = make_shift("HRB-DL-0001", start.isoformat(), hours=4)
        db.session.remove()
    return shift_id


@pytest.fixture
def selfie(tmp_path) -> Path:
    """A real JPEG with EXIF GPS at the centre of dl1's grid, taken half a minute ago."""
    path = tmp_path / "selfie.jpg"
    path.write_bytes(selfie_now(seed=21))
    return path


def sign_ins_of(app, shift_id: int) -> int:
    with app.app_context():
        count = db.session.scalar(select(func.count(Checkin.id)).where(Checkin.shift_id == shift_id))
        db.session.remove()
    return count


def shot(page, name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / name
    page.screenshot(path=str(path), full_page=True)
    return path


def phone_page(browser, server: str):
    context = browser.new_context(locale="zh-CN", viewport=PHONE, device_scale_factor=2, is_mobile=True,
                                  has_touch=True)
    page = context.new_page()
    page.goto(f"{server}/login")
    page.fill("input[name=username]", "dl1")
    page.fill("input[name=password]", PASSWORD)
    page.click("form#login button[type=submit]")
    page.wait_for_load_state()
    return context, page


def test_the_officers_day_before_and_after_a_sign_in_on_a_phone(sync_playwright, server, app, shift_soon, selfie):
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            context, page = phone_page(browser, server)
            page.goto(f"{server}/me")
            before = page.text_content(f"#shift-{shift_soon}")
            fits_before = page.evaluate(NO_OVERFLOW)
            shots = [shot(page, "officer-day-1-before.png")]

            page.click(f"#shift-{shift_soon} a.checkin-link")
            page.wait_for_url(f"{server}/checkin?shift_id={shift_soon}")
            page.set_input_files("input[name=photo]", str(selfie))
            page.click("#checkin-form button[type=submit]")
            page.wait_for_selector("#outbox li.sent")
            sent = page.text_content("#outbox")
            fits_checkin = page.evaluate(NO_OVERFLOW)
            shots.append(shot(page, "officer-day-2-sent.png"))

            page.goto(f"{server}/me")
            after = page.text_content(f"#shift-{shift_soon}")
            links_after = page.locator(f"#shift-{shift_soon} a.checkin-link").count()
            fits_after = page.evaluate(NO_OVERFLOW)
            shots.append(shot(page, "officer-day-3-after.png"))
            context.close()
        finally:
            browser.close()

    assert "未签到" in before and "签到时段" in before and "请现在签到" in before
    assert "已发送" in sent
    assert "已签到" in after and "✓" in after and "本次签到有效" in after and links_after == 0
    assert fits_before and fits_checkin and fits_after
    assert sign_ins_of(app, shift_soon) == 1
    for path in shots:
        assert path.read_bytes().startswith(b"\x89PNG") and path.stat().st_size > 10_000


def test_a_sign_in_made_offline_waits_is_sent_when_the_network_returns_and_arrives_once(
        sync_playwright, server, app, shift_soon, selfie):
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            context, page = phone_page(browser, server)
            page.goto(f"{server}/checkin?shift_id={shift_soon}")
            context.set_offline(True)
            page.set_input_files("input[name=photo]", str(selfie))
            page.click("#checkin-form button[type=submit]")
            page.wait_for_selector("#outbox li.pending")
            waiting = page.text_content("#outbox")
            stored_while_offline = sign_ins_of(app, shift_soon)
            fits_offline = page.evaluate(NO_OVERFLOW)
            shots = [shot(page, "offline-1-waiting.png")]

            context.set_offline(False)
            page.wait_for_selector("#outbox li.sent", timeout=15_000)
            sent = page.text_content("#outbox")
            shots.append(shot(page, "offline-2-sent.png"))

            page.reload()
            page.wait_for_load_state("networkidle")
            still_waiting = page.locator("#outbox li.pending").count()
            page.goto(f"{server}/me")
            day = page.text_content(f"#shift-{shift_soon}")
            shots.append(shot(page, "offline-3-my-day.png"))
            context.close()
        finally:
            browser.close()

    assert "待发送" in waiting and stored_while_offline == 0 and fits_offline
    assert "已发送" in sent and still_waiting == 0
    assert sign_ins_of(app, shift_soon) == 1
    assert "已签到" in day
    for path in shots:
        assert path.read_bytes().startswith(b"\x89PNG") and path.stat().st_size > 10_000


def test_a_sign_in_kept_offline_is_sent_by_the_next_page_opened_once_online(
        sync_playwright, server, app, shift_soon, selfie):
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            context, page = phone_page(browser, server)
            page.goto(f"{server}/checkin?shift_id={shift_soon}")
            context.set_offline(True)
            page.set_input_files("input[name=photo]", str(selfie))
            page.click("#checkin-form button[type=submit]")
            page.wait_for_selector("#outbox li.pending")
            page.close()  # the officer closes the browser tab before the network returns

            context.set_offline(False)
            later = context.new_page()
            later.goto(f"{server}/me")
            later.wait_for_selector("#outbox li.sent", timeout=15_000)
            later.reload()
            later.wait_for_load_state("networkidle")
            day = later.text_content(f"#shift-{shift_soon}")
            shot(later, "offline-4-sent-from-my-day.png")
            context.close()
        finally:
            browser.close()

    assert sign_ins_of(app, shift_soon) == 1 and "已签到" in day

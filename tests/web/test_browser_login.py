"""A real Chromium signs in to a real server with demo credentials and sees the officer's Chinese name.

Needs Debian's `chromium` (with `fonts-noto-cjk`) and the `playwright` package; skipped without them.
"""
from __future__ import annotations

import pytest

from tests.web.conftest import CHROMIUM, CHROMIUM_ARGS

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"

pytestmark = pytest.mark.browser


@pytest.fixture
def demo_world(app):
    from supervise.demo import build_demo_world
    from supervise.extensions import db

    with app.app_context():
        for _line in build_demo_world():
            pass
        db.session.remove()


def test_an_officer_signs_in_with_a_real_browser_and_sees_her_chinese_name(
        sync_playwright, server, demo_world, tmp_path):
    from supervise.demo.world import DAOLI_WOMEN, DEMO_PASSWORD

    screenshot = tmp_path / "home.png"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(locale="zh-CN")
            page.goto(f"{server}/login")
            page.fill("input[name=username]", "dl0001")
            page.fill("input[name=password]", DEMO_PASSWORD)
            page.click("form#login button[type=submit]")
            page.wait_for_url(f"{server}/")
            heading = page.text_content("h1")
            page.screenshot(path=str(screenshot), full_page=True)
        finally:
            browser.close()

    assert heading == f"你好，{DAOLI_WOMEN[0]}"
    data = screenshot.read_bytes()
    assert data.startswith(PNG_SIGNATURE) and len(data) > 1000

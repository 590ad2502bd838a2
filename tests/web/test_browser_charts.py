"""A real Chromium draws the statistics page's charts (server-side SVG) and hides the page chrome
when the monthly report is printed."""
from __future__ import annotations

import pytest

from supervise.timeutil import local_today
from tests.conftest import PASSWORD
from tests.trust.test_reports import at_eight
from tests.web.conftest import CHROMIUM, CHROMIUM_ARGS
from tests.web.test_browser_review import keep
from tests.web.test_pages_flags import raise_flags

pytestmark = pytest.mark.browser


def test_the_charts_render_in_a_real_browser(sync_playwright, server, app, world, tmp_path):
    for days in (1, 2, 3):
        raise_flags(app, start=at_eight(days))
    raise_flags(app, badge="HRB-NG-0001", start=at_eight(1), grid="NG-G1")
    shot = tmp_path / "stats-charts.png"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(locale="zh-CN", viewport={"width": 1280, "height": 900})
            page.goto(f"{server}/login")
            page.fill("input[name=username]", "city")
            page.fill("input[name=password]", PASSWORD)
            page.click("form#login button[type=submit]")
            page.goto(f"{server}/stats")
            line = page.locator("svg.line-chart").bounding_box()
            series = page.eval_on_selector_all("svg.line-chart g.series", "gs => gs.map(g => g.dataset.series)")
            points = page.locator("svg.line-chart circle.point").count()
            bar = page.locator("svg.bar-chart g.bar rect").first.bounding_box()
            page.locator("svg.bar-chart").scroll_into_view_if_needed()
            page.screenshot(path=str(shot), full_page=True)
            page.goto(f"{server}/reports/monthly?district=DL&month={local_today().strftime('%Y-%m')}")
            page.emulate_media(media="print")
            header_hidden = page.locator("header.top").is_hidden()
        finally:
            browser.close()
    assert line["width"] > 300 and line["height"] > 150
    assert set(series) == {"道里区", "南岗区"} and points >= 4
    assert bar["width"] > 50
    assert header_hidden
    assert shot.read_bytes().startswith(b"\x89PNG")
    keep(shot)

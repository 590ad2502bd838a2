"""A real Chromium: the manager's queue decided in bulk and walked with "next flag"; the evidence map
of an IDLE and an OFF_POST flag (Leaflet layers for the grid, track, flagged span and stays); the
queue and a flag page on a 390 px phone without sideways scrolling.

Needs Debian's `chromium` (with `fonts-noto-cjk`) and the `playwright` package; skipped without them.
Screenshots go to tests/web/screenshots/ (gitignored), or to $SUPERVISE_SCREENSHOTS when set (README).
"""
from __future__ import annotations

import os
import shutil
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from tests.conftest import PASSWORD
from tests.web.conftest import CHROMIUM, CHROMIUM_ARGS
from tests.web.test_pages_flags import MONDAY, flag_status, idle_flags, raise_flags

pytestmark = pytest.mark.browser
TUESDAY = "2026-11-24T08:00:00+08:00"
SCREENSHOTS = Path(__file__).resolve().parent / "screenshots"


def keep(screenshot: Path) -> None:
    """Keep a screenshot where README names: $SUPERVISE_SCREENSHOTS, else tests/web/screenshots/
    (gitignored)."""
    target = Path(os.environ.get("SUPERVISE_SCREENSHOTS") or SCREENSHOTS)
    target.mkdir(parents=True, exist_ok=True)
    shutil.copy(screenshot, target / screenshot.name)


def off_post_flag(app) -> int:
    """The officer walks, then stands 600 m north of the grid for 25 minutes, then walks again."""
    from supervise.extensions import db
    from supervise.models import Flag
    from supervise.services.checks import run_checks
    from supervise.timeutil import parse_instant
    from tests.integration.evidence_factories import DL_LAT, PACE_MIN, make_shift, sign_in, walk

    begin = parse_instant(MONDAY)
    with app.app_context():
        shift_id = make_shift("HRB-DL-0002", MONDAY, hours=3)
        sign_in(shift_id, begin)
        walk("HRB-DL-0002", begin, 2 * PACE_MIN)
        out = begin + timedelta(minutes=2 * PACE_MIN)
        walk("HRB-DL-0002", out, 25, lat=DL_LAT + 600 / 111_320, seed=9)
        walk("HRB-DL-0002", out + timedelta(minutes=25), 60, seed=11)
        run_checks(begin + timedelta(hours=3, minutes=5))
        flag_id = db.session.scalar(select(Flag.id).where(Flag.shift_id == shift_id, Flag.code == "OFF_POST"))
        db.session.remove()
    assert flag_id is not None
    return flag_id


def signed_in_page(browser, server, width: int = 1280, height: int = 900):
    page = browser.new_page(locale="zh-CN", viewport={"width": width, "height": height})
    page.goto(f"{server}/login")
    page.fill("input[name=username]", "mgr-dl")
    page.fill("input[name=password]", PASSWORD)
    page.click("form#login button[type=submit]")
    page.wait_for_url(f"{server}/flags")
    return page


MAP_LAYERS = """() => {
  const m = window.superviseMap;
  return {grid: !!m.layers.grid, track: m.layers.track.length, span: m.layers.span.length,
          stays: m.layers.stays.length, zoom: m.map.getZoom(),
          drawn: document.querySelectorAll('#map path.track-line').length};
}"""


def test_the_map_of_an_idle_and_an_off_post_flag_shows_grid_track_span_and_stays(
        sync_playwright, server, app, world, tmp_path):
    idle = idle_flags(app, sparse=False)["IDLE"]
    off_post = off_post_flag(app)
    seen = {}
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = signed_in_page(browser, server)
            errors = []
            page.on("pageerror", lambda exc: errors.append(str(exc)))
            for name, flag_id in (("idle", idle), ("off-post", off_post)):
                page.goto(f"{server}/flags/{flag_id}")
                page.wait_for_selector("#map[data-ready='1']")
                seen[name] = page.evaluate(MAP_LAYERS)
                shot = tmp_path / f"map-{name}.png"
                page.locator("#evidence-map").screenshot(path=str(shot))
                keep(shot)
        finally:
            browser.close()

    assert errors == []
    for name in ("idle", "off-post"):
        layers = seen[name]
        assert layers["grid"] and layers["track"] > 3 and layers["span"] == 1 and layers["drawn"] > 3, (name, layers)
        assert layers["zoom"] >= 15, layers  # zoomed to the span, not to the city
    assert seen["idle"]["stays"] >= 1


def test_a_manager_dismisses_two_flags_at_once_then_walks_the_queue_with_next(
        sync_playwright, server, app, world, tmp_path):
    first = raise_flags(app)["ABSENT"]
    second = raise_flags(app, start=TUESDAY)["ABSENT"]
    third = raise_flags(app, "HRB-DL-0002")["ABSENT"]
    fourth = raise_flags(app, "HRB-DL-0002", start=TUESDAY)["ABSENT"]
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = signed_in_page(browser, server)
            page.fill("input[name=q]", "dl-0001")
            page.click("#filters button[type=submit]")
            page.check("#pick-all")
            page.check("#bulk input[name=decision][value=dismiss]")
            page.fill("#bulk textarea[name=reason]", "当天参加培训，已核实。")
            page.click("#bulk button[type=submit]")
            page.wait_for_selector("p.flash.ok")
            told = page.text_content("p.flash.ok")
            page.screenshot(path=str(tmp_path / "queue-bulk.png"), full_page=True)

            page.goto(f"{server}/flags/{fourth}")
            page.check("input[name=decision][value=confirm]")
            page.fill("#decision-form textarea[name=reason]", "未签到，核实排班无误。")
            page.click("#submit-next")
            page.wait_for_url(f"{server}/flags/{third}")
            page.screenshot(path=str(tmp_path / "queue-next.png"), full_page=True)
        finally:
            browser.close()

    assert f"#{first}" in told and f"#{second}" in told and "已撤销 2 条" in told
    assert flag_status(app, first)[0] == flag_status(app, second)[0] == "dismissed"
    assert flag_status(app, fourth)[0] == "confirmed" and flag_status(app, third)[0] == "open"
    for name in ("queue-bulk.png", "queue-next.png"):
        keep(tmp_path / name)


def test_the_queue_and_a_flag_page_fit_a_390_px_phone(sync_playwright, server, app, world, tmp_path):
    idle = idle_flags(app, sparse=True)["IDLE"]
    raise_flags(app, "HRB-DL-0002")
    widths = {}
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = signed_in_page(browser, server, width=390, height=844)
            for name, path in (("queue", "/flags?status=all"), ("flag", f"/flags/{idle}")):
                page.goto(f"{server}{path}")
                widths[name] = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
                shot = tmp_path / f"phone-{name}.png"
                page.screenshot(path=str(shot), full_page=True)
                keep(shot)
            why_shown = page.is_visible("#history td.why")
        finally:
            browser.close()

    for name, (scroll, inner) in widths.items():
        assert scroll <= inner, (name, scroll, inner)
    assert why_shown

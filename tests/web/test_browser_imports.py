"""A real Chromium: an admin uploads a GBK roster on the import page, sees the progress box, and
reads the all-or-nothing report in place (the page's script sends the file itself)."""
from __future__ import annotations

import pytest

from tests.conftest import PASSWORD
from tests.trust.test_office_imports import ROSTER, ROSTER_HEADER, gbk_csv
from tests.web.conftest import CHROMIUM, CHROMIUM_ARGS

pytestmark = pytest.mark.browser


def test_an_admin_imports_a_gbk_roster_and_reads_the_report(sync_playwright, server, world, tmp_path):
    roster = tmp_path / "名册.csv"
    roster.write_bytes(gbk_csv(ROSTER_HEADER, ROSTER))
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(locale="zh-CN")
            page.goto(f"{server}/login")
            page.fill("input[name=username]", "admin")
            page.fill("input[name=password]", PASSWORD)
            page.click("form#login button[type=submit]")
            page.goto(f"{server}/admin/imports")
            page.select_option("select[name=kind]", "officers")
            page.set_input_files("input[name=file]", str(roster))
            page.click("#import-form button[type=submit]")
            page.wait_for_selector("#import-report .import-done")
            report = page.text_content("#import-report")
            url = page.url
        finally:
            browser.close()
    assert "csv (gb18030)" in report and "新建队员" in report
    assert url.endswith("/admin/imports")        # the report came in place, without leaving the page

"""In a real Chromium, the language switch turns the login page and a signed-in page into the other
language, and the choice stays after a reload.

Needs Debian's `chromium` (with `fonts-noto-cjk`) and the `playwright` package; skipped without them.
"""
from __future__ import annotations

import pytest

from tests.conftest import PASSWORD
from tests.web.conftest import CHROMIUM, CHROMIUM_ARGS

pytestmark = pytest.mark.browser


def test_the_switch_changes_the_language_of_the_login_page_and_of_a_signed_in_page_and_it_stays(
        sync_playwright, server, world):
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(locale="zh-CN")
            page.goto(f"{server}/login")
            before = page.text_content("h1")
            page.click("form.language-switch button[value=en]")
            page.wait_for_load_state()
            switched = page.text_content("h1")
            page.reload()
            after_reload = page.text_content("h1")

            page.fill("input[name=username]", "insp-dl")
            page.fill("input[name=password]", PASSWORD)
            page.click("form#login button[type=submit]")
            page.wait_for_url(f"{server}/")
            signed_in = page.text_content("h1")
            page.click("form.language-switch button[value=zh_Hans]")
            page.wait_for_load_state()
            chinese = page.text_content("h1")
            page.reload()
            chinese_after_reload = page.text_content("h1")
            html_lang = page.get_attribute("html", "lang")
        finally:
            browser.close()

    assert (before, switched, after_reload) == ("登录", "Sign in", "Sign in")
    assert signed_in == "Hello, insp DL"
    assert chinese == chinese_after_reload == "你好，insp DL" and html_lang == "zh-CN"

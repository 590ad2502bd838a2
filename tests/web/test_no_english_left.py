"""Every page kind, rendered for the role that sees it, speaks one language: in 简体中文 no English-only
word is left (product name, units and codes, and the fixture's data aside), and in English no Chinese
is left but the data (names of districts and people)."""
from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest

from tests.web.test_language import choose
from tests.web.test_login_page import csrf_token, log_in

# Words a Chinese page may carry: the product, units and formats, and the fixture's data (names,
# usernames). Codes written in capitals (GPS, EXIF, DL-G1, OFF_POST) are allowed by rule.
ALLOWED_LATIN = {
    "supervise", "English", "Windows", "km", "m", "Excel", "GeoJSON", "xlsx", "csv", "json", "geojson", "MB", "YAML",
    "Admin", "City", "mgr", "insp", "officer", "admin", "city", "dl", "ng", "post", "v",
}
# Chinese an English page may carry: the language switch and the fixture's names of places.
ALLOWED_CHINESE = {"简体中文", "道里区", "南岗区"}
# Not text for people: scripts and styles; codes, the regulation's YAML and a draft are data.
SKIPPED_ELEMENTS = {"script", "style", "code", "pre", "textarea"}

# (page kind, who, how to reach it): every page kind the templates render.
PAGES = [
    ("login", None, "/login"),
    ("inspector home", "insp-dl", "/"),
    ("password", "dl1", "/password"),
    ("notifications", "mgr-dl", "/notifications"),
    ("regulation", "admin", "/regulation"),
    ("regulation version", "mgr-dl", "/regulation/versions/0"),
    ("statistics", "city", "/stats"),
    ("statistics of a district", "mgr-dl", "/stats?group_by=officer"),
    ("monthly report", "mgr-dl", "/reports/monthly"),
    ("imports", "admin", "/admin/imports"),
    ("error: not your role", "dl1", "/stats"),
    ("error: no such version", "admin", "/regulation/versions/999"),
    ("error: no such page", "admin", "/no-such-page"),
    ("my day", "dl1", "/me"),
    ("sign-in form", "dl1", "/checkin"),
    ("flag queue", "mgr-dl", "/flags"),
    ("inspector's checks", "insp-dl", "/inspections"),
    ("inspection rounds", "city", "/inspections/rounds"),
]


class VisibleText(HTMLParser):
    """The text a person reads: element text outside scripts, styles and data blocks, and the
    placeholders, titles and labels of controls."""

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self.skipping = 0

    def handle_starttag(self, tag, attrs):
        if tag in SKIPPED_ELEMENTS:
            self.skipping += 1
        for name, value in attrs:
            if name in ("placeholder", "title", "aria-label") and value:
                self.parts.append(value)

    def handle_endtag(self, tag):
        if tag in SKIPPED_ELEMENTS and self.skipping:
            self.skipping -= 1

    def handle_data(self, data):
        if not self.skipping:
            self.parts.append(data)


def visible_text(html: str) -> str:
    parser = VisibleText()
    parser.feed(html)
    return " ".join(parser.parts)


def english_words(text: str) -> set[str]:
    """Latin words with a small letter that are not allowed data or units."""
    words = set(re.findall(r"[A-Za-z][A-Za-z']*", text))
    return {w for w in words if w != w.upper() and w not in ALLOWED_LATIN and w.lower() not in ALLOWED_LATIN}


def chinese_words(text: str) -> set[str]:
    return set(re.findall(r"[\u3400-\u9fff]+", text)) - ALLOWED_CHINESE


def render(app, who: str | None, path: str, language: str) -> str:
    client = app.test_client()
    choose(client, language)
    if who is not None:
        log_in(client, who)
        if language == "en":
            choose(client, "en")
    response = client.get(path, headers={"Accept": "text/html"}, follow_redirects=True)
    assert response.status_code < 500
    return response.data.decode("utf-8")


@pytest.fixture
def populated(app, client, world):
    """The world with a published regulation version, so the regulation pages show a history."""
    log_in(client, "admin")
    page = client.get("/regulation").data
    from supervise.regulation import default_regulation_text

    client.post("/regulation", data={"csrf_token": csrf_token(page), "action": "publish",
                                     "text": default_regulation_text(), "note": "v1"})
    return world


@pytest.mark.parametrize("kind, who, path", PAGES, ids=[p[0] for p in PAGES])
def test_a_chinese_page_has_no_english_only_words_left(app, populated, kind, who, path):
    text = visible_text(render(app, who, path, "zh_Hans"))

    assert english_words(text) == set(), f"{kind} ({path}) still shows English: {sorted(english_words(text))}"


@pytest.mark.parametrize("kind, who, path", PAGES, ids=[p[0] for p in PAGES])
def test_an_english_page_has_no_chinese_but_the_data(app, populated, kind, who, path):
    text = visible_text(render(app, who, path, "en"))

    assert chinese_words(text) == set(), f"{kind} ({path}) still shows Chinese: {sorted(chinese_words(text))}"


def test_a_replay_of_a_draft_is_said_in_one_language(app, populated):
    from supervise.regulation import default_regulation_text

    for language, check in (("zh_Hans", english_words), ("en", chinese_words)):
        client = app.test_client()
        choose(client, language)
        log_in(client, "mgr-dl")
        choose(client, language)
        token = csrf_token(client.get("/regulation").data)
        page = client.post("/regulation", data={"csrf_token": token, "action": "replay",
                                                "text": default_regulation_text().replace(
                                                    "2026 默认 / 2026 default", "试行 / trial")})
        assert check(visible_text(page.data.decode("utf-8"))) == set()


@pytest.fixture
def decided_flags(app, populated):
    """A LATE flag (a sign-in with its photo evidence) confirmed by its manager, and an ABSENT one
    still open: their pages show thresholds, measured values and a history with both kinds of
    reason (the system's, a person's)."""
    from tests.web.test_pages_flags import raise_flags

    late = raise_flags(app, "HRB-DL-0001", late_min=12)["LATE"]
    absent = raise_flags(app, "HRB-DL-0002")["ABSENT"]
    client = app.test_client()
    log_in(client, "mgr-dl")
    token = csrf_token(client.get(f"/flags/{late}").data)
    decided = client.post(f"/flags/{late}/decision", data={"csrf_token": token, "decision": "confirm",
                                                            "reason": "照片与排班核对无误"})
    assert decided.status_code == 302
    return {"late": late, "absent": absent}


@pytest.mark.parametrize("which", ["late", "absent"])
def test_a_flag_page_with_its_evidence_and_history_speaks_the_readers_language(app, decided_flags, which):
    path = f"/flags/{decided_flags[which]}"
    chinese = visible_text(render(app, "mgr-dl", path, "zh_Hans"))
    english = visible_text(render(app, "mgr-dl", path, "en"))

    assert english_words(chinese) - {"Asia", "Shanghai", "WGS"} == set(), f"{which} flag page shows English: {' '.join(chinese.split())}"
    assert chinese_words(english) - {"照片与排班核对无误"} == set(), f"{which} flag page shows Chinese: {' '.join(english.split())}"

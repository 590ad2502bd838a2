"""督察 review pages: a manager lists the flags of their district, opens one with all its evidence,
and confirms or dismisses it with a reason; other districts' flags stay closed to them."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from supervise.extensions import db
from supervise.models import Flag
from supervise.services.checks import run_checks
from supervise.timeutil import parse_instant
from tests.conftest import PASSWORD
from tests.integration.evidence_factories import make_shift, sign_in

TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')
MONDAY = "2026-11-23T08:00:00+08:00"


def token_from(page: bytes) -> str:
    return TOKEN.search(page.decode("utf-8")).group(1)


def log_in(client, username: str) -> None:
    token = token_from(client.get("/login").data)
    response = client.post("/login", data={"csrf_token": token, "username": username, "password": PASSWORD})
    assert response.status_code == 302, response.data


def raise_flags(app, badge: str = "HRB-DL-0001", start: str = MONDAY, *, late_min: float | None = None,
                grid: str | None = None) -> dict[str, int]:
    """A shift of the officer from `start`; with `late_min` a sign-in that late, else none (ABSENT).
    The checks run one hour after the start; returns the flags raised, code → id."""
    begin = parse_instant(start)
    with app.app_context():
        shift_id = make_shift(badge, start, grid=grid or f"{badge.split('-')[1]}-G1")
        if late_min is not None:
            sign_in(shift_id, begin + timedelta(minutes=late_min))
        run_checks(begin + timedelta(hours=1))
        raised = dict(db.session.execute(select(Flag.code, Flag.id).where(Flag.shift_id == shift_id)).all())
        db.session.remove()
    return raised


def flag_status(app, flag_id: int) -> tuple[str, int]:
    with app.app_context():
        flag = db.session.get(Flag, flag_id)
        result = flag.status, len(flag.events)
        db.session.remove()
    return result


def text(response) -> str:
    return response.data.decode("utf-8")


def links_to(page: str, flag_id: int) -> bool:
    """Whether the page links to the flag (its link may carry the queue it was opened from)."""
    return re.search(rf'href="/flags/{flag_id}["?]', page) is not None


@pytest.mark.parametrize("path", ["/flags", "/flags/1", "/stats", "/me", "/checkin", "/checkins/1/photo",
                                  "/shifts/1/track.svg"])
def test_every_page_sends_a_visitor_without_a_session_to_the_login_page(client, world, path):
    response = client.get(path)

    assert response.status_code == 302 and response.headers["Location"].endswith("/login")


def test_home_sends_a_manager_to_the_flag_list(client, world):
    log_in(client, "mgr-dl")

    response = client.get("/")

    assert response.status_code == 302 and response.headers["Location"].endswith("/flags")


def test_a_daoli_manager_sees_and_confirms_a_daoli_flag_with_a_reason(app, client, world):
    flag_id = raise_flags(app)["ABSENT"]
    log_in(client, "mgr-dl")

    listing = text(client.get("/flags"))
    assert f'href="/flags/{flag_id}"' in listing
    assert "officer DL1" in listing and "HRB-DL-0001" in listing
    assert "未签到（缺勤）" in listing and "待处理" in listing
    assert "2026-11-23 08:00" in listing  # the shift start, in Shanghai time

    page = client.get(f"/flags/{flag_id}")
    assert 'id="decision-form"' in text(page)
    response = client.post(f"/flags/{flag_id}/decision", data={
        "csrf_token": token_from(page.data), "decision": "confirm", "reason": "No sign-in, checked the roster."})

    assert response.status_code == 302 and response.headers["Location"].endswith(f"/flags/{flag_id}")
    after = text(client.get(f"/flags/{flag_id}"))
    assert "已确认该问题" in after and "已确认" in after
    assert "No sign-in, checked the roster." in after and "mgr DL" in after
    assert 'id="decision-form"' not in after
    assert flag_status(app, flag_id) == ("confirmed", 2)


def test_a_daoli_manager_dismisses_a_flag_and_it_leaves_the_open_list(app, client, world):
    flag_id = raise_flags(app)["ABSENT"]
    log_in(client, "mgr-dl")
    token = token_from(client.get(f"/flags/{flag_id}").data)

    client.post(f"/flags/{flag_id}/decision", data={"csrf_token": token, "decision": "dismiss",
                                                    "reason": "Was on sick leave, roster wrong."})

    assert flag_status(app, flag_id)[0] == "dismissed"
    assert not links_to(text(client.get("/flags")), flag_id)
    assert links_to(text(client.get("/flags?status=dismissed")), flag_id)


def test_a_nangang_manager_cannot_open_a_daoli_flag(app, client, world):
    flag_id = raise_flags(app)["ABSENT"]
    log_in(client, "mgr-ng")

    assert client.get(f"/flags/{flag_id}").status_code == 403
    assert f'href="/flags/{flag_id}"' not in text(client.get("/flags"))


def test_a_nangang_manager_cannot_decide_a_daoli_flag(app, client, world):
    flag_id = raise_flags(app)["ABSENT"]
    log_in(client, "mgr-ng")
    token = token_from(client.get("/flags").data)

    response = client.post(f"/flags/{flag_id}/decision", data={"csrf_token": token, "decision": "dismiss",
                                                               "reason": "Not my district but anyway."})

    assert response.status_code == 403
    assert flag_status(app, flag_id) == ("open", 1)


def test_a_missing_flag_is_a_404_page(client, world):
    log_in(client, "mgr-dl")

    response = client.get("/flags/999")

    assert response.status_code == 404 and "未找到" in text(response)


def test_a_city_wide_manager_sees_flags_of_every_district(app, client, world):
    daoli = [raise_flags(app)["ABSENT"]]
    nangang = [raise_flags(app, "HRB-NG-0001")["ABSENT"]]
    log_in(client, "city")

    listing = text(client.get("/flags"))

    assert all(f'href="/flags/{i}"' in listing for i in daoli + nangang)
    assert "全市" in listing


def test_a_decision_without_csrf_token_changes_nothing(app, client, world):
    flag_id = raise_flags(app)["ABSENT"]
    log_in(client, "mgr-dl")

    response = client.post(f"/flags/{flag_id}/decision", data={"decision": "confirm",
                                                               "reason": "Confirmed without a token."})

    assert response.status_code == 400
    assert flag_status(app, flag_id) == ("open", 1)


def test_a_decision_without_a_reason_is_refused_and_changes_nothing(app, client, world):
    flag_id = raise_flags(app)["ABSENT"]
    log_in(client, "mgr-dl")
    token = token_from(client.get(f"/flags/{flag_id}").data)

    response = client.post(f"/flags/{flag_id}/decision", data={"csrf_token": token, "decision": "confirm",
                                                               "reason": "  "})

    assert response.status_code == 422
    assert 'class="flash error"' in text(response) and 'id="decision-form"' in text(response)
    assert flag_status(app, flag_id) == ("open", 1)


def test_a_flag_cannot_be_decided_twice(app, client, world):
    flag_id = raise_flags(app)["ABSENT"]
    log_in(client, "mgr-dl")
    token = token_from(client.get(f"/flags/{flag_id}").data)
    client.post(f"/flags/{flag_id}/decision", data={"csrf_token": token, "decision": "confirm",
                                                    "reason": "First decision stands."})

    response = client.post(f"/flags/{flag_id}/decision", data={"csrf_token": token, "decision": "dismiss",
                                                               "reason": "Second thoughts."})

    assert response.status_code == 409
    assert flag_status(app, flag_id) == ("confirmed", 2)


def test_the_flag_page_shows_the_clause_and_the_history(app, client, world):
    flag_id = raise_flags(app)["ABSENT"]
    log_in(client, "mgr-dl")

    page = text(client.get(f"/flags/{flag_id}"))

    assert "第 3.2 条" in page and "v0" in page  # the clause and the shipped default version
    assert 'data-param="absent_after_min">判定缺勤时间 = <strong>30 分钟</strong>' in page  # the threshold in force
    assert 'id="history"' in page and "系统生成" in page and "系统" in page
    assert "班次开始 30 分钟后仍无有效签到（规定第 0 版，第 3.2 条）" in page  # the system's reason, in Chinese
    assert "officer DL1" in page and "HRB-DL-0001" in page


def test_the_flag_page_shows_the_sign_in_behind_a_late_flag(app, client, world):
    flag_id = raise_flags(app, late_min=12)["LATE"]
    log_in(client, "mgr-dl")

    page = text(client.get(f"/flags/{flag_id}"))

    assert "签到迟到" in page and 'id="checkin"' in page
    assert "2026-11-23 08:12:00" in page  # capture time in Shanghai
    assert "45.776000, 126.618000" in page and "在网格内" in page
    assert re.search(r'src="/checkins/\d+/photo"', page)


def test_the_flag_list_filters_by_code_badge_and_date(app, client, world):
    absent = raise_flags(app)["ABSENT"]
    late = raise_flags(app, "HRB-DL-0002", late_min=12)["LATE"]
    other_day = raise_flags(app, start="2026-11-20T08:00:00+08:00")["ABSENT"]
    log_in(client, "mgr-dl")

    by_code = text(client.get("/flags?code=LATE"))
    by_badge = text(client.get("/flags?officer=HRB-DL-0002"))
    by_day = text(client.get("/flags?from=2026-11-23&to=2026-11-23"))

    assert links_to(by_code, late) and not links_to(by_code, absent)
    assert links_to(by_badge, late) and not links_to(by_badge, absent)
    assert not links_to(by_day, other_day) and links_to(by_day, absent)


def test_the_flag_list_puts_the_newest_first(app, client, world):
    older = raise_flags(app, start="2026-11-20T08:00:00+08:00")["ABSENT"]
    newer = raise_flags(app)["ABSENT"]
    log_in(client, "mgr-dl")

    listing = text(client.get("/flags"))

    assert listing.index(f'href="/flags/{newer}"') < listing.index(f'href="/flags/{older}"')


def test_an_unknown_badge_in_the_filter_is_explained_not_a_crash(client, world):
    log_in(client, "mgr-dl")

    response = client.get("/flags?officer=HRB-XX-9999")

    assert response.status_code == 422 and "HRB-XX-9999" in text(response)


def test_a_track_flag_shows_the_track_picture_to_its_district_only(app, client, world):
    from tests.integration.evidence_factories import walk

    begin = parse_instant(MONDAY)
    with app.app_context():
        shift_id = make_shift("HRB-DL-0001", MONDAY, hours=2)
        sign_in(shift_id, begin - timedelta(minutes=2))
        walk("HRB-DL-0001", begin, 40)
        walk("HRB-DL-0001", begin + timedelta(minutes=40), 40, still=True, seed=2)
        run_checks(begin + timedelta(hours=3))
        idle = db.session.scalar(select(Flag.id).where(Flag.shift_id == shift_id, Flag.code == "IDLE"))
        db.session.remove()
    assert idle is not None
    log_in(client, "mgr-dl")

    page = text(client.get(f"/flags/{idle}"))
    picture = client.get(f"/shifts/{shift_id}/track.svg")

    assert 'id="track"' in page and f'src="/shifts/{shift_id}/track.svg"' in page
    assert picture.status_code == 200 and picture.headers["Content-Type"].startswith("image/svg+xml")
    assert picture.data.lstrip().startswith(b"<svg") or b"<svg" in picture.data[:200]
    drawn = picture.data.decode("utf-8")   # in the reader's language, like the page around it
    assert "失联" in drawn and "班次 #" in drawn and "Grid" not in drawn and "shift" not in drawn
    client.post("/logout", data={"csrf_token": token_from(page.encode())})
    log_in(client, "mgr-ng")
    assert client.get(f"/shifts/{shift_id}/track.svg").status_code == 403


def test_a_page_number_beyond_reason_shows_an_empty_page_not_a_crash(client, world):
    log_in(client, "city")
    for path in ("/flags?page=99999999999999999999999", "/inspections/rounds?page=99999999999999999999999",
                 "/flags?page=-5"):
        assert client.get(path).status_code == 200, path


def idle_flags(app, *, sparse: bool) -> dict[str, int]:
    """A shift whose officer sits 40 minutes; with a phone reporting only every 200 s then
    (`sparse`: 0.3 fixes a minute) the stay rests on thin evidence, so it is raised for review."""
    from tests.integration.evidence_factories import PACE_MIN, walk

    begin = parse_instant(MONDAY)
    with app.app_context():
        shift_id = make_shift("HRB-DL-0001", MONDAY, hours=3)
        sign_in(shift_id, begin)
        walk("HRB-DL-0001", begin, 3 * PACE_MIN)
        walk("HRB-DL-0001", begin + timedelta(minutes=3 * PACE_MIN), 40, still=True, seed=5,
             every_s=200 if sparse else 10)
        walk("HRB-DL-0001", begin + timedelta(minutes=3 * PACE_MIN + 40), 60, seed=6)
        run_checks(begin + timedelta(hours=3, minutes=5))
        raised = dict(db.session.execute(select(Flag.code, Flag.id).where(Flag.shift_id == shift_id)).all())
        db.session.remove()
    return raised


def test_a_flag_shows_the_fixes_behind_it_and_its_margin(client, app, world):
    raised = idle_flags(app, sparse=False)
    log_in(client, "mgr-dl")
    page = text(client.get(f"/flags/{raised['IDLE']}"))
    assert "证据支撑" in page and "时段内定位点" in page and "超出阈值" in page
    assert "待人工判断" not in page


def test_a_thin_flag_says_why_it_is_for_review_and_the_queue_filters_it(client, app, world):
    raised = idle_flags(app, sparse=True)
    log_in(client, "mgr-dl")
    page = text(client.get(f"/flags/{raised['IDLE']}"))
    assert "证据不足，待人工判断" in page and "每分钟" in page
    listed = text(client.get("/flags?status=all&review=yes"))
    assert f"/flags/{raised['IDLE']}" in listed and "待核" in listed
    assert f"/flags/{raised['IDLE']}" not in text(client.get("/flags?status=all&review=no"))

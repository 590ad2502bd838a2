"""The officer's day on /me: each shift's sign-in state with its window in Beijing time, what to do
next, the 签到 link only while a sign-in is still needed; own flags with evidence and appeal deadline;
the month so far. And the sign-in page's script route: a sign-in sent again with its
Idempotency-Key is one sign-in."""
from __future__ import annotations

import io
import re
from datetime import datetime, time, timedelta

from sqlalchemy import select

from supervise.extensions import db
from supervise.models import Flag
from supervise.timeutil import SHANGHAI, local_today, utcnow
from tests.integration.evidence_factories import make_shift
from tests.web.test_pages_flags import log_in, raise_flags, text, token_from
from tests.web.test_pages_officer import checkins_stored, post_selfie, selfie_now


def shift_starting_in(app, minutes: float) -> tuple[int, datetime]:
    with app.app_context():
        start = (utcnow() + timedelta(minutes=minutes)).astimezone(SHANGHAI).replace(second=0, microsecond=0)
        shift_id = make_shift("HRB-DL-0001", start.isoformat(), hours=4)
        db.session.remove()
    return shift_id, start


def hm(at: datetime) -> str:
    return at.astimezone(SHANGHAI).strftime("%H:%M")


def test_before_signing_in_the_day_shows_the_window_and_a_check_in_link(app, client, world):
    shift_id, start = shift_starting_in(app, 3)
    log_in(client, "dl1")

    page = text(client.get("/me"))

    assert "未签到" in page
    opens, closes, until = start - timedelta(minutes=30), start + timedelta(minutes=30), start + timedelta(minutes=5)
    assert f"签到时段 {hm(opens)}–{hm(closes)}，{hm(until)} 前为准时" in page
    assert "请现在签到" in page
    assert f'href="/checkin?shift_id={shift_id}"' in page


def test_after_signing_in_on_time_the_day_says_it_counts_and_the_link_is_gone(app, client, world):
    shift_id, _ = shift_starting_in(app, 3)
    log_in(client, "dl1")
    post_selfie(client, selfie_now(), shift_id, token_from(client.get("/checkin").data))

    page = text(client.get("/me"))

    assert re.search(r"已签到 \d\d:\d\d ✓", page)
    assert "本次签到有效，本班次无需再签到。" in page
    assert f'href="/checkin?shift_id={shift_id}"' not in page


def test_an_early_sign_in_does_not_count_and_says_when_to_sign_in_again(app, client, world):
    shift_id, start = shift_starting_in(app, 90)
    log_in(client, "dl1")
    post_selfie(client, selfie_now(), shift_id, token_from(client.get("/checkin").data))

    page = text(client.get("/me"))

    opens, closes = start - timedelta(minutes=30), start + timedelta(minutes=30)
    assert "不计入" in page
    assert f"不在签到时段：请在 {hm(opens)}–{hm(closes)} 之间再签到一次。" in page
    assert f'href="/checkin?shift_id={shift_id}"' in page


def test_a_late_sign_in_counts_and_says_how_late(app, client, world):
    shift_id, _ = shift_starting_in(app, -12)
    log_in(client, "dl1")
    post_selfie(client, selfie_now(), shift_id, token_from(client.get("/checkin").data))

    page = text(client.get("/me"))

    assert re.search(r"迟到（1[12] 分钟）", page)
    assert "本次签到有效，但已迟到" in page
    assert f'href="/checkin?shift_id={shift_id}"' not in page


def test_an_officer_sees_their_flag_with_its_evidence_and_until_when_to_appeal(app, client, world):
    flag_id = raise_flags(app, late_min=12)["LATE"]
    log_in(client, "dl1")

    page = text(client.get("/me"))

    section = page[page.index('id="flag-' + str(flag_id)):]
    assert re.search(r"<dd>12( 分钟)?</dd>", section)  # how late, as the manager's page says it
    assert "可在 " in section and " 前申诉。" in section
    assert f'action="/me/flags/{flag_id}/appeal"' in section


def test_after_the_appeal_deadline_the_form_is_gone_and_the_page_says_so(app, client, world):
    flag_id = raise_flags(app)["ABSENT"]
    with app.app_context():
        db.session.get(Flag, flag_id).created_at = utcnow() - timedelta(days=8)
        db.session.commit()
        db.session.remove()
    log_in(client, "dl1")

    page = text(client.get("/me"))

    assert "申诉期限已于 " in page and "截止。" in page
    assert f'action="/me/flags/{flag_id}/appeal"' not in page


def test_the_month_lists_each_shift_with_its_sign_in_and_its_flags_outcome(app, client, world):
    today = datetime.combine(local_today(), time(0, 1), tzinfo=SHANGHAI).isoformat()
    raised = raise_flags(app, start=today, late_min=12)
    log_in(client, "dl1")

    page = text(client.get("/me"))

    month = page[page.index('id="my-month"'):]
    assert re.search(r"迟到（12 分钟）", month)
    assert f'href="/flags/{raised["LATE"]}"' in month
    assert "共 1 个班次，已签到 1 次（迟到 1 次）" in month


def send_kept(client, photo: bytes, shift_id: int, token: str, key: str):
    return client.post("/checkin", data={"csrf_token": token, "shift_id": str(shift_id),
                                         "photo": (io.BytesIO(photo), "selfie.jpg")},
                       headers={"Idempotency-Key": key, "Accept": "application/json"},
                       content_type="multipart/form-data")


def test_a_kept_sign_in_sent_twice_with_its_key_is_one_sign_in(app, client, world):
    shift_id, _ = shift_starting_in(app, 3)
    log_in(client, "dl1")
    photo = selfie_now()

    first = send_kept(client, photo, shift_id, token_from(client.get("/checkin").data), "k-offline-1")
    again = send_kept(client, photo, shift_id, token_from(client.get("/me").data), "k-offline-1")

    assert first.status_code == 201 and first.json["shift_id"] == shift_id
    assert again.status_code == 201 and again.headers["Idempotent-Replayed"] == "true"
    assert again.json["id"] == first.json["id"]
    assert checkins_stored(app) == 1


def test_the_script_route_keeps_csrf_protection_and_answers_errors_as_json(app, client, world):
    shift_id, _ = shift_starting_in(app, 3)
    log_in(client, "dl1")

    forged = client.post("/checkin", data={"shift_id": str(shift_id), "photo": (io.BytesIO(selfie_now()), "s.jpg")},
                         headers={"Idempotency-Key": "k-forged", "Accept": "application/json"},
                         content_type="multipart/form-data")
    not_a_photo = send_kept(client, b"not a picture", shift_id, token_from(client.get("/checkin").data), "k-bad")

    assert forged.status_code == 400 and checkins_stored(app) == 0
    assert not_a_photo.status_code in (415, 422) and not_a_photo.json["error"]["code"].startswith("PHOTO_")
    with app.app_context():
        assert db.session.scalar(select(Flag.id)) is None
        db.session.remove()


def test_the_day_speaks_english_to_an_officer_who_chose_it(app, client, world):
    _, start = shift_starting_in(app, 3)
    log_in(client, "dl1")
    client.post("/language", data={"csrf_token": token_from(client.get("/me").data), "language": "en", "next": "/me"})

    page = text(client.get("/me"))

    opens, closes = start - timedelta(minutes=30), start + timedelta(minutes=30)
    assert "Not signed in" in page and f"Sign-in window {hm(opens)}–{hm(closes)}, on time until" in page
    assert ">Check in</a>" in page and "My month" in page
    assert "未签到" not in page and "签到时段" not in page and "本月记录" not in page

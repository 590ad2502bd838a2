"""The officer's pages: today's shifts and own flags, one appeal per flag, and the selfie sign-in
that sends the browser's own position fix along with the photo."""
from __future__ import annotations

import io
import re
from datetime import datetime, time, timedelta

from sqlalchemy import func, select

from supervise.extensions import db
from supervise.models import Checkin
from supervise.timeutil import SHANGHAI, local_today, utcnow
from tests.conftest import DL_GRID_CENTRE
from tests.integration.evidence_factories import make_shift
from tests.photos import make_jpeg
from tests.web.test_pages_flags import flag_status, log_in, raise_flags, text, token_from


def noon_today() -> str:
    return datetime.combine(local_today(), time(12, 0), tzinfo=SHANGHAI).isoformat()


def shift_starting_soon(app, badge: str = "HRB-DL-0001") -> int:
    """A shift starting three minutes from now, so a selfie taken now is on time."""
    with app.app_context():
        start = (utcnow() + timedelta(minutes=3)).astimezone(SHANGHAI).replace(microsecond=0)
        shift_id = make_shift(badge, start.isoformat(), hours=4)
        db.session.remove()
    return shift_id


def selfie_now(*, gps: bool = True, north_m: float = 0.0, seed: int = 3) -> bytes:
    taken = utcnow() - timedelta(seconds=30)
    lon, lat = DL_GRID_CENTRE
    position = dict(lat=lat + north_m / 111_195.0, lon=lon, accuracy_m=6.0, gps_utc=taken) if gps else {}
    return make_jpeg(taken_local=taken.astimezone(SHANGHAI).replace(tzinfo=None), offset="+08:00", seed=seed,
                     **position)


def checkins_stored(app) -> int:
    with app.app_context():
        count = db.session.scalar(select(func.count(Checkin.id)))
        db.session.remove()
    return count


def post_selfie(client, photo: bytes, shift_id: int | None, token: str, **fields):
    data = {"csrf_token": token, "photo": (io.BytesIO(photo), "selfie.jpg"), **fields}
    if shift_id is not None:
        data["shift_id"] = str(shift_id)
    return client.post("/checkin", data=data, content_type="multipart/form-data")


def test_an_officer_sees_todays_shifts_and_only_their_own_flags(app, client, world):
    with app.app_context():
        make_shift("HRB-DL-0001", noon_today())
        db.session.remove()
    mine = raise_flags(app)["ABSENT"]
    theirs = raise_flags(app, "HRB-DL-0002")["ABSENT"]
    log_in(client, "dl1")

    page = text(client.get("/me"))

    assert "你好，officer DL1" in page
    assert "12:00–20:00" in page and "网格 DL-G1" in page
    assert f'href="/flags/{mine}"' in page and f'href="/flags/{theirs}"' not in page
    assert "未签到（缺勤）" in page


def test_an_officer_appeals_their_flag_once(app, client, world):
    flag_id = raise_flags(app)["ABSENT"]
    log_in(client, "dl1")
    page = client.get("/me")
    assert f'action="/me/flags/{flag_id}/appeal"' in text(page)

    response = client.post(f"/me/flags/{flag_id}/appeal", data={
        "csrf_token": token_from(page.data), "reason": "I was at the district office for training."})

    assert response.status_code == 302 and response.headers["Location"].endswith("/me")
    after = text(client.get("/me"))
    assert "申诉已提交" in after and "申诉中" in after
    assert f'action="/me/flags/{flag_id}/appeal"' not in after
    again = client.post(f"/me/flags/{flag_id}/appeal", data={"csrf_token": token_from(page.data),
                                                              "reason": "Appealing a second time."})
    assert again.status_code == 409
    assert flag_status(app, flag_id) == ("appealed", 2)


def test_the_manager_sees_the_appeal_reason_prominently_and_decides_it(app, client, world):
    flag_id = raise_flags(app)["ABSENT"]
    log_in(client, "dl1")
    client.post(f"/me/flags/{flag_id}/appeal", data={"csrf_token": token_from(client.get("/me").data),
                                                     "reason": "I was at the district office for training."})
    client.post("/logout", data={"csrf_token": token_from(client.get("/me").data)})
    log_in(client, "mgr-dl")

    page = client.get(f"/flags/{flag_id}")
    assert 'id="appeal"' in text(page) and "I was at the district office for training." in text(page)
    client.post(f"/flags/{flag_id}/decision", data={"csrf_token": token_from(page.data), "decision": "dismiss",
                                                    "reason": "Training list confirms it."})

    assert flag_status(app, flag_id) == ("dismissed", 3)
    assert "申诉成立" in text(client.get(f"/flags/{flag_id}"))


def test_an_officer_can_read_the_evidence_of_their_own_flag_but_not_decide_it(app, client, world):
    flag_id = raise_flags(app)["ABSENT"]
    log_in(client, "dl1")

    page = client.get(f"/flags/{flag_id}")
    forced = client.post(f"/flags/{flag_id}/decision", data={"csrf_token": token_from(page.data),
                                                             "decision": "dismiss", "reason": "Not me, honest."})

    assert page.status_code == 200 and "第 3.2 条" in text(page) and 'id="decision-form"' not in text(page)
    assert forced.status_code == 403 and flag_status(app, flag_id) == ("open", 1)


def test_an_officer_cannot_open_the_flag_list_or_another_officers_flag(app, client, world):
    theirs = raise_flags(app, "HRB-DL-0002")["ABSENT"]
    log_in(client, "dl1")

    assert client.get("/flags").status_code == 403
    assert client.get(f"/flags/{theirs}").status_code == 403
    assert client.get("/stats").status_code == 403


def test_an_appeal_without_csrf_token_changes_nothing(app, client, world):
    flag_id = raise_flags(app)["ABSENT"]
    log_in(client, "dl1")

    response = client.post(f"/me/flags/{flag_id}/appeal", data={"reason": "No token on this form."})

    assert response.status_code == 400 and flag_status(app, flag_id) == ("open", 1)


def test_the_sign_in_page_asks_the_camera_for_a_selfie_and_the_browser_for_its_position(app, client, world):
    shift_starting_soon(app)
    log_in(client, "dl1")

    page = text(client.get("/checkin"))

    assert 'accept="image/*" capture="user"' in page and 'enctype="multipart/form-data"' in page
    for name in ("device_lat", "device_lon", "device_accuracy_m", "device_fix_time", "csrf_token"):
        assert f'name="{name}"' in page
    assert 'src="/static/checkin.js"' in page   # a file of its own: the CSP forbids inline scripts
    script = client.get("/static/checkin.js").data.decode("utf-8")
    assert "enableHighAccuracy: true" in script and "navigator.geolocation" in script


def test_an_officer_signs_in_with_a_selfie_and_sees_it_on_time_and_inside_the_grid(app, client, world):
    shift_id = shift_starting_soon(app)
    log_in(client, "dl1")
    token = token_from(client.get("/checkin").data)

    response = post_selfie(client, selfie_now(), shift_id, token)

    page = text(response)
    assert response.status_code == 200, page
    assert "签到已记录" in page and "准时" in page and "在网格内" in page
    assert "已按时在岗签到。" in page
    assert checkins_stored(app) == 1


def test_a_selfie_without_gps_is_placed_by_the_browsers_fix_and_says_so(app, client, world):
    shift_id = shift_starting_soon(app)
    log_in(client, "dl1")
    token = token_from(client.get("/checkin").data)
    lon, lat = DL_GRID_CENTRE

    response = post_selfie(client, selfie_now(gps=False), shift_id, token, device_lat=str(lat),
                           device_lon=str(lon), device_accuracy_m="12",
                           device_fix_time=utcnow().isoformat().replace("+00:00", "Z"))

    page = text(response)
    assert response.status_code == 200, page
    assert "在网格内" in page and "手机浏览器定位" in page


def test_a_selfie_without_any_position_tells_the_officer_to_retake_it_with_location_on(app, client, world):
    shift_id = shift_starting_soon(app)
    log_in(client, "dl1")
    token = token_from(client.get("/checkin").data)

    response = post_selfie(client, selfie_now(gps=False), shift_id, token)

    page = text(response)
    assert response.status_code == 200
    assert "无定位" in page and "打开定位（GPS）后重新拍照签到" in page
    assert "打开定位（GPS）" in page


def test_a_selfie_taken_far_outside_the_grid_shows_the_distance(app, client, world):
    shift_id = shift_starting_soon(app)
    log_in(client, "dl1")
    token = token_from(client.get("/checkin").data)

    page = text(post_selfie(client, selfie_now(north_m=600), shift_id, token))

    distance = int(re.search(r"距网格 (\d+) 米", page).group(1))
    assert 350 <= distance <= 450  # 600 m north of the centre is ~378 m past the grid's north edge


def test_a_file_that_is_not_a_photo_is_refused_with_a_clear_message_and_nothing_is_stored(app, client, world):
    shift_id = shift_starting_soon(app)
    log_in(client, "dl1")
    token = token_from(client.get("/checkin").data)

    response = post_selfie(client, b"%PDF-1.4 not a photo at all", shift_id, token)

    assert response.status_code in (415, 422)
    assert 'class="flash error"' in text(response)
    assert checkins_stored(app) == 0


def test_a_shift_number_beyond_any_id_is_refused_with_a_clear_message(app, client, world):
    log_in(client, "dl1")
    token = token_from(client.get("/checkin").data)

    response = post_selfie(client, selfie_now(), "18446744073709551616", token)

    assert response.status_code == 422 and "班次无效" in text(response)
    assert checkins_stored(app) == 0


def test_a_sign_in_without_csrf_token_stores_nothing(app, client, world):
    shift_id = shift_starting_soon(app)
    log_in(client, "dl1")

    response = client.post("/checkin", data={"shift_id": str(shift_id), "photo": (
        io.BytesIO(selfie_now()), "selfie.jpg")}, content_type="multipart/form-data")

    assert response.status_code == 400 and checkins_stored(app) == 0


def test_a_manager_sees_the_sign_in_photo_and_an_officer_of_another_district_does_not(app, client, world):
    shift_id = shift_starting_soon(app)
    log_in(client, "dl1")
    post_selfie(client, selfie_now(), shift_id, token_from(client.get("/checkin").data))
    with app.app_context():
        checkin_id = db.session.scalar(select(Checkin.id))
        db.session.remove()
    own = client.get(f"/checkins/{checkin_id}/photo")
    client.post("/logout", data={"csrf_token": token_from(client.get("/me").data)})

    log_in(client, "mgr-dl")
    managed = client.get(f"/checkins/{checkin_id}/photo")
    client.post("/logout", data={"csrf_token": token_from(client.get("/stats").data)})
    log_in(client, "mgr-ng")
    foreign = client.get(f"/checkins/{checkin_id}/photo")

    assert own.status_code == 200 and managed.status_code == 200
    assert managed.headers["Content-Type"] == "image/jpeg" and managed.data[:2] == b"\xff\xd8"
    assert b"Exif" not in managed.data[:4096]  # the display copy carries no EXIF (no GPS)
    assert foreign.status_code == 403


def test_an_inspector_home_lists_their_own_details(client, world):
    log_in(client, "insp-dl")

    page = text(client.get("/"))

    assert "你好，insp DL" in page and "督察员" in page and "HRB-DL-I01" in page
    assert 'href="/inspections"' in client.get("/").get_data(as_text=True)

"""POST /api/v1/checkins and the evidence behind it, through HTTP as a phone and a manager see it.

Receipt is "now" here, so each test gives officer dl1 (HRB-DL-0001) a shift starting a couple of
minutes from now on grid DL-G1, and photos taken a few seconds ago.
"""
from __future__ import annotations

import io
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from PIL import Image
from sqlalchemy import func, select

from supervise.extensions import db
from supervise.models import Checkin, IdempotentResponse, Photo
from supervise.timeutil import SHANGHAI, utcnow
from tests.conftest import DL_GRID_CENTRE, FIXTURES
from tests.photos import make_bomb_jpeg, make_heic, make_jpeg, make_png, make_webp, truncated

API_FIELDS = {"id", "shift_id", "officer", "captured_at", "received_at", "capture_time_source", "location",
              "inside_grid", "distance_to_grid_m", "timeliness", "flags", "photo_sha256"}


def make_shift(app, badge="HRB-DL-0001", starts_in_min: float = 2, grid="DL-G1") -> int:
    from supervise.cli import SYSTEM
    from supervise.services import reference

    start = utcnow().replace(microsecond=0) + timedelta(minutes=starts_in_min)
    with app.app_context():
        shift_id = reference.create_shift(SYSTEM, officer=badge, start=start, end=start + timedelta(hours=8),
                                          kind="patrol", grid=grid).id
        db.session.remove()
    return shift_id


def selfie(seed: int = 1, *, north_m: float = 0.0, accuracy_m: float | None = 8.0, ago_s: float = 10,
           gps: bool = True) -> bytes:
    taken = utcnow() - timedelta(seconds=ago_s)
    lon, lat = DL_GRID_CENTRE
    position = dict(lat=lat + north_m / 111_195.0, lon=lon, accuracy_m=accuracy_m, gps_utc=taken) if gps else {}
    return make_jpeg(taken_local=taken.astimezone(SHANGHAI).replace(tzinfo=None), offset="+08:00", seed=seed,
                     **position)


def post(client, auth, photo: bytes | None, user="dl1", name="selfie.jpg", key: str | None = None, **form):
    headers = auth(user) | ({"Idempotency-Key": key} if key else {})
    data = {k: str(v) for k, v in form.items()}
    if photo is not None:
        data["photo"] = (io.BytesIO(photo), name)
    return client.post("/api/v1/checkins", headers=headers, data=data, content_type="multipart/form-data")


def count(app, model) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


def files_in(app) -> set[Path]:
    root = Path(app.config["STORAGE_DIR"])
    return {p for p in root.rglob("*") if p.is_file()}


@pytest.fixture
def dl1_shift(app, world):
    return make_shift(app)


# ---------------------------------------------------------------- signing in


def test_an_officer_signs_in_and_reads_the_documented_answer(client, auth, dl1_shift):
    response = post(client, auth, selfie())
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert API_FIELDS <= set(body)
    assert (body["shift_id"], body["officer"], body["timeliness"], body["inside_grid"]) == (
        dl1_shift, "HRB-DL-0001", "on_time", True)
    assert body["location"] | {"lat": None, "lon": None} == {"lat": None, "lon": None, "accuracy_m": 8.0,
                                                              "datum": "wgs84", "source": "exif"}
    assert body["captured_at"].endswith("Z") and body["captured_at_local"].endswith("+08:00")
    assert body["capture_time_source"] == "exif_offset" and body["flags"] == []
    assert response.headers["Location"] == f"/api/v1/checkins/{body['id']}"


def test_a_sign_in_40_m_outside_the_grid_with_10_m_error_answers_outside_and_flagged(client, auth, dl1_shift):
    body = post(client, auth, selfie(north_m=222 + 40, accuracy_m=10)).get_json()
    assert body["inside_grid"] is False and body["distance_to_grid_m"] == pytest.approx(40, abs=1)
    assert "CHECKIN_OFF_GRID" in body["flags"]


def test_a_photo_without_gps_is_kept_and_the_officer_is_told_to_retake_it_with_location_on(client, auth,
                                                                                           dl1_shift):
    response = post(client, auth, selfie(gps=False))
    body = response.get_json()
    assert response.status_code == 201
    assert body["location"] is None and body["flags"] == ["PHOTO_NO_EVIDENCE"]
    assert "定位" in body["message"] and "重新拍照" in body["message"]   # 简体中文 unless Accept-Language asks


def test_the_browser_s_geolocation_places_a_photo_stripped_of_gps(client, auth, dl1_shift):
    lon, lat = DL_GRID_CENTRE
    body = post(client, auth, selfie(gps=False), device_lat=lat, device_lon=lon, device_accuracy_m=20).get_json()
    assert body["location"]["source"] == "device" and body["inside_grid"] is True
    assert body["device_fix"]["accuracy_m"] == 20


def test_a_device_latitude_out_of_range_is_a_validation_error(client, auth, dl1_shift):
    response = post(client, auth, selfie(), device_lat=123, device_lon=126.6)
    assert response.status_code == 422 and "device_lat" in response.get_json()["error"]["details"]["fields"]


def test_a_heic_sign_in_works_and_its_photo_comes_back_as_heic(client, auth, dl1_shift):
    taken = utcnow() - timedelta(seconds=10)
    photo = make_heic(lat=DL_GRID_CENTRE[1], lon=DL_GRID_CENTRE[0], offset="+08:00", seed=3,
                      taken_local=taken.astimezone(SHANGHAI).replace(tzinfo=None))
    body = post(client, auth, photo, name="IMG_0001.HEIC").get_json()
    assert body["inside_grid"] is True and body["timeliness"] == "on_time"
    response = client.get(f"/api/v1/checkins/{body['id']}/photo?variant=original", headers=auth("mgr-dl"))
    assert response.content_type == "image/heic" and response.data == photo


def test_a_reused_photo_of_another_officer_is_flagged_without_showing_the_officer_whose_it_was(
        app, client, auth, dl1_shift):
    make_shift(app, badge="HRB-DL-0002")
    photo = selfie(seed=4)
    first = post(client, auth, photo).get_json()
    second = post(client, auth, photo, user="dl2").get_json()
    assert "PHOTO_REUSED" in second["flags"]
    assert second["reused_checkin_id"] is None and f"#{first['id']}" not in second["message"]
    seen_by_manager = client.get(f"/api/v1/checkins/{second['id']}", headers=auth("mgr-dl")).get_json()
    assert seen_by_manager["reused_checkin_id"] == first["id"]


def test_a_sign_in_without_a_shift_is_a_conflict_that_says_so(client, auth, world):
    response = post(client, auth, selfie())
    assert response.status_code == 409
    assert response.get_json()["error"]["code"] == "NO_SHIFT"


def test_signing_in_for_another_officer_s_shift_is_forbidden(app, client, auth, dl1_shift):
    theirs = make_shift(app, badge="HRB-DL-0002")
    assert post(client, auth, selfie(), shift_id=theirs).status_code == 403
    assert post(client, auth, selfie(), shift_id=9999).status_code == 404


def test_a_photo_whose_clock_is_ahead_is_kept_and_timed_by_its_receipt(client, auth, dl1_shift):
    response = post(client, auth, selfie(ago_s=-3600))
    assert response.status_code == 201
    body = response.get_json()
    assert body["capture_time_source"] == "received" and "PHOTO_TIME_CONFLICT" in body["flags"]


def test_tapping_submit_again_answers_the_first_sign_in(client, auth, dl1_shift):
    photo = selfie()
    first = post(client, auth, photo)
    again = post(client, auth, photo)
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.get_json()["id"] == first.get_json()["id"] and again.get_json()["repeated"] is True
    assert "PHOTO_REUSED" not in again.get_json()["flags"]


# ---------------------------------------------------------------- refusals


@pytest.mark.parametrize("photo,name,status,code", [
    (make_png(), "selfie.jpg", 415, "PHOTO_UNSUPPORTED_FORMAT"),
    (make_webp(), "selfie.jpg", 415, "PHOTO_UNSUPPORTED_FORMAT"),
    (b"%PDF-1.4 not a photo at all", "selfie.jpg", 415, "PHOTO_NOT_IMAGE"),
    (b"hello, this is text", "selfie.jpg", 415, "PHOTO_NOT_IMAGE"),
    (truncated(make_jpeg(size=(640, 480), seed=5)), "selfie.jpg", 422, "PHOTO_TRUNCATED"),
    (make_bomb_jpeg(), "selfie.jpg", 422, "PHOTO_TOO_LARGE_PIXELS"),
    (b"", "selfie.jpg", 422, "PHOTO_EMPTY"),
])
def test_a_bad_file_is_refused_with_its_own_code_and_nothing_is_stored(app, client, auth, dl1_shift, photo, name,
                                                                        status, code):
    before = files_in(app)
    response = post(client, auth, photo, name=name, key="bad-file")
    assert response.status_code == status
    error = response.get_json()["error"]
    assert error["code"] == code and error["message"]
    assert count(app, Checkin) == 0 and count(app, Photo) == 0 and count(app, IdempotentResponse) == 0
    assert files_in(app) == before


def test_a_request_without_a_photo_part_is_422_photo_missing(client, auth, dl1_shift):
    response = post(client, auth, None, shift_id=dl1_shift)
    assert response.status_code == 422 and response.get_json()["error"]["code"] == "PHOTO_MISSING"


def test_an_upload_over_the_size_limit_is_413_with_the_limit_in_the_message(app, client, auth, dl1_shift):
    limit = app.config["MAX_CONTENT_LENGTH"]
    app.config["MAX_CONTENT_LENGTH"] = 1024 * 1024
    try:
        response = post(client, auth, b"\xff\xd8\xff" + bytes(2 * 1024 * 1024))
    finally:
        app.config["MAX_CONTENT_LENGTH"] = limit
    assert response.status_code == 413
    error = response.get_json()["error"]
    assert error["code"] == "PAYLOAD_TOO_LARGE" and "1 MB" in error["message"]
    assert count(app, Checkin) == 0


# ---------------------------------------------------------------- retries


def test_a_retry_with_the_same_idempotency_key_returns_the_first_sign_in_and_makes_one_row(app, client, auth,
                                                                                        dl1_shift):
    photo = selfie(seed=6)
    first = post(client, auth, photo, key="phone-retry-1")
    again = post(client, auth, photo, key="phone-retry-1")
    assert (first.status_code, again.status_code) == (201, 201)
    assert again.get_json() == first.get_json()
    assert again.headers["Idempotent-Replayed"] == "true"
    assert count(app, Checkin) == 1


def test_the_same_idempotency_key_with_another_photo_is_409(client, auth, dl1_shift):
    assert post(client, auth, selfie(seed=7), key="k-1").status_code == 201
    response = post(client, auth, selfie(seed=8), key="k-1")
    assert response.status_code == 409
    assert response.get_json()["error"]["code"] == "IDEMPOTENCY_KEY_REUSED"


def test_an_idempotency_key_is_per_user(app, client, auth, dl1_shift):
    make_shift(app, badge="HRB-DL-0002")
    assert post(client, auth, selfie(seed=9), key="same").status_code == 201
    assert post(client, auth, selfie(seed=10), user="dl2", key="same").status_code == 201


def test_a_refused_request_frees_its_idempotency_key(client, auth, dl1_shift):
    assert post(client, auth, make_png(), key="k-2").status_code == 415
    assert post(client, auth, selfie(seed=11), key="k-2").status_code == 201


# ---------------------------------------------------------------- reading the evidence


@pytest.mark.parametrize("line", [b"\r\n", b"\n"], ids=["CRLF", "bare LF"])
def test_a_hand_built_multipart_body_signs_in_with_its_fields_and_the_photo_unchanged(app, client, auth, dl1_shift,
                                                                                    line):
    photo, boundary = selfie(seed=13), b"okhttp-5c1d"

    def part(disposition: bytes, data: bytes) -> bytes:
        return b"--" + boundary + line + b"Content-Disposition: form-data; " + disposition + line + line + data + line

    data = (part(b'name="shift_id"', str(dl1_shift).encode()) + part(b'name="device_mock"', b"true")
            + part(b'name="photo"; filename="IMG_1.jpg"', photo) + b"--" + boundary + b"--" + line)
    response = client.post("/api/v1/checkins", headers=auth("dl1"), data=data,
                           content_type=f"multipart/form-data; boundary={boundary.decode()}")
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["shift_id"] == dl1_shift and body["device_fix"]["mock"] is True
    assert client.get(f"/api/v1/checkins/{body['id']}/photo?variant=original", headers=auth("mgr-dl")).data == photo


@pytest.fixture
def signed_in(client, auth, dl1_shift):
    photo = selfie(seed=12)
    return post(client, auth, photo).get_json()["id"], photo


def test_a_manager_gets_the_photo_bytes_back_unchanged_as_the_original(client, auth, signed_in):
    checkin_id, photo = signed_in
    response = client.get(f"/api/v1/checkins/{checkin_id}/photo?variant=original", headers=auth("mgr-dl"))
    assert response.status_code == 200 and response.content_type == "image/jpeg"
    assert response.data == photo


def test_the_display_copy_has_no_exif_gps(client, auth, signed_in):
    checkin_id, _photo = signed_in
    response = client.get(f"/api/v1/checkins/{checkin_id}/photo?variant=display", headers=auth("mgr-dl"))
    assert response.status_code == 200 and response.content_type == "image/jpeg"
    image = Image.open(io.BytesIO(response.data))
    assert not image.getexif().get_ifd(0x8825) and 0x8825 not in image.getexif()
    again = client.get(f"/api/v1/checkins/{checkin_id}/photo?variant=display", headers=auth("city"))
    assert again.data == response.data


@pytest.mark.parametrize("user,status", [("dl1", 200), ("mgr-dl", 200), ("city", 200), ("admin", 200),
                                         ("mgr-ng", 403), ("dl2", 403), ("ng1", 403)])
def test_a_sign_in_and_its_photo_are_seen_by_the_officer_and_those_responsible_for_them(client, auth, signed_in,
                                                                                       user, status):
    checkin_id, _photo = signed_in
    assert client.get(f"/api/v1/checkins/{checkin_id}", headers=auth(user)).status_code == status
    assert client.get(f"/api/v1/checkins/{checkin_id}/photo", headers=auth(user)).status_code == status


def test_the_list_is_scoped_like_shifts(app, client, auth, signed_in):
    make_shift(app, badge="HRB-NG-0001", grid="NG-G1")
    post(client, auth, selfie(seed=13), user="ng1")
    assert client.get("/api/v1/checkins", headers=auth("dl1")).get_json()["total"] == 1
    assert client.get("/api/v1/checkins", headers=auth("mgr-ng")).get_json()["total"] == 1
    assert client.get("/api/v1/checkins", headers=auth("city")).get_json()["total"] == 2
    by_officer = client.get("/api/v1/checkins?officer=HRB-DL-0001", headers=auth("admin")).get_json()
    assert [item["officer"] for item in by_officer["items"]] == ["HRB-DL-0001"]
    today = datetime.now(SHANGHAI).date().isoformat()
    assert client.get(f"/api/v1/checkins?district=NG&date={today}", headers=auth("city")).get_json()["total"] == 1


def test_a_real_gps_photo_from_far_away_is_outside_the_grid(client, auth, dl1_shift):
    path = FIXTURES / "exif" / "jpg" / "gps" / "DSCN0010.jpg"
    if not path.exists():
        pytest.skip(f"fixture photo missing: {path}")
    body = post(client, auth, path.read_bytes(), name="DSCN0010.jpg").get_json()
    assert body["inside_grid"] is False and body["distance_to_grid_m"] > 1_000_000
    assert body["location"]["source"] == "exif" and body["timeliness"] == "outside_window"


def test_the_openapi_document_describes_the_sign_in_as_one_multipart_body_with_the_photo_and_the_fix(client):
    document = client.get("/api/v1/openapi.json").get_json()
    body = document["paths"]["/api/v1/checkins"]["post"]["requestBody"]["content"]["multipart/form-data"]
    schema = document["components"]["schemas"][body["schema"]["$ref"].rsplit("/", 1)[1]]
    assert {"photo", "shift_id", "device_lat", "device_lon", "device_accuracy_m", "device_fix_time",
            "device_mock"} <= set(schema["properties"])
    assert schema["properties"]["photo"]["format"] == "binary" and "photo" in schema["required"]

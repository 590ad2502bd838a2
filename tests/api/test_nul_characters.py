"""Text with a NUL character is refused at the door: PostgreSQL cannot store it, and no client means it."""
from __future__ import annotations

import io

import pytest


@pytest.mark.parametrize("send", [
    lambda c, h: c.get("/api/v1/officers?district=D%00L", headers=h),
    lambda c, h: c.post("/api/v1/districts", headers=h, json={"code": "X\u0000", "name": "区"}),
    lambda c, h: c.post("/api/v1/checkins", headers=h, content_type="multipart/form-data",
                        data={"device_fix_time": "2026-11-27T08:00:00\x00", "photo": (io.BytesIO(b"\xff\xd8"), "a.jpg")}),
    lambda c, h: c.post("/api/v1/auth/token", json={"username": "admin\u0000", "password": "x"}),
    lambda c, h: c.get("/osmand?id=phone%00&lat=45.7&lon=126.6&timestamp=1764201600"),
])
def test_a_nul_character_anywhere_in_the_text_is_a_422_that_names_it(client, auth, world, send):
    response = send(client, auth("admin"))
    assert response.status_code == 422
    assert response.get_json()["error"]["code"] == "NUL_CHARACTER"


def test_a_nul_in_an_idempotency_key_is_refused_too(client, auth, world):
    headers = auth("admin") | {"Idempotency-Key": "k\x00"}
    response = client.post("/api/v1/districts", headers=headers, json={"code": "XX", "name": "区"})
    assert response.status_code == 422 and response.get_json()["error"]["code"] == "NUL_CHARACTER"


def test_a_nul_on_the_login_page_is_refused_on_the_error_page(client, world):
    from tests.web.test_pages_flags import token_from

    token = token_from(client.get("/login").data)
    response = client.post("/login", data={"csrf_token": token, "username": "admin\x00", "password": "x"})
    assert response.status_code == 422 and "NUL" in response.get_data(as_text=True)


def test_a_photo_whose_bytes_hold_nul_is_still_judged_by_its_content(client, auth, world):
    response = client.post("/api/v1/checkins", headers=auth("dl1"), content_type="multipart/form-data",
                           data={"photo": (io.BytesIO(b"%PDF-1.4\x00\x00 not a photo"), "a.jpg")})
    assert response.status_code == 415 and response.get_json()["error"]["code"] == "PHOTO_NOT_IMAGE"


def test_a_form_part_whose_name_cannot_be_read_is_ignored_not_a_crash(client, auth, world):
    boundary = "b0undary"
    body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"odd\\\"\r\n\r\nx\r\n"
            f"--{boundary}\r\nContent-Disposition: form-data; name=\"photo\"; filename=\"a.jpg\"\r\n\r\n"
            f"not a photo\r\n--{boundary}--\r\n").encode()
    response = client.post("/api/v1/checkins", headers=auth("dl1"), data=body,
                           content_type=f"multipart/form-data; boundary={boundary}")
    assert response.status_code == 415 and response.get_json()["error"]["code"] == "PHOTO_NOT_IMAGE"

"""A 413 says which limit the request met: the whole upload (MAX_UPLOAD_MB), or a form field or the
number of parts of a body well within it (it used to claim "larger than 25 MB" for those too)."""
import io

from tests.api.test_checkins_api import selfie


def test_a_form_field_over_its_limit_is_named_as_such_not_as_an_oversized_upload(client, auth, world):
    response = client.post("/api/v1/checkins", headers=auth("dl1"), content_type="multipart/form-data",
                           data={"device_lat": "1" * 600_000, "photo": (io.BytesIO(selfie()), "a.jpg")})
    assert response.status_code == 413
    error = response.get_json()["error"]
    assert error["code"] == "FORM_FIELD_TOO_LARGE" and "25 MB" not in error["message"]
    assert error["details"] == {"max_field_bytes": 500_000, "max_parts": 1000}


def test_a_form_of_too_many_parts_is_named_as_such(client, auth, world):
    fields = {f"extra{i}": "x" for i in range(1200)} | {"photo": (io.BytesIO(selfie()), "a.jpg")}
    response = client.post("/api/v1/checkins", headers=auth("dl1"), content_type="multipart/form-data", data=fields)
    assert response.status_code == 413 and response.get_json()["error"]["code"] == "FORM_FIELD_TOO_LARGE"


def test_an_upload_over_the_limit_is_named_with_the_limit(app, client, auth, world):
    limit = app.config["MAX_CONTENT_LENGTH"]
    response = client.post("/api/v1/checkins", headers=auth("dl1"), content_type="multipart/form-data",
                           data={"photo": (io.BytesIO(b"\xff\xd8" + b"\0" * limit), "a.jpg")})
    assert response.status_code == 413
    error = response.get_json()["error"]
    assert error["code"] == "PAYLOAD_TOO_LARGE" and error["details"] == {"limit_bytes": limit}
    assert f"{limit // (1024 * 1024)} MB" in error["message"]

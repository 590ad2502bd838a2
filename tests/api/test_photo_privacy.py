"""Photos are personal data (PIPL): the EXIF-stripped display copy by default, the GPS-bearing
original to managers and admins only, and every fetch of an original recorded (who, when)."""
from __future__ import annotations

import io

import pytest
from PIL import Image
from sqlalchemy import select

from supervise.extensions import db
from supervise.models import OriginalPhotoFetch, User
from tests.api.test_checkins_api import make_shift, post, selfie

GPS_IFD = 0x8825


@pytest.fixture
def checkin_id(app, client, auth, world):
    make_shift(app)
    return post(client, auth, selfie(seed=21)).get_json()["id"]


def has_gps(data: bytes) -> bool:
    exif = Image.open(io.BytesIO(data)).getexif()
    return GPS_IFD in exif or bool(exif.get_ifd(GPS_IFD))


def test_the_photo_url_serves_the_copy_without_gps_by_default(client, auth, checkin_id):
    for user in ("dl1", "mgr-dl"):
        response = client.get(f"/api/v1/checkins/{checkin_id}/photo", headers=auth(user))
        assert response.status_code == 200 and not has_gps(response.data), user


def test_an_officer_may_not_fetch_the_original_even_of_their_own_sign_in(client, auth, checkin_id):
    response = client.get(f"/api/v1/checkins/{checkin_id}/photo?variant=original", headers=auth("dl1"))
    assert response.status_code == 403 and response.get_json()["error"]["code"] == "ORIGINAL_NOT_ALLOWED"


def test_each_fetch_of_an_original_is_recorded_with_who_and_when(app, client, auth, checkin_id):
    for user in ("mgr-dl", "admin", "mgr-dl"):
        response = client.get(f"/api/v1/checkins/{checkin_id}/photo?variant=original", headers=auth(user),
                              environ_base={"REMOTE_ADDR": "198.51.100.20"})
        assert response.status_code == 200 and has_gps(response.data)
    client.get(f"/api/v1/checkins/{checkin_id}/photo", headers=auth("mgr-dl"))   # display copies are not

    with app.app_context():
        fetches = db.session.execute(select(User.username, OriginalPhotoFetch.record, OriginalPhotoFetch.at,
                                            OriginalPhotoFetch.remote_addr)
                                     .join(User, User.id == OriginalPhotoFetch.user_id)
                                     .order_by(OriginalPhotoFetch.id)).all()
    assert [(f.username, f.record, f.remote_addr) for f in fetches] == [
        ("mgr-dl", f"checkin:{checkin_id}", "198.51.100.20"), ("admin", f"checkin:{checkin_id}", "198.51.100.20"),
        ("mgr-dl", f"checkin:{checkin_id}", "198.51.100.20")]
    assert all(f.at is not None for f in fetches)


def test_a_manager_of_another_district_gets_neither_copy(client, auth, checkin_id):
    for variant in ("display", "original"):
        assert client.get(f"/api/v1/checkins/{checkin_id}/photo?variant={variant}",
                          headers=auth("mgr-ng")).status_code == 403

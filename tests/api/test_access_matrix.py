"""Who may do what, for every reference-data endpoint: roles × districts.

The world: districts DL and NG, each with a manager (mgr-dl, mgr-ng), an inspector (insp-dl) and
officers (dl1, dl2, ng1, ng2); a city-wide manager (city) and an admin.
"""
import io

import pytest

from tests.conftest import square

START = "2026-11-27T08:00:00+08:00"
END = "2026-11-27T16:00:00+08:00"


def grid_body(code: str, district: str) -> dict:
    return {"type": "Feature", "geometry": square(126.63, 45.77, 0.001, 0.001),
            "properties": {"code": code, "district": district}}


def officer_id(client, auth, username: str) -> int:
    return client.get("/api/v1/auth/me", headers=auth(username)).get_json()["id"]


@pytest.mark.parametrize("path", ["/api/v1/districts", "/api/v1/grids", "/api/v1/officers", "/api/v1/shifts",
                                  "/api/v1/devices", "/api/v1/posts", "/api/v1/officers/1", "/api/v1/shifts/1"])
def test_no_token_is_401_everywhere(client, world, path):
    response = client.get(path)
    assert response.status_code == 401
    assert response.get_json()["error"]["code"] == "UNAUTHORIZED"


@pytest.mark.parametrize("user,status", [("admin", 201), ("city", 403), ("mgr-dl", 403), ("insp-dl", 403),
                                         ("dl1", 403)])
def test_only_an_admin_creates_districts(client, auth, world, user, status):
    response = client.post("/api/v1/districts", headers=auth(user), json={"code": "DW", "name": "道外区"})
    assert response.status_code == status


@pytest.mark.parametrize("user", ["admin", "city", "mgr-dl", "insp-dl", "dl1"])
def test_every_signed_in_user_reads_districts_and_grids(client, auth, world, user):
    assert client.get("/api/v1/districts", headers=auth(user)).get_json()["total"] == 2
    assert client.get("/api/v1/grids", headers=auth(user)).status_code == 200


@pytest.mark.parametrize("user,district,status", [
    ("admin", "NG", 201), ("city", "NG", 201), ("mgr-ng", "NG", 201),
    ("mgr-dl", "NG", 403), ("insp-ng", "NG", 403), ("ng1", "NG", 403)])
def test_grids_are_loaded_by_admins_and_the_district_s_managers(client, auth, world, user, district, status):
    response = client.post("/api/v1/grids", headers=auth(user), json=grid_body("NG-NEW", district))
    assert response.status_code == status, response.get_json()


@pytest.mark.parametrize("user,status", [("admin", 201), ("mgr-ng", 201), ("mgr-dl", 403), ("ng1", 403)])
def test_posts_are_created_by_admins_and_the_district_s_managers(client, auth, world, user, status):
    body = {"code": "NG-P9", "district": "NG", "lat": 45.75, "lon": 126.64, "radius_m": 30}
    assert client.post("/api/v1/posts", headers=auth(user), json=body).status_code == status


@pytest.mark.parametrize("user,district,role,status", [
    ("admin", "NG", "manager", 201), ("mgr-ng", "NG", "officer", 201), ("mgr-ng", "NG", "inspector", 201),
    ("mgr-ng", "NG", "manager", 403), ("mgr-dl", "NG", "officer", 403), ("city", "NG", "officer", 201),
    ("ng1", "NG", "officer", 403), ("insp-ng", "NG", "officer", 403)])
def test_accounts_are_created_within_the_creator_s_reach(client, auth, world, user, district, role, status):
    body = {"badge_no": "HRB-NG-0099", "name": "新队员", "district": district, "username": "ng99",
            "password": "long-enough-1", "role": role}
    assert client.post("/api/v1/officers", headers=auth(user), json=body).status_code == status


@pytest.mark.parametrize("user,target,status", [
    ("dl1", "dl1", 200), ("dl1", "dl2", 403), ("dl1", "ng1", 403), ("mgr-dl", "dl2", 200),
    ("mgr-dl", "ng1", 403), ("city", "ng1", 200), ("admin", "ng1", 200), ("insp-dl", "dl1", 403)])
def test_an_officer_reads_only_themselves_and_a_manager_only_their_district(client, auth, world, user, target,
                                                                             status):
    response = client.get(f"/api/v1/officers/{officer_id(client, auth, target)}", headers=auth(user))
    assert response.status_code == status


def test_officer_lists_are_scoped(client, auth, world):
    def usernames(user):
        return {o["username"] for o in client.get("/api/v1/officers", headers=auth(user)).get_json()["items"]}

    assert usernames("dl1") == {"dl1"}
    assert usernames("mgr-dl") == {"mgr-dl", "insp-dl", "dl1", "dl2"}
    assert {"ng1", "dl1", "admin"} <= usernames("city")


@pytest.mark.parametrize("user,badge,status", [
    ("dl1", "HRB-DL-0001", 201), ("dl1", "HRB-DL-0002", 403), ("mgr-dl", "HRB-DL-0002", 201),
    ("mgr-dl", "HRB-NG-0001", 403), ("admin", "HRB-NG-0001", 201)])
def test_phones_are_registered_for_oneself_or_by_the_district_s_manager(client, auth, world, user, badge, status):
    response = client.post("/api/v1/devices", headers=auth(user), json={"officer": badge})
    assert response.status_code == status
    if status == 201:
        assert len(response.get_json()["identifier"]) >= 32


@pytest.mark.parametrize("user,badge,status", [
    ("admin", "HRB-NG-0001", 201), ("city", "HRB-NG-0001", 201), ("mgr-ng", "HRB-NG-0001", 201),
    ("mgr-dl", "HRB-NG-0001", 403), ("ng1", "HRB-NG-0001", 403), ("insp-ng", "HRB-NG-0001", 403)])
def test_shifts_are_planned_by_admins_and_the_district_s_managers(client, auth, world, user, badge, status):
    body = {"officer": badge, "start": START, "end": END, "kind": "patrol", "grid": "NG-G1"}
    assert client.post("/api/v1/shifts", headers=auth(user), json=body).status_code == status


def test_shift_reads_are_scoped_to_oneself_or_one_s_district(client, auth, world):
    created = client.post("/api/v1/shifts", headers=auth("admin"),
                          json={"officer": "HRB-NG-0001", "start": START, "end": END, "kind": "patrol",
                                "grid": "NG-G1"}).get_json()
    path = f"/api/v1/shifts/{created['id']}"
    assert client.get(path, headers=auth("ng1")).status_code == 200
    assert client.get(path, headers=auth("ng2")).status_code == 403
    assert client.get(path, headers=auth("mgr-dl")).status_code == 403
    assert client.get(path, headers=auth("mgr-ng")).status_code == 200
    assert client.get("/api/v1/shifts", headers=auth("mgr-dl")).get_json()["total"] == 0
    assert client.get("/api/v1/shifts", headers=auth("ng2")).get_json()["total"] == 0
    assert client.get("/api/v1/shifts", headers=auth("ng1")).get_json()["total"] == 1


def test_a_daoli_manager_cannot_create_squads_in_nangang(client, auth, world):
    body = {"code": "NG-S9", "name": "x"}
    assert client.post("/api/v1/districts/NG/squads", headers=auth("mgr-dl"), json=body).status_code == 403
    assert client.post("/api/v1/districts/NG/squads", headers=auth("mgr-ng"), json=body).status_code == 201


@pytest.mark.parametrize("user,status", [("dl1", 200), ("dl2", 403), ("mgr-dl", 200), ("mgr-ng", 403),
                                         ("city", 200), ("insp-dl", 403)])
def test_a_phone_record_is_seen_by_its_officer_and_their_managers_only(client, auth, world, user, status):
    device = client.post("/api/v1/devices", headers=auth("dl1"), json={"officer": "HRB-DL-0001"}).get_json()
    assert client.get(f"/api/v1/devices/{device['id']}", headers=auth(user)).status_code == status


def test_device_lists_are_scoped(client, auth, world):
    client.post("/api/v1/devices", headers=auth("dl1"), json={"officer": "HRB-DL-0001"})
    client.post("/api/v1/devices", headers=auth("ng1"), json={"officer": "HRB-NG-0001"})

    def listed(user):
        return client.get("/api/v1/devices", headers=auth(user)).get_json()["total"]

    assert (listed("dl1"), listed("dl2"), listed("mgr-dl"), listed("city")) == (1, 0, 1, 2)


@pytest.mark.parametrize("user", ["admin", "mgr-ng", "dl1", "insp-dl"])
def test_reference_data_reads_are_open_to_every_signed_in_user(client, auth, world, user):
    assert client.get("/api/v1/grids/DL-G1", headers=auth(user)).get_json()["code"] == "DL-G1"
    assert client.get("/api/v1/districts/DL/squads", headers=auth(user)).status_code == 200
    assert client.get("/api/v1/posts", headers=auth(user)).status_code == 200


def test_a_path_that_names_nothing_is_404_and_a_body_that_names_nothing_is_422(client, auth, world):
    assert client.get("/api/v1/officers/9999", headers=auth("admin")).status_code == 404
    assert client.get("/api/v1/grids/NOPE", headers=auth("admin")).status_code == 404
    assert client.get("/api/v1/districts/XX/squads", headers=auth("admin")).status_code == 404
    response = client.post("/api/v1/shifts", headers=auth("admin"),
                           json={"officer": "HRB-DL-0001", "start": START, "end": END, "kind": "patrol",
                                 "grid": "NOPE"})
    assert response.status_code == 422 and response.get_json()["error"]["code"] == "UNKNOWN_GRID"


def test_an_id_beyond_what_the_databases_hold_names_nothing(client, auth, world):
    for path in ("/api/v1/flags/43665297692127268668702720", "/api/v1/assignments/99999999999999999999999",
                 "/api/v1/checkins/18446744073709551616", "/api/v1/flags/2147483648",
                 "/api/v1/shifts/9223372036854775806/analysis"):
        response = client.get(path, headers=auth("admin"))
        assert response.status_code == 404, path
        assert response.get_json()["error"]["code"] == "NOT_FOUND"


@pytest.mark.parametrize("user, path", [
    ("admin", "/api/v1/checkins?shift_id=-14490445337336026390777917603840"),
    ("admin", "/api/v1/flags?shift_id=18446744073709551616"),
    ("admin", "/api/v1/flags?shift_id=2147483648"),
    ("city", "/api/v1/assignments?round_id=99999999999999999999999"),
])
def test_an_id_filter_beyond_64_bits_is_refused_by_name(client, auth, world, user, path):
    response = client.get(path, headers=auth(user))
    assert response.status_code == 422, response.get_json()
    field = path.split("?")[1].split("=")[0]
    assert field in response.get_json()["error"]["details"]["fields"]


def test_a_sign_in_naming_a_shift_beyond_64_bits_is_refused_by_name(client, auth, world):
    response = client.post("/api/v1/checkins", headers=auth("dl1"), content_type="multipart/form-data",
                           data={"shift_id": "18446744073709551616", "photo": (io.BytesIO(b"\xff\xd8"), "a.jpg")})
    assert response.status_code == 422 and "shift_id" in response.get_json()["error"]["details"]["fields"]


def test_a_page_number_beyond_reason_is_refused_by_name(client, auth, world):
    response = client.get("/api/v1/districts?page=17631404226294268205310410752", headers=auth("admin"))
    assert response.status_code == 422 and "page" in response.get_json()["error"]["details"]["fields"]


def test_a_feature_collection_without_features_is_refused(client, auth, world):
    response = client.post("/api/v1/grids", headers=auth("admin"), json={"type": "FeatureCollection"})
    assert response.status_code == 422 and response.get_json()["error"]["code"] == "GEOJSON_INVALID"


@pytest.mark.parametrize("path, field", [
    ("/api/v1/shifts?date=0001-01-01", "date"),
    ("/api/v1/checkins?date=9999-12-31", "date"),
    ("/api/v1/assignments?date=0001-01-01", "date"),
    ("/api/v1/flags?from=9999-12-31T23:59:59Z", "from"),
])
def test_a_day_or_instant_at_the_ends_of_the_calendar_is_refused_by_name(client, auth, world, path, field):
    response = client.get(path, headers=auth("admin"))
    assert response.status_code == 422, response.get_json()
    assert field in response.get_json()["error"]["details"]["fields"]


def test_an_as_of_at_the_end_of_the_calendar_is_refused(client, auth, world):
    response = client.get("/api/v1/shifts/1/analysis?as_of=9999-12-31T23:59:59Z", headers=auth("admin"))
    assert response.status_code == 422 and response.get_json()["error"]["code"] == "BAD_AS_OF"

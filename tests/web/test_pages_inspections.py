"""交叉互检 pages: an inspector lists their released spot checks and records findings through the
form; a refused finding keeps what was typed and stores nothing; district managers only read their
own inspectors' checks; the city-wide manager draws rounds; the flag page shows the finding."""
from __future__ import annotations

import io
import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from supervise.extensions import db
from supervise.models import Flag, InspectionAssignment, InspectionFinding, InspectionRound, Photo, User
from supervise.services import inspections
from supervise.services.auth import actor_for
from supervise.timeutil import local_today, utcnow
from tests.api.test_inspections_api import evidence_photo, give_shifts
from tests.web.test_pages_flags import log_in, text, token_from


def user(username: str) -> User:
    return db.session.scalar(select(User).where(User.username == username))


def draw_today(app, seed: int = 7, day=None) -> int:
    """A round drawn by the city-wide manager: insp-dl checks both NG officers, insp-ng both DL ones."""
    with app.app_context():
        drawn = inspections.draw_inspection_round(actor_for(user("city")), inspections.RoundRequest(
            day=day or local_today(), checks_per_inspector=2, seed=seed))
        round_id = drawn.id
        db.session.remove()
    return round_id


@pytest.fixture
def drawn(app, world) -> int:
    give_shifts(app)
    return draw_today(app)


def check_of(app, inspector: str, officer_badge: str) -> int:
    with app.app_context():
        check_id = db.session.scalar(select(InspectionAssignment.id).where(
            InspectionAssignment.inspector.has(username=inspector),
            InspectionAssignment.officer.has(badge_no=officer_badge)))
        db.session.remove()
    return check_id


def stored(app, model) -> int:
    with app.app_context():
        number = db.session.scalar(select(func.count()).select_from(model))
        db.session.remove()
    return number


def photo_a_minute_ago(seed: int = 3) -> bytes:
    return evidence_photo(seed, taken=utcnow() - timedelta(minutes=1))


def post_finding(client, check_id: int, page: bytes, *, photo: bytes | None = None, **fields):
    data = {"csrf_token": token_from(page), "officer": "HRB-NG-0001", **fields}
    if photo is not None:
        data["photo"] = (io.BytesIO(photo), "finding.jpg")
    return client.post(f"/inspections/checks/{check_id}/findings", data=data, content_type="multipart/form-data")


def record_violation(app, check_id: int) -> tuple[int, int]:
    """insp-dl records a D06 violation by officer NG1 through the service; (finding id, flag id)."""
    with app.app_context():
        recorded = inspections.record_finding(actor_for(user("insp-dl")), check_id, inspections.FindingRequest(
            officer="HRB-NG-0001", result="violation", items=("D06",), note="在岗玩手机", photo=photo_a_minute_ago()))
        ids = recorded.finding.id, recorded.flag.id
        db.session.remove()
    return ids


def test_an_inspector_sees_only_their_own_released_checks(app, client, drawn):
    tomorrow = local_today() + timedelta(days=1)
    give_shifts(app, tomorrow)
    draw_today(app, day=tomorrow)  # released tomorrow: not visible yet
    theirs = check_of(app, "insp-ng", "HRB-DL-0001")
    log_in(client, "insp-dl")

    page = text(client.get("/inspections"))

    assert "我的督察任务" in page and "今天" in page and "督察任务" in page
    assert "officer NG1" in page and "officer NG2" in page and "南岗区" in page and "NG-G1" in page
    assert "officer DL1" not in page and "道里区" not in page.split("<main>")[1]
    assert page.count('id="check-') == 2 and tomorrow.isoformat() not in page
    assert client.get(f"/inspections/checks/{theirs}").status_code == 404


def test_the_check_page_offers_the_districts_officers_with_the_one_on_duty_chosen(app, client, drawn):
    check_id = check_of(app, "insp-dl", "HRB-NG-0002")
    log_in(client, "insp-dl")

    page = text(client.get(f"/inspections/checks/{check_id}"))

    officers = re.findall(r'<option value="([^"]+)"( selected)?', page)
    assert officers == [("HRB-NG-0002", " selected"), ("HRB-NG-0001", "")]
    assert all(label in page for label in ("合格", "不在岗", "违纪"))
    assert 'value="D06"' in page and "不准在岗期间玩手机" in page
    assert 'accept="image/jpeg,image/heic" capture="environment"' in page


def test_an_inspector_records_a_violation_through_the_form_and_a_flag_is_raised(app, client, drawn):
    check_id = check_of(app, "insp-dl", "HRB-NG-0001")
    log_in(client, "insp-dl")
    form = client.get(f"/inspections/checks/{check_id}").data

    response = post_finding(client, check_id, form, photo=photo_a_minute_ago(), result="violation",
                            items=["D06"], note="在岗玩手机")

    assert response.status_code == 302 and response.headers["Location"].endswith(f"/inspections/checks/{check_id}")
    after = text(client.get(f"/inspections/checks/{check_id}"))
    with app.app_context():
        flag = db.session.scalar(select(Flag))
        assert (flag.code, flag.status, flag.officer.badge_no) == ("INSPECTION", "open", "HRB-NG-0001")
        assert db.session.get(InspectionFinding, flag.finding_id).items == ["D06"]
        flag_id = flag.id
        db.session.remove()
    assert f"已生成问题 #{flag_id}" in after and "在岗玩手机" in after and "违纪" in after


def test_a_violation_without_an_item_is_refused_beside_the_items_and_stores_nothing(app, client, drawn):
    check_id = check_of(app, "insp-dl", "HRB-NG-0001")
    log_in(client, "insp-dl")
    form = client.get(f"/inspections/checks/{check_id}").data

    response = post_finding(client, check_id, form, photo=photo_a_minute_ago(), result="violation",
                            note="没戴帽子", officer="HRB-NG-0002")

    page = text(response)
    assert response.status_code == 422
    assert re.search(r'id="error-items">违纪须勾选至少一项', page)
    assert 'value="violation" required checked' in page and ">没戴帽子</textarea>" in page
    assert '<option value="HRB-NG-0002" selected>' in page
    assert (stored(app, InspectionFinding), stored(app, Flag), stored(app, Photo)) == (0, 0, 0)


def test_an_absence_without_a_photo_is_refused_beside_the_photo(app, client, drawn):
    check_id = check_of(app, "insp-dl", "HRB-NG-0001")
    log_in(client, "insp-dl")

    response = post_finding(client, check_id, client.get(f"/inspections/checks/{check_id}").data, result="absent")

    assert response.status_code == 422 and 'id="error-photo">不在岗或违纪须附现场照片' in text(response)
    assert stored(app, InspectionFinding) == 0


@pytest.mark.parametrize("path", ["/inspections", "/inspections/checks/{check}", "/inspections/rounds",
                                  "/inspections/rounds/{round}"])
def test_an_officer_is_refused_the_inspection_pages(app, client, drawn, path):
    log_in(client, "ng1")

    response = client.get(path.format(check=check_of(app, "insp-dl", "HRB-NG-0001"), round=drawn))

    assert response.status_code == 403 and "无权查看" in text(response)


def test_a_district_manager_reads_where_their_inspectors_went_but_never_what_comes_to_them(app, client, drawn):
    own = check_of(app, "insp-ng", "HRB-DL-0001")
    coming = check_of(app, "insp-dl", "HRB-NG-0001")
    log_in(client, "mgr-ng")

    listing = text(client.get("/inspections"))
    check_page = client.get(f"/inspections/checks/{own}")

    assert "本区督察员的任务" in listing and "officer DL1" in listing and "officer NG1" not in listing
    assert check_page.status_code == 200 and 'id="finding-form"' not in text(check_page)
    assert client.get(f"/inspections/checks/{coming}").status_code == 404
    assert client.get("/inspections/rounds").status_code == 403
    assert client.post(f"/inspections/checks/{own}/findings", data={
        "csrf_token": token_from(check_page.data), "officer": "HRB-DL-0001", "result": "compliant"}).status_code == 403


def test_the_city_manager_draws_a_round_through_the_form_and_sees_its_page(app, client, world):
    give_shifts(app)
    log_in(client, "city")
    form = client.get("/inspections/rounds")
    assert f'name="date" value="{local_today().isoformat()}"' in text(form) and "抽签派单" in text(form)

    fields = {"csrf_token": token_from(form.data), "date": local_today().isoformat(), "kind": "special",
              "inspectors_per_district": "", "checks_per_inspector": "2", "seed": "7", "scope_items": "D01, D04"}
    asked = client.post("/inspections/rounds", data=fields)
    assert asked.status_code == 200 and 'id="confirm-draw"' in text(asked) and stored(app, InspectionRound) == 0
    assert 'id="same-day-warning"' not in text(asked)

    response = client.post("/inspections/rounds", data={**fields, "confirmed": "1"})

    assert response.status_code == 302
    page = text(client.get(response.headers["Location"]))
    assert "已抽签：4 项督察任务，随机种子 7" in page and "专项督察" in page
    assert "督察南岗区" in page and "督察道里区" in page and "insp DL" in page and "officer NG2" in page
    assert "抽中的督察员都已派出" in page
    listing = text(client.get("/inspections/rounds"))
    assert stored(app, InspectionRound) == 1 and re.search(r'<td class="num">4</td>', listing)


def test_a_round_for_a_past_day_is_refused_beside_the_date(app, client, world):
    give_shifts(app)
    log_in(client, "city")
    yesterday = (local_today() - timedelta(days=1)).isoformat()

    response = client.post("/inspections/rounds", data={
        "csrf_token": token_from(client.get("/inspections/rounds").data), "date": yesterday,
        "kind": "cross_district", "checks_per_inspector": "2", "seed": "x"})

    assert response.status_code == 422 and 'id="error-seed">随机种子须为非负整数' in text(response)
    assert stored(app, InspectionRound) == 0
    again = client.post("/inspections/rounds", data={
        "csrf_token": token_from(client.get("/inspections/rounds").data), "date": yesterday,
        "kind": "cross_district", "checks_per_inspector": "2"})
    assert again.status_code == 422 and 'id="error-date">这一天已经过去' in text(again)
    assert f'value="{yesterday}"' in text(again)


def test_the_flag_page_shows_the_finding_with_its_photo(app, client, drawn):
    finding_id, flag_id = record_violation(app, check_of(app, "insp-dl", "HRB-NG-0001"))
    log_in(client, "mgr-ng")

    page = text(client.get(f"/flags/{flag_id}"))
    photo = client.get(f"/findings/{finding_id}/photo")

    assert 'id="finding"' in page and "insp DL" in page and "道里区" in page and "交叉互检" in page
    assert "违纪" in page and "D06" in page and "不准在岗期间玩手机" in page and "在岗玩手机" in page
    assert "在网格内" in page and f'src="/findings/{finding_id}/photo"' in page
    assert photo.status_code == 200 and photo.headers["Content-Type"] == "image/jpeg"
    assert photo.data[:2] == b"\xff\xd8" and b"Exif" not in photo.data[:4096]


def test_another_districts_manager_cannot_see_the_finding_photo(app, client, drawn):
    finding_id, _ = record_violation(app, check_of(app, "insp-dl", "HRB-NG-0001"))
    log_in(client, "mgr-dl")

    assert client.get(f"/findings/{finding_id}/photo").status_code == 403

"""The manager's queue: search by part of a name, badge or username, a stable order chosen in the
URL, bulk decisions with one reason that report flags someone else decided first, and "next flag"."""
from __future__ import annotations

import re

from sqlalchemy import select

from supervise.extensions import db
from supervise.models import Flag, FlagEvent
from tests.web.test_pages_flags import flag_status, links_to, log_in, raise_flags, text, token_from

TUESDAY = "2026-11-24T08:00:00+08:00"


def three_absences(app) -> tuple[int, int, int]:
    """dl1 absent on Monday and Tuesday, dl2 absent on Monday (three open flags)."""
    return (raise_flags(app)["ABSENT"], raise_flags(app, start=TUESDAY)["ABSENT"],
            raise_flags(app, "HRB-DL-0002")["ABSENT"])


def order_of(page: str) -> list[int]:
    return [int(i) for i in re.findall(r'<tr data-flag="(\d+)"', page)]


def test_the_queue_finds_an_officer_by_part_of_the_name_badge_or_username_in_any_case(app, client, world):
    dl1_monday, dl1_tuesday, dl2 = three_absences(app)
    log_in(client, "mgr-dl")

    by_name = text(client.get("/flags?q=OFFICER+dl2"))
    by_badge = text(client.get("/flags?q=dl-0001"))
    by_username = text(client.get("/flags?q=dl2"))

    assert links_to(by_name, dl2) and not links_to(by_name, dl1_monday)
    assert links_to(by_badge, dl1_monday) and links_to(by_badge, dl1_tuesday) and not links_to(by_badge, dl2)
    assert links_to(by_username, dl2) and not links_to(by_username, dl1_tuesday)
    assert 'value="OFFICER dl2"' in by_name  # the search stays in the box


def test_the_queue_sorts_by_officer_stably_and_keeps_the_order_in_its_links(app, client, world):
    dl1_monday, dl1_tuesday, dl2 = three_absences(app)
    log_in(client, "mgr-dl")

    by_time = order_of(text(client.get("/flags")))
    by_officer_page = text(client.get("/flags?sort=officer"))

    assert by_time == [dl1_tuesday, dl2, dl1_monday] or by_time == [dl1_tuesday, dl1_monday, dl2]
    assert by_time[0] == dl1_tuesday  # newest first
    assert order_of(by_officer_page) == [dl1_tuesday, dl1_monday, dl2]  # DL1 before DL2, each newest first
    assert order_of(text(client.get("/flags?sort=officer"))) == order_of(by_officer_page)
    assert f'href="/flags/{dl2}?sort=officer"' in by_officer_page


def test_the_queue_shows_severity_district_and_the_thin_support_marker(app, client, world):
    three_absences(app)
    log_in(client, "mgr-dl")

    page = text(client.get("/flags"))

    assert 'class="severity"' in page and 'class="district"' in page and 'class="support"' in page
    assert "道里" in page or "DL" in page
    assert 'name="review"' in page and "证据充分" in page


def test_a_bulk_dismissal_decides_the_open_flags_and_reports_one_someone_else_decided(app, client, world):
    dl1_monday, dl1_tuesday, dl2 = three_absences(app)
    log_in(client, "mgr-dl")
    token = token_from(client.get("/flags").data)
    # another manager confirms one of them while this page is open
    client_city = app.test_client()
    log_in(client_city, "city")
    client_city.post(f"/flags/{dl2}/decision", data={"csrf_token": token_from(client_city.get(f"/flags/{dl2}").data),
                                                     "decision": "confirm", "reason": "Seen on the roster."})

    response = client.post("/flags/decisions", data={"csrf_token": token, "flag": [dl1_monday, dl1_tuesday, dl2],
                                                     "decision": "dismiss", "reason": "Training day, on the list."},
                           follow_redirects=True)

    page = text(response)
    assert f"已撤销 2 条：#{dl1_monday}, #{dl1_tuesday}" in page
    assert f"问题 #{dl2} 已由他人处理（已确认，处理人 city）" in page
    assert flag_status(app, dl1_monday) == ("dismissed", 2) and flag_status(app, dl1_tuesday) == ("dismissed", 2)
    assert flag_status(app, dl2) == ("confirmed", 2)  # the other manager's decision stands
    with app.app_context():
        reasons = set(db.session.scalars(select(FlagEvent.reason).where(FlagEvent.action == "dismissed")))
        db.session.remove()
    assert reasons == {"Training day, on the list."}


def test_a_bulk_decision_without_a_reason_decides_nothing(app, client, world):
    dl1_monday, dl1_tuesday, _ = three_absences(app)
    log_in(client, "mgr-dl")
    token = token_from(client.get("/flags").data)

    client.post("/flags/decisions", data={"csrf_token": token, "flag": [dl1_monday, dl1_tuesday],
                                          "decision": "confirm", "reason": " "})

    assert flag_status(app, dl1_monday) == ("open", 1) and flag_status(app, dl1_tuesday) == ("open", 1)


def test_a_bulk_decision_leaves_another_districts_flag_alone(app, client, world):
    daoli = raise_flags(app)["ABSENT"]
    nangang = raise_flags(app, "HRB-NG-0001")["ABSENT"]
    log_in(client, "mgr-dl")
    token = token_from(client.get("/flags").data)

    client.post("/flags/decisions", data={"csrf_token": token, "flag": [daoli, nangang],
                                          "decision": "confirm", "reason": "Checked the roster."})

    assert flag_status(app, daoli)[0] == "confirmed" and flag_status(app, nangang) == ("open", 1)


def test_after_a_decision_next_opens_the_following_open_flag_of_the_same_queue(app, client, world):
    dl1_monday, dl1_tuesday, dl2 = three_absences(app)
    log_in(client, "mgr-dl")
    page = client.get(f"/flags/{dl1_tuesday}?q=dl-0001")
    assert f'id="next-flag" href="/flags/{dl1_monday}?q=dl-0001"' in text(page)

    response = client.post(f"/flags/{dl1_tuesday}/decision", data={
        "csrf_token": token_from(page.data), "decision": "confirm", "reason": "No sign-in at all.",
        "then": "next", "q": "dl-0001"})

    assert response.status_code == 302 and response.headers["Location"].endswith(f"/flags/{dl1_monday}?q=dl-0001")
    last = client.get(f"/flags/{dl1_monday}?q=dl-0001")
    assert 'id="next-flag"' not in text(last)  # nothing else of dl1 is open
    done = client.post(f"/flags/{dl1_monday}/decision", data={
        "csrf_token": token_from(last.data), "decision": "dismiss", "reason": "Roster was wrong.",
        "then": "next", "q": "dl-0001"}, follow_redirects=True)
    assert "当前队列中已没有待处理的问题" in text(done) and links_to(text(client.get("/flags")), dl2)


def test_next_flag_follows_the_queue_order_and_skips_decided_flags(app, world):
    from supervise.models import User
    from supervise.services.auth import actor_for
    from supervise.services.flag_queue import next_flag_id

    dl1_monday, dl1_tuesday, dl2 = three_absences(app)
    with app.app_context():
        manager = actor_for(db.session.scalar(select(User).where(User.username == "mgr-dl")))
        order = [dl1_tuesday, dl1_monday, dl2]
        assert next_flag_id(manager, {"status": "open"}, "", "officer", order[0]) == order[1]
        assert next_flag_id(manager, {"status": "open"}, "", "officer", order[2]) == order[0]  # wraps round
        db.session.get(Flag, dl1_monday).status = "confirmed"
        db.session.commit()
        assert next_flag_id(manager, {"status": "open"}, "", "officer", dl1_tuesday) == dl2
        db.session.remove()


def test_a_reused_photo_flag_shows_both_photos_with_their_officers_and_times_to_a_manager(app, client, world, auth):
    from tests.api.test_checkins_api import make_shift, post, selfie

    make_shift(app)
    make_shift(app, badge="HRB-DL-0002")
    photo = selfie(seed=4)
    first = post(client, auth, photo).get_json()
    second = post(client, auth, photo, user="dl2").get_json()
    with app.app_context():
        flag_id = db.session.scalar(select(Flag.id).where(Flag.code == "PHOTO_REUSED"))
        db.session.remove()
    log_in(client, "mgr-dl")

    page = text(client.get(f"/flags/{flag_id}"))
    pair = page[page.index('id="reused"'):page.index("</section>", page.index('id="reused"'))]

    assert f'src="/checkins/{second["id"]}/photo"' in pair and f'src="/checkins/{first["id"]}/photo"' in pair
    assert "officer DL1" in pair and "officer DL2" in pair and "本次签到" in pair and "较早的签到" in pair
    assert client.get(f"/checkins/{first['id']}/photo").status_code == 200
    client.post("/logout", data={"csrf_token": token_from(page.encode())})
    log_in(client, "dl2")
    own_view = text(client.get(f"/flags/{flag_id}"))
    assert 'id="reused"' not in own_view and f"/checkins/{first['id']}/photo" not in own_view


def test_without_tiles_the_map_draws_on_a_plain_background_and_the_policy_names_no_tile_host(app, client, world):
    from tests.web.test_pages_flags import idle_flags

    flag_id = idle_flags(app, sparse=False)["IDLE"]
    log_in(client, "mgr-dl")

    response = client.get(f"/flags/{flag_id}")

    data = map_data(text(response))
    assert data["tiles"] is None and data["track"] and data["stays"] and data["area"]["rings"]
    assert "img-src 'self' data: blob:;" in response.headers["Content-Security-Policy"]


def test_amap_tiles_get_the_overlays_in_gcj02_and_their_host_in_the_policy(app, client, world, monkeypatch):
    from supervise.geo.datum import wgs84_to_gcj02
    from tests.web.test_pages_flags import idle_flags

    flag_id = idle_flags(app, sparse=False)["IDLE"]
    log_in(client, "mgr-dl")
    plain = map_data(text(client.get(f"/flags/{flag_id}")))
    monkeypatch.setitem(app.config, "TILE_URL",
                        "https://webrd0{s}.is.autonavi.com/appmaptile?lang=zh_cn&size=1&scale=1&style=8&x={x}&y={y}&z={z}")
    monkeypatch.setitem(app.config, "TILE_CRS", "gcj02")

    response = client.get(f"/flags/{flag_id}")

    amap = map_data(text(response))
    lat, lon = plain["track"][0][:2]
    gcj_lon, gcj_lat = wgs84_to_gcj02(lon, lat)
    assert amap["tiles"]["crs"] == "gcj02"
    assert abs(amap["track"][0][0] - gcj_lat) < 1e-6 and abs(amap["track"][0][1] - gcj_lon) < 1e-6
    assert abs(amap["track"][0][1] - lon) > 1e-3  # a few hundred metres moved, as Amap draws it
    assert "img-src 'self' https://*.is.autonavi.com data: blob:" in response.headers["Content-Security-Policy"]


def map_data(page: str) -> dict:
    import json

    block = re.search(r'<script type="application/json" id="map-data">(.*?)</script>', page, re.DOTALL)
    return json.loads(block.group(1))


def test_the_export_of_a_searched_and_sorted_queue_holds_what_the_queue_shows_in_its_order(app, client, world):
    import csv
    import html
    import io

    dl1_monday, dl1_tuesday, dl2 = three_absences(app)
    log_in(client, "mgr-dl")

    page = text(client.get("/flags?q=officer&sort=officer"))
    [link] = [html.unescape(href) for href in re.findall(r'class="export" href="([^"]+format=csv[^"]*)"', page)]
    assert "q=officer" in link and "sort=officer" in link
    rows = list(csv.reader(io.StringIO(client.get(link).get_data(as_text=True).lstrip("\ufeff"))))
    assert [int(row[0]) for row in rows[1:]] == order_of(page) == [dl1_tuesday, dl1_monday, dl2]

    searched = client.get("/flags/export?format=csv&q=dl2").get_data(as_text=True).lstrip("\ufeff")
    assert [int(row[0]) for row in list(csv.reader(io.StringIO(searched)))[1:]] == [dl2]


def test_the_api_lists_and_exports_flags_by_search_and_order_as_the_queue_does(app, client, world, auth):
    import csv
    import io

    dl1_monday, dl1_tuesday, dl2 = three_absences(app)
    headers = auth("mgr-dl")

    listed = client.get("/api/v1/flags?q=DL-0001&sort=officer", headers=headers).get_json()
    exported = client.get("/api/v1/flags/export?format=csv&q=dl-0001&sort=officer", headers=headers)
    by_officer = client.get("/api/v1/flags?sort=officer", headers=headers).get_json()
    refused = client.get("/api/v1/flags?sort=salary", headers=headers)

    assert [f["id"] for f in listed["items"]] == [dl1_tuesday, dl1_monday]
    rows = list(csv.reader(io.StringIO(exported.get_data(as_text=True).lstrip("\ufeff"))))
    assert [int(row[0]) for row in rows[1:]] == [dl1_tuesday, dl1_monday]
    assert [f["id"] for f in by_officer["items"]] == [dl1_tuesday, dl1_monday, dl2]
    assert refused.status_code == 422 and "error" in refused.get_json()


def test_the_api_decides_many_flags_with_one_reason_and_reports_each(app, client, world, auth):
    from tests.api.test_flags_api import appeal, decide

    dl1_monday, dl1_tuesday, dl2 = three_absences(app)
    ng = raise_flags(app, "HRB-NG-0001")["ABSENT"]
    assert decide(client, auth, "city", dl2, "dismiss", "sick note on file").status_code == 200
    assert decide(client, auth, "mgr-dl", dl1_tuesday, "confirm", "no sign-in").status_code == 200
    assert appeal(client, auth, "dl1", dl1_tuesday).status_code == 200

    answer = client.post("/api/v1/flags/decisions", headers=auth("mgr-dl"), json={
        "flags": [dl1_monday, dl1_tuesday, dl2, ng, dl1_monday], "decision": "confirm", "reason": "roster checked"})

    assert answer.status_code == 200
    body = answer.get_json()
    assert body["decided"] == [dl1_monday]
    assert [(item["id"], item["state"]["status"]) for item in body["already_decided"]] == [(dl2, "dismissed")]
    assert {item["id"]: item["code"] for item in body["refused"]} == {dl1_tuesday: "APPEAL_DECIDED_ALONE",
                                                                      ng: "FORBIDDEN"}
    assert flag_status(app, dl1_monday)[0] == "confirmed" and flag_status(app, ng)[0] == "open"


def test_a_bulk_decision_that_is_wrong_decides_nothing_and_officers_may_not_send_one(app, client, world, auth):
    dl1_monday, _, _ = three_absences(app)
    no_reason = client.post("/api/v1/flags/decisions", headers=auth("mgr-dl"),
                            json={"flags": [dl1_monday], "decision": "confirm", "reason": ""})
    none_chosen = client.post("/api/v1/flags/decisions", headers=auth("mgr-dl"),
                              json={"flags": [], "decision": "confirm", "reason": "x"})
    by_officer = client.post("/api/v1/flags/decisions", headers=auth("dl2"),
                             json={"flags": [dl1_monday], "decision": "dismiss", "reason": "friend"})
    assert no_reason.status_code == 422 and none_chosen.status_code == 422 and by_officer.status_code == 403
    assert "error" in no_reason.get_json() and by_officer.get_json()["error"]["code"] == "FORBIDDEN"
    assert flag_status(app, dl1_monday)[0] == "open"

"""The badge on every page counts one's unread notifications; the list reads them."""
from __future__ import annotations

import re

from tests.web.test_pages_flags import log_in, raise_flags, text, token_from


def badge(page: str) -> int:
    found = re.search(r'data-unread="(\d+)"', page)
    return int(found.group(1)) if found else 0


def test_an_officer_sees_a_badge_for_a_new_flag_on_every_page_until_reading_it(app, client, world):
    raise_flags(app)
    log_in(client, "dl1")
    assert badge(text(client.get("/me"))) == 1
    assert badge(text(client.get("/checkin"))) == 1
    listing = text(client.get("/notifications"))
    assert "新督察标记 ABSENT" in listing and "前申诉" in listing
    client.post("/notifications/read", data={"csrf_token": token_from(client.get("/notifications").data)})
    assert badge(text(client.get("/me"))) == 0


def test_the_manager_s_badge_counts_the_digest_and_the_other_district_sees_nothing(app, client, world):
    raise_flags(app)
    log_in(client, "mgr-dl")
    assert badge(text(client.get("/flags"))) == 1
    client.post("/logout")
    log_in(client, "mgr-ng")
    assert badge(text(client.get("/flags"))) == 0


def test_nobody_marks_someone_else_s_notification_read(app, client, auth, world):
    raise_flags(app)
    response = client.post("/api/v1/notifications/read", headers=auth("dl2"), json={"id": 1})
    assert response.status_code == 404
    assert client.get("/api/v1/notifications", headers=auth("dl1")).get_json()["unread"] == 1

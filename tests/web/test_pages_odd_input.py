"""Every page, as every role, answers odd input (absurd ids, days at the ends of the calendar,
numbers that are not numbers, huge and control-character text) with a page or a refusal, never
with a server error."""
from __future__ import annotations

import io
import re

import pytest

from tests.web.test_pages_flags import log_in, token_from

ROLES = ["admin", "city", "mgr-dl", "insp-dl", "dl1"]
IDS = ["0", "1", "99999999999999999999999"]
ODD_QUERY = {"from": "0001-01-01", "to": "9999-12-31", "page": "-1", "status": "zzz", "group_by": "zzz",
             "date": "9999-99-99", "code": "\x00", "officer": "'; drop", "squad": "%", "variant": "x",
             "as_of": "9999-12-31T23:59:59Z", "kind": "zzz", "district": "🙂"}
ODD_VALUES = ["", "-1", "99999999999999999999999", "9999-99-99", "0001-01-01", "nan", "inf", "\x00", "🙂" * 300,
              "a" * 5000]
FORM_FIELDS = ["decision", "reason", "status", "date", "kind", "inspectors_per_district", "checks_per_inspector",
               "seed", "release_at", "officer", "result", "items", "note", "shift_id", "device_lat", "device_lon",
               "device_accuracy_m", "device_fix_time", "text", "action", "from", "to", "username", "password"]


def page_routes(app, method: str) -> list[str]:
    return [rule.rule for rule in app.url_map.iter_rules()
            if method in rule.methods and not rule.rule.startswith(("/api/", "/osmand", "/static"))
            and rule.rule not in ("/logout", "/readyz")]   # /readyz answers 503 by design when not ready


def with_id(route: str, value: str) -> str:
    return re.sub(r"<(?:\w+:)?\w+>", value, route)


@pytest.mark.parametrize("user", ROLES)
def test_no_page_fails_on_odd_ids_or_odd_query_values(app, client, world, user):
    log_in(client, user)
    failed = [(with_id(route, value), bool(query)) for route in page_routes(app, "GET") for value in IDS
              for query in ({}, ODD_QUERY) if client.get(with_id(route, value), query_string=query).status_code >= 500]
    assert failed == []


@pytest.mark.parametrize("user", ROLES)
def test_no_form_fails_on_odd_values(app, client, world, user):
    log_in(client, user)
    token = token_from(client.get("/login").data)
    failed = []
    for route in page_routes(app, "POST"):
        for value in ODD_VALUES:
            form = {name: value for name in FORM_FIELDS} | {"csrf_token": token, "photo": (
                io.BytesIO(b"\xff\xd8\xff" + value.encode()), "odd.jpg")}
            response = client.post(with_id(route, "1"), data=form, content_type="multipart/form-data")
            if response.status_code >= 500:
                failed.append((route, value[:20]))
    assert failed == []

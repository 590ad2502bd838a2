"""What operators and browsers rely on: security headers on every answer, /healthz, /readyz that
names what is wrong, and Prometheus metrics for the monitoring network only."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest

from supervise.extensions import db
from supervise.services import heartbeat
from supervise.timeutil import utcnow
from tests.web.test_login_page import log_in


def test_pages_forbid_framing_inline_scripts_and_sniffing(client, world):
    log_in(client, "mgr-dl")
    response = client.get("/flags")
    headers = response.headers
    policy = headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in policy and "script-src 'self'" in policy and "unsafe-inline" not in policy
    assert headers["X-Frame-Options"] == "DENY" and headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "same-origin" and headers["Cache-Control"] == "no-store"
    assert "Strict-Transport-Security" not in headers   # plain HTTP: HSTS would mean nothing


def test_no_page_carries_an_inline_script_the_policy_would_block(client, world):
    log_in(client, "dl1")
    for path in ("/me", "/checkin", "/password"):
        page = client.get(path).data.decode("utf-8")
        assert not re.search(r"<script(?![^>]*\bsrc=)", page), path
        assert not re.search(r"\son[a-z]+=", page), path


def test_json_answers_carry_the_headers_too_and_https_adds_hsts(client, auth, world):
    response = client.get("/api/v1/districts", headers=auth("admin"), base_url="https://supervise.example")
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Strict-Transport-Security"].startswith("max-age=")


def test_healthz_answers_without_the_database(client):
    response = client.get("/healthz")
    assert response.status_code == 200 and response.get_json() == {"status": "ok"}


def beat(age: timedelta = timedelta(0)) -> None:
    heartbeat.beat(heartbeat.Beat(holder="test", interval_s=60, as_of=utcnow(), tick_seconds=0.4, lag_seconds=61))
    row = heartbeat.last_beat()
    row.beat_at = utcnow() - age
    db.session.commit()


def test_readyz_is_503_until_a_scheduler_beats_and_names_what_is_missing(app, client, ctx):
    response = client.get("/readyz")
    body = response.get_json()
    assert response.status_code == 503 and body["status"] == "not_ready"
    assert body["checks"]["database"]["ok"] and body["checks"]["storage"]["ok"]
    assert not body["checks"]["scheduler"]["ok"] and "supervise scheduler" in body["checks"]["scheduler"]["error"]

    beat()
    response = client.get("/readyz")
    assert response.status_code == 200 and response.get_json()["status"] == "ready"


def test_readyz_notices_a_scheduler_that_stopped_beating(client, ctx):
    beat(age=timedelta(minutes=10))
    body = client.get("/readyz").get_json()
    assert body["checks"]["scheduler"]["ok"] is False and body["checks"]["scheduler"]["age_seconds"] >= 600


def test_readyz_notices_photo_storage_that_takes_no_file(app, client, ctx, tmp_path):
    beat()
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    saved = app.config["STORAGE_DIR"]
    app.config["STORAGE_DIR"] = str(blocker / "storage")
    try:
        body = client.get("/readyz").get_json()
    finally:
        app.config["STORAGE_DIR"] = saved
    assert body["status"] == "not_ready" and body["checks"]["storage"]["ok"] is False


def metric(client, name: str, **labels) -> float:
    text = client.get("/metrics").data.decode()
    wanted = [f'{key}="{value}"' for key, value in labels.items()]
    for line in text.splitlines():
        if line.startswith((name + "{", name + " ")) and all(label in line for label in wanted):
            return float(line.rsplit(" ", 1)[1])
    return 0.0


def test_metrics_count_requests_by_route_and_status(client, world):
    before = metric(client, "supervise_http_requests_total", route="/api/v1/districts", status="401")
    for _ in range(3):
        client.get("/api/v1/districts")
    assert metric(client, "supervise_http_requests_total", route="/api/v1/districts", status="401") == before + 3


def test_metrics_count_positions_stored_and_time_uploads(client, auth, world):
    device = client.post("/api/v1/devices", headers=auth("dl1"), json={"officer": "HRB-DL-0001"}).get_json()
    before = metric(client, "supervise_positions_stored_total", source="osmand")
    timed = metric(client, "supervise_upload_duration_seconds_count", kind="osmand")
    now = int(utcnow().timestamp())
    for i in range(4):
        client.get(f"/osmand?id={device['identifier']}&lat=45.776&lon=126.618&timestamp={now - 60 + i}&accuracy=8")
    assert metric(client, "supervise_positions_stored_total", source="osmand") == before + 4
    assert metric(client, "supervise_upload_duration_seconds_count", kind="osmand") == timed + 4


def test_metrics_show_flags_raised_and_the_scheduler_s_last_tick(app, client, ctx, world):
    from supervise.services.checks import run_checks
    from tests.integration.evidence_factories import make_shift

    make_shift("HRB-DL-0001", (utcnow() - timedelta(hours=3)).isoformat(), hours=2)
    run_checks(utcnow())
    beat()
    assert metric(client, "supervise_flags_raised_total", code="ABSENT") == 1
    assert metric(client, "supervise_scheduler_last_tick_seconds") == pytest.approx(0.4)
    assert metric(client, "supervise_scheduler_lag_seconds") == 61


def test_metrics_are_refused_outside_the_monitoring_network(client):
    response = client.get("/metrics", environ_base={"REMOTE_ADDR": "203.0.113.9"})
    assert response.status_code == 403

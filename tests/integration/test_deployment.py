"""The deployment as shipped (deploy/gunicorn.conf.py, threaded workers) against slow phones, and
what operators read from it: JSON log lines with request ids, and metrics summed over workers."""
from __future__ import annotations

import json
import os
import secrets
import socket
import time
import urllib.error
import urllib.request

import pytest

from tests.conftest import PASSWORD
from tests.servers import Gunicorn


@pytest.fixture(scope="module")
def gunicorn(app, tmp_path_factory):
    server = Gunicorn(app.config, tmp_path_factory.mktemp("gunicorn") / "server.log")
    yield server
    server.stop()


def slow_upload(port: int) -> socket.socket:
    """A phone on a bad link: the headers of a 4 MB selfie upload and its first bytes, then nothing."""
    connection = socket.create_connection(("127.0.0.1", port))
    boundary = "slowphone"
    head = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"photo\"; filename=\"selfie.jpg\"\r\n"
            "Content-Type: image/jpeg\r\n\r\n").encode()
    connection.sendall(("POST /api/v1/checkins HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer x\r\n"
                        f"Content-Type: multipart/form-data; boundary={boundary}\r\n"
                        f"Content-Length: {4_000_000}\r\n\r\n").encode() + head + b"\xff\xd8\xff\xe1" + b"\0" * 4096)
    return connection


def half_headers(port: int) -> socket.socket:
    """A client that sent half its request line and stopped."""
    connection = socket.create_connection(("127.0.0.1", port))
    connection.sendall(b"GET /login HTTP/1.1\r\nHost: loc")
    return connection


def timed_get(url: str) -> tuple[float, int, dict]:
    started = time.perf_counter()
    with urllib.request.urlopen(url, timeout=10) as response:
        response.read()
        return time.perf_counter() - started, response.status, dict(response.headers)


def test_login_still_answers_within_a_second_while_slow_phones_hold_uploads_open(gunicorn, world):
    slow = [slow_upload(gunicorn.port) for _ in range(12)] + [half_headers(gunicorn.port) for _ in range(12)]
    try:
        time.sleep(1.0)   # every slow upload is now inside a worker, waiting for the rest of its body
        for _ in range(3):
            for connection in slow[:12]:
                connection.sendall(b"\0" * 512)   # trickling, never finishing
            elapsed, status, _ = timed_get(gunicorn.base + "/login")
            assert status == 200 and elapsed < 1.0, f"/login took {elapsed:.2f} s"
    finally:
        for connection in slow:
            connection.close()


def test_every_request_leaves_one_json_log_line_with_the_id_it_was_answered_with(gunicorn, world):
    _, _, headers = timed_get(gunicorn.base + "/login?next=secret-query")
    request_id = headers["X-Request-ID"]
    time.sleep(0.3)
    lines = [json.loads(line) for line in gunicorn.log_lines() if line.startswith("{")]
    mine = [entry for entry in lines if entry.get("request_id") == request_id]
    assert len(mine) == 1 and mine[0]["logger"] == "supervise.access"
    assert mine[0]["status"] == 200 and mine[0]["path"] == "/login" and "duration_ms" in mine[0]
    assert not any("secret-query" in line for line in gunicorn.log_lines()), "queries do not belong in logs"


def test_metrics_add_up_the_requests_of_every_worker(gunicorn, world):
    before = _healthz_count(gunicorn)
    for _ in range(20):
        timed_get(gunicorn.base + "/healthz")
    assert _healthz_count(gunicorn) - before == 20


def _healthz_count(gunicorn) -> float:
    with urllib.request.urlopen(gunicorn.base + "/metrics", timeout=10) as response:
        text = response.read().decode()
    for line in text.splitlines():
        if line.startswith("supervise_http_requests_total{") and 'route="/healthz"' in line and 'status="200"' in line:
            return float(line.rsplit(" ", 1)[1])
    return 0.0


def test_phones_report_through_the_real_server_in_each_shape_traccar_client_sends(gunicorn, app, world):
    from datetime import UTC, datetime

    from sqlalchemy import func, select

    from supervise.cli import SYSTEM
    from supervise.extensions import db
    from supervise.models import Position
    from supervise.services import reference
    from tests.conftest import DL_GRID_CENTRE

    lon, lat = DL_GRID_CENTRE
    with app.app_context():
        phone = reference.register_device(SYSTEM, "HRB-DL-0001").identifier
    now = time.time()
    query = f"/osmand?id={phone}&lat={lat}&lon={lon}&accuracy=8&batt=77&timestamp="
    at = datetime.fromtimestamp(now - 10, UTC).isoformat().replace("+00:00", "Z")
    sent = [
        urllib.request.Request(gunicorn.base + query + f"{now - 30:.0f}"),                        # GET
        urllib.request.Request(gunicorn.base + query + f"{now - 20:.0f}", data=b"", method="POST"),  # Android
        urllib.request.Request(gunicorn.base + "/osmand", method="POST", headers={"Content-Type": "application/json"},
                               data=json.dumps({"device_id": phone, "location": {"timestamp": at, "coords": {
                                   "latitude": lat, "longitude": lon, "accuracy": 5}}}).encode()),   # newer clients
    ]
    answers = []
    for request in sent:
        with urllib.request.urlopen(request, timeout=10) as response:
            answers.append((response.status, json.loads(response.read())))
    assert answers == [(200, {"stored": True, "reason": None})] * 3
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Position)) == 3
        db.session.remove()
    refused = urllib.request.Request(gunicorn.base + "/osmand", method="POST", data=b"[1, 2]",
                                     headers={"Content-Type": "application/json"})
    with pytest.raises(urllib.error.HTTPError) as error:
        urllib.request.urlopen(refused, timeout=10)
    assert error.value.code == 400 and json.loads(error.value.read())["error"]["code"] == "OSMAND_BAD_BODY"


REDIS_URL = os.environ.get("SUPERVISE_TEST_REDIS_URL", "redis://127.0.0.1:6379/12")


def _redis_or_skip():
    redis = pytest.importorskip("redis")
    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping()
    except redis.exceptions.ConnectionError:
        pytest.skip(f"no Redis at {REDIS_URL} (.ci/run starts one)")
    return redis.Redis.from_url(REDIS_URL)


def login_status(server: Gunicorn, client_address: str, password: str) -> int:
    request = urllib.request.Request(server.base + "/api/v1/auth/token", method="POST",
                                     data=json.dumps({"username": "dl1", "password": password}).encode(),
                                     headers={"Content-Type": "application/json", "X-Forwarded-For": client_address})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def test_two_servers_sharing_redis_count_failed_logins_together(app, world, tmp_path):
    redis = _redis_or_skip()
    stranger, officer = f"2001:db8::{secrets.token_hex(2)}", f"2001:db8:1::{secrets.token_hex(2)}"
    shared = {"SUPERVISE_REDIS_URL": REDIS_URL, "SUPERVISE_TRUSTED_PROXIES": "127.0.0.1", "SUPERVISE_WORKERS": "1"}
    first = Gunicorn(app.config, tmp_path / "first.log", **shared)
    try:
        second = Gunicorn(app.config, tmp_path / "second.log", **shared)
        try:
            for server in (first, second, first, second, first):
                assert login_status(server, stranger, "not-the-password") == 401
            assert login_status(second, stranger, PASSWORD) == 429
            assert login_status(second, officer, PASSWORD) == 200
        finally:
            second.stop()
    finally:
        first.stop()
        for key in redis.scan_iter("*2001:db8:*"):
            redis.delete(key)

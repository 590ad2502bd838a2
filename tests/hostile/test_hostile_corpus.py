"""Every request of the hostile corpus (tests/hostile/corpus.py, 600 and more) goes through real
HTTP to a server on this machine: not one answer is a server error, a refused request writes
nothing (row counts of every table and the photo storage are the same before and after), every API
error is the one error body, and every answer is the one recorded in answers.json, on SQLite and on
PostgreSQL alike.

After a deliberate change of behaviour, record the answers again (on SQLite) and review the diff:
    SUPERVISE_RECORD_HOSTILE=1 pytest tests/hostile
"""
from __future__ import annotations

import http.client
import json
import os
import re
import socket
import threading
import time
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import text
from werkzeug.serving import make_server

from supervise.extensions import db
from supervise.timeutil import utcnow
from tests.conftest import PASSWORD
from tests.hostile.corpus import Hostile, build_corpus

ANSWERS = Path(__file__).with_name("answers.json")
RECORD = os.environ.get("SUPERVISE_RECORD_HOSTILE") == "1"
# Refused logins are counted on purpose (the login rate limit reads them), and a page case signs in
# first (a server-side session row): the writes a refused request may come with.
COUNTED_REFUSALS = {"login_attempt", "web_session"}
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


class LiveServer:
    """The test app served over HTTP on 127.0.0.1 by werkzeug's threaded server."""

    def __init__(self, app):
        self.server = make_server("127.0.0.1", 0, app, threaded=True)
        self.port = self.server.server_port
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def send(self, method: str, path: str, body: bytes = b"", headers: dict | None = None) -> tuple[int, dict, bytes]:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=120)
        try:
            conn.putrequest(method, path, skip_accept_encoding=True)
            for name, value in {"Content-Length": str(len(body)), "Connection": "close", **(headers or {})}.items():
                conn.putheader(name, value.encode("utf-8") if isinstance(value, str) else value)
            conn.endheaders(body)
            response = conn.getresponse()
            return response.status, dict(response.getheaders()), response.read()
        finally:
            conn.close()

    def send_raw(self, request: bytes) -> int:
        with socket.create_connection(("127.0.0.1", self.port), timeout=60) as sock:
            sock.sendall(request)
            sock.shutdown(socket.SHUT_WR)
            head = sock.recv(64)
        return int(head.split(b" ", 2)[1]) if head.startswith(b"HTTP/") else 0

    def stop(self) -> None:
        self.server.shutdown()
        self.thread.join(timeout=10)


class Browser:
    """A session cookie and its CSRF token, as a person's browser holds them after logging in."""

    def __init__(self, server: LiveServer, username: str | None):
        self.server, self.cookie = server, ""
        page = self.get("/login")
        if username is not None:
            status, _ = self.post_form("/login", f"csrf_token={self.csrf(page)}&username={username}"
                                                 f"&password={PASSWORD}".encode())
            assert status == 302, f"{username} could not log in"
        self.token = self.csrf(self.get("/flags" if username not in (None, "dl1") else "/checkin")
                               if username else page)

    def get(self, path: str) -> bytes:
        _, headers, body = self.server.send("GET", path, headers={"Cookie": self.cookie})
        self._keep(headers)
        return body

    def post_form(self, path: str, body: bytes) -> tuple[int, bytes]:
        status, headers, answer = self.server.send("POST", path, body, {
            "Cookie": self.cookie, "Content-Type": "application/x-www-form-urlencoded"})
        self._keep(headers)
        return status, answer

    def _keep(self, headers: dict) -> None:
        cookie = headers.get("Set-Cookie")
        if cookie:
            self.cookie = cookie.split(";", 1)[0]

    @staticmethod
    def csrf(page: bytes) -> str:
        found = CSRF.search(page.decode("utf-8", "replace"))
        return found.group(1) if found else ""


@pytest.fixture
def server(app):
    live = LiveServer(app)
    yield live
    live.stop()


@pytest.fixture
def places(app, world, server) -> dict[str, str]:
    """What the corpus's placeholders stand for: a shift in progress, an open flag, a phone."""
    from supervise.cli import SYSTEM
    from supervise.services import reference
    from supervise.services.checks import run_checks
    from supervise.timeutil import parse_instant

    with app.app_context():
        start = utcnow().replace(microsecond=0) + timedelta(minutes=2)
        shift = reference.create_shift(SYSTEM, officer="HRB-DL-0001", start=start, end=start + timedelta(hours=8),
                                       kind="patrol", grid="DL-G1").id
        past = parse_instant("2026-11-23T08:00:00+08:00")
        reference.create_shift(SYSTEM, officer="HRB-DL-0001", start=past, end=past + timedelta(hours=8),
                               kind="patrol", grid="DL-G1")
        [flag] = run_checks(past + timedelta(hours=1)).created
        device = reference.register_device(SYSTEM, "HRB-DL-0001").identifier
        db.session.remove()
    return {"shift": str(shift), "flag": str(flag.id), "device": device}


def tokens(server: LiveServer) -> dict[str, str]:
    found = {}
    for user in ("admin", "dl1", "mgr-dl", "city"):
        status, _, body = server.send("POST", "/api/v1/auth/token", json.dumps(
            {"username": user, "password": PASSWORD}).encode(), {"Content-Type": "application/json"})
        assert status == 200, body
        found[user] = json.loads(body)["token"]
    return found


def snapshot(app) -> tuple[dict[str, int], frozenset[str]]:
    """Row counts of every table and the files in photo storage."""
    tables = [t.name for t in db.metadata.sorted_tables]
    query = " UNION ALL ".join(f"SELECT '{name}', count(*) FROM \"{name}\"" for name in tables)
    with app.app_context(), db.engine.connect() as conn:
        counts = dict(conn.execute(text(query)).all())
    root = Path(app.config["STORAGE_DIR"])
    return counts, frozenset(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())


def fill(value: str | bytes, places: dict[str, str]):
    pairs = {**places, "now": str(int(time.time()) - 5)}
    for name, replacement in pairs.items():
        if isinstance(value, bytes):
            value = value.replace(f"{{{name}}}".encode(), replacement.encode())
        else:
            value = value.replace(f"{{{name}}}", replacement)
    return value


def send(server: LiveServer, hostile: Hostile, places: dict, bearer: dict, browsers: dict) -> tuple[int, bytes]:
    if hostile.raw:
        return server.send_raw(hostile.body), b""
    body, path = fill(hostile.body, places), fill(hostile.path, places)
    headers = dict(hostile.headers)
    if hostile.content_type:
        headers["Content-Type"] = hostile.content_type
    if hostile.web:
        browser = browsers.setdefault(hostile.user, Browser(server, hostile.user))
        headers["Cookie"] = browser.cookie
        body = body.replace(b"{csrf}", browser.token.encode())
    elif hostile.user:
        headers.setdefault("Authorization", f"Bearer {bearer[hostile.user]}")
    status, _, answer = server.send(hostile.method, path, body, headers)
    return status, answer


def answer_of(status: int, body: bytes) -> str:
    try:
        code = json.loads(body)["error"]["code"]
    except (ValueError, KeyError, TypeError):
        code = "-"
    return f"{status} {code}"


def problems_with(hostile: Hostile, status: int, body: bytes, before, after) -> list[str]:
    found = []
    if status >= 500 or status == 0:
        found.append(f"server error {status}: {body[:300]!r}")
    if status >= 400:
        changed = {t: (before[0][t], after[0][t]) for t in before[0]
                   if before[0][t] != after[0][t] and t not in COUNTED_REFUSALS}
        if changed:
            found.append(f"refused ({status}) but rows changed: {changed}")
        if before[1] != after[1]:
            found.append(f"refused ({status}) but storage changed: {sorted(before[1] ^ after[1])[:5]}")
        is_api = hostile.path.startswith(("/api/", "/osmand")) and not hostile.raw and not hostile.web
        if is_api and not _is_error_body(body):
            found.append(f"an API error that is not the one error body: {body[:200]!r}")
    return found


def _is_error_body(body: bytes) -> bool:
    try:
        error = json.loads(body)["error"]
    except (ValueError, KeyError, TypeError):
        return False
    return isinstance(error, dict) and set(error) == {"code", "message", "details"}


def test_the_hostile_corpus_gets_no_server_error_no_partial_write_and_the_recorded_answers(app, server, places):
    corpus = build_corpus()
    assert len(corpus) >= 300
    bearer, browsers = tokens(server), {}
    answers, problems = {}, {}
    for hostile in corpus:
        before = snapshot(app)
        status, body = send(server, hostile, places, bearer, browsers)
        after = snapshot(app)
        answers[hostile.id] = answer_of(status, body) if not hostile.raw else str(status)
        found = problems_with(hostile, status, body, before, after)
        if found:
            problems[hostile.id] = found
    if RECORD:
        ANSWERS.write_text(json.dumps(answers, indent=0, ensure_ascii=False, sort_keys=True) + "\n", encoding="utf-8")
    recorded = json.loads(ANSWERS.read_text(encoding="utf-8"))
    differing = {i: (recorded.get(i), a) for i, a in answers.items() if recorded.get(i) != a}
    assert not problems, json.dumps(problems, indent=1, ensure_ascii=False)[:20_000]
    assert not differing, f"{len(differing)} answers differ from answers.json (recorded, now): " + json.dumps(
        differing, indent=1, ensure_ascii=False)[:20_000]
    assert sum(a.startswith("5") for a in answers.values()) == 0

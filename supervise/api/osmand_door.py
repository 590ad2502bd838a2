"""The busiest door of the service, kept narrow: a live position from Traccar Client.

Every phone on patrol reports every few seconds, so this one request is most of the traffic (a city
of 5,000 officers: ~1,000 a second). Through Flask's request machinery and the app's hooks it cost
as much again as storing the position. This WSGI layer, in front of the Flask app, answers the
ordinary report from a registered phone (a GET /osmand whose query decodes, the same query POSTed
with an empty body as Traccar Client for Android sends it, or the JSON body of the newer clients)
by calling the same decoder and service as the view (`api/tracks.osmand_report`) and giving the
same answer, headers, metrics and request id, without building a Flask request.

Everything else goes to the Flask app untouched, which answers it exactly as before: another path or
method, a request with a cookie or an Idempotency-Key, a NUL character anywhere in the query, and
any report the decoder or the service refuses or fails on (no id, an unknown phone, an unreadable
value, the database away), so every refusal keeps the one error shape and the caller's language.
A report the database could not take in time is handed on marked as such (`NOT_STORED_KEY`): the
view answers its 503 at once rather than waiting for the database a second time.
"""
from __future__ import annotations

import io
import secrets
import time
from urllib.parse import parse_qsl

from flask import Flask
from werkzeug.datastructures import MultiDict
from werkzeug.http import parse_options_header

from supervise.api.tracks import NOT_STORED_KEY, osmand_body
from supervise.errors import DomainError
from supervise.input_guard import holds_nul, json_has_nul
from supervise.jsonload import load_json
from supervise.ops import metrics
from supervise.ops.headers import api_headers
from supervise.services import tracks as service
from supervise.tracks.osmand import decode_json, decode_query

MAX_JSON_BYTES = 64 * 1024   # a report is a few hundred bytes; anything larger goes to the Flask view


class OsmandDoor:
    """WSGI middleware answering ordinary OsmAnd reports itself (see the module's docstring)."""

    def __init__(self, app: Flask, inner) -> None:
        self.app = app
        self.inner = inner
        # path -> (endpoint, route) of the Flask view, so the metrics name the same route either way
        self.routes = {rule.rule: (rule.endpoint, rule.rule) for rule in app.url_map.iter_rules()
                       if rule.endpoint.startswith("osmand.")}

    def __call__(self, environ, start_response):
        route = self.routes.get(environ.get("PATH_INFO", ""))
        if route is None or "HTTP_COOKIE" in environ or "HTTP_IDEMPOTENCY_KEY" in environ:
            return self.inner(environ, start_response)
        answer = self._answer(environ, route)
        if answer is None:
            return self.inner(environ, start_response)
        status, headers, body = answer
        start_response(status, headers)
        return [body]

    def _answer(self, environ, route: tuple[str, str]) -> tuple[str, list, bytes] | None:
        """The view's answer to an ordinary report, or None to let the Flask app answer."""
        started, received = time.perf_counter(), time.time()
        json_body = None
        if _is_json(environ):   # the view reads a JSON request's body only, never its query
            json_body = _json_body(environ)
            if json_body is None:
                return None
        elif not _query_only(environ):
            return None
        try:
            # As werkzeug reads request.args (invalid bytes stay percent-encoded), in the view's order.
            pairs = MultiDict(parse_qsl(environ.get("QUERY_STRING", "").encode("latin-1").decode(),
                                        keep_blank_values=True, errors="werkzeug.url_quote"))
            if holds_nul(pairs.keys()) or holds_nul(pairs.values()):
                return None
            with self.app.app_context():
                if json_body is not None:
                    if json_has_nul(json_body):
                        return None
                    report = decode_json(load_json(json_body), received_at=received)
                else:
                    report = decode_query(pairs.items(multi=True), received_at=received)
                if not report.device_id:
                    return None
                outcome = service.record_osmand(report, now=received)
        except DomainError as error:
            if error.code == "POSITION_NOT_STORED":   # the phone has waited once already
                environ[NOT_STORED_KEY] = True
            return None
        except Exception:  # noqa: BLE001 - the Flask view answers it, in the one error shape
            return None
        body = osmand_body(outcome.stored, outcome.reason)
        # The view's answer varies by cookie (the app reads the session of every request): so does this one.
        request_id = environ.get("supervise.request_id") or secrets.token_hex(8)
        headers = [("Content-Type", "application/json"), ("Content-Length", str(len(body))),
                   ("Vary", "Cookie"), ("X-Request-ID", request_id), *api_headers(secure=environ.get("wsgi.url_scheme") == "https")]
        metrics.positions_stored("osmand", int(outcome.stored))
        metrics.observe_request(route[0], route[1], environ["REQUEST_METHOD"], 200, time.perf_counter() - started)
        return "200 OK", headers, body


def _is_json(environ) -> bool:
    """As werkzeug's request.is_json: application/json or application/*+json."""
    mimetype = parse_options_header(environ.get("CONTENT_TYPE", ""))[0].lower()
    return mimetype == "application/json" or (mimetype.startswith("application/") and mimetype.endswith("+json"))


def _json_body(environ) -> bytes | None:
    """A POSTed JSON body of a stated length within MAX_JSON_BYTES, read whole and put back for
    the Flask app (which reads it again if the door lets it answer); None for anything else."""
    try:
        length = int(environ.get("CONTENT_LENGTH") or -1)
    except ValueError:
        return None
    if (environ.get("REQUEST_METHOD") != "POST" or not 0 < length <= MAX_JSON_BYTES
            or "HTTP_TRANSFER_ENCODING" in environ):
        return None
    body = environ["wsgi.input"].read(length)
    environ["wsgi.input"] = io.BytesIO(body)
    return body if len(body) == length else None


def _query_only(environ) -> bool:
    """A GET, or a POST without a body (Traccar Client for Android POSTs its query with an empty
    body): the report is all in the query string, as the view reads it from request.values."""
    method = environ.get("REQUEST_METHOD")
    if method == "GET":
        return True
    return (method == "POST" and environ.get("CONTENT_LENGTH", "") in ("", "0")
            and "HTTP_TRANSFER_ENCODING" not in environ)


def install_osmand_door(app: Flask) -> None:
    """Put the door in front of the app's WSGI callable (inside any proxy middleware, which must
    run first: it sets the scheme and the request id the answer uses)."""
    app.wsgi_app = OsmandDoor(app, app.wsgi_app)

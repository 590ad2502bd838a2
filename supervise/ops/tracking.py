"""Per request: an id (a trusted proxy's, or a new one) sent back in X-Request-ID, one JSON access
line, and the Prometheus counts. The access line names the path without its query: OsmAnd
queries carry a device's secret id and positions, which do not belong in logs. A stored OsmAnd
fix gets no access line at all (every phone sends one every few seconds: they would be most of
the log); the metrics count them, and refused ones are logged like any other request."""
from __future__ import annotations

import logging
import secrets
import time

from flask import Flask, g, request

from supervise.ops import metrics

access_log = logging.getLogger("supervise.access")


def init_request_tracking(app: Flask, *, access_lines: bool = True) -> None:
    """Install the hooks; the id is taken before any other hook runs."""
    app.before_request_funcs.setdefault(None, []).insert(0, _start)
    app.after_request(_finish if access_lines else _finish_quietly)


def _start() -> None:
    g.request_id = request.environ.get("supervise.request_id") or secrets.token_hex(8)
    g.request_started = time.perf_counter()


def _observe(response) -> tuple[str, float]:
    seconds = time.perf_counter() - g.get("request_started", time.perf_counter())
    route = request.url_rule.rule if request.url_rule is not None else "unmatched"
    metrics.observe_request(request.endpoint, route, request.method, response.status_code, seconds)
    response.headers["X-Request-ID"] = g.get("request_id", "-")
    return route, seconds


def _finish_quietly(response):
    _observe(response)
    return response


QUIET_ENDPOINTS = {"osmand.osmand_report", "osmand.osmand_report_1"}


def _finish(response):
    route, seconds = _observe(response)
    if response.status_code < 300 and request.endpoint in QUIET_ENDPOINTS:
        return response
    access_log.info("%s %s %s", request.method, request.path, response.status_code,
                    extra={"method": request.method, "path": request.path, "route": route,
                           "status": response.status_code, "duration_ms": round(seconds * 1000, 1),
                           "client": request.remote_addr, "bytes_in": request.content_length or 0})
    return response

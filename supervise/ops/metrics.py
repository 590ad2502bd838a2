"""Prometheus metrics: requests by route and status, sign-in and upload latency, positions
stored; and, read from the database at scrape time (so every worker and the scheduler's host
agree), flags raised and the scheduler's last tick.

Under gunicorn each worker is a process: with PROMETHEUS_MULTIPROC_DIR set (gunicorn.conf.py does
it) the counters live in files there and /metrics adds up every worker's.
"""
from __future__ import annotations

import os

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest, multiprocess
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from sqlalchemy import func, select

LATENCY_BUCKETS = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 0.75, 1.0, 1.5, 2.5, 5.0, 10.0, 30.0)

REQUESTS = Counter("supervise_http_requests_total", "HTTP requests answered, by route, method and status",
                   ["route", "method", "status"])
REQUEST_SECONDS = Histogram("supervise_http_request_duration_seconds", "Time to answer a request, by route",
                            ["route"], buckets=LATENCY_BUCKETS)
SIGNIN_SECONDS = Histogram("supervise_signin_duration_seconds", "Time to answer a selfie sign-in (API or page)",
                           buckets=LATENCY_BUCKETS)
UPLOAD_SECONDS = Histogram("supervise_upload_duration_seconds",
                           "Time to answer an upload of evidence, by kind (track, positions, osmand, finding)",
                           ["kind"], buckets=LATENCY_BUCKETS)
POSITIONS_STORED = Counter("supervise_positions_stored_total", "Positions stored, by source", ["source"])
POSITION_COMMIT_ROWS = Histogram("supervise_position_commit_rows",
                                 "Live positions written by one commit (the reports that arrived together)",
                                 buckets=(1, 2, 4, 8, 16, 32, 64, 100))
TICK_SECONDS = Histogram("supervise_scheduler_tick_duration_seconds",
                         "Time a scheduler tick took (exported by the scheduler process itself)",
                         buckets=(0.1, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600))

SIGNIN_ENDPOINTS = {"checkins.Checkins", "web.checkin_submit"}
UPLOAD_ENDPOINTS = {"tracks.upload": "track", "positions.post_positions": "positions",
                    "osmand.osmand_report": "osmand", "osmand.osmand_report_1": "osmand",
                    "assignments.Findings": "finding", "web.record_inspection_finding": "finding"}


_children: dict[tuple, tuple] = {}


def observe_request(endpoint: str | None, route: str, method: str, status: int, seconds: float) -> None:
    """Count one answered request and its time (and as a sign-in or an upload where it is one)."""
    key = (route, method, status)
    children = _children.get(key)
    if children is None:   # labels() takes a lock and builds a key each time: once per kind is enough
        children = _children[key] = (REQUESTS.labels(route, method, str(status)), REQUEST_SECONDS.labels(route))
    children[0].inc()
    children[1].observe(seconds)
    if method == "POST" and endpoint in SIGNIN_ENDPOINTS:
        SIGNIN_SECONDS.observe(seconds)
    elif endpoint in UPLOAD_ENDPOINTS and method in ("POST", "GET"):
        UPLOAD_SECONDS.labels(UPLOAD_ENDPOINTS[endpoint]).observe(seconds)


def position_commit(rows: int) -> None:
    """Count one commit of live positions and how many it held."""
    POSITION_COMMIT_ROWS.observe(rows)


def positions_stored(source: str, count: int) -> None:
    """Count positions committed to the database."""
    if count:
        POSITIONS_STORED.labels(source).inc(count)


def exposition() -> bytes:
    """The text exposition of every metric: this process's (or all workers'), then the database's."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
    else:
        from prometheus_client import REGISTRY as registry
    database = CollectorRegistry()
    database.register(DatabaseCollector(_database_figures()))
    return generate_latest(registry) + generate_latest(database)


SCHEDULER_GAUGES = (
    ("supervise_scheduler_last_tick_seconds", "How long the scheduler's last tick took", "tick_seconds"),
    ("supervise_scheduler_lag_seconds", "The gap the last tick covered (since the instant judged before)",
     "lag_seconds"),
    ("supervise_scheduler_heartbeat_age_seconds", "Seconds since the scheduler last beat", "age_seconds"),
)


class DatabaseCollector:
    """Families computed from figures read once per scrape."""

    def __init__(self, figures: dict):
        self.figures = figures

    def collect(self):
        flags = CounterMetricFamily("supervise_flags_raised", "Flags raised since the start, by rule code",
                                    labels=["code"])
        for code, count in sorted(self.figures["flags"].items()):
            flags.add_metric([code], count)
        yield flags
        beat = self.figures["heartbeat"]
        for name, help_text, key in SCHEDULER_GAUGES:
            if beat is not None and beat.get(key) is not None:
                yield GaugeMetricFamily(name, help_text, value=beat[key])


def _database_figures() -> dict:
    from supervise.extensions import db
    from supervise.models import Flag
    from supervise.ops.health import heartbeat_figures

    flags = dict(db.session.execute(select(Flag.code, func.count(Flag.id)).group_by(Flag.code)).all())
    return {"flags": flags, "heartbeat": heartbeat_figures()}

"""/healthz (the process answers), /readyz (database, photo storage and the scheduler's heartbeat)
and /metrics (Prometheus, for the addresses in SUPERVISE_METRICS_ALLOW only)."""
from __future__ import annotations

import time

from flask import Blueprint, Response, current_app, jsonify, request
from sqlalchemy import text

from supervise.errors import error_body
from supervise.extensions import db
from supervise.i18n_marks import N_
from supervise.ops import metrics
from supervise.ops.proxy import is_within, parse_networks
from supervise.services import heartbeat
from supervise.timeutil import iso_z, utcnow

bp = Blueprint("ops", __name__)


@bp.get("/healthz")
def healthz():
    """200 while the process can answer at all (a liveness probe: restart it when this fails)."""
    return jsonify({"status": "ok"})


@bp.get("/readyz")
def readyz():
    """200 when the database answers, the photo store takes a file and the scheduler beat
    recently; otherwise 503, naming what failed."""
    checks = {"database": _database(), "storage": _storage(), "scheduler": _scheduler()}
    ready = all(check["ok"] for check in checks.values())
    response = jsonify({"status": "ready" if ready else "not_ready", "checks": checks})
    response.status_code = 200 if ready else 503
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/metrics")
def metrics_view():
    """The Prometheus exposition, to allowed addresses only (it tells how busy each route is)."""
    if not is_within(request.remote_addr, parse_networks(current_app.config["METRICS_ALLOW"])):
        response = jsonify(error_body("FORBIDDEN", N_("Metrics are served to the monitoring network only.")))
        response.status_code = 403
        return response
    return Response(metrics.exposition(), mimetype="text/plain; version=0.0.4")


def _database() -> dict:
    started = time.perf_counter()
    try:
        db.session.execute(text("SELECT 1"))
        db.session.rollback()
    except Exception as exc:  # noqa: BLE001 - any failure means not ready, and says why
        db.session.rollback()
        return {"ok": False, "error": type(exc).__name__}
    return {"ok": True, "ms": round((time.perf_counter() - started) * 1000, 1)}


def _storage() -> dict:
    """The photo store takes a file: a directory, written, flushed and removed; an object store's
    bucket answers."""
    from supervise.services.storage import photo_store

    try:
        photo_store().probe()
    except OSError as exc:
        return {"ok": False, "error": f"{type(exc).__name__}: {exc.strerror or exc}"}
    except Exception as exc:  # noqa: BLE001 - any failure means not ready, and says why
        return {"ok": False, "error": type(exc).__name__}
    return {"ok": True}


def _scheduler() -> dict:
    figures = heartbeat_figures()
    if figures is None:
        return {"ok": False, "error": "no scheduler has ever beat; start `supervise scheduler`"}
    ok = figures["age_seconds"] <= figures["stale_after_seconds"]
    return {"ok": ok, **figures, **({} if ok else {"error": "the scheduler has stopped beating"})}


def heartbeat_figures() -> dict | None:
    """The last beat as plain figures (None when there was none)."""
    row = heartbeat.last_beat()
    db.session.rollback()
    if row is None:
        return None
    return {"last_beat": iso_z(row.beat_at), "age_seconds": round((utcnow() - row.beat_at).total_seconds(), 1),
            "stale_after_seconds": heartbeat.stale_after_s(row.interval_s), "as_of": iso_z(row.as_of),
            "tick_seconds": row.tick_seconds, "lag_seconds": row.lag_seconds,
            "catching_up_from": iso_z(row.catching_up_from)}

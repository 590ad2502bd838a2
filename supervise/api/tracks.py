"""Patrol tracks: uploaded files, position batches, the OsmAnd protocol, and shift analysis."""
from __future__ import annotations

import json
import time
from datetime import datetime
from functools import lru_cache

from flask import Response, current_app, jsonify, request
from flask_smorest import Blueprint

from supervise.api.common import current_actor
from supervise.errors import DomainError, Invalid
from supervise.ops.metrics import positions_stored
from supervise.services import live_positions
from supervise.services import tracks as service
from supervise.timeutil import iso_z, local_iso, parse_instant
from supervise.tracks.osmand import OsmandError, decode_json, decode_query
from supervise.tracks.render import render_svg

blp = Blueprint("tracks", __name__, url_prefix="/api/v1/tracks", description="Patrol tracks")
positions = Blueprint("positions", __name__, url_prefix="/api/v1/positions", description="Position batches")
osmand = Blueprint("osmand", __name__, url_prefix="/osmand", description="OsmAnd protocol (Traccar Client)")
shift_tracks = Blueprint("shift_tracks", __name__, url_prefix="/api/v1/shifts", description="Shift tracks")
BLUEPRINTS = [blp, positions, osmand, shift_tracks]

DEFAULT_TRACK_MAX_BYTES = 20 * 1024 * 1024


TRACK_FILE = {"type": "object", "required": ["file"],
              "properties": {"file": {"type": "string", "format": "binary",
                                      "description": "GPX 1.0/1.1, GeoJSON or CSV, found from the content"}}}
POSITION_BATCH = {"type": "array", "items": {"type": "object", "required": ["time", "lat", "lon"], "properties": {
    "time": {"description": "ISO 8601, or epoch seconds or milliseconds"}, "lat": {"type": "number"},
    "lon": {"type": "number"}, "accuracy": {"type": "number"}, "speed": {"type": "number"},
    "mock": {"type": "boolean"}}}}
INGESTED = {"description": "stored: `{id, officer, points: {received, accepted, rejected, stored, flagged}, "
                           "start, end}`", "content": {"application/json": {"schema": {"type": "object"}}}}


@blp.route("", methods=["POST"])
@blp.doc(requestBody={"required": True, "content": {"multipart/form-data": {"schema": TRACK_FILE}}},
         responses={"201": INGESTED, "413": {"description": "TRACK_TOO_LARGE, TRACK_TOO_MANY_POINTS"},
                    "415": {"description": "TRACK_UNRECOGNISED_FORMAT"},
                    "422": {"description": "TRACK_FILE_MISSING, TRACK_MALFORMED, TRACK_UNKNOWN_ENCODING, "
                                           "TRACK_FORBIDDEN_XML, TRACK_NO_USABLE_POSITIONS, ..."}})
def upload():
    """Upload a GPX, GeoJSON or CSV track (multipart field `file`) for yourself, or `?officer=`."""
    actor = current_actor()
    limit = int(current_app.config.get("TRACK_MAX_BYTES", DEFAULT_TRACK_MAX_BYTES))
    if request.content_length and request.content_length > limit + 64 * 1024:
        raise _too_large(limit)
    file = request.files.get("file")
    if file is None:
        raise Invalid("Send the track as multipart form field `file`.", code="TRACK_FILE_MISSING")
    data = file.read(limit + 1)
    if len(data) > limit:
        raise _too_large(limit)
    result = service.upload_track(actor, data, filename=file.filename, officer=request.args.get("officer"))
    positions_stored("upload", result.stored)
    return jsonify(result.as_dict()), 201


def _too_large(limit: int) -> DomainError:
    return DomainError("A track file may be at most %(value)s MB; nothing was stored.",
                       code="TRACK_TOO_LARGE", status=413, details={"limit_bytes": limit}, params={"value": limit // (1024 * 1024)})


@positions.route("", methods=["POST"])
@positions.doc(requestBody={"required": True, "content": {"application/json": {"schema": POSITION_BATCH}}},
               responses={"201": INGESTED, "413": {"description": "POSITIONS_TOO_MANY"},
                          "422": {"description": "POSITIONS_NOT_JSON, POSITIONS_NOT_A_LIST, POSITIONS_EMPTY, "
                                                 "TRACK_NO_USABLE_POSITIONS"}})
def post_positions():
    """A JSON batch `[{time, lat, lon, accuracy?, speed?, mock?}]` from the service's app."""
    actor = current_actor()
    body = request.get_json(silent=True)
    if body is None:
        raise Invalid("Send a JSON array of positions with Content-Type: application/json.",
                      code="POSITIONS_NOT_JSON")
    result = service.record_positions(actor, body, officer=request.args.get("officer"))
    positions_stored("app", result.stored)
    return jsonify(result.as_dict()), 201


@osmand.route("", methods=["GET", "POST"], strict_slashes=False)
@osmand.route("/", methods=["GET", "POST"])
def osmand_report():
    """One position from Traccar Client: query parameters or the JSON body; the device id
    authenticates. 200 only once the position is committed."""
    received = time.time()
    try:
        if request.is_json:
            report = decode_json(request.get_json(silent=True), received_at=received)
        else:
            report = decode_query(request.values.items(multi=True), received_at=received)
    except OsmandError as exc:
        raise DomainError(exc.template, code=exc.code, status=400, params=exc.params) from None
    if request.environ.get(NOT_STORED_KEY):   # the OsmAnd door already waited for the database
        raise live_positions.not_stored_in_time()
    outcome = service.record_osmand(report, now=received)
    positions_stored("osmand", int(outcome.stored))
    return Response(osmand_body(outcome.stored, outcome.reason), mimetype="application/json")


NOT_STORED_KEY = "supervise.osmand_not_stored"   # set by the OsmAnd door when its wait for a commit timed out


@lru_cache(maxsize=64)
def osmand_body(stored: bool, reason: str | None) -> bytes:
    """The answer `{"reason": ..., "stored": ...}`, serialised once per outcome (a phone reports every few seconds)."""
    return (json.dumps({"reason": reason, "stored": stored}, separators=(",", ":")) + "\n").encode()


# ---------------------------------------------------------------- a shift's track


def _as_of() -> datetime | None:
    text = request.args.get("as_of")
    if not text:
        return None
    try:
        return parse_instant(text)
    except ValueError:
        raise Invalid("as_of is not an ISO 8601 instant: %(text)s.", code="BAD_AS_OF", params={"text": repr(text)}) from None


def _span(start: datetime, end: datetime) -> dict:
    return {"start": iso_z(start), "end": iso_z(end), "start_local": local_iso(start), "end_local": local_iso(end)}


@shift_tracks.route("/<int:shift_id>/analysis", methods=["GET"])
def shift_analysis(shift_id: int):
    """Distance, moving time, coverage, idle stays, time off the grid and gaps of a shift
    (as of now, or `?as_of=`)."""
    track = service.shift_track(current_actor(), shift_id, _as_of())
    a = track.analysis
    return jsonify({
        "shift_id": track.shift.id,
        "officer": track.shift.officer.badge_no,
        "window": _span(a.window.start, a.window.end),
        "distance_m": round(a.distance_m, 1),
        "moving_s": round(a.moving_s, 1),
        "points": a.points,
        "coverage": None if a.coverage is None else round(a.coverage, 4),
        "first_fix": iso_z(a.first_fix), "last_fix": iso_z(a.last_fix), "last_inside": iso_z(a.last_inside),
        "idle": [{**_span(s.start, s.end), "lat": round(s.lat, 6), "lon": round(s.lon, 6),
                  "radius_m": round(s.radius_m, 1), "allowed_radius_m": s.allowed_m, "points": s.points,
                  "minutes": round((s.end - s.start).total_seconds() / 60, 1)}
                 for s in a.stays],
        "off_grid": [{**_span(e.start, e.end), "max_distance_m": round(e.max_distance_m, 1), "points": e.points,
                      "returned": e.returned} for e in a.excursions],
        "off_grid_total_s": round(a.outside_total_s, 1),
        "gaps": [_span(g.start, g.end) for g in a.gaps],
        "speed_jumps": [{**_span(j.start, j.end), "speed_kmh": round(j.speed_kmh, 1)} for j in a.speed_jumps],
        "leaps": [{**_span(p.start, p.end), "distance_m": round(p.distance_m, 1), "speed_kmh": round(p.speed_kmh, 1),
                   "back": iso_z(p.back), "fixes_before": p.fixes_before, "fixes_after": p.fixes_after}
                  for p in a.teleports],
        "mock_fixes": a.mock_fixes,
        "outlier_fixes": a.outlier_fixes,
        "noise_m": a.noise_m,
    })


@shift_tracks.route("/<int:shift_id>/track.geojson", methods=["GET"])
def shift_geojson(shift_id: int):
    """A FeatureCollection: the patrol area, the track with its times, the idle stays."""
    track = service.shift_track(current_actor(), shift_id, _as_of())
    features = [_area_feature(track), _line_feature(track)]
    features += [{"type": "Feature", "geometry": {"type": "Point", "coordinates": [s.lon, s.lat]},
                  "properties": {"kind": "idle", **_span(s.start, s.end), "radius_m": s.radius_m}}
                 for s in track.analysis.stays]
    response = jsonify({"type": "FeatureCollection", "features": features})
    response.mimetype = "application/geo+json"
    return response


def _area_feature(track: service.ShiftTrack) -> dict:
    shift = track.shift
    if shift.kind == "patrol" and shift.grid is not None:
        geometry, name = shift.grid.geometry, shift.grid.code
    else:
        geometry, name = dict(track.area.to_geojson()), shift.post.code if shift.post else None
    return {"type": "Feature", "geometry": geometry, "properties": {"kind": "area", "code": name}}


def _line_feature(track: service.ShiftTrack) -> dict:
    p = track.positions
    coords = [[round(x, 7), round(y, 7)] for x, y in zip(p.lon.tolist(), p.lat.tolist(), strict=True)]
    times = [iso_z(datetime.fromtimestamp(t, tz=track.shift.start.tzinfo)) for t in p.t.tolist()]
    # A LineString needs two positions (RFC 7946); with fewer the feature has no geometry.
    geometry = {"type": "LineString", "coordinates": coords} if len(coords) >= 2 else None
    return {"type": "Feature", "geometry": geometry,
            "properties": {"kind": "track", "officer": track.shift.officer.badge_no, "times": times,
                           "coordTimes": times}}


@shift_tracks.route("/<int:shift_id>/track.svg", methods=["GET"])
def shift_svg(shift_id: int):
    """A picture of the track over its patrol area (SVG)."""
    track = service.shift_track(current_actor(), shift_id, _as_of())
    shift = track.shift
    place = shift.grid.code if shift.grid else (shift.post.code if shift.post else "")
    title = f"{shift.officer.badge_no} {shift.officer.name or ''} {place} {local_iso(shift.start)[:16]}"
    svg = render_svg(track.area, track.positions.t, track.positions.lat, track.positions.lon,
                     track.analysis, title=title)
    return Response(svg, mimetype="image/svg+xml")

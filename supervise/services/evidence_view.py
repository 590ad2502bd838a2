"""The evidence shown beside a flag: the sign-in behind it, the track segment it spans, the
inspection finding that raised it, and the regulation version and clause that raised it. A reviewer should never have to take a flag on trust."""
from __future__ import annotations

from datetime import timedelta

from supervise.extensions import db
from supervise.labels import DEFAULT_SOURCE
from supervise.models import Checkin, Flag, InspectionFinding, RegulationVersion
from supervise.timeutil import iso_z, local_iso

SEGMENT_MARGIN = timedelta(minutes=10)
MAX_SEGMENT_POINTS = 2000


def flag_evidence(flag: Flag) -> dict:
    """A JSON-ready view of what the flag stands on (read-only)."""
    view = {"regulation": _regulation(flag)}
    checkin_id = flag.checkin_id or flag.evidence.get("checkin_id")
    if checkin_id:
        view["checkin"] = _checkin(db.session.get(Checkin, checkin_id))
    if flag.finding_id:
        view["finding"] = _finding(db.session.get(InspectionFinding, flag.finding_id))
    if flag.shift_id and flag.code in ("TRACK_GAP", "IDLE", "OFF_POST", "EARLY_LEAVE", "LOCATION_SPOOF", "LOW_PATROL"):
        view["track_segment"] = _segment(flag)
    return view


def _regulation(flag: Flag) -> dict:
    number = flag.evidence.get("regulation_version")
    version = db.session.get(RegulationVersion, flag.regulation_version_id) if flag.regulation_version_id else None
    return {"version": number, "label": version.label if version else DEFAULT_SOURCE,
            "clause": flag.clause, "published_at": iso_z(version.created_at) if version else None}


def _checkin(checkin: Checkin | None) -> dict | None:
    if checkin is None:
        return None
    return {"id": checkin.id, "captured_at": iso_z(checkin.captured_at), "captured_at_local":
            local_iso(checkin.captured_at), "received_at": iso_z(checkin.received_at),
            "capture_time_source": checkin.capture_time_source, "capture_time_note": checkin.capture_time_note,
            "location": None if checkin.lat is None else {"lat": checkin.lat, "lon": checkin.lon,
                                                          "accuracy_m": checkin.accuracy_m,
                                                          "source": checkin.location_source},
            "distance_to_grid_m": checkin.distance_to_area_m, "photo_url": f"/api/v1/checkins/{checkin.id}/photo",
            "photo_sha256": checkin.photo_sha256, "reused_checkin_id": checkin.reused_checkin_id}


def _finding(finding: InspectionFinding | None) -> dict | None:
    if finding is None:
        return None
    assignment, inspector = finding.assignment, finding.inspector
    return {"id": finding.id, "assignment_id": assignment.id, "round_id": assignment.round_id,
            "kind": assignment.round.kind, "inspector": inspector.badge_no or inspector.username,
            "inspector_name": inspector.name, "inspector_district": inspector.district.code if inspector.district
            else None, "result": finding.result, "items": list(finding.items), "note": finding.note,
            "recorded_at": iso_z(finding.recorded_at), "recorded_at_local": local_iso(finding.recorded_at),
            "captured_at": iso_z(finding.captured_at), "captured_at_local": local_iso(finding.captured_at),
            "location": None if finding.lat is None else {"lat": finding.lat, "lon": finding.lon,
                                                          "accuracy_m": finding.accuracy_m, "source": "exif"},
            "distance_to_grid_m": finding.distance_to_grid_m,
            "photo_url": f"/api/v1/findings/{finding.id}/photo" if finding.photo_sha256 else None,
            "photo_sha256": finding.photo_sha256}


def _segment(flag: Flag) -> dict:
    from supervise.services.tracks import positions_between

    start, end = flag.start - SEGMENT_MARGIN, flag.end + SEGMENT_MARGIN
    arrays = positions_between(flag.officer_id, start.timestamp(), end.timestamp())
    step = max(1, arrays.t.size // MAX_SEGMENT_POINTS)
    points = [[round(float(t), 1), round(float(la), 7), round(float(lo), 7)]
              for t, la, lo in zip(arrays.t[::step], arrays.lat[::step], arrays.lon[::step], strict=True)]
    return {"from": iso_z(start), "to": iso_z(end), "points": arrays.t.size, "sampled_every": step,
            "positions": points, "columns": ["posix_s", "lat", "lon"],
            "picture": f"/api/v1/shifts/{flag.shift_id}/track.svg"}

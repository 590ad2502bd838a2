"""The evidence shown beside a flag: the sign-in behind it, the track segment it spans, and the
regulation version and clause that raised it. A reviewer should never have to take a flag on trust."""
from __future__ import annotations

from datetime import timedelta

from supervise.extensions import db
from supervise.models import Checkin, Flag, RegulationVersion
from supervise.timeutil import iso_z, local_iso

SEGMENT_MARGIN = timedelta(minutes=10)
MAX_SEGMENT_POINTS = 2000


def flag_evidence(flag: Flag) -> dict:
    """A JSON-ready view of what the flag stands on (read-only)."""
    view = {"regulation": _regulation(flag)}
    checkin_id = flag.checkin_id or flag.evidence.get("checkin_id")
    if checkin_id:
        view["checkin"] = _checkin(db.session.get(Checkin, checkin_id))
    if flag.shift_id and flag.code in ("TRACK_GAP", "IDLE", "OFF_POST", "EARLY_LEAVE", "LOCATION_SPOOF", "LOW_PATROL"):
        view["track_segment"] = _segment(flag)
    return view


def _regulation(flag: Flag) -> dict:
    number = flag.evidence.get("regulation_version")
    version = db.session.get(RegulationVersion, flag.regulation_version_id) if flag.regulation_version_id else None
    return {"version": number, "label": version.label if version else "default (shipped with the service)",
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

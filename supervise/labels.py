"""Names for the raw values pages show (PURE: no Flask imports): statuses, roles, severities, the
history's actions, measured values' names and units. Each name is an English catalog message marked
with `N_()`; `supervise/web/filters.py` translates them when a page is rendered."""
from __future__ import annotations

from supervise.i18n_marks import N_

STATUS_NAMES = {"open": N_("Open"), "appealed": N_("Appealed"), "confirmed": N_("Confirmed"),
                "dismissed": N_("Dismissed"), "withdrawn": N_("Withdrawn automatically")}
ACTION_NAMES = {"raised": N_("Raised by the system"), "confirmed": N_("Confirmed"), "dismissed": N_("Dismissed"),
                "appealed": N_("Appealed"), "appeal_rejected": N_("Appeal rejected"),
                "appeal_upheld": N_("Appeal upheld"), "withdrawn": N_("Withdrawn automatically"),
                "reinstated": N_("Reinstated"), "cause_gone": N_("Cause gone")}
ROLE_NAMES = {"officer": N_("Officer"), "inspector": N_("Inspector"), "manager": N_("Manager"),
              "admin": N_("Administrator")}
SEVERITY_NAMES = {"low": N_("Low"), "medium": N_("Medium"), "high": N_("High")}
TIMELINESS_NAMES = {"on_time": N_("On time"), "late": N_("Late"),
                    "outside_window": N_("Outside the sign-in window")}
TIME_SOURCE_NAMES = {"exif_offset": N_("Photo EXIF (with time zone)"), "exif_gps": N_("Photo GPS time"),
                     "exif_local": N_("Photo EXIF (local time)"), "device": N_("Phone's location time")}
LOCATION_SOURCE_NAMES = {"exif": N_("Photo EXIF location"), "device": N_("Phone browser location (weaker)")}
CODE_NAMES = {
    "ABSENT": N_("Absent"), "LATE": N_("Late"), "CHECKIN_OFF_GRID": N_("Signed in off grid"),
    "PHOTO_STALE": N_("Stale photo"), "PHOTO_NO_EVIDENCE": N_("Photo without location or time"),
    "LOCATION_MISMATCH": N_("Location mismatch"), "LOCATION_SPOOF": N_("Mock location"),
    "PHOTO_REUSED": N_("Photo reused"), "PHOTO_TIME_CONFLICT": N_("Photo time conflict"),
    "TRACK_GAP": N_("Track gap (out of contact)"), "IDLE": N_("Idle on post"), "OFF_POST": N_("Off post"),
    "EARLY_LEAVE": N_("Early leave"), "LOW_PATROL": N_("Patrol too short"), "INSPECTION": N_("Inspection finding"),
}
# Evidence values that are words of the code, by the key they stand under.
EVIDENCE_VALUE_NAMES = {
    "reuse_kind": {"sha256": N_("the same file"), "phash": N_("a similar picture")},
    "missing": {"position": N_("position"), "capture_time": N_("capture time")},
    "capture_time_source": TIME_SOURCE_NAMES, "location_source": LOCATION_SOURCE_NAMES,
}
VALUE_WORDS = {None: N_("none"), True: N_("yes"), False: N_("no")}
DEFAULT_SOURCE = N_("default (shipped with the service)")

# A measured value's key → (its name, its unit or None). Keys ending in a known unit suffix and not
# named here are still shown with their unit (see `split_unit`).
UNITS = {"m": N_("m"), "km": N_("km"), "min": N_("min"), "s": N_("s"), "m_s": N_("m/s"), "kmh": N_("km/h"),
         "pct": "%"}
KEY_UNITS = {"min_km_per_4h": UNITS["km"], "max_phash_distance": None, "settle_fixes": None}
SUFFIXES = ("m_s", "kmh", "km", "min", "m", "s", "pct")
MEASURE_NAMES = {
    "distance_m": N_("Distance"), "radius_m": N_("Radius"), "accuracy_m": N_("Accuracy"),
    "median_accuracy_m": N_("Median accuracy"), "buffer_m": N_("Buffer"), "extra_m": N_("Extra distance"),
    "tolerance_m": N_("Tolerance"), "min_tolerance_m": N_("Minimum tolerance"), "limit_m": N_("Limit"),
    "required_m": N_("Required distance"), "max_distance_m": N_("Longest distance"),
    "distance_to_grid_m": N_("Distance to the grid"), "allowed_radius_m": N_("Allowed radius"),
    "max_reported_error_m": N_("Largest reported error"), "patrolled_m": N_("Distance patrolled"),
    "grace_min": N_("Grace"), "min_duration_min": N_("Shortest duration"), "max_total_min": N_("Longest total"),
    "max_gap_min": N_("Longest gap allowed"), "max_continuous_min": N_("Longest continuous"),
    "window_open_before_min": N_("Window opens before the start"), "upload_within_min": N_("Upload within"),
    "settle_min": N_("Settling time"), "max_conflict_min": N_("Largest conflict"), "max_age_min": N_("Oldest age"),
    "before_end_min": N_("Before the end"), "absent_after_min": N_("Absent after"), "total_min": N_("Total"),
    "late_min": N_("Late by"), "gap_min": N_("Gap"), "longest_silence_min": N_("Longest silence"),
    "age_min": N_("Age"), "duration_min": N_("Duration"), "conflict_s": N_("Conflict"),
    "speed_m_s": N_("Speed"), "fixes_per_min": N_("Fixes per minute"),
    "captured_at": N_("Taken at"), "signed_at": N_("Signed at"), "signed_in_at": N_("Signed in at"),
    "received_at": N_("Received at"), "recorded_at": N_("Recorded at"), "updated_at": N_("Updated at"),
    "start": N_("Start"), "end": N_("End"), "params": N_("Thresholds"), "source": N_("Source"),
    "review": N_("Why a person decides"), "minutes": N_("Minutes"), "margin": N_("Margin"),
    "margin_unit": N_("Margin's unit"), "window_opens": N_("Window opens"), "window_closes": N_("Window closes"),
    "speed_kmh": N_("Speed"), "lat": N_("Latitude"), "lon": N_("Longitude"), "missing": N_("Missing"),
    "capture_time": N_("Photo time"), "camera_time": N_("Camera time"), "capture_time_source": N_("Time source"),
    "location_source": N_("Location source"), "shift_start": N_("Shift start"), "shift_end": N_("Shift end"),
    "fixes": N_("Fixes"), "points": N_("Points"), "note": N_("Note"), "support": N_("Support"),
    "evidence_problem": N_("Evidence problem"), "reused_checkin_id": N_("Earlier sign-in"),
    "max_phash_distance": N_("Largest picture difference"), "max_speed_kmh": N_("Highest speed"),
    "min_km_per_4h": N_("Shortest patrol per 4 hours"), "settle_fixes": N_("Fixes to settle"), "checkin_id": N_("Sign-in"),
    "checkins_outside_window": N_("Sign-ins outside the window"),
    "span": N_("Span"), "spans": N_("Spans"), "gap": N_("Span without positions"),
    "still_open_at_as_of": N_("Still open when judged"), "no_track": N_("No track at all"),
    "reuse_kind": N_("How it matched"), "reuse_distance": N_("Picture difference"),
    "verified": N_("Checked against the track"), "mock_fixes": N_("Mock-location fixes"),
    "fixes_before": N_("Fixes before"), "fixes_after": N_("Fixes after"), "last_fix": N_("Last fix"),
    "last_inside": N_("Last fix inside the grid"), "minutes_before_end": N_("Minutes before the end"),
    "device_mock": N_("Phone reported a mock location"), "silent_hours": N_("Hours without positions"),
    "working_hours": N_("Hours with positions"), "leap": N_("Leap"), "back": N_("Back at"),
    "window": N_("Window"), "shift": N_("Shift"), "photo_sha256": N_("Photo fingerprint"),
}


def split_unit(key: str) -> tuple[str, str | None]:
    """A measured value's key as (its catalog name or the key itself, its unit or None):
    "distance_m" → ("Distance", "m"); "late_min" → ("Late by", "min"); an unknown "foo_km" → ("foo", "km")."""
    if key in KEY_UNITS:
        return MEASURE_NAMES.get(key, key), KEY_UNITS[key]
    suffix = next((suffix for suffix in SUFFIXES if key.endswith("_" + suffix)), None)
    unit = UNITS[suffix] if suffix else None
    if key in MEASURE_NAMES:
        return MEASURE_NAMES[key], unit
    if suffix is not None:
        return key[: -len(suffix) - 1].replace("_", " "), unit
    return key.replace("_", " "), None

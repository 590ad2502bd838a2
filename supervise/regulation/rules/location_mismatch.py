"""LOCATION_MISMATCH: the photo's EXIF position and the phone's fix disagree.

Flagged when their distance exceeds exif accuracy + device accuracy + extra_m
(a missing accuracy counts as 0, the strict reading of what was reported).
"""
from __future__ import annotations

from supervise.regulation.document import RuleConfig
from supervise.regulation.facts import CheckinFact, ShiftFacts
from supervise.regulation.finding import Finding, checkin_key, make_finding, num
from supervise.regulation.rules._common import checkin_time, haversine_m, known_checkins


def evaluate(facts: ShiftFacts, config: RuleConfig) -> list[Finding]:
    """One finding per sign-in whose two positions are farther apart than allowed."""
    findings = []
    for c in known_checkins(facts):
        if None in (c.exif_lat, c.exif_lon, c.device_lat, c.device_lon):
            continue
        distance = haversine_m(c.exif_lat, c.exif_lon, c.device_lat, c.device_lon)  # type: ignore[arg-type]
        limit = (c.exif_accuracy_m or 0.0) + (c.device_accuracy_m or 0.0) + config.params["extra_m"]
        if distance > limit:
            findings.append(_finding(c, config, distance, limit))
    return findings


REVIEW_MARGIN_M = 50.0   # two fixes apart by less than this beyond their allowance: a person looks


def _finding(c: CheckinFact, config: RuleConfig, distance: float, limit: float) -> Finding:
    t = checkin_time(c)
    return make_finding(
        config, checkin_key("LOCATION_MISMATCH", c.id), (t, t),
        f"照片位置与手机定位相差 {num(distance)} 米（允许 {num(limit)} 米）",
        f"Photo position and phone fix are {num(distance)} m apart ({num(limit)} m allowed)",
        {"checkin_id": c.id, "distance_m": round(distance, 1), "limit_m": limit,
         "exif": [c.exif_lat, c.exif_lon, c.exif_accuracy_m],
         "device": [c.device_lat, c.device_lon, c.device_accuracy_m],
         "support": {"fixes": 2, "margin": round(distance - limit, 1), "margin_unit": "m"}},
        [(f"两处位置仅比允许距离多 {num(distance - limit)} 米",
          f"only {num(distance - limit)} m beyond the allowed distance")] if distance - limit < REVIEW_MARGIN_M else [],
    )

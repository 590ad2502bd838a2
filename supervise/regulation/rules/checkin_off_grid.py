"""CHECKIN_OFF_GRID: the accepted sign-in's position is outside the grid (or post).

Tolerance = max(min_tolerance_m, min(reported accuracy or 0, max_reported_error_m)):
a poor fix earns the officer some benefit of the doubt, but never more than
max_reported_error_m. Flagged only when the distance is strictly beyond it. A position is one
fix: when it lies beyond the tolerance by less than REVIEW_MARGIN_M, or it comes from the
phone's own fix rather than the photo, the finding is raised for review. A photo that is not
evidence of this sign-in (taken outside the window: PHOTO_STALE) is not judged for its place.
"""
from __future__ import annotations

from supervise.regulation.document import RuleConfig
from supervise.regulation.facts import ShiftFacts
from supervise.regulation.finding import Finding, checkin_key, iso, make_finding, num
from supervise.regulation.rules._common import accepted_sign_in, checkin_time

REVIEW_MARGIN_M = 25.0


def evaluate(facts: ShiftFacts, config: RuleConfig) -> list[Finding]:
    """One finding when the accepted sign-in is farther outside the area than the tolerance."""
    checkin = accepted_sign_in(facts, config)
    if checkin is None or checkin.distance_to_area_m is None:
        return []
    p = config.params
    accuracy = checkin.accuracy_m or 0.0
    tolerance = max(p["min_tolerance_m"], min(accuracy, p["max_reported_error_m"]))
    distance = checkin.distance_to_area_m
    if distance <= tolerance:
        return []
    t = checkin_time(checkin)
    review = []
    if distance - tolerance < REVIEW_MARGIN_M:
        review.append((f"仅超出允许范围 {num(distance - tolerance)} 米，单个定位点的误差之内",
                       f"only {num(distance - tolerance)} m beyond the tolerance: within the error of one fix"))
    if checkin.location_source == "device":
        review.append(("位置来自手机定位而不是照片", "the position is the phone's fix, not the photo's"))
    return [make_finding(
        config, checkin_key("CHECKIN_OFF_GRID", checkin.id), (t, t),
        f"签到位置在网格外 {num(distance)} 米（允许 {num(tolerance)} 米）",
        f"Signed in {num(distance)} m outside the grid ({num(tolerance)} m allowed)",
        {"checkin_id": checkin.id, "distance_m": distance, "tolerance_m": tolerance,
         "accuracy_m": checkin.accuracy_m, "location_source": checkin.location_source,
         "lat": checkin.lat, "lon": checkin.lon, "signed_in_at": iso(t),
         "support": {"fixes": 1, "median_accuracy_m": checkin.accuracy_m,
                     "margin": round(distance - tolerance, 1), "margin_unit": "m"}},
        review,
    )]

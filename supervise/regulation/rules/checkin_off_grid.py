"""CHECKIN_OFF_GRID: the accepted sign-in's position is outside the grid (or post).

Tolerance = max(min_tolerance_m, min(reported accuracy or 0, max_reported_error_m)):
a poor fix earns the officer some benefit of the doubt, but never more than
max_reported_error_m. Flagged only when the distance is strictly beyond it.
"""
from __future__ import annotations

from supervise.regulation.document import RuleConfig
from supervise.regulation.facts import ShiftFacts
from supervise.regulation.finding import Finding, checkin_key, iso, make_finding, num
from supervise.regulation.rules._common import accepted_sign_in, checkin_time


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
    return [make_finding(
        config, checkin_key("CHECKIN_OFF_GRID", checkin.id), (t, t),
        f"签到位置在网格外 {num(distance)} 米（允许 {num(tolerance)} 米）",
        f"Signed in {num(distance)} m outside the grid ({num(tolerance)} m allowed)",
        {"checkin_id": checkin.id, "distance_m": distance, "tolerance_m": tolerance,
         "accuracy_m": checkin.accuracy_m, "location_source": checkin.location_source,
         "lat": checkin.lat, "lon": checkin.lon, "signed_in_at": iso(t)},
    )]

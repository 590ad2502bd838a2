"""PHOTO_TIME_CONFLICT: the photo's own clock and its GPS time disagree, and not by whole zones.

A phone set to the wrong time zone is placed by GPS time and not flagged (the evidence module does
that). Any other disagreement beyond max_conflict_min means one of the two clocks is wrong and the
service cannot tell which: the sign-in is kept as it was judged (by the camera's time) and raised
for a person to review, with both times shown. Low severity: it asks a question, it accuses no one.
"""
from __future__ import annotations

from datetime import timedelta

from supervise.regulation.document import RuleConfig
from supervise.regulation.facts import CheckinFact, ShiftFacts
from supervise.regulation.finding import Finding, checkin_key, iso, make_finding, num
from supervise.regulation.rules._common import known_checkins


def evaluate(facts: ShiftFacts, config: RuleConfig) -> list[Finding]:
    """One finding per sign-in whose clocks disagree by more than max_conflict_min."""
    limit_s = config.params["max_conflict_min"] * 60
    return [_finding(c, config) for c in known_checkins(facts)
            if c.time_conflict_s is not None and abs(c.time_conflict_s) > limit_s]


def _finding(c: CheckinFact, config: RuleConfig) -> Finding:
    minutes = abs(c.time_conflict_s) / 60
    gps_time = c.captured_at + timedelta(seconds=c.time_conflict_s) if c.captured_at else None
    return make_finding(
        config, checkin_key("PHOTO_TIME_CONFLICT", c.id), (c.received_at, c.received_at),
        f"照片时钟与卫星时间相差 {num(minutes)} 分钟，签到时间需人工核对",
        f"The photo's clock and its GPS time differ by {num(minutes)} min; check the sign-in time by hand",
        {"checkin_id": c.id, "camera_time": iso(c.captured_at), "gps_time": iso(gps_time),
         "conflict_s": round(c.time_conflict_s, 1), "received_at": iso(c.received_at)},
    )

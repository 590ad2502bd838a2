"""PHOTO_TIME_CONFLICT: the photo's clock is doubtful (review, not a verdict).

Raised when the photo's own clock and its GPS time disagree beyond max_conflict_min, and not by
whole zones (a phone set to the wrong zone is placed by GPS time and not flagged), or when the
photo's clock says it was taken after it was received (impossible: the receipt time stands in).
The sign-in is kept, judged by GPS time when that is possible (else by the camera time, or the
receipt), and raised for a person to review with both times shown. Low severity and always a
review flag: it asks a question, it accuses no one.
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
    key = checkin_key("PHOTO_TIME_CONFLICT", c.id)
    question = [("签到时间需人工核对", "check the sign-in time by hand")]
    if c.capture_time_source == "received":
        camera = c.received_at + timedelta(seconds=c.time_conflict_s)
        return make_finding(
            config, key, (c.received_at, c.received_at),
            f"照片时钟比上传时间还晚 {num(minutes)} 分钟（不可能），按收到时间计，需人工核对",
            f"The photo's clock says {num(minutes)} min after it was received (impossible): timed by its receipt; "
            "check the sign-in time by hand",
            {"checkin_id": c.id, "camera_time": iso(camera), "received_at": iso(c.received_at),
             "conflict_s": round(c.time_conflict_s, 1), "decided_by": "received"}, question)
    if c.capture_time_source == "exif_gps":
        gps_time, camera = c.captured_at, c.captured_at - timedelta(seconds=c.time_conflict_s)
    else:
        camera = c.captured_at
        gps_time = c.captured_at + timedelta(seconds=c.time_conflict_s) if c.captured_at else None
    return make_finding(
        config, key, (c.received_at, c.received_at),
        f"照片时钟与卫星时间相差 {num(minutes)} 分钟，签到时间需人工核对",
        f"The photo's clock and its GPS time differ by {num(minutes)} min; check the sign-in time by hand",
        {"checkin_id": c.id, "camera_time": iso(camera), "gps_time": iso(gps_time),
         "conflict_s": round(c.time_conflict_s, 1), "received_at": iso(c.received_at),
         "decided_by": c.capture_time_source}, question,
    )

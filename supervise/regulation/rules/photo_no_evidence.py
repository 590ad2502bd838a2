"""PHOTO_NO_EVIDENCE: a sign-in without a usable position or capture time.

A position from the phone's own fix counts as usable (weaker, but evidence);
only a sign-in with neither an EXIF nor a device position, or without any
capture time, is flagged.
"""
from __future__ import annotations

from supervise.regulation.document import RuleConfig
from supervise.regulation.facts import CheckinFact, ShiftFacts
from supervise.regulation.finding import Finding, checkin_key, iso, make_finding
from supervise.regulation.rules._common import known_checkins


def evaluate(facts: ShiftFacts, config: RuleConfig) -> list[Finding]:
    """One finding per sign-in lacking a position or a capture time."""
    return [_finding(c, config) for c in known_checkins(facts) if _missing(c)]


def _missing(c: CheckinFact) -> list[str]:
    has_position = c.lat is not None and c.lon is not None
    return (["position"] if not has_position else []) + (["capture_time"] if c.captured_at is None else [])


def _finding(c: CheckinFact, config: RuleConfig) -> Finding:
    missing = _missing(c)
    zh = "、".join({"position": "定位", "capture_time": "拍摄时间"}[m] for m in missing)
    en = " and ".join({"position": "position", "capture_time": "capture time"}[m] for m in missing)
    return make_finding(
        config, checkin_key("PHOTO_NO_EVIDENCE", c.id), (c.received_at, c.received_at),
        f"签到照片缺少{zh}，请开启定位后重拍",
        f"Sign-in photo has no usable {en}; retake it with location on",
        {"checkin_id": c.id, "missing": missing, "evidence_problem": c.evidence_problem,
         "received_at": iso(c.received_at)},
    )

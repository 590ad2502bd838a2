"""PHOTO_STALE: an old photo, not one taken for this sign-in.

Reading of DOMAIN.md ("capture time more than 10 min before receipt; a phone
that was offline may send later; the capture time must still fall in the
sign-in window"): a photo is stale when it was captured more than max_age_min
before it was received AND its capture time lies outside the sign-in window.
A photo taken inside the window but delivered late by an offline phone is not
stale. Every sign-in of the shift received by as_of is judged.
"""
from __future__ import annotations

from supervise.regulation.document import RuleConfig
from supervise.regulation.facts import ShiftFacts
from supervise.regulation.finding import Finding, checkin_key, iso, make_finding, num
from supervise.regulation.rules._common import known_checkins, minutes, window


def evaluate(facts: ShiftFacts, config: RuleConfig) -> list[Finding]:
    """One finding per sign-in whose photo is older than max_age_min and outside the window."""
    max_age = config.params["max_age_min"]
    opens, closes = window(facts, config)
    findings = []
    for c in known_checkins(facts):
        if c.captured_at is None or c.received_at - c.captured_at <= minutes(max_age):
            continue
        if opens <= c.captured_at <= closes:
            continue
        age = (c.received_at - c.captured_at).total_seconds() / 60
        findings.append(make_finding(
            config, checkin_key("PHOTO_STALE", c.id), (c.captured_at, c.received_at),
            f"照片拍摄于上传前 {num(age)} 分钟，且不在签到时间窗内（允许 {num(max_age)} 分钟）",
            f"Photo taken {num(age)} min before upload and outside the sign-in window "
            f"({num(max_age)} min allowed)",
            {"checkin_id": c.id, "captured_at": iso(c.captured_at), "received_at": iso(c.received_at),
             "age_min": round(age, 2), "capture_time_source": c.capture_time_source,
             "window_opens": iso(opens), "window_closes": iso(closes),
             "support": {"margin": round(age - max_age, 2), "margin_unit": "min"}},
        ))
    return findings

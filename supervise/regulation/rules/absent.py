"""ABSENT: no sign-in by start + absent_after_min.

Judged only once that deadline has passed as of `as_of`. A clock that is wrong is not a missing
sign-in: an officer who sent a sign-in that was kept, received inside the window, is never
absent, whatever its photo's clock says (a doubtful time is PHOTO_TIME_CONFLICT's question, a
stale photo PHOTO_STALE's). A sign-in whose photo carries no GPS or time still counts as a
sign-in (it gets PHOTO_NO_EVIDENCE), so an officer whose phone stripped the GPS is not also
called absent.
"""
from __future__ import annotations

from supervise.regulation.document import RuleConfig
from supervise.regulation.facts import ShiftFacts
from supervise.regulation.finding import Finding, iso, make_finding, num
from supervise.regulation.rules._common import accepted_sign_in, known_checkins, window


def evaluate(facts: ShiftFacts, config: RuleConfig) -> list[Finding]:
    """One ABSENT finding when the sign-in window has closed without an accepted sign-in."""
    opens, closes = window(facts, config)
    if facts.as_of < closes or accepted_sign_in(facts, config) is not None:
        return []
    if any(opens <= c.received_at <= closes for c in known_checkins(facts)):
        return []
    after = config.sign_in.close_after_min
    outside = [c.id for c in known_checkins(facts)]
    return [make_finding(
        config, "ABSENT", (facts.start, closes),
        f"班次开始 {num(after)} 分钟后仍无有效签到",
        f"No accepted sign-in by {num(after)} min after shift start",
        {"window_opens": iso(opens), "window_closes": iso(closes),
         "checkins_outside_window": outside},
    )]

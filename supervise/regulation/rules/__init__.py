"""The rules: one pure module per flag code, picked through the RULES registry.

`evaluate_shift` runs every enabled rule on one shift's facts. A rule that
raises is logged and skipped, so one broken rule cannot stop the others (as in
Traccar's BaseEventHandler). INSPECTION has no rule here: inspectors raise it.
"""
from __future__ import annotations

import logging
from collections.abc import Callable, Mapping

from supervise.regulation.document import Regulation, RuleConfig
from supervise.regulation.facts import ShiftFacts
from supervise.regulation.finding import Finding
from supervise.regulation.rules import (
    absent,
    checkin_off_grid,
    early_leave,
    idle,
    late,
    location_mismatch,
    location_spoof,
    low_patrol,
    off_post,
    photo_no_evidence,
    photo_reused,
    photo_stale,
    photo_time_conflict,
    track_gap,
)

log = logging.getLogger(__name__)

Rule = Callable[[ShiftFacts, RuleConfig], list[Finding]]

RULES: Mapping[str, Rule] = {
    "LATE": late.evaluate,
    "ABSENT": absent.evaluate,
    "CHECKIN_OFF_GRID": checkin_off_grid.evaluate,
    "PHOTO_STALE": photo_stale.evaluate,
    "PHOTO_NO_EVIDENCE": photo_no_evidence.evaluate,
    "PHOTO_REUSED": photo_reused.evaluate,
    "PHOTO_TIME_CONFLICT": photo_time_conflict.evaluate,
    "LOCATION_MISMATCH": location_mismatch.evaluate,
    "LOCATION_SPOOF": location_spoof.evaluate,
    "TRACK_GAP": track_gap.evaluate,
    "IDLE": idle.evaluate,
    "OFF_POST": off_post.evaluate,
    "EARLY_LEAVE": early_leave.evaluate,
    "LOW_PATROL": low_patrol.evaluate,
}


def evaluate_shift(
    facts: ShiftFacts, regulation: Regulation, rules: Mapping[str, Rule] = RULES
) -> list[Finding]:
    """Findings of every enabled rule in force at the shift's start in its district.

    A rule that raises is logged with the shift id and skipped.
    """
    findings: list[Finding] = []
    for code, config in regulation.values_for(facts.start, facts.district).items():
        rule = rules.get(code)
        if rule is None or not config.enabled:
            continue
        try:
            findings.extend(rule(facts, config))
        except Exception:
            log.exception("rule %s failed on shift %s; other rules still run", code, facts.shift_id)
    return findings

"""LOW_PATROL: less than min_km_per_4h per 4 hours on a patrol shift (出勤不出力).

Judged only once the shift has ended, only on patrol shifts, and only when the
shift has positions (no track at all is TRACK_GAP's business). The required
distance is pro rata of the shift's hours minus declared breaks.
"""
from __future__ import annotations

from supervise.regulation.document import RuleConfig
from supervise.regulation.facts import ShiftFacts
from supervise.regulation.finding import Finding, make_finding, num
from supervise.regulation.rules._common import has_track, overlap_s
from supervise.tracks.model import Span


def evaluate(facts: ShiftFacts, config: RuleConfig) -> list[Finding]:
    """One finding when a finished patrol shift covered less than the required distance."""
    finished = facts.as_of >= facts.end
    if facts.kind != "patrol" or not finished or not has_track(facts) or facts.track is None:
        return []
    shift = Span(facts.start, facts.end)
    hours = (shift.seconds - overlap_s(shift, facts.breaks)) / 3600
    per_4h = config.params["min_km_per_4h"]
    required_m = per_4h * 1000 * hours / 4
    walked = facts.track.distance_m
    if walked >= required_m:
        return []
    return [make_finding(
        config, "LOW_PATROL", (facts.start, facts.end),
        f"巡查 {num(walked / 1000)} 千米，少于要求的 {num(required_m / 1000)} 千米"
        f"（每 4 小时 {num(per_4h)} 千米）",
        f"Patrolled {num(walked / 1000)} km, less than the {num(required_m / 1000)} km required "
        f"({num(per_4h)} km per 4 h)",
        {"distance_m": round(walked, 1), "required_m": round(required_m, 1),
         "working_hours": round(hours, 3)},
    )]

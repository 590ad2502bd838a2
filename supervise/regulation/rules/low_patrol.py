"""LOW_PATROL: less than min_km_per_4h per 4 hours on a patrol shift (出勤不出力).

Judged only once the shift has ended, only on patrol shifts, and only when the shift has
positions (no track at all is TRACK_GAP's business). The required distance is pro rata of the
hours the track speaks for: the shift minus declared breaks minus silences longer than the gap
threshold (missing data is not standing still: TRACK_GAP judges the silence, and nothing else is
inferred across it). The distance is the analysis's, which counts only movement beyond the
phone's noise. Raised for review when the track speaks for less than half the shift or the
distance falls short by less than REVIEW_SHORTFALL of the requirement.
"""
from __future__ import annotations

from supervise.regulation.document import RuleConfig
from supervise.regulation.facts import ShiftFacts
from supervise.regulation.finding import Finding, make_finding, num
from supervise.regulation.rules._common import has_track, overlap_s
from supervise.tracks.model import Span

REVIEW_SHORTFALL = 0.15
MIN_HOURS = 0.5


def evaluate(facts: ShiftFacts, config: RuleConfig) -> list[Finding]:
    """One finding when a finished patrol shift covered less than the required distance."""
    finished = facts.as_of >= facts.end
    if facts.kind != "patrol" or not finished or not has_track(facts) or facts.track is None:
        return []
    shift = Span(facts.start, facts.end)
    working_s = shift.seconds - overlap_s(shift, facts.breaks)
    silent_s = sum(g.seconds for g in facts.track.gaps)
    hours = max(working_s - silent_s, 0.0) / 3600
    if hours < MIN_HOURS:
        return []
    per_4h = config.params["min_km_per_4h"]
    required_m = per_4h * 1000 * hours / 4
    walked = facts.track.distance_m
    if walked >= required_m:
        return []
    review = []
    if hours < working_s / 3600 / 2:
        review.append((f"轨迹仅覆盖 {num(hours)} 小时，不到本班次的一半",
                       f"the track speaks for only {num(hours)} h, less than half the shift"))
    if required_m - walked < REVIEW_SHORTFALL * required_m:
        review.append((f"仅比要求少 {num((required_m - walked) / 1000)} 千米，在测量误差之内",
                       (f"short of the requirement by only {num((required_m - walked) / 1000)} km, within the "
                        "measuring noise")))
    return [make_finding(
        config, "LOW_PATROL", (facts.start, facts.end),
        f"巡查 {num(walked / 1000)} 千米，少于要求的 {num(required_m / 1000)} 千米"
        f"（每 4 小时 {num(per_4h)} 千米，按有轨迹的 {num(hours)} 小时计）",
        f"Patrolled {num(walked / 1000)} km, less than the {num(required_m / 1000)} km required "
        f"({num(per_4h)} km per 4 h over the {num(hours)} h the track covers)",
        {"distance_m": round(walked, 1), "required_m": round(required_m, 1), "working_hours": round(hours, 3),
         "silent_hours": round(silent_s / 3600, 3),
         "support": {"margin": round((required_m - walked) / 1000, 3), "margin_unit": "km"}},
        review,
    )]

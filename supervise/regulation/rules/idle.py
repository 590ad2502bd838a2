"""IDLE: stationary within radius_m for min_duration_min or more (在岗不在状态).

Patrol shifts only: on a fixed post standing still is the job. Time in declared breaks, outside
the shift (or after as_of), and outside the grid (where the officer is off post, which OFF_POST
judges: one event, one flag) does not count; each remaining piece of a stay that is at least
min_duration_min long is one finding ("20 min or more": a stay of exactly 20 minutes is one flag),
keyed by the minute it began. The analysis never lets a stay cross a silence longer than the gap
threshold and joins stays that meet, so a 40-minute sit is one flag of 40 minutes.

The finding is raised for review when its support is thin (`supervise.regulation.support`), or
when the stay fits the regulation's radius only thanks to the allowance for the phone's noise:
a phone that errs by 50 m cannot prove that someone stayed within 30 m.
"""
from __future__ import annotations

from supervise.regulation.document import RuleConfig
from supervise.regulation.facts import ShiftFacts
from supervise.regulation.finding import Finding, iso, make_finding, minute_key, num
from supervise.regulation.rules._common import clip, judged_until, minus_breaks, minutes
from supervise.regulation.support import span_support, thin_reasons
from supervise.tracks.model import Span, StayPoint, TrackAnalysis


def evaluate(facts: ShiftFacts, config: RuleConfig) -> list[Finding]:
    """One finding per stay (inside the grid, outside breaks) of at least min_duration_min on a patrol shift."""
    track = facts.track
    if facts.kind != "patrol" or track is None:
        return []
    need = minutes(config.params["min_duration_min"]).total_seconds()
    hi = judged_until(facts)
    away = [Span(e.start, e.end) for e in track.excursions]
    findings = []
    for stay in track.stays:
        inside = clip(Span(stay.start, stay.end), facts.start, hi)
        for piece in minus_breaks(inside, facts.breaks + away) if inside else []:
            if piece.seconds >= need:
                findings.append(_finding(piece, stay, need, track, config))
    return findings


def _finding(piece: Span, stay: StayPoint, need_s: float, track: TrackAnalysis, config: RuleConfig) -> Finding:
    length = piece.seconds / 60
    p = config.params
    support = span_support(track, piece.start, piece.end)
    review = thin_reasons(support, piece.seconds - need_s)
    if stay.radius_m > p["radius_m"]:
        review.append((f"手机定位误差较大：90% 的定位点在 {num(stay.radius_m)} 米内，超过规定的 {num(p['radius_m'])} 米",
                       (f"the phone's fixes spread wider than the rule: 90% within {num(stay.radius_m)} m, "
                        f"not {num(p['radius_m'])} m")))
    return make_finding(
        config, minute_key("IDLE", piece.start), (piece.start, piece.end),
        f"在 {num(stay.radius_m)} 米范围内停留 {num(length)} 分钟（上限 {num(p['min_duration_min'])} 分钟）",
        f"Stayed within {num(stay.radius_m)} m for {num(length)} min "
        f"(limit {num(p['min_duration_min'])} min)",
        {"span": [iso(piece.start), iso(piece.end)], "minutes": round(length, 2),
         "lat": stay.lat, "lon": stay.lon, "radius_m": stay.radius_m, "allowed_radius_m": stay.allowed_m,
         "points": stay.points, "support": support.evidence(length - need_s / 60, "min")},
        review,
    )

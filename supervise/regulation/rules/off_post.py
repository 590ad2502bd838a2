"""OFF_POST: outside the grid (or fixed-post circle) too long (脱岗).

Each stretch outside lasting max_continuous_min or more is one finding, keyed by the minute it
began. The shift's total outside reaching max_total_min is one more finding, "OFF_POST@total",
unless every stretch outside was already flagged on its own (then the total adds nothing). Time in
declared breaks, outside the shift or after as_of does not count (an officer may leave the grid for
a declared meal break).

One event, one flag: the analysis joins an excursion that dips back inside for a single fix, and
never lets one cross a silence longer than the gap threshold (the silence is TRACK_GAP's). Once
the shift has ended, a stretch outside that lasts to the end of the track is leaving, which
EARLY_LEAVE judges; it is not also OFF_POST. A stretch whose support is thin, or that lies less
than twice the phone's accuracy beyond the buffer, is raised for review.
"""
from __future__ import annotations

from supervise.regulation.document import RuleConfig
from supervise.regulation.facts import ShiftFacts
from supervise.regulation.finding import Finding, iso, make_finding, minute_key, num
from supervise.regulation.rules._common import clip, judged_until, leaving_excursion, minus_breaks, minutes
from supervise.regulation.support import span_support, thin_reasons
from supervise.tracks.model import Excursion, Span, TrackAnalysis


def evaluate(facts: ShiftFacts, config: RuleConfig) -> list[Finding]:
    """Findings for long stretches outside and for too much time outside in total."""
    track = facts.track
    if track is None:
        return []
    hi = judged_until(facts)
    leaving = leaving_excursion(facts)
    judged = [e for e in track.excursions if e is not leaving]
    pieces = [(p, e) for e in judged if (c := clip(Span(e.start, e.end), facts.start, hi))
              for p in minus_breaks(c, facts.breaks)]
    total = sum(p.seconds for p, _ in pieces)
    long_enough = minutes(config.params["max_continuous_min"]).total_seconds()
    flagged = [(p, e) for p, e in pieces if p.seconds >= long_enough]
    findings = [_continuous(p, e, long_enough, track, config) for p, e in flagged]
    limit_s = minutes(config.params["max_total_min"]).total_seconds()
    if total >= limit_s and len(flagged) < len(pieces):
        findings.append(_total([p for p, _ in pieces], total, limit_s, track, config))
    return findings


def _continuous(piece: Span, excursion: Excursion, need_s: float, track: TrackAnalysis,
                config: RuleConfig) -> Finding:
    length = piece.seconds / 60
    limit = config.params["max_continuous_min"]
    support = span_support(track, piece.start, piece.end)
    review = thin_reasons(support, piece.seconds - need_s)
    beyond = excursion.max_distance_m - config.params["buffer_m"]
    if support.median_accuracy_m and beyond < 2 * support.median_accuracy_m:
        review.append((f"最远仅超出缓冲区 {num(beyond)} 米，不到定位误差（{num(support.median_accuracy_m)} 米）的两倍",
                       (f"at most {num(beyond)} m beyond the buffer, less than twice the phone's accuracy "
                        f"({num(support.median_accuracy_m)} m)")))
    return make_finding(
        config, minute_key("OFF_POST", piece.start), (piece.start, piece.end),
        f"连续离开网格 {num(length)} 分钟（上限 {num(limit)} 分钟），最远 {num(excursion.max_distance_m)} 米",
        f"Outside the grid for {num(length)} min in a row (limit {num(limit)} min), "
        f"at most {num(excursion.max_distance_m)} m away",
        {"span": [iso(piece.start), iso(piece.end)], "minutes": round(length, 2),
         "max_distance_m": round(excursion.max_distance_m, 1),
         "support": support.evidence(length - need_s / 60, "min")},
        review,
    )


def _total(pieces: list[Span], total_s: float, limit_s: float, track: TrackAnalysis, config: RuleConfig) -> Finding:
    length = total_s / 60
    limit = config.params["max_total_min"]
    supports = [span_support(track, p.start, p.end) for p in pieces]
    fixes = sum(s.fixes for s in supports)
    review = []
    if fixes < 10:
        review.append((f"各段离开网格共仅有 {fixes} 个定位点", f"only {fixes} fixes in all the stretches outside"))
    if total_s - limit_s < 120:
        review.append((f"累计超出时限 {num((total_s - limit_s) / 60)} 分钟，在定位时间误差之内",
                       f"over the limit by {num((total_s - limit_s) / 60)} min in total, within the timing noise"))
    return make_finding(
        config, "OFF_POST@total", (pieces[0].start, pieces[-1].end),
        f"本班次累计离开网格 {num(length)} 分钟（上限 {num(limit)} 分钟）",
        f"Outside the grid {num(length)} min in total this shift (limit {num(limit)} min)",
        {"total_min": round(length, 2), "spans": [[iso(p.start), iso(p.end)] for p in pieces],
         "support": {"fixes": fixes, "margin": round(length - limit, 2), "margin_unit": "min"}},
        review,
    )

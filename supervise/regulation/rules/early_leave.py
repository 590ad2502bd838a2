"""EARLY_LEAVE: the last position inside the area came more than before_end_min before end.

Judged only once the shift has ended (as of `as_of`). Not raised when the shift
has no positions (TRACK_GAP says that) or none inside (OFF_POST says that).
Declared breaks between the last inside position and the end do not count.
When the track simply stops after the last inside position (a dead phone looks
the same as leaving), the evidence and the sentence say so, for the reviewer.
"""
from __future__ import annotations

from supervise.regulation.document import RuleConfig
from supervise.regulation.facts import ShiftFacts
from supervise.regulation.finding import Finding, iso, make_finding, num
from supervise.regulation.rules._common import has_track, minus_breaks, minutes
from supervise.tracks.model import Span


def evaluate(facts: ShiftFacts, config: RuleConfig) -> list[Finding]:
    """One finding when the officer was last inside more than before_end_min before shift end."""
    track = facts.track
    if facts.as_of < facts.end or not has_track(facts) or track is None or track.last_inside is None:
        return []
    last_inside = track.last_inside
    limit = config.params["before_end_min"]
    away = Span(last_inside, facts.end)
    away_s = sum(p.seconds for p in minus_breaks(away, facts.breaks)) if facts.end > last_inside else 0.0
    if away_s <= minutes(limit).total_seconds():
        return []
    no_data_after = track.last_fix is None or track.last_fix <= last_inside
    gaps_after = [g for g in track.gaps if g.end > last_inside]
    note_zh = "（此后轨迹中断，无定位数据）" if no_data_after else ""
    note_en = " (the track stops there: no positions after it)" if no_data_after else ""
    return [make_finding(
        config, "EARLY_LEAVE", (last_inside, facts.end),
        f"最后一次在网格内为班次结束前 {num(away_s / 60)} 分钟（允许 {num(limit)} 分钟）{note_zh}",
        f"Last inside the grid {num(away_s / 60)} min before shift end ({num(limit)} min allowed){note_en}",
        {"last_inside": iso(last_inside), "shift_end": iso(facts.end),
         "minutes_before_end": round(away_s / 60, 2),
         "last_fix": iso(track.last_fix), "no_data_after_last_inside": no_data_after,
         "gaps_after_last_inside": [[iso(g.start), iso(g.end)] for g in gaps_after]},
    )]

"""LOCATION_SPOOF: a simulated position.

Raised for a sign-in whose phone reported a mock location, for a track with mock fixes (one
finding for the shift), and for each leap of the track (`Teleport`): faster than max_speed_kmh
between a place kept for minutes before and a place kept for minutes after, keyed by the minute
it began; a leap out and the leap back are one finding. A single fix that jumps away and comes
back is GPS multipath, never spoofing: the analysis drops such outliers before any rule reads the
track, and a leap needs the track to stay at the new place.
"""
from __future__ import annotations

from supervise.regulation.document import RuleConfig
from supervise.regulation.facts import ShiftFacts
from supervise.regulation.finding import Finding, checkin_key, iso, make_finding, minute_key, num
from supervise.regulation.rules._common import checkin_time, known_checkins
from supervise.timeutil import SHANGHAI
from supervise.tracks.model import Teleport


def evaluate(facts: ShiftFacts, config: RuleConfig) -> list[Finding]:
    """Findings for mock sign-ins, mock track fixes and leaps of the track."""
    return _mock_checkins(facts, config) + _mock_track(facts, config) + _leaps(facts, config)


def _mock_checkins(facts: ShiftFacts, config: RuleConfig) -> list[Finding]:
    return [
        make_finding(
            config, checkin_key("LOCATION_SPOOF", c.id), (checkin_time(c), checkin_time(c)),
            "签到时手机报告为虚拟定位", "The phone reported a mock location at sign-in",
            {"checkin_id": c.id, "device_mock": True},
        )
        for c in known_checkins(facts) if c.device_mock
    ]


def _mock_track(facts: ShiftFacts, config: RuleConfig) -> list[Finding]:
    track = facts.track
    if track is None or track.mock_fixes <= 0:
        return []
    return [make_finding(
        config, "LOCATION_SPOOF@mock", (track.window.start, track.window.end),
        f"轨迹中有 {track.mock_fixes} 个虚拟定位点", f"The track has {track.mock_fixes} mock fixes",
        {"mock_fixes": track.mock_fixes, "window": [iso(track.window.start), iso(track.window.end)]},
    )]


def _leaps(facts: ShiftFacts, config: RuleConfig) -> list[Finding]:
    if facts.track is None:
        return []
    return [_leap_finding(leap, config) for leap in facts.track.teleports
            if leap.end <= facts.as_of and facts.start <= leap.start <= facts.end]


def _leap_finding(leap: Teleport, config: RuleConfig) -> Finding:
    limit = config.params["max_speed_kmh"]
    back_zh = f"，{leap.back.astimezone(SHANGHAI):%H:%M} 又跳回原处" if leap.back else ""
    back_en = f"; it leapt back at {iso(leap.back)}" if leap.back else ""
    return make_finding(
        config, minute_key("LOCATION_SPOOF", leap.start), (leap.start, leap.end),
        f"轨迹瞬移 {num(leap.distance_m / 1000)} 千米（推算 {num(leap.speed_kmh)} 千米/小时，步巡上限 {num(limit)}），"
        f"前后各停留数分钟{back_zh}",
        f"The track leapt {num(leap.distance_m / 1000)} km ({num(leap.speed_kmh)} km/h, foot patrol limit "
        f"{num(limit)}) between places it kept for minutes{back_en}",
        {"leap": {"start": iso(leap.start), "end": iso(leap.end), "back": iso(leap.back),
                  "distance_m": round(leap.distance_m, 1), "speed_kmh": round(leap.speed_kmh, 1),
                  "fixes_before": leap.fixes_before, "fixes_after": leap.fixes_after}},
    )

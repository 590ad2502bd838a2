"""LOCATION_SPOOF: a simulated position.

Raised for a sign-in whose phone reported a mock location, for a track with
mock fixes (one finding for the shift), and on patrol shifts for each jump
between consecutive fixes faster than max_speed_kmh (jumps starting in the same
minute are one finding, so keys stay unique). Fixed posts are not judged on
speed: DOMAIN.md sets the limit for foot patrols.
"""
from __future__ import annotations

from supervise.regulation.document import RuleConfig
from supervise.regulation.facts import ShiftFacts
from supervise.regulation.finding import Finding, checkin_key, iso, make_finding, minute_key, num
from supervise.regulation.rules._common import checkin_time, known_checkins
from supervise.tracks.model import SpeedJump


def evaluate(facts: ShiftFacts, config: RuleConfig) -> list[Finding]:
    """Findings for mock sign-ins, mock track fixes and impossible patrol speeds."""
    return _mock_checkins(facts, config) + _mock_track(facts, config) + _speed_jumps(facts, config)


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


def _speed_jumps(facts: ShiftFacts, config: RuleConfig) -> list[Finding]:
    if facts.kind != "patrol" or facts.track is None:
        return []
    limit = config.params["max_speed_kmh"]
    groups: dict[str, list[SpeedJump]] = {}
    for jump in sorted(facts.track.speed_jumps, key=lambda j: j.start):
        if jump.speed_kmh > limit and jump.end <= facts.as_of:
            groups.setdefault(minute_key("LOCATION_SPOOF", jump.start), []).append(jump)
    return [_jump_finding(key, jumps, limit, config) for key, jumps in groups.items()]


def _jump_finding(key: str, jumps: list[SpeedJump], limit: float, config: RuleConfig) -> Finding:
    fastest = max(j.speed_kmh for j in jumps)
    return make_finding(
        config, key, (jumps[0].start, max(j.end for j in jumps)),
        f"相邻定位点推算速度 {num(fastest)} 千米/小时（步巡上限 {num(limit)}）",
        f"Consecutive fixes imply {num(fastest)} km/h (foot patrol limit {num(limit)})",
        {"jumps": [{"start": iso(j.start), "end": iso(j.end), "speed_kmh": round(j.speed_kmh, 1),
                    "distance_m": round(j.distance_m, 1)} for j in jumps]},
    )

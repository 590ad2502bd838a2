"""What the regulation can say: the rule codes, their parameters and defaults (PURE).

The defaults here are DOMAIN.md's "default regulation"; a document that omits a
rule or a parameter gets these. Each parameter also says which direction is
stricter, so that when two key periods overlap the stricter value wins.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

SEVERITIES = ("low", "medium", "high")


@dataclass(frozen=True)
class ParamSpec:
    """One numeric threshold: its default and whether a lower value is stricter."""

    default: float
    lower_is_stricter: bool = True


@dataclass(frozen=True)
class RuleSpec:
    """The built-in description of one rule code."""

    code: str
    clause: str
    severity: str
    title_zh: str
    title_en: str
    params: Mapping[str, ParamSpec]


def _rule(code: str, clause: str, severity: str, zh: str, en: str, **params: ParamSpec) -> RuleSpec:
    return RuleSpec(code, clause, severity, zh, en, MappingProxyType(params))


_P = ParamSpec
RULE_SPECS: Mapping[str, RuleSpec] = MappingProxyType({
    spec.code: spec
    for spec in (
        _rule("LATE", "3.1", "low", "签到迟到", "Late sign-in",
              window_open_before_min=_P(30, lower_is_stricter=True), grace_min=_P(5)),
        _rule("ABSENT", "3.2", "high", "未签到（缺勤）", "No sign-in (absent)", absent_after_min=_P(30)),
        _rule("CHECKIN_OFF_GRID", "3.3", "medium", "签到不在网格内", "Sign-in outside the grid",
              min_tolerance_m=_P(30), max_reported_error_m=_P(100)),
        _rule("PHOTO_STALE", "3.4", "medium", "签到照片非现拍", "Sign-in photo is stale", max_age_min=_P(10)),
        _rule("PHOTO_NO_EVIDENCE", "3.5", "low", "签到照片缺少定位或时间", "Sign-in photo lacks GPS or time"),
        _rule("LOCATION_MISMATCH", "3.6", "medium", "照片位置与手机定位不符",
              "Photo position disagrees with the phone", extra_m=_P(50)),
        _rule("LOCATION_SPOOF", "3.7", "high", "虚拟定位", "Mock location", max_speed_kmh=_P(50),
              settle_min=_P(3, lower_is_stricter=True), settle_fixes=_P(3, lower_is_stricter=True)),
        _rule("PHOTO_REUSED", "3.8", "high", "签到照片重复使用", "Sign-in photo reused",
              max_phash_distance=_P(6, lower_is_stricter=False)),
        _rule("PHOTO_TIME_CONFLICT", "3.9", "low", "照片时间与卫星时间不符（待核）",
              "Photo clock disagrees with GPS time (review)", max_conflict_min=_P(2)),
        _rule("TRACK_GAP", "4.1", "medium", "轨迹中断（失联）", "Track gap (out of contact)",
              max_gap_min=_P(15), upload_within_min=_P(30)),
        _rule("IDLE", "4.2", "medium", "长时间滞留（在岗不在状态）", "Idle (on post but not engaged)",
              radius_m=_P(30, lower_is_stricter=False), min_duration_min=_P(20)),
        _rule("OFF_POST", "4.3", "high", "脱岗", "Off post",
              buffer_m=_P(50), max_continuous_min=_P(10), max_total_min=_P(20)),
        _rule("EARLY_LEAVE", "4.4", "medium", "早退", "Early leave", before_end_min=_P(15)),
        _rule("LOW_PATROL", "4.5", "low", "巡查里程不足（出勤不出力）", "Patrol too short",
              min_km_per_4h=_P(2, lower_is_stricter=False)),
        _rule("INSPECTION", "5.1", "medium", "督察发现问题", "Inspection finding"),
    )
})


def default_params(code: str) -> dict[str, float]:
    """The built-in parameter values of rule `code`."""
    return {name: p.default for name, p in RULE_SPECS[code].params.items()}


def stricter(code: str, name: str, a: float, b: float) -> float:
    """The stricter of two values of parameter `name` of rule `code`."""
    if RULE_SPECS[code].params[name].lower_is_stricter:
        return min(a, b)
    return max(a, b)

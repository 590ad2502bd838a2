"""INSPECTION: a finding an inspector records against an officer (PURE).

No scheduled rule raises it: the finding itself is the fact, judged by a person who was there.
The rule only turns a recorded finding into a flag in the regulation's words, naming the
catalog items (十不准) cited, so a reviewer reads what was found and by whom.

A finding is checked against when and where the officer was on duty: it must fall inside the
officer's shift (SHIFT_SLACK either side) and its photo must have been taken near the officer's
grid or post (within NEAR_GRID_M plus the photo's reported error, at most 100 m of it). Otherwise
it is kept, but unverified: raised for review, with the reason on the flag (a "violation" at 07:01
against a 10:00-18:00 shift, photographed 2.7 km away, is not a discipline finding until a person
has looked).
"""
from __future__ import annotations

from collections.abc import Collection, Mapping
from datetime import datetime, timedelta

from supervise.regulation.document import RuleConfig
from supervise.regulation.facts import InspectionFact
from supervise.regulation.finding import Finding, iso, make_finding, num
from supervise.timeutil import SHANGHAI

SHIFT_SLACK = timedelta(minutes=5)
NEAR_GRID_M = 200.0
MAX_PHOTO_ERROR_M = 100.0

RESULTS_ZH = {"absent": "人员不在岗", "violation": "违反纪律规定"}
RESULTS_EN = {"absent": "officer absent from post", "violation": "breach of discipline"}
KINDS_ZH = {"cross_district": "交叉互检", "routine": "常规督察", "special": "专项督察", "key_point": "重点督察",
            "joint": "联检督察"}
KINDS_EN = {"cross_district": "cross-district inspection", "routine": "routine inspection",
            "special": "special inspection", "key_point": "key-point inspection", "joint": "joint inspection"}


def unknown_items(items: Collection[str], catalog: Mapping[str, Mapping[str, str]]) -> list[str]:
    """The cited codes that the regulation's catalog does not hold, in the order given."""
    return [code for code in items if code not in catalog]


def finding_for(fact: InspectionFact, config: RuleConfig,
                catalog: Mapping[str, Mapping[str, str]]) -> Finding | None:
    """The INSPECTION finding for a recorded result, or None when the officer was found compliant."""
    if fact.result == "compliant":
        return None
    at = fact.captured_at or fact.recorded_at
    cited = [{"code": code, "zh": catalog.get(code, {}).get("zh", code), "en": catalog.get(code, {}).get("en", code)}
             for code in fact.items]
    zh_items = "；".join(f"{c['code']} {c['zh']}" for c in cited)
    en_items = "; ".join(f"{c['code']} {c['en']}" for c in cited)
    zh = f"{KINDS_ZH.get(fact.kind, '督察')}：督察员{fact.inspector}发现{RESULTS_ZH[fact.result]}"
    en = f"{KINDS_EN.get(fact.kind, 'inspection').capitalize()}: inspector {fact.inspector} found " \
         f"{RESULTS_EN[fact.result]}"
    if cited:
        zh, en = f"{zh}（{zh_items}）", f"{en} ({en_items})"
    review = unverified_reasons(fact)
    return make_finding(
        config, f"INSPECTION#{fact.finding_id}", (at, at), zh, en,
        {"finding_id": fact.finding_id, "assignment_id": fact.assignment_id, "round_id": fact.round_id,
         "kind": fact.kind, "inspector": fact.inspector, "result": fact.result, "items": cited,
         "note": fact.note, "recorded_at": iso(fact.recorded_at), "captured_at": iso(fact.captured_at),
         "distance_to_grid_m": fact.distance_to_grid_m, "verified": not review,
         "shift": [iso(fact.shift_start), iso(fact.shift_end)] if fact.shift_start else None},
        review,
    )


def unverified_reasons(fact: InspectionFact) -> list[tuple[str, str]]:
    """Why a finding cannot be checked against the officer's duty (empty when it checks out)."""
    at = fact.captured_at or fact.recorded_at
    if fact.shift_start is None or fact.shift_end is None:
        return [("该队员在此时间没有班次", "the officer had no shift at that time")]
    reasons = []
    if not fact.shift_start - SHIFT_SLACK <= at <= fact.shift_end + SHIFT_SLACK:
        reasons.append((f"发现时间 {_local(at)} 不在该队员的班次 {_local(fact.shift_start)}–{_local(fact.shift_end)} 内",
                        (f"found at {_local(at)}, outside the officer's shift {_local(fact.shift_start)}-"
                         f"{_local(fact.shift_end)}")))
    if fact.distance_to_grid_m is None:
        reasons.append(("督察照片没有定位，无法核对地点", "the inspector's photo has no position to check the place by"))
    else:
        allowed = NEAR_GRID_M + min(fact.photo_accuracy_m or 0.0, MAX_PHOTO_ERROR_M)
        if fact.distance_to_grid_m > allowed:
            reasons.append((f"督察照片拍摄地点距该队员网格 {num(fact.distance_to_grid_m)} 米",
                            f"the inspector's photo was taken {num(fact.distance_to_grid_m)} m from the officer's grid"))
    return reasons


def _local(at: datetime) -> str:
    return at.astimezone(SHANGHAI).strftime("%H:%M")

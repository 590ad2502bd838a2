"""INSPECTION: a finding an inspector records against an officer (PURE).

No scheduled rule raises it: the finding itself is the fact, judged by a person who was there.
The rule only turns a recorded finding into a flag in the regulation's words, naming the
catalog items (十不准) cited, so a reviewer reads what was found and by whom.
"""
from __future__ import annotations

from collections.abc import Collection, Mapping

from supervise.regulation.document import RuleConfig
from supervise.regulation.facts import InspectionFact
from supervise.regulation.finding import Finding, iso, make_finding

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
    return make_finding(
        config, f"INSPECTION#{fact.finding_id}", (at, at), zh, en,
        {"finding_id": fact.finding_id, "assignment_id": fact.assignment_id, "round_id": fact.round_id,
         "kind": fact.kind, "inspector": fact.inspector, "result": fact.result, "items": cited,
         "note": fact.note, "recorded_at": iso(fact.recorded_at), "captured_at": iso(fact.captured_at),
         "distance_to_grid_m": fact.distance_to_grid_m},
    )

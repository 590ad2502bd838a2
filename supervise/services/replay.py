"""What-if: a draft regulation evaluated on past evidence beside the one in force, writing nothing.

A manager sees, per rule and district, how many flags would appear, disappear or change before
publishing a threshold: against the regulation in force judged by today's rules, and against
the flags on record (what was actually raised, by the rules as they were then). The second
comparison also shows what a change of the service's own judgement would do to past days (run
with the regulation in force as the draft, it lists the flags the present rules would not raise
again: a multipath "spoofing", an idle stop split in two).
"""
from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta

from sqlalchemy import select

from supervise.errors import Invalid
from supervise.extensions import db
from supervise.models import Flag, Shift
from supervise.regulation import Regulation, RegulationInvalid, parse_regulation
from supervise.regulation.rules import evaluate_shift
from supervise.services.access import Actor, require_role
from supervise.services.checks import BATCH, LATE_DATA_WINDOW, TOUCH, facts_for, is_event_key, load_shifts
from supervise.services.regulation import regulation_in_force
from supervise.timeutil import utcnow

MAX_RANGE = timedelta(days=93)
EXAMPLES = 20


def replay(actor: Actor, draft_text: str, start: datetime, end: datetime) -> dict:
    """Per rule and district: flags that would appear, disappear or change under the draft, for
    shifts starting in [start, end), judged as of their late-data deadline (or now)."""
    require_role(actor, "manager")
    draft = _parse(draft_text)
    if end <= start or end - start > MAX_RANGE:
        raise Invalid("Give a range `from` < `to` of at most %(days)s days.", code="RANGE_INVALID", params={"days": MAX_RANGE.days})
    current = regulation_in_force().regulation
    ids = _shift_ids(actor, start, end)
    totals: dict[tuple[str, str], dict[str, int]] = defaultdict(lambda: {"appear": 0, "disappear": 0, "change": 0,
                                                                         "unchanged": 0})
    record_totals: dict[tuple[str, str], dict[str, int]] = defaultdict(
        lambda: {"appear": 0, "disappear": 0, "change": 0, "unchanged": 0})
    examples: list[dict] = []
    record_examples: list[dict] = []
    for i in range(0, len(ids), BATCH):
        chunk = ids[i:i + BATCH]
        on_record = _flags_on_record(chunk)
        for shift, district, before, after in _compare(load_shifts(chunk), current, draft):
            _tally(totals, examples, shift, district, before, after)
            _tally_record(record_totals, record_examples, shift, district, on_record.get(shift.id, []), after)
    keys = sorted(totals.keys() | record_totals.keys())
    rows = [{"rule": rule, "district": district, **totals[(rule, district)],
             "record": dict(record_totals[(rule, district)])} for rule, district in keys]
    return {"from": start, "to": end, "shifts": len(ids), "rows": rows, "examples": examples[:EXAMPLES],
            "record_examples": record_examples[:EXAMPLES], "draft_label": draft.version_label}


def _parse(text: str) -> Regulation:
    try:
        return parse_regulation(text)
    except RegulationInvalid as exc:
        raise Invalid("The draft regulation is not valid.", code="REGULATION_INVALID",
                      details={"errors": exc.errors}) from None


def _shift_ids(actor: Actor, start: datetime, end: datetime) -> list[int]:
    from supervise.models import User

    query = select(Shift.id).join(User, Shift.officer_id == User.id).where(Shift.start >= start, Shift.start < end)
    if not actor.is_city_wide:
        query = query.where(User.district_id == actor.district_id)
    return sorted(db.session.scalars(query))


def _compare(shifts: list[Shift], current: Regulation, draft: Regulation):
    now = utcnow()
    by_as_of: dict[datetime, list[Shift]] = defaultdict(list)
    for shift in shifts:
        by_as_of[min(now, shift.end + LATE_DATA_WINDOW)].append(shift)
    for as_of, group in by_as_of.items():
        before = dict(facts_for(group, as_of, current))
        after = dict(facts_for(group, as_of, draft))
        for shift in group:
            if shift in before and shift in after:
                yield (shift, before[shift].district or "-", evaluate_shift(before[shift], current),
                       evaluate_shift(after[shift], draft))


def _tally(totals, examples, shift, district, before, after) -> None:
    old = {f.key: f for f in before}
    new = {f.key: f for f in after}
    for key in old.keys() | new.keys():
        finding = new.get(key) or old[key]
        if key not in old:
            change = "appear"
        elif key not in new:
            change = "disappear"
        elif (old[key].severity, old[key].end, old[key].summary_en) != (new[key].severity, new[key].end,
                                                                        new[key].summary_en):
            change = "change"
        else:
            change = "unchanged"
        totals[(finding.code, district)][change] += 1
        if change != "unchanged" and len(examples) < EXAMPLES:
            examples.append({"shift_id": shift.id, "rule": finding.code, "change": change,
                             "before": old[key].summary_en if key in old else None,
                             "after": new[key].summary_en if key in new else None,
                             "before_zh": old[key].summary_zh if key in old else None,
                             "after_zh": new[key].summary_zh if key in new else None})


def _flags_on_record(shift_ids: list[int]) -> dict[int, list[Flag]]:
    """The live flags the checks raised for these shifts (not withdrawn, not inspectors' findings)."""
    grouped: dict[int, list[Flag]] = defaultdict(list)
    for flag in db.session.scalars(select(Flag).where(Flag.shift_id.in_(shift_ids), Flag.status != "withdrawn",
                                                      Flag.code != "INSPECTION")):
        grouped[flag.shift_id].append(flag)
    return grouped


def _tally_record(totals, examples, shift, district, record: list[Flag], after) -> None:
    """The draft's findings against the flags on record: the same fact by its key, or, for an event
    (a stay, a stretch outside, a silence, a leap), a flag of its code whose span it meets."""
    remaining = list(record)
    for finding in after:
        flag = _on_record(finding, remaining)
        if flag is None:
            change = "appear"
        else:
            remaining.remove(flag)
            same = (flag.start, flag.end, flag.summary_en, flag.needs_review) == (
                finding.start, finding.end, finding.summary_en, finding.needs_review)
            change = "unchanged" if same else "change"
        totals[(finding.code, district)][change] += 1
        if change != "unchanged" and len(examples) < EXAMPLES:
            examples.append({"shift_id": shift.id, "rule": finding.code, "change": change,
                             "before": flag.summary_en if flag is not None else None, "after": finding.summary_en,
                             "before_zh": flag.summary_zh if flag is not None else None,
                             "after_zh": finding.summary_zh,
                             "flag_id": flag.id if flag is not None else None})
    for flag in remaining:
        totals[(flag.code, district)]["disappear"] += 1
        if len(examples) < EXAMPLES:
            examples.append({"shift_id": shift.id, "rule": flag.code, "change": "disappear",
                             "before": flag.summary_en, "after": None, "flag_id": flag.id,
                             "before_zh": flag.summary_zh, "after_zh": None})


def _on_record(finding, flags: list[Flag]) -> Flag | None:
    for flag in flags:
        if flag.fact_key.split(":", 2)[-1] == finding.key:
            return flag
    if not is_event_key(finding.key):
        return None
    return next((f for f in flags if f.code == finding.code and is_event_key(f.fact_key.split(":", 2)[-1])
                 and f.start <= finding.end + TOUCH and f.end >= finding.start - TOUCH), None)

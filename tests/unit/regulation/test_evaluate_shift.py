"""evaluate_shift: every enabled rule in force, one failing rule never stops the others."""
from __future__ import annotations

import json
import logging
from datetime import timedelta

from regulation_factories import DEFAULT, START, checkin, excursion, local, mins, shift, stay, track

from supervise.regulation import parse_regulation
from supervise.regulation.rules import RULES, evaluate_shift
from supervise.tracks.model import Span

NIGHT_START = local(26, 22)              # 22:00 Harbin = 14:00 UTC
NIGHT_END = local(27, 6)                 # 06:00 Harbin next day = 22:00 UTC


def _night_shift(**kw):
    tr = track(
        NIGHT_START, NIGHT_END, distance_m=3000.0, last_inside=local(27, 5, 30),
        stays=[stay(local(27, 1), 25)],
    )
    values = {"start": NIGHT_START, "end": NIGHT_END, "checkins": [checkin(at=local(26, 22, 7))], "track": tr,
                  "district": "DL"}
    values.update(kw)
    return shift(**values)


def _busy_shift():
    tr = track(stays=[stay(START + mins(60), 30)], excursions=[excursion(START + mins(200), 12)],
               outside_total_s=12 * 60, gaps=[Span(START + mins(300), START + mins(330))], distance_m=1000.0,
               mock_fixes=1)
    return shift(checkins=[checkin(at=START + mins(9), distance_to_area_m=200, device_mock=True)], track=tr)


def test_a_shift_across_midnight_is_judged_on_instants():
    findings = {f.key: f for f in evaluate_shift(_night_shift(), DEFAULT)}
    assert set(findings) == {"LATE", "IDLE@2026-11-26T17:00Z", "EARLY_LEAVE", "LOW_PATROL"}
    assert findings["LATE"].evidence["late_min"] == 7
    assert findings["EARLY_LEAVE"].evidence["minutes_before_end"] == 30


def test_a_shift_across_midnight_is_not_judged_for_leaving_early_before_its_end_the_next_morning():
    findings = evaluate_shift(_night_shift(as_of=local(27, 5, 59)), DEFAULT)
    assert {f.code for f in findings} == {"LATE", "IDLE"}


def test_a_night_shift_starting_on_the_last_day_of_a_key_period_is_judged_by_the_period():
    start = local(15, 22, month=2, year=2025)
    facts = shift(start=start, end=start + timedelta(hours=8), checkins=[checkin(at=start + mins(3))],
                  track=track(start, start + timedelta(hours=8)))
    [finding] = evaluate_shift(facts, DEFAULT)
    assert finding.code == "LATE" and finding.evidence["source"] == "period:第九届亚冬会"
    assert "允许 0 分钟" in finding.summary_zh


def test_the_same_sign_in_three_minutes_late_outside_the_period_is_on_time():
    start = local(16, 22, month=2, year=2025)
    facts = shift(start=start, end=start + timedelta(hours=8), checkins=[checkin(at=start + mins(3))],
                  track=track(start, start + timedelta(hours=8)))
    assert evaluate_shift(facts, DEFAULT) == []


def test_a_district_override_changes_the_findings_of_that_district_only():
    doc = 'version_label: "x"\ndistricts:\n  DL: {rules: {LOW_PATROL: {params: {min_km_per_4h: 1}}}}\n'
    reg = parse_regulation(doc)
    assert "LOW_PATROL" not in {f.code for f in evaluate_shift(_night_shift(district="DL"), reg)}
    assert "LOW_PATROL" in {f.code for f in evaluate_shift(_night_shift(district="NG"), reg)}


def test_a_disabled_rule_raises_nothing():
    reg = parse_regulation('version_label: "x"\nrules:\n  LATE: {enabled: false}\n')
    assert "LATE" not in {f.code for f in evaluate_shift(_night_shift(), reg)}


def test_a_rule_that_raises_is_logged_and_the_others_still_run(caplog):
    def broken(facts, config):
        raise ZeroDivisionError("a bug in one rule")

    rules = {**RULES, "IDLE": broken}
    with caplog.at_level(logging.ERROR, logger="supervise.regulation.rules"):
        findings = evaluate_shift(_night_shift(), DEFAULT, rules=rules)
    assert {f.code for f in findings} == {"LATE", "EARLY_LEAVE", "LOW_PATROL"}
    assert "IDLE" in caplog.text and "a bug in one rule" in caplog.text


def test_finding_keys_are_stable_across_two_evaluations():
    first = evaluate_shift(_busy_shift(), DEFAULT)
    second = evaluate_shift(_busy_shift(), DEFAULT)
    assert [f.key for f in first] == [f.key for f in second]
    assert first == second


def test_finding_keys_are_unique_within_a_shift():
    keys = [f.key for f in evaluate_shift(_busy_shift(), DEFAULT)]
    assert len(keys) == len(set(keys)) and len(keys) >= 7


def test_an_open_gap_keeps_its_key_as_it_grows():
    tr = track(end=START + mins(100), last_fix=START + mins(100))
    facts = [shift(track=tr, checkins=[checkin(at=START)], as_of=START + mins(m)) for m in (120, 180)]
    early, later = ([f for f in evaluate_shift(x, DEFAULT) if f.code == "TRACK_GAP"] for x in facts)
    assert early[0].key == later[0].key and later[0].end > early[0].end


def test_every_finding_carries_clause_severity_and_json_evidence():
    for f in evaluate_shift(_busy_shift(), DEFAULT):
        assert f.clause and f.severity in ("low", "medium", "high") and f.summary_zh and f.summary_en
        assert f.start <= f.end
        json.dumps(f.evidence)

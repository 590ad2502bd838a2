"""The regulation document: the default, layers of values, and errors that say where."""
from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from regulation_factories import DEFAULT, local

from supervise.regulation import RegulationInvalid, default_regulation_text, parse_regulation
from supervise.regulation.rules import RULES
from supervise.regulation.spec import RULE_SPECS
from supervise.tracks.model import AnalysisParams

ORDINARY_DAY = local(26, 9)
WINTER_GAMES_DAY = local(5, 9, month=2, year=2025)


def _doc(extra: str = "", rules: str = "") -> str:
    return f'version_label: "test"\nrules:\n{rules or "  LATE: {params: {grace_min: 5}}"}\n{extra}'


def _errors(text: str) -> list[dict]:
    with pytest.raises(RegulationInvalid) as info:
        parse_regulation(text)
    return info.value.errors


def test_the_default_document_says_what_domain_md_says():
    v = DEFAULT.values_for(ORDINARY_DAY, "NG")
    p = {code: dict(c.params) for code, c in v.items()}
    assert p["LATE"] == {"window_open_before_min": 30, "grace_min": 5}
    assert p["ABSENT"] == {"absent_after_min": 30}
    assert p["CHECKIN_OFF_GRID"] == {"min_tolerance_m": 30, "max_reported_error_m": 100}
    assert p["PHOTO_STALE"] == {"max_age_min": 10}
    assert p["LOCATION_MISMATCH"] == {"extra_m": 50}
    assert p["LOCATION_SPOOF"] == {"max_speed_kmh": 50, "settle_min": 3, "settle_fixes": 3}
    assert p["PHOTO_REUSED"] == {"max_phash_distance": 6}
    assert p["TRACK_GAP"] == {"max_gap_min": 15, "upload_within_min": 30}
    assert p["IDLE"] == {"radius_m": 30, "min_duration_min": 20}
    assert p["OFF_POST"] == {"buffer_m": 50, "max_continuous_min": 10, "max_total_min": 20}
    assert p["EARLY_LEAVE"] == {"before_end_min": 15}
    assert p["LOW_PATROL"] == {"min_km_per_4h": 2}
    assert all(c.enabled for c in v.values())


def test_the_default_document_states_every_rule_explicitly_and_in_the_shanghai_zone():
    assert set(DEFAULT.base) == set(RULE_SPECS)
    assert DEFAULT.timezone == "Asia/Shanghai"
    assert set(RULES) == set(RULE_SPECS) - {"INSPECTION"}


def test_the_default_document_carries_the_ten_prohibitions():
    assert list(DEFAULT.catalog) == [f"D{i:02d}" for i in range(1, 11)]
    assert all(item["zh"].startswith("不准") and item["en"] for item in DEFAULT.catalog.values())


def test_the_default_document_keeps_its_text_and_raw_dict():
    assert DEFAULT.text == default_regulation_text()
    assert DEFAULT.raw["rules"]["IDLE"]["params"]["radius_m"] == 30


def test_a_key_period_value_applies_inside_the_period():
    assert DEFAULT.values_for(WINTER_GAMES_DAY, "NG")["LATE"].params["grace_min"] == 0
    assert DEFAULT.values_for(WINTER_GAMES_DAY, "NG")["LATE"].source == "period:第九届亚冬会"


def test_a_key_period_value_does_not_apply_outside_the_period():
    assert DEFAULT.values_for(ORDINARY_DAY, "NG")["LATE"].params["grace_min"] == 5


def test_a_key_period_ends_at_local_midnight_of_its_last_day():
    last_evening = local(15, 23, 59, month=2, year=2025)   # still 15 Feb in Harbin, 15:59 UTC
    next_morning = local(16, 0, 1, month=2, year=2025)     # 16 Feb in Harbin, still 15 Feb in UTC
    assert DEFAULT.values_for(last_evening, "DL")["IDLE"].params["min_duration_min"] == 15
    assert DEFAULT.values_for(next_morning, "DL")["IDLE"].params["min_duration_min"] == 20


DISTRICT_DOC = _doc("""
districts:
  DL: {rules: {LOW_PATROL: {params: {min_km_per_4h: 3}}, IDLE: {params: {min_duration_min: 25}}}}
periods:
  - {name: {zh: 哈洽会, en: Harbin trade fair}, from: 2026-06-01, to: 2026-06-05, districts: [DL, NG],
     rules: {IDLE: {params: {min_duration_min: 18}}}}
  - {name: {zh: 中考, en: Exam days}, from: 2026-06-04, to: 2026-06-06,
     rules: {IDLE: {params: {min_duration_min: 12, radius_m: 20}}, LOW_PATROL: {enabled: false}}}
""")


def test_a_district_override_applies_to_that_district_only():
    reg = parse_regulation(DISTRICT_DOC)
    assert reg.values_for(ORDINARY_DAY, "DL")["LOW_PATROL"].params["min_km_per_4h"] == 3
    assert reg.values_for(ORDINARY_DAY, "DL")["LOW_PATROL"].source == "district:DL"
    assert reg.values_for(ORDINARY_DAY, "NG")["LOW_PATROL"].params["min_km_per_4h"] == 2
    assert reg.values_for(ORDINARY_DAY, None)["LOW_PATROL"].params["min_km_per_4h"] == 2


def test_a_key_period_beats_a_district_override_even_when_more_lenient_than_it():
    reg = parse_regulation(DISTRICT_DOC)
    idle = reg.values_for(local(2, 9, month=6), "DL")["IDLE"]
    assert idle.params["min_duration_min"] == 18
    assert idle.param_sources["min_duration_min"] == "period:哈洽会"


def test_a_key_period_for_some_districts_leaves_the_others_alone():
    reg = parse_regulation(DISTRICT_DOC)
    assert reg.values_for(local(2, 9, month=6), "SB")["IDLE"].params["min_duration_min"] == 20


def test_when_two_key_periods_overlap_the_stricter_value_wins():
    reg = parse_regulation(DISTRICT_DOC)
    idle = reg.values_for(local(4, 9, month=6), "DL")["IDLE"]
    assert idle.params["min_duration_min"] == 12     # lower is stricter
    assert idle.params["radius_m"] == 20             # only one period sets it; it beats the base
    assert idle.param_sources["min_duration_min"] == "period:中考"


def test_between_two_periods_a_larger_idle_radius_is_the_stricter():
    doc = _doc("""
periods:
  - {name: {zh: 甲, en: A}, from: 2026-06-01, to: 2026-06-05, rules: {IDLE: {params: {radius_m: 40}}}}
  - {name: {zh: 乙, en: B}, from: 2026-06-01, to: 2026-06-05, rules: {IDLE: {params: {radius_m: 35}}}}
""")
    assert parse_regulation(doc).values_for(local(2, 9, month=6), "NG")["IDLE"].params["radius_m"] == 40


def test_a_period_may_switch_a_rule_off():
    reg = parse_regulation(DISTRICT_DOC)
    assert reg.values_for(local(5, 9, month=6), "NG")["LOW_PATROL"].enabled is False
    assert reg.values_for(local(7, 9, month=6), "NG")["LOW_PATROL"].enabled is True


def test_a_rule_switched_off_in_only_one_of_two_overlapping_periods_stays_on():
    doc = _doc("""
periods:
  - {name: {zh: 甲, en: A}, from: 2026-06-01, to: 2026-06-05, rules: {LOW_PATROL: {enabled: false}}}
  - {name: {zh: 乙, en: B}, from: 2026-06-01, to: 2026-06-05, rules: {LOW_PATROL: {enabled: true}}}
""")
    assert parse_regulation(doc).values_for(local(2, 9, month=6), "NG")["LOW_PATROL"].enabled is True


def test_a_document_without_a_rule_gets_the_domain_default_for_it():
    reg = parse_regulation('version_label: "tiny"\n')
    assert reg.values_for(ORDINARY_DAY, "NG")["OFF_POST"].params["max_total_min"] == 20


def test_the_analysis_params_follow_the_regulation_in_force():
    assert DEFAULT.analysis_params(ORDINARY_DAY, "NG") == AnalysisParams(
        idle_radius_m=30, idle_min_s=1200, off_post_buffer_m=50, gap_max_s=900, max_speed_kmh=50)
    games = DEFAULT.analysis_params(WINTER_GAMES_DAY, "NG")
    assert (games.idle_min_s, games.gap_max_s) == (900, 600)


def test_a_json_document_is_accepted():
    doc = json.dumps({"version_label": "json", "rules": {"IDLE": {"params": {"radius_m": 25}}}})
    assert parse_regulation(doc).values_for(ORDINARY_DAY, "NG")["IDLE"].params["radius_m"] == 25


def test_values_for_refuses_a_naive_instant():
    with pytest.raises(ValueError):
        DEFAULT.values_for(datetime(2026, 11, 26, 9), "NG")


def test_values_for_accepts_any_aware_instant():
    assert DEFAULT.values_for(datetime(2026, 11, 26, 1, tzinfo=UTC), "NG")["LATE"].clause == "3.1"


def test_an_unknown_rule_code_is_named_with_its_line():
    errors = _errors(_doc(rules="  LATE: {params: {grace_min: 5}}\n  SLEEPING: {params: {x: 1}}"))
    assert errors == [{"path": "rules.SLEEPING", "line": 4, "message": "Unknown field."}]


def test_an_unknown_param_name_is_named_with_its_line():
    errors = _errors(_doc(rules="  IDLE:\n    params:\n      radius_m: 30\n      radius_km: 1"))
    assert errors == [{"path": "rules.IDLE.params.radius_km", "line": 6, "message": "Unknown field."}]


def test_a_negative_threshold_is_named_with_its_line():
    errors = _errors(_doc(rules="  IDLE:\n    params:\n      radius_m: -30"))
    assert errors == [{"path": "rules.IDLE.params.radius_m", "line": 5, "message": "Must be from 5 to 1000 m."}]


def test_a_threshold_written_as_text_is_refused():
    errors = _errors(_doc(rules='  LATE: {params: {grace_min: "5"}}'))
    assert errors[0]["path"] == "rules.LATE.params.grace_min"


def test_a_period_ending_before_it_starts_is_named_with_its_line():
    errors = _errors(_doc("""periods:
  - name: {zh: 端午, en: Dragon Boat}
    from: 2026-06-19
    to: 2026-06-17
"""))
    assert len(errors) == 1
    assert errors[0]["path"] == "periods.0.to" and errors[0]["line"] == 7
    assert "before" in errors[0]["message"]


def test_duplicate_catalog_codes_are_named_with_their_line():
    errors = _errors(_doc("""catalog:
  - {code: D01, zh: 不准甲, en: A}
  - {code: D02, zh: 不准乙, en: B}
  - {code: D01, zh: 不准丙, en: C}
"""))
    assert errors == [{"path": "catalog.2.code", "line": 7, "message": "Duplicate catalog code 'D01'."}]


def test_an_error_in_a_district_override_names_the_district():
    errors = _errors(_doc("districts:\n  DL:\n    rules:\n      IDLE: {severity: extreme}\n"))
    assert errors[0]["path"] == "districts.DL.rules.IDLE.severity"
    assert errors[0]["line"] == 7


def test_several_errors_are_all_reported():
    errors = _errors('version_label: ""\ntimezone: Mars/Olympus\nrules:\n  IDLE: {enabled: "yes please"}\n')
    assert {e["path"] for e in errors} == {"version_label", "timezone", "rules.IDLE.enabled"}
    assert {e["line"] for e in errors} == {1, 2, 4}


def test_a_yaml_syntax_error_gives_its_line():
    errors = _errors('version_label: "x"\nrules:\n  IDLE: {params: {radius_m: 30}\n  LATE: {}\n')
    assert errors[0]["line"] is not None and errors[0]["line"] >= 3
    assert errors[0]["message"].startswith("Not valid YAML")


def test_a_document_that_is_not_a_mapping_is_refused():
    assert _errors("- just\n- a list\n")[0]["message"] == "The document must be a mapping."


@pytest.mark.parametrize("text, says", [
    ("version_label: 2026-13-01\n", "Not a valid value: month must be in 1..12"),
    ("version_label: !!float x\n", "Not a valid value"),
    ("version_label: " + "[" * 100_000, "nested too deeply"),
    ("version_label: x\nrules: &r {LATE: *r}\n", "contains itself"),
    ("a: &a [x,x,x,x,x,x,x,x,x]\n" + "".join(
        f"{chr(98 + i)}: &{chr(98 + i)} [{','.join(['*' + chr(97 + i)] * 9)}]\n" for i in range(9)),
     "more than 100000 values"),
])
def test_a_hostile_or_impossible_document_is_refused_with_a_reason_not_a_crash(text, says):
    assert says in _errors(text)[0]["message"]


def test_an_anchor_used_twice_without_containing_itself_is_an_ordinary_document():
    shared = _doc(rules="  LATE: &strict {params: {grace_min: 0}}",
                  extra="periods:\n  - {name: {zh: 冬, en: winter}, from: 2025-02-01, to: 2025-02-15, districts: all,\n"
                        "     rules: {LATE: *strict}}")
    regulation = parse_regulation(shared)
    assert regulation.values_for(WINTER_GAMES_DAY, "NG")["LATE"].params["grace_min"] == 0
    assert regulation.values_for(ORDINARY_DAY, "NG")["LATE"].params["grace_min"] == 0


def test_the_error_message_of_an_invalid_document_is_readable():
    with pytest.raises(RegulationInvalid, match=r"rules.IDLE.params.radius_m \(line 5\)"):
        parse_regulation(_doc(rules="  IDLE:\n    params:\n      radius_m: -1"))


def test_a_regulation_cannot_be_changed_by_a_rule_that_reads_it():
    with pytest.raises(TypeError):
        DEFAULT.base["IDLE"]["params"]["radius_m"] = 1  # type: ignore[index]
    v = DEFAULT.values_for(ORDINARY_DAY, "NG")
    with pytest.raises(TypeError):
        v["IDLE"].params["radius_m"] = 1  # type: ignore[index]
    assert DEFAULT.values_for(ORDINARY_DAY, "NG")["IDLE"].params["radius_m"] == 30

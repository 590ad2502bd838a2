"""The INSPECTION rule turns a recorded finding into a flag in the regulation's words."""
from datetime import UTC, datetime

from supervise.regulation.document import default_regulation_text, parse_regulation
from supervise.regulation.facts import InspectionFact
from supervise.regulation.rules.inspection import finding_for, unknown_items

REGULATION = parse_regulation(default_regulation_text())
AT = datetime(2026, 11, 26, 2, 30, tzinfo=UTC)


def _config():
    return REGULATION.values_for(AT, "DL")["INSPECTION"]


def _fact(**overrides) -> InspectionFact:
    values = dict(finding_id=7, assignment_id=3, round_id=1, kind="cross_district", inspector="王督察",
                  result="violation", items=("D06",), note="在岗玩手机", recorded_at=AT,
                  captured_at=AT.replace(minute=28), distance_to_grid_m=0.0)
    values.update(overrides)
    return InspectionFact(**values)


def test_a_compliant_officer_gets_no_flag():
    assert finding_for(_fact(result="compliant", items=()), _config(), REGULATION.catalog) is None


def test_a_violation_names_the_catalog_items_cited_in_both_languages():
    finding = finding_for(_fact(), _config(), REGULATION.catalog)
    assert finding.code == "INSPECTION" and finding.clause == "5.1"
    assert "D06 不准在岗期间玩手机、闲聊、吸烟" in finding.summary_zh
    assert "交叉互检" in finding.summary_zh and "王督察" in finding.summary_zh
    assert "D06 No phone games" in finding.summary_en
    assert finding.evidence["items"][0]["code"] == "D06"


def test_the_flag_is_placed_at_the_photo_time_and_keyed_by_the_finding():
    finding = finding_for(_fact(), _config(), REGULATION.catalog)
    assert finding.start == finding.end == AT.replace(minute=28)
    assert finding.key == "INSPECTION#7"


def test_without_a_photo_time_the_flag_is_placed_when_the_finding_was_recorded():
    finding = finding_for(_fact(captured_at=None, result="absent", items=()), _config(), REGULATION.catalog)
    assert finding.start == AT
    assert "人员不在岗" in finding.summary_zh and "absent from post" in finding.summary_en


def test_codes_outside_the_catalog_are_named():
    assert unknown_items(["D01", "X99", "D11"], REGULATION.catalog) == ["X99", "D11"]


def _on_duty(**overrides) -> InspectionFact:
    """A finding against an officer whose shift is 09:00-17:00 Harbin time (01:00-09:00 UTC)."""
    return _fact(shift_start=AT.replace(hour=1, minute=0), shift_end=AT.replace(hour=9, minute=0), **overrides)


def test_a_finding_in_the_officer_s_shift_photographed_in_the_grid_is_a_plain_flag():
    finding = finding_for(_on_duty(), _config(), REGULATION.catalog)
    assert not finding.needs_review and finding.evidence["verified"] is True


def test_a_finding_outside_the_officer_s_shift_is_unverified():
    early = datetime(2026, 11, 25, 23, 1, tzinfo=UTC)   # 07:01 in Harbin, the shift starts at 09:00
    finding = finding_for(_on_duty(recorded_at=early, captured_at=early), _config(), REGULATION.catalog)
    assert finding.needs_review and finding.evidence["verified"] is False
    assert "07:01" in finding.evidence["review"][0]["en"] and "09:00-17:00" in finding.evidence["review"][0]["en"]


def test_a_finding_photographed_2_7_km_from_the_grid_is_unverified():
    finding = finding_for(_on_duty(distance_to_grid_m=2700.0, photo_accuracy_m=10.0), _config(), REGULATION.catalog)
    assert finding.needs_review and "2700 m" in finding.evidence["review"][0]["en"]


def test_a_finding_photographed_across_the_street_from_the_grid_is_verified():
    finding = finding_for(_on_duty(distance_to_grid_m=150.0, photo_accuracy_m=20.0), _config(), REGULATION.catalog)
    assert not finding.needs_review


def test_a_finding_against_an_officer_with_no_shift_then_is_unverified():
    finding = finding_for(_fact(), _config(), REGULATION.catalog)
    assert finding.needs_review and "no shift" in finding.evidence["review"][0]["en"]

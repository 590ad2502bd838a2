"""Sign-in rules: LATE, ABSENT, CHECKIN_OFF_GRID, PHOTO_* and LOCATION_MISMATCH / mock sign-ins."""
from __future__ import annotations

import json
import math
from datetime import timedelta

from regulation_factories import START, checkin, config, mins, shift

from supervise.regulation.rules import (
    absent,
    checkin_off_grid,
    late,
    location_mismatch,
    location_spoof,
    photo_no_evidence,
    photo_reused,
    photo_stale,
)

SECOND = timedelta(seconds=1)


def _late(*checkins, **kw):
    return late.evaluate(shift(checkins=list(checkins), **kw), config("LATE"))


def _absent(*checkins, **kw):
    return absent.evaluate(shift(checkins=list(checkins), **kw), config("ABSENT"))


# LATE ---------------------------------------------------------------------

def test_a_sign_in_5_minutes_after_start_is_on_time():
    assert _late(checkin(at=START + mins(5))) == []


def test_a_sign_in_5_minutes_and_1_second_after_start_is_late():
    [finding] = _late(checkin(at=START + mins(5) + SECOND))
    assert finding.key == "LATE" and finding.code == "LATE" and finding.clause == "3.1"


def test_a_sign_in_12_minutes_late_says_so_in_both_languages():
    [finding] = _late(checkin(at=START + mins(12)))
    assert finding.summary_zh == "签到晚 12 分钟（允许 5 分钟）"
    assert "12 min" in finding.summary_en and "5 min allowed" in finding.summary_en
    assert finding.evidence["checkin_id"] == 1 and finding.evidence["late_min"] == 12


def test_a_sign_in_when_the_window_opens_is_on_time():
    assert _late(checkin(at=START - mins(30))) == []


def test_the_first_accepted_sign_in_decides_lateness_not_a_later_retake():
    assert _late(checkin(1, at=START + mins(2)), checkin(2, at=START + mins(20))) == []


def test_a_sign_in_before_the_window_opens_does_not_count_so_a_later_one_decides():
    [finding] = _late(checkin(1, at=START - mins(31)), checkin(2, at=START + mins(8)))
    assert finding.evidence["checkin_id"] == 2


def test_a_photo_without_capture_time_is_judged_by_its_receipt():
    [finding] = _late(checkin(at=None, received=START + mins(7)))
    assert finding.evidence["late_min"] == 7


def test_lateness_is_not_judged_before_any_sign_in():
    assert _late(as_of=START + mins(20)) == []


def test_a_sign_in_received_after_as_of_is_not_judged_yet():
    assert _late(checkin(at=START + mins(8), received=START + mins(9)), as_of=START + mins(8)) == []


def test_a_sign_in_after_the_window_closes_is_not_late_but_absent():
    c = checkin(at=START + mins(31))
    assert _late(c) == []
    assert [f.code for f in _absent(c)] == ["ABSENT"]


def test_a_sign_in_30_minutes_after_start_still_counts():
    c = checkin(at=START + mins(30))
    assert _absent(c) == [] and len(_late(c)) == 1


# ABSENT -------------------------------------------------------------------

def test_no_sign_in_30_minutes_after_start_is_absent():
    [finding] = _absent(as_of=START + mins(30))
    assert finding.key == "ABSENT" and finding.severity == "high"
    assert finding.end == START + mins(30)


def test_no_sign_in_29_minutes_and_59_seconds_after_start_is_not_judged_yet():
    assert _absent(as_of=START + mins(30) - SECOND) == []


def test_a_sign_in_without_gps_or_time_is_not_absent():
    no_evidence = checkin(at=None, received=START + mins(1), lat=None, lon=None, distance_to_area_m=None,
                          evidence_problem="no_exif")
    assert _absent(no_evidence) == []


def test_an_absent_finding_names_the_sign_ins_outside_the_window():
    [finding] = _absent(checkin(4, at=START + mins(45)))
    assert finding.evidence["checkins_outside_window"] == [4]


# CHECKIN_OFF_GRID -----------------------------------------------------------

def _off_grid(distance: float, accuracy: float | None):
    c = checkin(distance_to_area_m=distance, accuracy_m=accuracy)
    return checkin_off_grid.evaluate(shift(checkins=[c]), config("CHECKIN_OFF_GRID"))


def test_a_photo_taken_40_m_outside_the_grid_with_10_m_error_is_flagged():
    [finding] = _off_grid(40, 10)
    assert finding.key == "CHECKIN_OFF_GRID#1" and finding.evidence["tolerance_m"] == 30
    assert finding.summary_zh == "签到位置在网格外 40 米（允许 30 米）"


def test_a_photo_taken_20_m_outside_the_grid_with_50_m_error_is_not_flagged():
    assert _off_grid(20, 50) == []


def test_a_photo_taken_exactly_30_m_outside_is_within_tolerance():
    assert _off_grid(30, 5) == []


def test_a_photo_taken_30_point_1_m_outside_is_flagged():
    assert len(_off_grid(30.1, 5)) == 1


def test_a_reported_error_widens_the_tolerance_up_to_100_m():
    assert _off_grid(80, 80) == [] and len(_off_grid(80.1, 80)) == 1
    assert _off_grid(100, 300) == [] and len(_off_grid(100.1, 300)) == 1


def test_a_photo_without_reported_error_gets_the_30_m_minimum():
    assert _off_grid(30, None) == [] and len(_off_grid(31, None)) == 1


def test_a_photo_inside_the_grid_is_not_flagged():
    assert _off_grid(0, 8) == []


# PHOTO_STALE ----------------------------------------------------------------

def _stale(captured, received):
    c = checkin(at=captured, received=received)
    return photo_stale.evaluate(shift(checkins=[c]), config("PHOTO_STALE"))


def test_an_old_photo_sent_11_minutes_after_it_was_taken_before_the_window_is_stale():
    [finding] = _stale(START - mins(41), START - mins(30))
    assert finding.key == "PHOTO_STALE#1" and finding.evidence["age_min"] == 11


def test_a_photo_taken_before_the_window_and_sent_exactly_10_minutes_later_is_not_stale():
    assert _stale(START - mins(40), START - mins(30)) == []


def test_a_photo_taken_before_the_window_and_sent_10_minutes_and_1_second_later_is_stale():
    assert len(_stale(START - mins(40) - SECOND, START - mins(30))) == 1


def test_a_photo_taken_in_the_window_but_sent_late_by_an_offline_phone_is_not_stale():
    assert _stale(START - mins(5), START + mins(40)) == []


def test_a_photo_taken_after_the_window_closed_and_sent_late_is_stale():
    assert len(_stale(START + mins(31), START + mins(45))) == 1


def test_a_photo_without_capture_time_cannot_be_stale():
    assert _stale(None, START) == []


# PHOTO_NO_EVIDENCE ----------------------------------------------------------

def _no_evidence(c):
    return photo_no_evidence.evaluate(shift(checkins=[c]), config("PHOTO_NO_EVIDENCE"))


def test_a_photo_with_neither_exif_nor_device_position_is_flagged():
    c = checkin(lat=None, lon=None, location_source=None, distance_to_area_m=None,
                evidence_problem="gps_stripped")
    [finding] = _no_evidence(c)
    assert finding.evidence["missing"] == ["position"]
    assert finding.evidence["evidence_problem"] == "gps_stripped"
    assert "定位" in finding.summary_zh and "location on" in finding.summary_en


def test_a_photo_without_capture_time_is_flagged():
    [finding] = _no_evidence(checkin(at=None, received=START))
    assert finding.evidence["missing"] == ["capture_time"]


def test_a_photo_with_only_the_phones_own_fix_has_evidence():
    c = checkin(location_source="device", device_lat=45.77, device_lon=126.62, device_accuracy_m=15)
    assert _no_evidence(c) == []


# PHOTO_REUSED ---------------------------------------------------------------

def _reused(**kw):
    return photo_reused.evaluate(shift(checkins=[checkin(9, **kw)]), config("PHOTO_REUSED"))


def test_a_photo_with_the_same_bytes_as_an_earlier_selfie_is_flagged():
    [finding] = _reused(reused_checkin_id=3, reuse_kind="sha256")
    assert finding.key == "PHOTO_REUSED#9" and finding.evidence["reused_checkin_id"] == 3
    assert "#3" not in finding.summary_en, "the officer reads the summary; the earlier sign-in may be another's"


def test_a_near_identical_photo_at_distance_6_is_flagged():
    assert len(_reused(reused_checkin_id=3, reuse_kind="phash", reuse_distance=6)) == 1


def test_a_similar_photo_at_distance_7_is_not_flagged():
    assert _reused(reused_checkin_id=3, reuse_kind="phash", reuse_distance=7) == []


def test_a_phash_match_without_a_distance_is_not_flagged():
    assert _reused(reused_checkin_id=3, reuse_kind="phash", reuse_distance=None) == []


def test_a_fresh_photo_is_not_flagged_as_reused():
    assert _reused() == []


# LOCATION_MISMATCH ----------------------------------------------------------

METRES_PER_DEGREE_LAT = 6_371_008.8 * math.pi / 180


def _mismatch(apart_m: float, exif_acc: float | None = 10, device_acc: float | None = 20):
    c = checkin(exif_lat=45.77, exif_lon=126.62, exif_accuracy_m=exif_acc,
                device_lat=45.77 + apart_m / METRES_PER_DEGREE_LAT, device_lon=126.62,
                device_accuracy_m=device_acc)
    return location_mismatch.evaluate(shift(checkins=[c]), config("LOCATION_MISMATCH"))


def test_positions_79_9_m_apart_with_accuracies_10_and_20_agree():
    assert _mismatch(79.9) == []


def test_positions_80_1_m_apart_with_accuracies_10_and_20_disagree():
    [finding] = _mismatch(80.1)
    assert finding.key == "LOCATION_MISMATCH#1" and finding.evidence["limit_m"] == 80


def test_a_missing_accuracy_counts_as_zero():
    assert _mismatch(49.9, None, None) == [] and len(_mismatch(50.1, None, None)) == 1


def test_a_photo_with_only_one_position_cannot_mismatch():
    c = checkin(exif_lat=45.77, exif_lon=126.62)
    assert location_mismatch.evaluate(shift(checkins=[c]), config("LOCATION_MISMATCH")) == []


# LOCATION_SPOOF on sign-ins ---------------------------------------------------

def test_a_sign_in_from_a_phone_reporting_a_mock_location_is_flagged():
    s = shift(checkins=[checkin(5, device_mock=True)])
    [finding] = location_spoof.evaluate(s, config("LOCATION_SPOOF"))
    assert finding.key == "LOCATION_SPOOF#5" and finding.severity == "high"


def test_a_sign_in_without_a_mock_location_is_not_flagged():
    assert location_spoof.evaluate(shift(checkins=[checkin()]), config("LOCATION_SPOOF")) == []


def test_sign_in_evidence_is_json_serialisable():
    c = checkin(at=START + mins(40), received=START + mins(55), distance_to_area_m=300, reused_checkin_id=2,
                reuse_kind="sha256", device_mock=True)
    s = shift(checkins=[c])
    for rule, code in ((absent, "ABSENT"), (photo_stale, "PHOTO_STALE"), (photo_reused, "PHOTO_REUSED"),
                       (location_spoof, "LOCATION_SPOOF")):
        for finding in rule.evaluate(s, config(code)):
            json.dumps(finding.evidence)

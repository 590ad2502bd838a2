"""PHOTO_TIME_CONFLICT: clocks that disagree are raised for review, at the threshold and either side."""
from __future__ import annotations

from regulation_factories import START, checkin, config, shift

from supervise.regulation.rules import photo_time_conflict

RULE = config("PHOTO_TIME_CONFLICT")


def findings(conflict_s: float | None):
    return photo_time_conflict.evaluate(shift(checkins=[checkin(time_conflict_s=conflict_s)]), RULE)


def test_clocks_that_agree_or_differ_by_whole_zones_raise_nothing():
    assert findings(None) == []   # whole-zone errors are placed by GPS time and carry no conflict


def test_a_disagreement_of_exactly_two_minutes_is_tolerated():
    assert findings(120.0) == []


def test_a_disagreement_just_over_two_minutes_is_raised_for_review_with_both_times():
    [finding] = findings(121.0)
    assert finding.severity == "low" and finding.key == "PHOTO_TIME_CONFLICT#1"
    assert finding.evidence["camera_time"] != finding.evidence["gps_time"]
    assert "人工核对" in finding.summary_zh


def test_the_nikon_whose_clock_was_21_97_hours_behind_gps_is_raised_for_review():
    [finding] = findings(-21.97 * 3600)
    assert finding.evidence["conflict_s"] == round(-21.97 * 3600, 1)
    assert finding.start == START

"""Track rules: TRACK_GAP, IDLE, OFF_POST, EARLY_LEAVE, LOW_PATROL and impossible speeds."""
from __future__ import annotations

from datetime import timedelta

from regulation_factories import (
    END,
    START,
    checkin,
    config,
    excursion,
    gap,
    jump,
    leap,
    mins,
    shift,
    stay,
    track,
)

from supervise.regulation.rules import early_leave, idle, location_spoof, low_patrol, off_post, track_gap
from supervise.tracks.model import Span

SECOND = timedelta(seconds=1)
SIGNED = [checkin(at=START - mins(10))]


def _gaps(tr, **kw):
    kw.setdefault("checkins", SIGNED)
    return track_gap.evaluate(shift(track=tr, **kw), config("TRACK_GAP"))


# TRACK_GAP ------------------------------------------------------------------

def test_a_15_minute_gap_is_allowed():
    assert _gaps(track(gaps=[gap(START + mins(60), 15)])) == []


def test_a_15_minute_and_1_second_gap_is_flagged():
    g = Span(START + mins(60), START + mins(75) + SECOND)
    [finding] = _gaps(track(gaps=[g]))
    assert finding.key == "TRACK_GAP@2026-11-26T02:00Z"
    assert (finding.start, finding.end) == (g.start, g.end)


def test_a_gap_inside_a_declared_break_does_not_count():
    lunch = Span(START + mins(180), START + mins(240))
    assert _gaps(track(gaps=[gap(START + mins(175), 70)]), breaks=[lunch]) == []


def test_a_gap_running_16_minutes_past_a_break_is_flagged_from_the_break_end():
    lunch = Span(START + mins(180), START + mins(240))
    [finding] = _gaps(track(gaps=[gap(START + mins(190), 66)]), breaks=[lunch])
    assert finding.start == lunch.end


def test_a_gap_still_open_is_flagged_once_its_limit_has_passed():
    tr = track(end=START + mins(100), last_fix=START + mins(100))
    assert _gaps(tr, as_of=START + mins(115)) == []
    [finding] = _gaps(tr, as_of=START + mins(115) + SECOND)
    assert finding.evidence["still_open_at_as_of"] is True


def test_a_shift_with_a_sign_in_and_no_positions_at_all_has_one_gap_from_the_start():
    [finding] = _gaps(None, as_of=END + mins(30))
    assert finding.start == START and finding.end == END and finding.evidence["no_track"] is True
    [same] = _gaps(track(points=0, first_fix=None, last_fix=None, last_inside=None), as_of=END + mins(30))
    assert same.key == finding.key


def test_no_positions_at_all_is_judged_only_after_the_upload_allowance_past_the_end():
    """An officer without live tracking uploads the day's file after the shift."""
    assert _gaps(None, as_of=START + mins(60)) == []
    assert _gaps(None, as_of=END + mins(29)) == []
    assert len(_gaps(None, as_of=END + mins(30))) == 1


def test_after_a_late_sign_in_the_missing_track_counts_from_the_sign_in():
    [finding] = _gaps(None, checkins=[checkin(at=START + mins(20))], as_of=END + mins(30))
    assert finding.start == START + mins(20)


def test_a_late_officer_whose_track_starts_at_the_sign_in_has_no_gap_before_it():
    signed = START + mins(22)
    assert _gaps(track(first_fix=signed), checkins=[checkin(at=signed)]) == []


def test_a_shift_without_sign_in_and_without_positions_has_no_gap_finding_because_absent_says_it():
    assert _gaps(None, checkins=[], as_of=START + mins(60)) == []


def test_a_track_starting_20_minutes_after_the_sign_in_is_flagged_for_its_start():
    [finding] = _gaps(track(first_fix=START + mins(20)))
    assert finding.start == START and finding.end == START + mins(20)


def test_a_gap_reported_by_the_analysis_and_the_missing_tail_are_one_finding():
    tr = track(last_fix=END - mins(40), gaps=[Span(END - mins(40), END)])
    assert len(_gaps(tr)) == 1


def test_nothing_is_judged_before_the_shift_starts():
    assert _gaps(None, as_of=START - mins(1)) == []


# IDLE -----------------------------------------------------------------------

def _idle(stays, **kw):
    return idle.evaluate(shift(track=track(stays=stays), **kw), config("IDLE"))


def test_standing_still_for_19_minutes_59_seconds_is_not_idle():
    assert _idle([stay(START + mins(60), 20 - 1 / 60)]) == []


def test_standing_still_for_20_minutes_is_idle():
    [finding] = _idle([stay(START + mins(70), 20)])
    assert finding.key == "IDLE@2026-11-26T02:10Z"
    assert finding.summary_zh == "在 30 米范围内停留 20 分钟（上限 20 分钟）"


def test_standing_still_on_a_fixed_post_is_the_job_not_idleness():
    assert _idle([stay(START + mins(60), 120)], kind="fixed_post") == []


def test_a_stay_inside_a_declared_break_is_not_idle():
    lunch = Span(START + mins(180), START + mins(240))
    assert _idle([stay(START + mins(170), 75)], breaks=[lunch]) == []


def test_a_stay_that_spills_20_minutes_past_a_break_is_idle_from_the_break_end():
    lunch = Span(START + mins(180), START + mins(240))
    [finding] = _idle([stay(START + mins(200), 60)], breaks=[lunch])
    assert finding.start == lunch.end


def test_a_stay_still_going_on_is_judged_only_up_to_as_of():
    assert _idle([stay(START + mins(60), 60)], as_of=START + mins(79)) == []
    assert len(_idle([stay(START + mins(60), 60)], as_of=START + mins(80))) == 1


def test_a_stay_before_the_shift_starts_is_not_idle():
    assert _idle([stay(START - mins(40), 55)]) == []


# OFF_POST -------------------------------------------------------------------

def _off(excursions, total_s=None, **kw):
    total = sum((e.end - e.start).total_seconds() for e in excursions) if total_s is None else total_s
    tr = track(excursions=excursions, outside_total_s=total)
    return off_post.evaluate(shift(track=tr, **kw), config("OFF_POST"))


def test_9_minutes_59_seconds_outside_is_not_off_post():
    assert _off([excursion(START + mins(60), 10 - 1 / 60)]) == []


def test_10_minutes_outside_is_off_post():
    [finding] = _off([excursion(START + mins(60), 10)])
    assert finding.key == "OFF_POST@2026-11-26T02:00Z"


def test_three_stretches_of_7_minutes_outside_add_up_to_off_post():
    [finding] = _off([excursion(START + mins(m), 7) for m in (30, 90, 150)])
    assert finding.key == "OFF_POST@total" and finding.evidence["total_min"] == 21


def test_19_minutes_59_seconds_outside_in_total_is_not_off_post():
    exc = [excursion(START + mins(30), 9), excursion(START + mins(90), 11 - 1 / 60)]
    assert [f.key for f in _off(exc)] == ["OFF_POST@2026-11-26T02:30Z"]


def test_20_minutes_outside_in_total_across_a_long_and_a_short_stretch_gives_both_findings():
    exc = [excursion(START + mins(30), 9), excursion(START + mins(90), 11)]
    assert sorted(f.key for f in _off(exc)) == ["OFF_POST@2026-11-26T02:30Z", "OFF_POST@total"]


def test_one_long_stretch_is_not_counted_twice_as_a_total():
    assert [f.key for f in _off([excursion(START + mins(60), 25)])] == ["OFF_POST@2026-11-26T02:00Z"]


def test_leaving_the_grid_during_a_declared_meal_break_is_not_off_post():
    lunch = Span(START + mins(180), START + mins(240))
    assert _off([excursion(START + mins(185), 50)], breaks=[lunch]) == []


def test_leaving_a_fixed_post_circle_is_off_post_the_same_way():
    assert len(_off([excursion(START + mins(60), 10)], kind="fixed_post")) == 1


# EARLY_LEAVE ----------------------------------------------------------------

def _early(last_inside, **kw):
    tr = track(last_inside=last_inside, last_fix=kw.pop("last_fix", END))
    return early_leave.evaluate(shift(track=tr, **kw), config("EARLY_LEAVE"))


def test_last_inside_15_minutes_before_the_end_is_not_early():
    assert _early(END - mins(15)) == []


def test_last_inside_15_minutes_and_1_second_before_the_end_is_early():
    [finding] = _early(END - mins(15) - SECOND)
    assert finding.key == "EARLY_LEAVE" and finding.evidence["support"]["fixes"] > 0


def test_early_leave_is_not_judged_before_the_shift_ends():
    assert _early(END - mins(60), as_of=END - SECOND) == []


def test_a_track_that_stops_at_the_last_inside_position_is_a_silence_not_an_early_leave():
    silence = Span(END - mins(60), END)
    tr = track(last_inside=END - mins(60), last_fix=END - mins(60), gaps=[silence])
    assert early_leave.evaluate(shift(track=tr), config("EARLY_LEAVE")) == []
    [gap] = track_gap.evaluate(shift(track=tr), config("TRACK_GAP"))
    assert (gap.start, gap.end) == (silence.start, silence.end)


def test_walking_away_and_then_going_silent_is_not_inferred_to_be_an_early_leave():
    tr = track(last_inside=END - mins(60), last_fix=END - mins(50), gaps=[Span(END - mins(50), END)])
    assert early_leave.evaluate(shift(track=tr), config("EARLY_LEAVE")) == []


def test_no_positions_at_all_is_not_an_early_leave():
    tr = track(points=0, first_fix=None, last_fix=None, last_inside=None)
    assert early_leave.evaluate(shift(track=tr), config("EARLY_LEAVE")) == []
    assert early_leave.evaluate(shift(track=None), config("EARLY_LEAVE")) == []


def test_a_declared_break_at_the_end_of_the_shift_is_not_an_early_leave():
    assert _early(END - mins(40), breaks=[Span(END - mins(30), END)]) == []


# LOW_PATROL -----------------------------------------------------------------

def _patrol(distance_m, **kw):
    return low_patrol.evaluate(shift(track=track(distance_m=distance_m), **kw), config("LOW_PATROL"))


def test_4_km_on_an_8_hour_patrol_is_enough():
    assert _patrol(4000) == []


def test_3_999_km_on_an_8_hour_patrol_is_too_short():
    [finding] = _patrol(3999)
    assert finding.key == "LOW_PATROL" and finding.evidence["required_m"] == 4000


def test_a_declared_hour_long_break_lowers_the_distance_required():
    assert _patrol(3500, breaks=[Span(START + mins(240), START + mins(300))]) == []
    assert len(_patrol(3499, breaks=[Span(START + mins(240), START + mins(300))])) == 1


def test_a_fixed_post_has_no_patrol_distance():
    assert _patrol(0, kind="fixed_post") == []


def test_patrol_distance_is_judged_only_after_the_shift_ends():
    assert _patrol(100, as_of=END - SECOND) == []


# LOCATION_SPOOF on tracks -----------------------------------------------------

def _spoof(tr, **kw):
    return location_spoof.evaluate(shift(track=tr, **kw), config("LOCATION_SPOOF"))


def test_fast_consecutive_fixes_alone_are_not_spoofing():
    assert _spoof(track(speed_jumps=[jump(START + mins(60), 300)])) == []


def test_a_leap_between_places_kept_for_minutes_is_spoofing_keyed_by_its_minute():
    [finding] = _spoof(track(teleports=[leap(START + mins(60), 4000.0)]))
    assert finding.key == "LOCATION_SPOOF@2026-11-26T02:00Z"
    assert finding.evidence["leap"]["distance_m"] == 4000.0


def test_a_leap_out_and_back_is_one_finding():
    [finding] = _spoof(track(teleports=[leap(START + mins(60), 4000.0, back=START + mins(80))]))
    assert finding.evidence["leap"]["back"] is not None
    assert (finding.start, finding.end) == (START + mins(60), START + mins(80) + timedelta(seconds=10))


def test_a_leap_on_a_fixed_post_is_spoofing_too():
    assert len(_spoof(track(teleports=[leap(START + mins(60), 4000.0)]), kind="fixed_post")) == 1


def test_mock_fixes_in_the_track_are_one_finding():
    [finding] = _spoof(track(mock_fixes=3))
    assert finding.key == "LOCATION_SPOOF@mock" and finding.evidence["mock_fixes"] == 3

"""The checks as a whole: due shifts judged, flags raised once, withdrawn when late data clears them."""
from datetime import timedelta

from sqlalchemy import func, select

from supervise.extensions import db
from supervise.models import CheckRun, Flag
from supervise.services.checks import check_shift, run_checks
from supervise.timeutil import parse_instant
from tests.integration.evidence_factories import PACE_MIN, make_shift, sign_in, walk

START = "2026-11-26T08:00:00+08:00"


def codes(flags) -> list[str]:
    return sorted(f.code for f in flags)


def open_flags(shift_id: int) -> list[Flag]:
    return db.session.scalars(select(Flag).where(Flag.shift_id == shift_id, Flag.status == "open")).all()


def test_an_officer_without_a_sign_in_is_absent_30_minutes_after_start_and_not_before(ctx, world):
    shift = make_shift("HRB-DL-0001", START)
    start = parse_instant(START)
    assert codes(run_checks(start + timedelta(minutes=29, seconds=59)).created) == []
    report = run_checks(start + timedelta(minutes=30))
    assert codes(report.created) == ["ABSENT"]
    flag = report.created[0]
    assert flag.shift_id == shift and flag.clause and flag.evidence["regulation_version"] == 0
    assert [e.action for e in flag.events] == ["raised"]


def test_the_same_run_twice_creates_nothing_new(ctx, world):
    make_shift("HRB-DL-0001", START)
    at = parse_instant(START) + timedelta(hours=1)
    first = run_checks(at)
    second = run_checks(at)
    assert codes(first.created) == ["ABSENT"] and second.created == []
    assert db.session.scalar(select(func.count(Flag.id))) == 1
    assert db.session.scalar(select(func.count(CheckRun.id))) == 2


def test_a_late_sign_in_is_flagged_late_with_the_minutes(ctx, world):
    shift = make_shift("HRB-DL-0001", START)
    sign_in(shift, parse_instant(START) + timedelta(minutes=12))
    flags = check_shift(shift, parse_instant(START) + timedelta(hours=1))
    late = [f for f in flags if f.code == "LATE"]
    assert len(late) == 1 and "12" in late[0].summary_zh


def test_a_phone_silent_for_33_minutes_is_a_track_gap_until_the_late_upload_fills_it(ctx, world):
    shift = make_shift("HRB-DL-0001", START)
    start = parse_instant(START)
    sign_in(shift, start - timedelta(minutes=5))
    walk("HRB-DL-0001", start, 3 * PACE_MIN)
    walk("HRB-DL-0001", start + timedelta(minutes=5 * PACE_MIN), 3 * PACE_MIN, seed=2)
    at = start + timedelta(minutes=8 * PACE_MIN)
    gaps = [f for f in check_shift(shift, at) if f.code == "TRACK_GAP"]
    assert len(gaps) == 1 and gaps[0].status == "open"
    assert 33 <= (gaps[0].end - gaps[0].start).total_seconds() / 60 <= 34

    walk("HRB-DL-0001", start + timedelta(minutes=3 * PACE_MIN), 2 * PACE_MIN, seed=3)   # the phone uploads late
    check_shift(shift, at)
    gap = db.session.get(Flag, gaps[0].id)
    assert gap.status == "withdrawn"
    assert [e.action for e in gap.events] == ["raised", "withdrawn"]
    assert "later evidence" in gap.events[-1].reason


def test_an_officer_sitting_still_for_40_minutes_on_patrol_is_idle(ctx, world):
    shift = make_shift("HRB-DL-0001", START)
    start = parse_instant(START)
    sign_in(shift, start)
    walk("HRB-DL-0001", start, 3 * PACE_MIN)
    walk("HRB-DL-0001", start + timedelta(minutes=3 * PACE_MIN), 40, still=True, seed=5)
    walk("HRB-DL-0001", start + timedelta(minutes=3 * PACE_MIN + 40), 3 * PACE_MIN, seed=6)
    idle = [f for f in check_shift(shift, start + timedelta(minutes=6 * PACE_MIN + 40)) if f.code == "IDLE"]
    assert len(idle) == 1
    assert 36 <= (idle[0].end - idle[0].start).total_seconds() / 60 <= 44


def test_a_decided_flag_is_not_withdrawn_but_noted_when_its_cause_goes(ctx, world):
    shift = make_shift("HRB-DL-0001", START)
    start = parse_instant(START)
    sign_in(shift, start)
    walk("HRB-DL-0001", start, 2 * PACE_MIN)
    at = start + timedelta(minutes=5 * PACE_MIN)
    gap = next(f for f in check_shift(shift, at) if f.code == "TRACK_GAP")
    gap.status = "confirmed"
    db.session.commit()
    walk("HRB-DL-0001", start + timedelta(minutes=2 * PACE_MIN), 3 * PACE_MIN, seed=9)
    check_shift(shift, at)
    gap = db.session.get(Flag, gap.id)
    assert gap.status == "confirmed" and gap.events[-1].action == "cause_gone"


def test_a_tick_judges_shifts_in_progress_by_their_last_stretch_and_raises_nothing_twice(ctx, world):
    shift = make_shift("HRB-DL-0001", START)
    start = parse_instant(START)
    sign_in(shift, start)
    walk("HRB-DL-0001", start, 3 * PACE_MIN)
    walk("HRB-DL-0001", start + timedelta(minutes=3 * PACE_MIN), 23, still=True, seed=4)
    at = start + timedelta(minutes=3 * PACE_MIN + 23)   # the stay passed 20 minutes since the last tick
    first = run_checks(at, trigger="scheduled", since=at - timedelta(minutes=5))
    again = run_checks(at + timedelta(minutes=1), trigger="scheduled", since=at)
    assert codes(first.created) == ["IDLE"] and again.created == []
    assert codes(open_flags(shift)) == ["IDLE"]


def test_one_failing_shift_does_not_stop_the_others(ctx, world, monkeypatch):
    good = make_shift("HRB-DL-0002", START)
    bad = make_shift("HRB-DL-0001", START)
    from supervise.services import checks

    real = checks.evaluate_shift

    def broken(facts, regulation):
        if facts.shift_id == bad:
            raise RuntimeError("boom")
        return real(facts, regulation)

    monkeypatch.setattr(checks, "evaluate_shift", broken)
    report = run_checks(parse_instant(START) + timedelta(hours=1))
    assert report.errors == 1 and codes(report.created) == ["ABSENT"]
    assert report.created[0].shift_id == good


def test_checks_run_as_of_an_earlier_instant_leave_later_flags_as_they_are(ctx, world):
    shift = make_shift("HRB-DL-0001", START, hours=2)
    start = parse_instant(START)
    sign_in(shift, start)
    walk("HRB-DL-0001", start, 3 * PACE_MIN)
    walk("HRB-DL-0001", start + timedelta(minutes=3 * PACE_MIN), 40, still=True, seed=5)
    after_the_shift = start + timedelta(hours=3)
    later = {f.fact_key: (f.status, f.end) for f in check_shift(shift, after_the_shift)}
    assert any("EARLY_LEAVE" in key or "IDLE" in key for key in later)

    report = run_checks(start + timedelta(minutes=60))   # an operator re-runs an earlier instant
    assert report.withdrawn == []
    again = {f.fact_key: (f.status, f.end) for f in db.session.scalars(select(Flag).where(Flag.shift_id == shift))}
    assert again == later

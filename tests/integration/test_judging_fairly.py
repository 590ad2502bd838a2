"""DOMAIN.md's "Judging fairly", each failure of issue 10 as a sentence, through the checks the
scheduler runs, on a real database. Positions are written as the phone's live tracking would have
sent them unless a test says otherwise."""
from __future__ import annotations

from datetime import timedelta

import numpy as np
from sqlalchemy import insert, select

from supervise.extensions import db
from supervise.models import Flag, Position, Shift, User
from supervise.models.tracks import SOURCE_CODES
from supervise.services.checks import check_shift, run_checks
from supervise.services.tracks import analyze_shift
from supervise.timeutil import parse_instant
from tests.integration.evidence_factories import DL_LAT, DL_LON, PACE_MIN, make_shift, sign_in, walk

BADGE = "HRB-DL-0001"
START = parse_instant("2026-11-26T08:00:00+08:00")


def minutes(n: float) -> timedelta:
    return timedelta(minutes=n)


def on_duty(hours: float = 4) -> int:
    shift = make_shift(BADGE, START.isoformat(), hours=hours)
    sign_in(shift, START - minutes(5))
    return shift


def live_flags(shift: int, code: str | None = None) -> list[Flag]:
    query = select(Flag).where(Flag.shift_id == shift, Flag.status != "withdrawn").order_by(Flag.start)
    return [f for f in db.session.scalars(query) if code in (None, f.code)]


def put(rows: list[tuple[float, float, float]], *, source: str = "osmand", received: float | None = None) -> None:
    officer = db.session.scalar(select(User.id).where(User.badge_no == BADGE))
    db.session.execute(insert(Position), [
        {"officer_id": officer, "ts": t, "lat": lat, "lon": lon, "accuracy_m": 10.0, "speed_mps": None,
         "mock": False, "source": SOURCE_CODES[source], "received_ts": t if received is None else received}
        for t, lat, lon in rows])
    db.session.commit()


def ticks(shift: int, every_min: float = 2) -> None:
    """The scheduler's ticks from the shift's start to an hour after its end."""
    end = db.session.get(Shift, shift).end
    at, since = START, START - minutes(every_min)
    while at <= end + minutes(60):
        run_checks(at, trigger="scheduled", since=since)
        since, at = at, at + minutes(every_min)


def test_a_single_fix_200_m_away_and_back_is_not_spoofing(ctx, world):
    shift = on_duty()
    walk(BADGE, START, 6 * PACE_MIN)
    stray = START + minutes(60) + timedelta(seconds=5)
    put([(stray.timestamp(), DL_LAT + 200 / 111_320, DL_LON)])
    assert analyze_shift(db.session.get(Shift, shift)).outlier_fixes >= 1
    flags = check_shift(shift, START + minutes(6 * PACE_MIN + 1))
    assert "LOCATION_SPOOF" not in [f.code for f in flags]


def test_a_leap_of_3_km_that_stays_there_is_spoofing(ctx, world):
    shift = on_duty()
    walk(BADGE, START, 2 * PACE_MIN)
    walk(BADGE, START + minutes(2 * PACE_MIN), 30, lat=DL_LAT + 3000 / 111_320, still=True, seed=3)
    flags = check_shift(shift, START + minutes(2 * PACE_MIN + 31))
    assert [f.code for f in flags if f.code == "LOCATION_SPOOF"] == ["LOCATION_SPOOF"]


def test_a_30_minute_silence_is_one_track_gap_and_no_idle(ctx, world):
    shift = on_duty()
    walk(BADGE, START, 2 * PACE_MIN)
    sat = START + minutes(2 * PACE_MIN)
    walk(BADGE, sat, 12, still=True, seed=2)                   # 12 minutes still,
    walk(BADGE, sat + minutes(42), 12, still=True, seed=3)     # silent 30, still again at the same spot
    flags = check_shift(shift, sat + minutes(55))
    assert [f.code for f in flags if f.code in ("TRACK_GAP", "IDLE")] == ["TRACK_GAP"]
    [gap] = live_flags(shift, "TRACK_GAP")
    assert 29.5 <= (gap.end - gap.start).total_seconds() / 60 <= 31


def test_a_40_minute_stay_is_one_idle_flag_of_40_minutes_while_the_scheduler_ticks_through_it(ctx, world):
    shift = on_duty(hours=3)
    walk(BADGE, START, 3 * PACE_MIN)
    sat = START + minutes(3 * PACE_MIN)
    walk(BADGE, sat, 40, still=True, seed=5)
    walk(BADGE, sat + minutes(40), 180 - 3 * PACE_MIN - 40, seed=6)
    ticks(shift)
    [idle] = live_flags(shift, "IDLE")
    assert 38 <= (idle.end - idle.start).total_seconds() / 60 <= 41
    assert idle.evidence["support"]["fixes"] >= 200 and idle.needs_review is False


def test_a_stay_exactly_at_the_threshold_is_one_flag(ctx, world):
    shift = on_duty(hours=2)
    walk(BADGE, START, 2 * PACE_MIN)
    walk(BADGE, START + minutes(2 * PACE_MIN), 20 + 1 / 6, still=True, seed=7)
    walk(BADGE, START + minutes(2 * PACE_MIN + 20 + 1 / 6), 30, seed=8)
    ticks(shift)
    assert len(live_flags(shift, "IDLE")) == 1


def test_an_excursion_that_dips_back_inside_for_one_fix_is_one_off_post(ctx, world):
    shift = on_duty(hours=2)
    walk(BADGE, START, 2 * PACE_MIN)
    out = START + minutes(2 * PACE_MIN)
    far = DL_LAT + 600 / 111_320
    walk(BADGE, out, 8, lat=far, still=True, seed=9)
    put([((out + minutes(8)).timestamp() + 1, DL_LAT, DL_LON)])      # one fix back in the grid
    walk(BADGE, out + minutes(8) + timedelta(seconds=10), 8, lat=far, still=True, seed=10)
    walk(BADGE, out + minutes(16) + timedelta(seconds=10), 40, seed=11)
    ticks(shift)
    [off] = live_flags(shift, "OFF_POST")
    assert 15 <= (off.end - off.start).total_seconds() / 60 <= 18


def test_a_gpx_the_officer_uploads_afterwards_does_not_withdraw_a_flag(ctx, world):
    shift = on_duty(hours=2)
    walk(BADGE, START, 2 * PACE_MIN)
    quiet_from = START + minutes(2 * PACE_MIN)
    walk(BADGE, quiet_from + minutes(40), 2 * PACE_MIN, seed=4)
    judged = quiet_from + minutes(40 + 2 * PACE_MIN)
    [gap] = [f for f in check_shift(shift, judged) if f.code == "TRACK_GAP"]
    uploaded_at = gap.created_at + minutes(30)
    walk(BADGE, quiet_from + timedelta(seconds=5), 39, source="upload", received=uploaded_at, seed=12)
    check_shift(shift, judged)
    gap = db.session.get(Flag, gap.id)
    assert gap.status == "open"
    [note] = [e for e in gap.events if e.action == "counter_evidence"]
    assert "uploaded a file" in note.reason and note.data["positions"] > 200


def test_a_made_up_walk_uploaded_over_an_idle_the_phone_saw_changes_nothing(ctx, world):
    shift = on_duty(hours=2)
    walk(BADGE, START, 2 * PACE_MIN)
    sat = START + minutes(2 * PACE_MIN)
    walk(BADGE, sat, 40, still=True, seed=5)
    walk(BADGE, sat + minutes(40), 30, seed=6)
    judged = sat + minutes(71)
    [idle] = [f for f in check_shift(shift, judged) if f.code == "IDLE"]
    walk(BADGE, sat + timedelta(seconds=2.5), 40, every_s=7, source="upload", received=idle.created_at + minutes(60),
         seed=13)
    check_shift(shift, judged)
    assert db.session.get(Flag, idle.id).status == "open"
    assert len(live_flags(shift, "IDLE")) == 1


def test_a_late_batch_from_the_phone_withdraws_the_gap_and_says_so(ctx, world):
    shift = on_duty(hours=2)
    walk(BADGE, START, 2 * PACE_MIN)
    quiet_from = START + minutes(2 * PACE_MIN)
    walk(BADGE, quiet_from + minutes(40), 2 * PACE_MIN, seed=4)
    judged = quiet_from + minutes(40 + 2 * PACE_MIN)
    [gap] = [f for f in check_shift(shift, judged) if f.code == "TRACK_GAP"]
    walk(BADGE, quiet_from + timedelta(seconds=5), 39, source="osmand", received=gap.created_at + minutes(30),
         seed=12)
    check_shift(shift, judged)
    gap = db.session.get(Flag, gap.id)
    assert gap.status == "withdrawn"
    assert "live tracking sent" in gap.events[-1].reason and "late" in gap.events[-1].reason


def test_an_officer_without_live_tracking_who_uploads_after_the_shift_gets_no_flag(ctx, world):
    shift = on_duty(hours=2)
    end, uploaded = START + minutes(120), False
    at, since = START, START - minutes(2)
    while at <= end + minutes(60):
        if not uploaded and at >= end + minutes(14):   # the day's file, 14 minutes after the end
            walk(BADGE, START, 120, source="upload", received=at)
            uploaded = True
        run_checks(at, trigger="scheduled", since=since)
        since, at = at, at + minutes(2)
    assert live_flags(shift) == []


def test_a_phone_silent_all_shift_is_one_gap_once_the_upload_allowance_has_passed(ctx, world):
    shift = on_duty(hours=2)
    ticks(shift)
    [gap] = live_flags(shift)
    assert gap.code == "TRACK_GAP" and gap.evidence["no_track"] is True
    assert np.isclose((gap.end - gap.start).total_seconds() / 60, 120, atol=6)

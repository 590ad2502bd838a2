"""Storing positions in bulk and reading them back as columns, one officer or many at once,
and analysing a shift with the regulation's thresholds."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
from sqlalchemy import select

from supervise.extensions import db
from supervise.models import User
from supervise.services import tracks
from supervise.tracks.filtering import FixArrays
from tests.conftest import DL_GRID_CENTRE

LON0, LAT0 = DL_GRID_CENTRE


def officer(badge: str) -> int:
    return db.session.scalar(select(User.id).where(User.badge_no == badge))


def columns(t, lat=LAT0, lon=LON0, acc=np.nan) -> FixArrays:
    t = np.asarray(t, dtype=float)
    full = np.full(t.size, 1.0)
    return FixArrays(t, full * lat, full * lon, full * acc, full * np.nan, np.zeros(t.size, dtype=bool))


def test_stored_positions_come_back_between_two_instants_in_time_order(ctx, world):
    me = officer("HRB-DL-0001")
    assert tracks.store_positions(me, columns([30.0, 10.0, 20.0, 40.0], acc=7.0), "upload", 50.0) == 4
    db.session.commit()
    got = tracks.positions_between(me, 10.0, 30.0)
    assert got.t.tolist() == [10.0, 20.0, 30.0] and got.acc.tolist() == [7.0] * 3
    assert got.mock.dtype == bool and not got.mock.any()


def test_a_position_at_an_instant_already_stored_is_not_stored_again(ctx, world):
    me = officer("HRB-DL-0001")
    tracks.store_positions(me, columns([1.0, 2.0]), "upload", 5.0)
    assert tracks.store_positions(me, columns([2.0, 3.0], lat=LAT0 + 1), "app", 6.0) == 1
    db.session.commit()
    assert tracks.positions_between(me, 0, 10).lat.tolist() == [LAT0, LAT0, LAT0 + 1]


def test_many_officers_are_read_at_once_grouped_by_officer(ctx, world):
    a, b, c = officer("HRB-DL-0001"), officer("HRB-DL-0002"), officer("HRB-NG-0001")
    tracks.store_positions(a, columns(np.arange(0, 100, 10)), "osmand", 1.0)
    tracks.store_positions(b, columns(np.arange(5, 100, 10)), "osmand", 1.0)
    tracks.store_positions(c, columns([500.0]), "osmand", 1.0)
    db.session.commit()
    got = tracks.positions_for_officers([a, b, c], 0, 50)
    assert set(got) == {a, b}
    assert got[a].t.tolist() == [0, 10, 20, 30, 40, 50] and got[b].t.tolist() == [5, 15, 25, 35, 45]
    assert len(tracks.positions_between(c, 0, 50)) == 0


def test_a_shift_is_analysed_with_its_area_and_the_regulation_thresholds(ctx, world):
    from supervise.cli import SYSTEM
    from supervise.services import reference

    start = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)
    shift = reference.create_shift(SYSTEM, officer="HRB-DL-0001", start=start, end=start + timedelta(hours=2),
                                   kind="patrol", grid="DL-G1")
    t0 = start.timestamp()
    tracks.store_positions(shift.officer_id, columns(t0 + np.arange(0, 30 * 60, 10)), "upload", t0)
    db.session.commit()
    assert tracks.analyze_shift(shift, as_of=start - timedelta(minutes=5)) is None
    analysis = tracks.analyze_shift(shift, as_of=start + timedelta(hours=1))
    assert analysis.points == 180
    assert len(analysis.stays) == 1  # 30 minutes on one spot: idle by the default 20 min / 30 m
    assert [round((g.end - g.start).total_seconds() / 60) for g in analysis.gaps] == [30]


def test_accuracy_speed_and_mock_flags_come_back_as_stored_when_only_some_points_have_them(ctx, world):
    me = officer("HRB-DL-0001")
    t = np.array([10.0, 20.0, 30.0])
    mixed = FixArrays(t, np.full(3, LAT0), np.full(3, LON0), np.array([5.0, np.nan, 12.5]),
                      np.array([np.nan, 1.5, np.nan]), np.array([False, True, False]))
    assert tracks.store_positions(me, mixed, "app", 50.0) == 3
    back = tracks.positions_between(me, 0.0, 100.0)
    assert np.array_equal(back.acc, [5.0, np.nan, 12.5], equal_nan=True)
    assert back.mock.tolist() == [False, True, False]


def test_a_batch_where_every_point_is_a_mock_location_is_stored_as_mock(ctx, world):
    me = officer("HRB-DL-0001")
    mock = FixArrays(np.array([10.0, 20.0]), np.full(2, LAT0), np.full(2, LON0), np.full(2, np.nan),
                     np.full(2, np.nan), np.ones(2, dtype=bool))
    assert tracks.store_positions(me, mock, "app", 50.0) == 2
    assert tracks.positions_between(me, 0.0, 100.0).mock.tolist() == [True, True]


def test_a_large_upload_overlapping_an_earlier_one_stores_only_the_new_instants_exactly(ctx, world):
    me = officer("HRB-DL-0001")
    assert tracks.store_positions(me, columns(np.arange(0.0, 300.0)), "upload", 50.0) == 300
    t = np.arange(200.0, 1201.5, 1.0) + 0.125  # 1,002 instants, none equal to an earlier one
    t[:100] = np.arange(200.0, 300.0)  # the first 100 were stored already
    lat = LAT0 + np.arange(t.size) * 1e-7
    later = FixArrays(t, lat, np.full(t.size, LON0), np.full(t.size, np.nan), np.full(t.size, np.nan),
                      np.zeros(t.size, dtype=bool))
    assert tracks.store_positions(me, later, "upload", 60.0) == t.size - 100
    back = tracks.positions_between(me, 0.0, 2000.0)
    assert back.t.size == 300 + t.size - 100
    assert np.array_equal(back.t[300:], t[100:]) and np.array_equal(back.lat[300:], lat[100:])

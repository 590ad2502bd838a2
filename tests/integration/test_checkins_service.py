"""record_checkin on a real database: where, when and whose photo, as the regulation judges it.

The world's grid DL-G1 is a square around DL_GRID_CENTRE, ±0.002° of latitude (≈222 m); the
shift of officer dl1 (HRB-DL-0001) starts at 08:00 Shanghai time on 2026-11-26. Receipt times
are given explicitly, so the judgement does not depend on when the tests run.
"""
from __future__ import annotations

import os
import random
import time
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import event, func, select, text

from supervise.errors import Conflict, Forbidden, Invalid, NotFound
from supervise.extensions import db
from supervise.models import Checkin, Flag, Photo, User
from supervise.services import checkins, storage
from supervise.services.auth import actor_for
from supervise.services.checkins import DeviceFix, PhotoRefused, record_checkin
from supervise.timeutil import SHANGHAI
from tests.conftest import DL_GRID_CENTRE, FIXTURES, shanghai
from tests.photos import make_heic, make_jpeg, reencoded

START = shanghai("2026-11-26T08:00:00+08:00")
METRES_PER_DEG_LAT = 111_195.0
NORTH_EDGE = DL_GRID_CENTRE[1] + 0.002
TAKEN = START - timedelta(minutes=3)
RECEIVED = START - timedelta(minutes=2)


def minutes(n: float) -> timedelta:
    return timedelta(minutes=n)


def selfie(taken: datetime | None = TAKEN, *, north_of_edge_m: float | None = None,
           accuracy_m: float | None = 8.0, gps: bool = True, seed: int = 1, clock_off_h: float = 0.0,
           **options) -> bytes:
    """A JPEG taken at `taken` (Shanghai clock, off by `clock_off_h`, no offset tag when off) in the
    middle of the grid, or `north_of_edge_m` north of its north edge."""
    lon, lat = DL_GRID_CENTRE
    if north_of_edge_m is not None:
        lat = NORTH_EDGE + north_of_edge_m / METRES_PER_DEG_LAT
    local = taken.astimezone(SHANGHAI).replace(tzinfo=None) + timedelta(hours=clock_off_h) if taken else None
    position = dict(lat=lat, lon=lon, accuracy_m=accuracy_m, gps_utc=taken) if gps else {}
    return make_jpeg(taken_local=local, offset="+08:00" if taken and not clock_off_h else None, seed=seed,
                     **position, **options)


def shift(badge: str = "HRB-DL-0001", start: datetime = START, hours: float = 8, grid: str = "DL-G1"):
    from supervise.cli import SYSTEM
    from supervise.services import reference

    return reference.create_shift(SYSTEM, officer=badge, start=start, end=start + timedelta(hours=hours),
                                  kind="patrol", grid=grid)


def officer(username: str = "dl1"):
    return actor_for(db.session.scalar(select(User).where(User.username == username)))


def sign_in(photo: bytes, username: str = "dl1", received: datetime = RECEIVED, **kwargs):
    return record_checkin(officer(username), photo, received_at=received, **kwargs)


def stored_files() -> set[Path]:
    return {p for p in (storage.storage_root() / "photos").rglob("*") if p.is_file()} \
        if (storage.storage_root() / "photos").exists() else set()


@pytest.fixture
def dl_shift(world, ctx):
    return shift().id


# ---------------------------------------------------------------- where


def test_a_photo_taken_in_the_grid_before_the_start_is_on_time_and_inside(dl_shift):
    signed = sign_in(selfie())
    assert (signed.shift_id, signed.timeliness, signed.inside_area, signed.distance_to_area_m) == (
        dl_shift, "on_time", True, 0.0)
    assert signed.location_source == "exif" and signed.capture_time_source == "exif_offset"
    assert signed.flags == []


def test_a_photo_taken_40_m_outside_the_grid_with_10_m_error_is_outside_and_flagged(dl_shift):
    signed = sign_in(selfie(north_of_edge_m=40, accuracy_m=10))
    assert signed.inside_area is False
    assert signed.distance_to_area_m == pytest.approx(40, abs=1)
    assert "CHECKIN_OFF_GRID" in signed.flags
    assert "40 m outside your grid" in signed.message


def test_a_photo_taken_20_m_outside_the_grid_with_50_m_error_is_not_flagged(dl_shift):
    signed = sign_in(selfie(north_of_edge_m=20, accuracy_m=50))
    assert signed.inside_area is True
    assert signed.distance_to_area_m == pytest.approx(20, abs=1)
    assert "CHECKIN_OFF_GRID" not in signed.flags


def test_a_reported_error_beyond_100_m_earns_no_more_than_100_m(dl_shift):
    signed = sign_in(selfie(north_of_edge_m=150, accuracy_m=500))
    assert signed.inside_area is False and "CHECKIN_OFF_GRID" in signed.flags


def test_a_real_nikon_gps_photo_from_far_away_is_outside_the_grid_by_thousands_of_km(dl_shift):
    path = FIXTURES / "exif" / "jpg" / "gps" / "DSCN0010.jpg"
    if not path.exists():
        pytest.skip(f"fixture photo missing: {path}")
    signed = sign_in(path.read_bytes(), received=START + minutes(1))
    assert signed.shift_id == dl_shift  # placed by the shift in progress: its 2008 capture time fits no window
    assert signed.inside_area is False and signed.distance_to_area_m > 1_000_000
    assert signed.timeliness == "outside_window"
    assert signed.time_conflict_s is not None  # its GPS clock is ~22 h off its camera clock
    assert "PHOTO_STALE" in signed.flags  # taken long before receipt, outside the window
    assert "PHOTO_TIME_CONFLICT" in signed.flags  # neither clock can be trusted: a person reviews it


def test_a_camera_clock_10_minutes_off_its_gps_is_kept_and_raised_for_review_not_decided(dl_shift):
    signed = sign_in(selfie(clock_off_h=-10 / 60))
    assert signed.time_conflict_s == pytest.approx(10 * 60, abs=2)
    assert signed.flags == ["PHOTO_TIME_CONFLICT"]


def test_a_phone_fix_alone_places_the_sign_in_and_says_it_came_from_the_device(dl_shift):
    lon, lat = DL_GRID_CENTRE
    signed = sign_in(selfie(gps=False), device=DeviceFix(lat=lat, lon=lon, accuracy_m=15.0))
    assert (signed.location_source, signed.lat, signed.inside_area) == ("device", lat, True)
    assert "PHOTO_NO_EVIDENCE" not in signed.flags


def test_a_photo_position_far_from_the_phone_fix_keeps_both_and_is_a_location_mismatch(dl_shift):
    lon, lat = DL_GRID_CENTRE
    signed = sign_in(selfie(accuracy_m=10), device=DeviceFix(lat=lat + 0.003, lon=lon, accuracy_m=10.0))
    assert signed.location_source == "exif" and signed.lat == pytest.approx(lat)
    assert signed.device_lat == pytest.approx(lat + 0.003)
    assert "LOCATION_MISMATCH" in signed.flags


def test_a_photo_position_close_to_the_phone_fix_is_no_mismatch(dl_shift):
    lon, lat = DL_GRID_CENTRE
    signed = sign_in(selfie(accuracy_m=10), device=DeviceFix(lat=lat + 0.0003, lon=lon, accuracy_m=10.0))
    assert "LOCATION_MISMATCH" not in signed.flags


def test_a_phone_reporting_a_mock_location_is_flagged_as_spoofing(dl_shift):
    signed = sign_in(selfie(), device=DeviceFix(mock=True))
    assert "LOCATION_SPOOF" in signed.flags
    assert "mock" in signed.message


def test_half_a_device_position_is_refused(dl_shift):
    with pytest.raises(Invalid) as refused:
        sign_in(selfie(), device=DeviceFix(lat=45.77))
    assert refused.value.code == "DEVICE_FIX_INVALID"


# ---------------------------------------------------------------- when


def test_a_photo_taken_12_minutes_after_the_start_is_late(dl_shift):
    signed = sign_in(selfie(START + minutes(12)), received=START + minutes(12.5))
    assert signed.timeliness == "late" and "LATE" in signed.flags


def test_a_photo_taken_4_minutes_after_the_start_is_still_on_time(dl_shift):
    signed = sign_in(selfie(START + minutes(4)), received=START + minutes(5))
    assert signed.timeliness == "on_time" and "LATE" not in signed.flags


def test_a_photo_taken_after_the_window_closes_is_outside_the_window(dl_shift):
    signed = sign_in(selfie(START + minutes(45)), received=START + minutes(46))
    assert signed.timeliness == "outside_window"


def test_a_phone_whose_clock_is_8_hours_off_is_placed_by_gps_time(dl_shift):
    signed = sign_in(selfie(START - minutes(3), clock_off_h=-8))
    assert signed.capture_time_source == "exif_gps"
    assert signed.captured_at == START - minutes(3)
    assert signed.timeliness == "on_time"
    assert "GPS time used" in signed.capture_time_note


def test_a_photo_whose_clocks_say_after_its_receipt_is_kept_timed_by_its_receipt_for_review(dl_shift):
    signed = sign_in(selfie(START + minutes(30)), received=START)
    assert (signed.capture_time_source, signed.captured_at) == ("received", START)
    assert signed.timeliness == "on_time"
    assert signed.flags == ["PHOTO_TIME_CONFLICT"]
    assert "clock is ahead" in signed.message


def test_a_phone_8_hours_ahead_with_a_right_gps_time_signs_in_on_time(dl_shift):
    signed = sign_in(selfie(START - minutes(3), clock_off_h=8), received=START - minutes(2))
    assert (signed.capture_time_source, signed.captured_at) == ("exif_gps", START - minutes(3))
    assert signed.timeliness == "on_time" and signed.flags == []
    assert "impossible, so GPS time is used" in signed.capture_time_note


def test_a_camera_clock_3_h_17_min_behind_a_right_gps_time_is_on_time_and_asks_for_review_only(dl_shift):
    signed = sign_in(selfie(START - minutes(3), clock_off_h=-(3 + 17 / 60)), received=START - minutes(2))
    assert (signed.capture_time_source, signed.captured_at) == ("exif_gps", START - minutes(3))
    assert signed.timeliness == "on_time"
    assert signed.flags == ["PHOTO_TIME_CONFLICT"]  # not PHOTO_STALE: the satellites say it is fresh


def test_sending_the_same_selfie_twice_is_one_sign_in(dl_shift):
    photo = selfie()
    first = sign_in(photo)
    again = sign_in(photo, received=RECEIVED + timedelta(seconds=7))
    assert again.id == first.id and again.repeated
    assert "already received" in again.message
    assert db.session.scalar(select(func.count(Checkin.id))) == 1
    assert "PHOTO_REUSED" not in again.flags


def test_a_second_sign_in_with_a_new_photo_is_kept_and_the_officer_is_told(dl_shift):
    first = sign_in(selfie(seed=1))
    second = sign_in(selfie(seed=2), received=RECEIVED + minutes(30))
    assert second.id != first.id and second.earlier is not None and second.earlier.id == first.id
    assert "already signed in for this shift" in second.message
    assert "PHOTO_REUSED" not in second.flags


def test_a_capture_time_a_minute_ahead_of_the_server_is_clock_skew_not_the_future(dl_shift):
    assert sign_in(selfie(START - minutes(1)), received=START - minutes(2)).id


def test_a_photo_without_capture_time_takes_the_phone_fix_time(dl_shift):
    photo = make_jpeg(lat=DL_GRID_CENTRE[1], lon=DL_GRID_CENTRE[0], seed=3)
    signed = sign_in(photo, device=DeviceFix(fix_time=START - minutes(4)))
    assert (signed.capture_time_source, signed.captured_at) == ("device", START - minutes(4))


def test_a_photo_without_gps_or_time_is_kept_with_no_evidence_and_told_to_retake_with_location_on(dl_shift):
    signed = sign_in(make_jpeg(seed=4))
    assert signed.id and signed.location_source is None and signed.captured_at is None
    assert signed.flags == ["PHOTO_NO_EVIDENCE"]
    assert "location" in signed.message and "Retake" in signed.message
    assert "no GPS position" in signed.evidence_problem


# ---------------------------------------------------------------- which shift


def test_the_shift_is_found_from_the_capture_time_among_the_day_s_shifts(world, ctx):
    shift(start=START, hours=4)
    afternoon = shift(start=START + timedelta(hours=6), hours=4).id
    photo = selfie(START + timedelta(hours=6) - minutes(5))
    assert sign_in(photo, received=START + timedelta(hours=6) - minutes(4)).shift_id == afternoon


def test_without_any_fitting_shift_the_sign_in_is_refused_with_no_shift(world, ctx):
    shift(start=START + timedelta(days=2))
    before = stored_files()
    with pytest.raises(Conflict) as refused:
        sign_in(selfie())
    assert refused.value.code == "NO_SHIFT"
    assert db.session.scalar(select(func.count()).select_from(Photo)) == 0
    assert stored_files() == before


def test_signing_in_for_someone_else_s_shift_is_forbidden_and_leaves_no_file(world, ctx):
    theirs = shift(badge="HRB-DL-0002").id
    before = stored_files()
    with pytest.raises(Forbidden):
        sign_in(selfie(), shift_id=theirs)
    assert stored_files() == before


def test_an_unknown_shift_is_not_found(world, ctx):
    with pytest.raises(NotFound):
        sign_in(selfie(), shift_id=999)


# ---------------------------------------------------------------- whose photo


def test_a_photo_reused_by_another_officer_names_the_earlier_sign_in(world, ctx):
    shift()
    shift(badge="HRB-DL-0002")
    photo = selfie()
    first = sign_in(photo)
    second = sign_in(photo, username="dl2", received=START - minutes(1))
    assert (second.reused_checkin_id, second.reuse_kind) == (first.id, "sha256")
    assert "PHOTO_REUSED" in second.flags and "PHOTO_REUSED" not in first.flags
    assert db.session.scalar(select(func.count()).select_from(Photo)) == 1


def test_a_near_identical_re_encode_is_caught_by_the_perceptual_hash(world, ctx):
    shift()
    shift(badge="HRB-DL-0002")
    original = selfie(seed=7)
    first = sign_in(original)
    second = sign_in(reencoded(original, quality=60, scale=0.8), username="dl2", received=START - minutes(1),
                     device=DeviceFix(fix_time=START - minutes(1.5)))
    assert (second.reused_checkin_id, second.reuse_kind) == (first.id, "phash")
    assert second.reuse_distance <= 6
    assert "PHOTO_REUSED" in second.flags


def test_the_earliest_of_several_earlier_sign_ins_is_named(world, ctx):
    shift()
    shift(badge="HRB-DL-0002")
    shift(badge="HRB-NG-0001", grid="NG-G1")
    photo = selfie(seed=8)
    first = sign_in(photo).id
    assert sign_in(photo, username="dl2", received=START - minutes(1)).reused_checkin_id == first
    assert sign_in(photo, username="ng1", received=START).reused_checkin_id == first


def test_a_different_selfie_is_not_a_reuse(world, ctx):
    shift()
    shift(badge="HRB-DL-0002")
    sign_in(selfie(seed=9))
    assert sign_in(selfie(seed=10), username="dl2").reused_checkin_id is None


def test_the_band_lookup_finds_every_hash_within_7_bits(world, ctx):
    rng = random.Random(5)
    for trial in range(60):
        query = rng.getrandbits(64)
        distance = rng.choice([0, 1, 4, 6, 7])
        stored = query
        for bit in rng.sample(range(64), distance):
            stored ^= 1 << bit
        sha = f"{trial:064x}"
        b = checkins.bands(stored)
        db.session.add(Photo(sha256=sha, format="jpeg", size_bytes=1, width=1, height=1,
                             phash=checkins.signed_phash(stored), band0=b[0], band1=b[1], band2=b[2], band3=b[3]))
        db.session.flush()
        found = {p.sha256: checkins.unsigned_phash(p.phash) for p in checkins.near_duplicate_candidates(query, 7)}
        assert found.get(sha) == stored, f"distance {distance} missed"
    db.session.rollback()


def test_hashes_with_the_top_bit_set_survive_the_signed_database_column(world, ctx):
    value = (1 << 63) | 0x0123_4567_89AB_CDEF
    assert checkins.signed_phash(value) < 0
    assert checkins.unsigned_phash(checkins.signed_phash(value)) == value


# ---------------------------------------------------------------- storage


def test_the_original_bytes_are_stored_unchanged_under_their_sha256(dl_shift):
    photo = selfie(seed=11)
    signed = sign_in(photo)
    path = storage.original_path(storage.storage_root(), signed.photo_sha256, "jpeg")
    assert path.read_bytes() == photo
    assert path.name == f"{signed.photo_sha256}.jpg" and path.parent.name == signed.photo_sha256[2:4]


def test_on_a_slow_disk_a_sign_in_commits_only_once_its_photo_is_flushed_to_it(dl_shift, monkeypatch):
    real_fsync, flushed = os.fsync, []

    def slow_fsync(fd):
        time.sleep(0.2)
        real_fsync(fd)
        flushed.append(fd)

    monkeypatch.setattr(storage.os, "fsync", slow_fsync)
    photo = selfie(seed=15)
    sha = checkins.read_evidence(photo).sha256
    path = storage.original_path(storage.storage_root(), sha, "jpeg")
    before, seen_at_commit = stored_files(), []

    def look(session):
        seen_at_commit.append((path.read_bytes() if path.exists() else None, len(flushed)))

    event.listen(db.session(), "before_commit", look)
    try:
        sign_in(photo)
    finally:
        event.remove(db.session(), "before_commit", look)
    bytes_at_commit, flushes_at_commit = seen_at_commit[0]
    assert bytes_at_commit == photo
    assert flushes_at_commit >= 2  # the file and its folder
    assert stored_files() == before | {path}  # no temporary file left beside it


def test_a_photo_file_cut_short_by_a_crash_is_written_again_by_the_next_sign_in_with_those_bytes(dl_shift):
    photo = selfie(seed=16)
    path = storage.original_path(storage.storage_root(), checkins.read_evidence(photo).sha256, "jpeg")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(photo[: len(photo) // 2])
    sign_in(photo)
    assert path.read_bytes() == photo


def test_a_heic_photo_signs_in_with_its_position_and_time(dl_shift):
    local = (START - minutes(3)).astimezone(SHANGHAI).replace(tzinfo=None)
    photo = make_heic(lat=DL_GRID_CENTRE[1], lon=DL_GRID_CENTRE[0], taken_local=local, offset="+08:00", seed=12)
    signed = sign_in(photo)
    assert signed.photo.format == "heic" and signed.inside_area is True and signed.timeliness == "on_time"
    assert storage.original_path(storage.storage_root(), signed.photo_sha256, "heic").read_bytes() == photo


def test_a_failed_database_write_removes_the_file_this_sign_in_created(dl_shift, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr(checkins, "_commit_rows", broken)
    photo = selfie(seed=13)
    with pytest.raises(RuntimeError):
        sign_in(photo)
    sha = checkins.read_evidence(photo).sha256
    assert not storage.original_path(storage.storage_root(), sha, "jpeg").exists()


def test_a_failed_database_write_keeps_a_file_that_an_earlier_sign_in_owns(world, ctx, monkeypatch):
    shift()
    shift(badge="HRB-DL-0002")
    photo = selfie(seed=14)
    first = sign_in(photo)
    monkeypatch.setattr(checkins, "_commit_rows", lambda *a, **k: (_ for _ in ()).throw(RuntimeError("gone")))
    with pytest.raises(RuntimeError):
        sign_in(photo, username="dl2")
    assert storage.original_path(storage.storage_root(), first.photo_sha256, "jpeg").read_bytes() == photo


def test_a_sign_in_whose_checks_fail_halfway_is_kept_without_half_its_flags(dl_shift, monkeypatch):
    from supervise.services import checks

    real_apply = checks._apply

    def apply_then_fail(*args, **kwargs):
        real_apply(*args, **kwargs)
        raise RuntimeError("a rule blew up after raising its flags")

    monkeypatch.setattr(checks, "_apply", apply_then_fail)
    signed = sign_in(selfie(north_of_edge_m=40, accuracy_m=10, seed=31))
    db.session.remove()
    assert db.session.get(Checkin, signed.id).inside_area is False
    assert signed.flags == []
    assert db.session.scalar(select(func.count(Flag.id))) == 0


def test_a_sign_in_whose_checks_hit_a_database_error_is_kept_without_flags(dl_shift, monkeypatch):
    from supervise.services import checks

    def broken_query(shift_id):
        # A real failed statement: on PostgreSQL it spoils the rest of the transaction.
        return db.session.execute(text("SELECT no_such_column FROM checkin")).all()

    monkeypatch.setattr(checks, "_sign_in_rows", broken_query)
    photo = selfie(north_of_edge_m=40, accuracy_m=10, seed=33)
    signed = sign_in(photo)
    assert signed.flags == [] and signed.inside_area is False
    assert "outside your grid" in signed.message
    db.session.remove()
    stored = db.session.get(Checkin, signed.id)
    assert (stored.inside_area, stored.photo.sha256) == (False, checkins.read_evidence(photo).sha256)
    assert db.session.scalar(select(func.count(Flag.id))) == 0
    assert storage.original_path(storage.storage_root(), stored.photo_sha256, "jpeg").read_bytes() == photo


def test_the_flags_a_sign_in_answers_with_are_the_ones_stored_for_it(dl_shift):
    signed = sign_in(selfie(START + minutes(12), north_of_edge_m=40, accuracy_m=10, seed=32),
                     received=START + minutes(13))
    db.session.remove()
    stored = db.session.scalars(select(Flag.code).where(Flag.checkin_id == signed.id).order_by(Flag.id)).all()
    assert {"LATE", "CHECKIN_OFF_GRID"} <= set(signed.flags)
    assert signed.flags == stored


def test_a_truncated_photo_is_refused_before_anything_is_stored(dl_shift):
    before = stored_files()
    with pytest.raises(PhotoRefused) as refused:
        sign_in(selfie(seed=15)[:3000])
    assert (refused.value.code, refused.value.status) == ("PHOTO_TRUNCATED", 422)
    assert stored_files() == before
    assert db.session.scalar(select(func.count(Checkin.id))) == 0

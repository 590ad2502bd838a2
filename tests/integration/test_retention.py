"""The retention purge: old photo files, positions, login attempts and spent tokens go; hashes,
judgements and the evidence of open or appealable flags stay; --dry-run only says what would go."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from supervise.extensions import db
from supervise.models import (
    ApiToken,
    Checkin,
    Flag,
    FlagEvent,
    LoginAttempt,
    Photo,
    Position,
    Shift,
    User,
    WebSession,
)
from supervise.services import storage
from supervise.timeutil import utcnow
from tests.integration.evidence_factories import make_shift, sign_in, walk

LONG_AGO = timedelta(days=200)   # beyond every default retention


def photo_files(sha256: str) -> list:
    root = storage.storage_root()
    return [storage.original_path(root, sha256, "jpeg"), storage.display_path(root, sha256)]


def old_sign_in(badge: str, seed: str) -> tuple[int, int, str]:
    """A sign-in 200 days ago with both photo files in storage: (shift id, checkin id, photo hash)."""
    start = utcnow() - LONG_AGO
    shift_id = make_shift(badge, start.isoformat(), hours=2, grid=f"{badge[4:6]}-G1")
    checkin_id = sign_in(shift_id, start, seed=seed)
    checkin = db.session.get(Checkin, checkin_id)
    checkin.photo.stored_at = start
    db.session.commit()
    for path in photo_files(checkin.photo_sha256):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"\xff\xd8 a selfie \xff\xd9")
    walk(badge, start, 60)
    return shift_id, checkin_id, checkin.photo_sha256


def flag_on(shift_id: int, checkin_id: int, status: str, decided_ago: timedelta = timedelta(0),
            appealed: bool = False) -> int:
    shift = db.session.get(Shift, shift_id)
    flag = Flag(fact_key=f"shift:{shift_id}:LATE", officer_id=shift.officer_id, shift_id=shift_id,
                checkin_id=checkin_id, code="LATE", severity="low", start=shift.start, end=shift.start,
                summary_zh="迟到", summary_en="late", evidence={"minutes_late": 12}, status=status,
                updated_at=utcnow() - decided_ago)
    db.session.add(flag)
    db.session.flush()
    if appealed:
        db.session.add(FlagEvent(flag_id=flag.id, action="appealed", from_status="confirmed", to_status="appealed"))
    db.session.commit()
    return flag.id


@pytest.fixture
def old_world(app, ctx, world):
    """Four officers' sign-ins from 200 days ago: unflagged; with an open flag; with a flag confirmed
    10 days ago (still appealable); with a flag confirmed and appealed and decided (final)."""
    made = {}
    for badge, seed in (("HRB-DL-0001", "unflagged"), ("HRB-DL-0002", "open"), ("HRB-NG-0001", "appealable"),
                        ("HRB-NG-0002", "final")):
        made[seed] = old_sign_in(badge, seed)
    flag_on(*made["open"][:2], "open")
    flag_on(*made["appealable"][:2], "confirmed", decided_ago=timedelta(days=10))
    flag_on(*made["final"][:2], "confirmed", decided_ago=timedelta(days=100), appealed=True)
    officer = db.session.scalar(select(User).where(User.username == "dl1"))
    now = utcnow()
    db.session.add_all([
        LoginAttempt(username="dl1", remote_addr="203.0.113.5", success=False, at=now - LONG_AGO),
        LoginAttempt(username="dl1", remote_addr="203.0.113.5", success=True, at=now - timedelta(days=1)),
        ApiToken(user_id=officer.id, token_sha256="a" * 64, expires_at=now - timedelta(days=40)),
        ApiToken(user_id=officer.id, token_sha256="b" * 64, expires_at=now + timedelta(hours=5)),
        WebSession(user_id=officer.id, token_sha256="c" * 64, expires_at=now - timedelta(days=31),
                   revoked_at=now - timedelta(days=31)),
        WebSession(user_id=officer.id, token_sha256="d" * 64, expires_at=now + timedelta(hours=5))])
    db.session.commit()
    return made


def counts() -> dict:
    return {model.__name__: db.session.scalar(select(func.count()).select_from(model))
            for model in (Photo, Checkin, Flag, Position, LoginAttempt, ApiToken, WebSession)}


def test_a_dry_run_says_what_would_go_and_removes_nothing(runner, old_world):
    before = counts()
    result = runner.invoke(args=["purge", "--dry-run"])

    assert result.exit_code == 0, result.output
    assert "would remove 2 photo files" in result.output and "kept 2 older ones" in result.output
    assert "would remove 1 login attempts" in result.output and "would remove 720 positions" in result.output
    assert counts() == before
    assert all(path.exists() for _, _, sha in old_world.values() for path in photo_files(sha))


def test_the_purge_removes_old_files_but_keeps_hashes_judgements_and_live_evidence(runner, old_world):
    before = counts()
    result = runner.invoke(args=["purge"])
    assert result.exit_code == 0, result.output

    gone = {name for name, (_, _, sha) in old_world.items() if not any(p.exists() for p in photo_files(sha))}
    assert gone == {"unflagged", "final"}
    after = counts()
    assert after["Photo"] == before["Photo"] and after["Checkin"] == before["Checkin"]
    assert after["Flag"] == before["Flag"]
    for name in ("unflagged", "final"):
        assert db.session.get(Photo, old_world[name][2]).purged_at is not None
    assert after["LoginAttempt"] == 1 and after["ApiToken"] == 1 and after["WebSession"] == 1


def test_positions_go_except_the_tracks_of_shifts_with_open_or_appealable_flags(runner, old_world):
    runner.invoke(args=["purge"])

    kept = {name: _positions_of(shift_id) for name, (shift_id, _, _) in old_world.items()}
    assert kept["unflagged"] == 0 and kept["final"] == 0
    assert kept["open"] == 360 and kept["appealable"] == 360


def _positions_of(shift_id: int) -> int:
    shift = db.session.get(Shift, shift_id)
    return db.session.scalar(select(func.count()).select_from(Position).where(
        Position.officer_id == shift.officer_id, Position.ts >= shift.start.timestamp(),
        Position.ts <= shift.end.timestamp()))


def test_a_purged_photo_answers_410_and_says_what_is_kept(client, auth, old_world, runner):
    runner.invoke(args=["purge"])
    checkin_id = old_world["unflagged"][1]

    response = client.get(f"/api/v1/checkins/{checkin_id}/photo", headers=auth("mgr-dl"))

    error = response.get_json()["error"]
    assert response.status_code == 410 and error["code"] == "PHOTO_PURGED"
    assert "哈希值" in error["message"]   # 简体中文 unless the client asks otherwise
    english = client.get(f"/api/v1/checkins/{checkin_id}/photo",
                         headers={**auth("mgr-dl"), "Accept-Language": "en"}).get_json()["error"]
    assert english["code"] == "PHOTO_PURGED" and "hashes" in english["message"]
    assert client.get(f"/api/v1/checkins/{checkin_id}", headers=auth("mgr-dl")).status_code == 200

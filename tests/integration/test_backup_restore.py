"""The README's backup and restore, done as written: pg_dump of the database, then a copy of the
photo store; restored into a new database and folder, the service answers with the same sign-in
and the same photo bytes. PostgreSQL only (SQLite installs are demos)."""
from __future__ import annotations

import hashlib
import io
import shutil
import subprocess

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from tests.api.test_checkins_api import make_shift, post, selfie


def libpq(url) -> str:
    """The URL as pg_dump and pg_restore take it."""
    return url.set(drivername="postgresql").render_as_string(hide_password=False)


@pytest.fixture
def restored_database(app):
    url = make_url(app.config["SQLALCHEMY_DATABASE_URI"])
    if url.get_backend_name() != "postgresql":
        pytest.skip("backup and restore are documented for PostgreSQL")
    if shutil.which("pg_dump") is None or shutil.which("pg_restore") is None:
        pytest.skip("pg_dump and pg_restore are not installed")
    target = url.set(database=f"{url.database}_restore")
    admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{target.database}"'))
        conn.execute(text(f'CREATE DATABASE "{target.database}"'))
    yield url, target
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{target.database}" WITH (FORCE)'))
    admin.dispose()


def test_a_backup_restores_to_a_service_that_serves_the_same_sign_in_and_photo(app, client, auth, world,
                                                                                restored_database, tmp_path):
    from supervise import create_app

    source, target = restored_database
    make_shift(app)
    photo = selfie(seed=31)
    checkin = post(client, auth, photo).get_json()

    dump = tmp_path / "supervise.dump"
    subprocess.run(["pg_dump", "--format=custom", "--no-owner", f"--file={dump}", libpq(source)], check=True,
                   capture_output=True, timeout=120)
    photos = tmp_path / "photos-backup"
    shutil.copytree(app.config["STORAGE_DIR"], photos)   # after the dump: every photo it names is there

    subprocess.run(["pg_restore", "--no-owner", "--exit-on-error", f"--dbname={libpq(target)}", str(dump)],
                   check=True, capture_output=True, timeout=120)
    restored = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": target.render_as_string(hide_password=False),
                           "STORAGE_DIR": str(photos), "SECRET_KEY": "another-host", "LOG_FORMAT": "",
                           "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000"})
    try:
        other = restored.test_client()
        token = other.post("/api/v1/auth/token", json={"username": "mgr-dl", "password": "test-pass-123"})
        headers = {"Authorization": "Bearer " + token.get_json()["token"]}
        again = other.get(f"/api/v1/checkins/{checkin['id']}", headers=headers).get_json()
        original = other.get(f"/api/v1/checkins/{checkin['id']}/photo?variant=original", headers=headers)
        display = other.get(f"/api/v1/checkins/{checkin['id']}/photo", headers=headers)
    finally:
        with restored.app_context():
            from supervise.extensions import db

            db.session.remove()
            db.engine.dispose()
    assert again["photo_sha256"] == checkin["photo_sha256"] and again["captured_at"] == checkin["captured_at"]
    assert hashlib.sha256(original.data).hexdigest() == checkin["photo_sha256"] == hashlib.sha256(photo).hexdigest()
    assert display.status_code == 200 and io.BytesIO(display.data).read(2) == b"\xff\xd8"

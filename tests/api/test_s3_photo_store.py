"""Photos in an S3-compatible object store (STORAGE_URL=s3://bucket/prefix): sign-ins through the
API put the original in the bucket before their commit, it is served back (and its display copy
kept there), a failed sign-in leaves no object, and the retention purge removes them. The store is
moto's S3 server, spoken to over real HTTP by boto3."""
from __future__ import annotations

from datetime import timedelta

import pytest

from supervise.extensions import db
from supervise.models import Checkin, Photo
from supervise.services import checkins, storage
from supervise.services.retention import Retention, purge
from supervise.timeutil import utcnow
from tests.api.test_checkins_api import files_in, make_shift, post, selfie

moto_server = pytest.importorskip("moto.server")
boto3 = pytest.importorskip("boto3")

BUCKET = "supervise-photos"
PREFIX = "harbin"


@pytest.fixture(scope="module")
def s3_endpoint():
    server = moto_server.ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture
def bucket(app, s3_endpoint, monkeypatch):
    """The app storing photos in a fresh bucket; the bucket's client, to look inside."""
    for name, value in (("AWS_ACCESS_KEY_ID", "test"), ("AWS_SECRET_ACCESS_KEY", "test"),
                        ("AWS_DEFAULT_REGION", "us-east-1")):
        monkeypatch.setenv(name, value)
    client = boto3.client("s3", endpoint_url=s3_endpoint, region_name="us-east-1")
    client.create_bucket(Bucket=BUCKET)
    for name, value in (("STORAGE_URL", f"s3://{BUCKET}/{PREFIX}"), ("S3_ENDPOINT_URL", s3_endpoint),
                        ("S3_REGION", "us-east-1")):
        monkeypatch.setitem(app.config, name, value)
    yield client
    for item in client.list_objects_v2(Bucket=BUCKET).get("Contents", []):
        client.delete_object(Bucket=BUCKET, Key=item["Key"])
    client.delete_bucket(Bucket=BUCKET)


def objects(client) -> dict[str, bytes]:
    listed = client.list_objects_v2(Bucket=BUCKET).get("Contents", [])
    return {item["Key"]: client.get_object(Bucket=BUCKET, Key=item["Key"])["Body"].read() for item in listed}


def key_of(sha256: str, suffix: str = ".jpg") -> str:
    return f"{PREFIX}/photos/{sha256[:2]}/{sha256[2:4]}/{sha256}{suffix}"


def test_a_sign_in_puts_its_photo_in_the_bucket_and_it_is_served_back_from_there(app, client, auth, world,
                                                                                  bucket):
    make_shift(app)
    photo = selfie(seed=31)
    local_before = files_in(app)

    response = post(client, auth, photo)

    assert response.status_code == 201, response.get_json()
    sha = response.get_json()["photo_sha256"]
    assert objects(bucket) == {key_of(sha): photo}
    assert files_in(app) == local_before
    checkin_id = response.get_json()["id"]
    original = client.get(f"/api/v1/checkins/{checkin_id}/photo?variant=original", headers=auth("mgr-dl"))
    assert original.status_code == 200 and original.data == photo
    display = client.get(f"/api/v1/checkins/{checkin_id}/photo", headers=auth("dl1"))
    assert display.status_code == 200 and display.data[:2] == b"\xff\xd8" and display.data != photo
    assert objects(bucket)[key_of(sha, ".display.jpg")] == display.data


def test_a_sign_in_whose_database_write_fails_leaves_no_object_in_the_bucket(app, client, auth, world, bucket,
                                                                              monkeypatch):
    make_shift(app)

    def database_gone(*args, **kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr(checkins, "_commit_rows", database_gone)
    response = post(client, auth, selfie(seed=32))

    assert response.status_code == 500
    assert objects(bucket) == {}
    with app.app_context():
        assert db.session.query(Checkin).count() == 0


def test_of_two_writes_of_the_same_photo_only_the_creator_may_remove_it(app, bucket):
    with app.app_context():
        store = storage.photo_store()
        first = store.keep_original("cd" * 32, "jpeg", b"the same bytes")
        first.make_durable()
        second = store.keep_original("cd" * 32, "jpeg", b"the same bytes")
        second.make_durable()
        second.discard()

    assert (first.created, second.created) == (True, False)
    assert objects(bucket) == {key_of("cd" * 32): b"the same bytes"}


def test_the_retention_purge_removes_old_photos_from_the_bucket(app, client, auth, world, bucket):
    make_shift(app)
    sha = post(client, auth, selfie(seed=33)).get_json()["photo_sha256"]
    with app.app_context():
        db.session.get(Photo, sha).stored_at = utcnow() - timedelta(days=400)
        for checkin in db.session.query(Checkin).all():
            checkin.received_at = utcnow() - timedelta(days=400)
        db.session.commit()
        report = purge(utcnow(), Retention.from_config(app.config))

    assert report.photos == 1
    assert objects(bucket) == {}


def test_readiness_checks_the_bucket_the_photos_go_to(app, client, bucket, monkeypatch):
    assert client.get("/readyz").get_json()["checks"]["storage"] == {"ok": True}

    monkeypatch.setitem(app.config, "STORAGE_URL", "s3://no-such-bucket/harbin")

    assert client.get("/readyz").get_json()["checks"]["storage"]["ok"] is False

"""A retry after a crash goes through at once: the Idempotency-Key is recorded in the same
transaction as the sign-in it names, so a request killed halfway leaves nothing behind; a retry
arriving while the first request is still running waits for it and answers the same sign-in."""
from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import threading
import time

from sqlalchemy import func, select

from supervise.extensions import db
from supervise.models import Checkin, IdempotentResponse, Photo
from tests.api.test_checkins_api import count, files_in, make_shift, post, selfie

KILLED_MID_SIGN_IN = textwrap.dedent("""
    import io, os, signal, sys
    from supervise import create_app
    from supervise.services import storage

    def die_before_the_commit(self):
        os.kill(os.getpid(), signal.SIGKILL)   # every row and the key are written, nothing committed

    storage.PendingOriginal.make_durable = die_before_the_commit
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": os.environ["DB_URL"],
                      "STORAGE_DIR": os.environ["STORAGE_DIR"], "SECRET_KEY": "test"})
    photo = open(os.environ["PHOTO"], "rb").read()
    app.test_client().post("/api/v1/checkins", headers={"Authorization": os.environ["TOKEN"],
                           "Idempotency-Key": "phone-7"}, content_type="multipart/form-data",
                           data={"photo": (io.BytesIO(photo), "selfie.jpg")})
    sys.exit("the request was not killed")
""")


def test_a_retry_after_the_server_was_killed_mid_sign_in_goes_through_at_once(app, client, auth, world, tmp_path):
    make_shift(app)
    photo = selfie(seed=21)
    (tmp_path / "selfie.jpg").write_bytes(photo)
    env = dict(os.environ, DB_URL=app.config["SQLALCHEMY_DATABASE_URI"], STORAGE_DIR=app.config["STORAGE_DIR"],
               PHOTO=str(tmp_path / "selfie.jpg"), TOKEN=auth("dl1")["Authorization"])
    killed = subprocess.run([sys.executable, "-c", KILLED_MID_SIGN_IN], env=env, capture_output=True, text=True,
                            timeout=120, check=False)
    assert killed.returncode == -9, killed.stderr[-2000:]
    assert count(app, Checkin) == 0 and count(app, IdempotentResponse) == 0

    started = time.monotonic()
    retry = post(client, auth, photo, key="phone-7")
    assert retry.status_code == 201, retry.get_json()
    assert "Idempotent-Replayed" not in retry.headers and time.monotonic() - started < 10
    assert count(app, Checkin) == 1 and count(app, IdempotentResponse) == 1
    assert post(client, auth, photo, key="phone-7").headers["Idempotent-Replayed"] == "true"


def test_retries_sent_at_the_same_moment_make_one_sign_in_and_all_get_its_answer(app, auth, world):
    make_shift(app)
    photo, token = selfie(seed=22), auth("dl1")
    start = threading.Barrier(4)
    answers: list = [None] * 4

    def send(i: int) -> None:
        client = app.test_client()
        start.wait()
        answers[i] = post(client, lambda _user: token, photo, key="phone-8")

    threads = [threading.Thread(target=send, args=(i,)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert [a.status_code for a in answers] == [201] * 4, [a.get_json() for a in answers]
    assert len({a.get_json()["id"] for a in answers}) == 1
    assert sum("Idempotent-Replayed" not in a.headers for a in answers) == 1
    assert count(app, Checkin) == 1
    with app.app_context():   # the photo the sign-in names is on the disk, whoever wrote it first
        sha = db.session.scalar(select(Photo.sha256))
    assert any(sha in path.name for path in files_in(app))


def test_a_retry_arriving_while_the_first_request_runs_waits_and_answers_the_same_sign_in(app, auth, world,
                                                                                          monkeypatch):
    from supervise.services import storage

    make_shift(app)
    photo, token = selfie(seed=23), auth("dl1")
    first_is_committing, durable = threading.Event(), storage.PendingOriginal.make_durable

    def slow_disk(self):
        if not first_is_committing.is_set():
            first_is_committing.set()
            time.sleep(1.0)
        durable(self)

    monkeypatch.setattr(storage.PendingOriginal, "make_durable", slow_disk)
    answers: dict = {}
    first = threading.Thread(target=lambda: answers.setdefault("first", post(app.test_client(), lambda _u: token,
                                                                             photo, key="phone-9")))
    first.start()
    assert first_is_committing.wait(30)
    answers["retry"] = post(app.test_client(), lambda _u: token, photo, key="phone-9")
    first.join(timeout=60)
    assert (answers["first"].status_code, answers["retry"].status_code) == (201, 201)
    assert answers["retry"].get_json() == answers["first"].get_json()
    assert answers["retry"].headers["Idempotent-Replayed"] == "true"
    assert count(app, Checkin) == 1


def test_a_reservation_left_by_the_previous_version_of_the_service_does_not_block_a_retry(app, client, auth,
                                                                                        world):
    make_shift(app)
    with app.app_context():
        from supervise.models import User

        officer = db.session.scalar(select(User.id).where(User.username == "dl1"))
        db.session.add(IdempotentResponse(user_id=officer, key="phone-10", endpoint="POST /api/v1/checkins",
                                          request_sha256="0" * 64, status=0, body={}))
        db.session.commit()
    response = post(client, auth, selfie(seed=24), key="phone-10")
    assert response.status_code == 201 and "Idempotent-Replayed" not in response.headers
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(IdempotentResponse)
                                 .where(IdempotentResponse.status == 201)) == 1

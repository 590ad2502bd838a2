"""Officers and managers hear of flags and appeals in the app, and webhook targets get them
through the outbox: written with the event, sent by the scheduler, retried, delivered once."""
from __future__ import annotations

import base64
import hashlib
import hmac
import threading
import urllib.parse
from datetime import timedelta

import pytest
from sqlalchemy import select

from supervise.extensions import db
from supervise.models import Notification, OutboxMessage
from supervise.outbound import json_signature
from supervise.timeutil import utcnow
from tests.api.test_flags_api import appeal, decide
from tests.trust.receiver import Receiver
from tests.trust.test_audit_trail import absent_flags


@pytest.fixture
def webhooks(app):
    """Set WEBHOOKS for one test and put it back afterwards."""
    saved = app.config.get("WEBHOOKS")

    def configure(*targets):
        app.config["WEBHOOKS"] = list(targets)

    yield configure
    app.config["WEBHOOKS"] = saved


def notifications_of(app, username) -> list[Notification]:
    from supervise.models import User

    with app.app_context():
        user = db.session.scalar(select(User).where(User.username == username))
        return list(db.session.scalars(select(Notification).where(Notification.user_id == user.id)
                                       .order_by(Notification.id)))


def send(app, now=None):
    from supervise.jobs import send_outbox

    with app.app_context():
        from supervise.services.outbox import send_due

        return send_due(now) if now else send_outbox(app)


def test_an_officer_is_told_of_a_new_flag_with_the_appeal_deadline(app, client, auth, world):
    absent_flags(app, client, auth)
    [note] = notifications_of(app, "dl1")
    assert note.kind == "flag_raised" and "ABSENT" in note.text_zh and "前申诉" in note.text_zh
    assert "Appeal by" in note.text_en
    assert notifications_of(app, "dl2") == []


def test_the_district_manager_gets_a_digest_of_new_flags_and_each_appeal(app, client, auth, world):
    [flag] = absent_flags(app, client, auth)
    assert [n.kind for n in notifications_of(app, "mgr-dl")] == ["flags_digest"]
    assert notifications_of(app, "mgr-ng") == []
    appeal(client, auth, "dl1", flag, "I was at the clinic")
    assert [n.kind for n in notifications_of(app, "mgr-dl")] == ["flags_digest", "appeal_filed"]
    assert "I was at the clinic" in notifications_of(app, "mgr-dl")[-1].text_zh


def test_the_officer_hears_of_the_decision(app, client, auth, world):
    [flag] = absent_flags(app, client, auth)
    decide(client, auth, "mgr-dl", flag, "dismiss", "shift was cancelled")
    assert notifications_of(app, "dl1")[-1].kind == "flag_decided"
    assert "shift was cancelled" in notifications_of(app, "dl1")[-1].text_en


def test_the_badge_counts_unread_and_reading_clears_it(app, client, auth, world):
    absent_flags(app, client, auth)
    listed = client.get("/api/v1/notifications", headers=auth("dl1")).get_json()
    assert listed["unread"] == 1 and listed["items"][0]["kind"] == "flag_raised"
    assert client.post("/api/v1/notifications/read", headers=auth("dl1"), json={}).status_code == 200
    assert client.get("/api/v1/notifications", headers=auth("dl1")).get_json()["unread"] == 0


def test_an_outbox_message_is_written_in_the_same_transaction_as_the_flag(app, client, auth, world, webhooks):
    webhooks({"name": "bureau", "kind": "json", "url": "http://127.0.0.1:9/never", "secret": "s3cret"})
    absent_flags(app, client, auth)
    with app.app_context():
        [message] = db.session.scalars(select(OutboxMessage)).all()
        assert message.event == "flags_raised" and message.status == "pending"
        assert message.payload["flags"][0]["code"] == "ABSENT"


def test_a_signed_json_webhook_is_delivered_with_a_verifiable_signature(app, client, auth, world, webhooks):
    with Receiver() as receiver:
        webhooks({"name": "bureau", "kind": "json", "url": receiver.url + "/hook", "secret": "s3cret"})
        absent_flags(app, client, auth)
        report = send(app)
    assert report.sent == 1
    [hit] = receiver.received
    signature = hit["headers"]["X-Supervise-Signature"]
    assert signature == "sha256=" + json_signature("s3cret", hit["headers"]["X-Supervise-Timestamp"], hit["body"])
    assert receiver.bodies()[0]["event"] == "flags_raised"
    assert receiver.bodies()[0]["data"]["flags"][0]["officer"] == "HRB-DL-0001"


def test_a_receiver_that_fails_twice_gets_the_message_exactly_once_after_back_off(app, client, auth, world,
                                                                                   webhooks):
    with Receiver(answers=[(500, {"error": "busy"}), (503, {"error": "down"})]) as receiver:
        webhooks({"name": "bureau", "kind": "json", "url": receiver.url, "secret": "k"})
        absent_flags(app, client, auth)
        now = utcnow()
        assert send(app, now).failed == 1
        assert send(app, now).claimed == 0                       # backing off: not due yet
        assert send(app, now + timedelta(seconds=31)).failed == 1
        assert send(app, now + timedelta(seconds=60)).claimed == 0
        assert send(app, now + timedelta(seconds=92)).sent == 1
        assert send(app, now + timedelta(hours=5)).claimed == 0   # delivered: never again
    assert len(receiver.received) == 3
    assert len({r["headers"]["X-Supervise-Delivery"] for r in receiver.received}) == 1
    with app.app_context():
        [message] = db.session.scalars(select(OutboxMessage)).all()
        assert (message.status, message.attempts) == ("sent", 3)


def test_two_senders_at_once_deliver_a_message_once(app, client, auth, world, webhooks):
    with Receiver() as receiver:
        webhooks({"name": "bureau", "kind": "json", "url": receiver.url})
        absent_flags(app, client, auth, badges=("HRB-DL-0001",))
        appeal(client, auth, "dl1", 1, "I was there, see my track")
        webhooks({"name": "bureau", "kind": "json", "url": receiver.url, "events": ["flags_raised", "appeal_filed"]})
        barrier = threading.Barrier(2)

        def sender():
            with app.app_context():
                from supervise.services.outbox import send_due

                barrier.wait()
                send_due()
                db.session.remove()

        threads = [threading.Thread(target=sender) for _ in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    ids = [r["headers"]["X-Supervise-Delivery"] for r in receiver.received]
    assert len(ids) == len(set(ids)) == 2


def test_a_wecom_robot_gets_markdown(app, client, auth, world, webhooks):
    with Receiver() as receiver:
        webhooks({"name": "wecom", "kind": "wecom", "url": receiver.url + "/cgi-bin/webhook/send?key=abc"})
        absent_flags(app, client, auth)
        assert send(app).sent == 1
    body = receiver.bodies()[0]
    assert body["msgtype"] == "markdown" and "新督察标记" in body["markdown"]["content"]
    assert "HRB-DL-0001" in body["markdown"]["content"]


def test_a_dingtalk_robot_gets_a_signed_url_and_an_errcode_refusal_is_retried(app, client, auth, world, webhooks):
    with Receiver(answers=[(200, {"errcode": 310000, "errmsg": "sign not match"})]) as receiver:
        webhooks({"name": "ding", "kind": "dingtalk", "url": receiver.url + "/robot/send?access_token=t",
                  "secret": "SECabc"})
        absent_flags(app, client, auth)
        now = utcnow()
        assert send(app, now).failed == 1
        assert send(app, now + timedelta(minutes=1)).sent == 1
    query = urllib.parse.parse_qs(urllib.parse.urlsplit(receiver.received[-1]["path"]).query)
    timestamp, sign = query["timestamp"][0], query["sign"][0]
    expected = base64.b64encode(hmac.new(b"SECabc", f"{timestamp}\nSECabc".encode(), hashlib.sha256).digest())
    assert sign == expected.decode()
    assert receiver.bodies()[-1]["markdown"]["title"].startswith("道里区")


def test_a_message_for_a_target_no_longer_configured_is_kept_as_dead(app, client, auth, world, webhooks):
    webhooks({"name": "old", "kind": "json", "url": "http://127.0.0.1:9/"})
    absent_flags(app, client, auth)
    webhooks()
    assert send(app).dead == 1
    with app.app_context():
        assert db.session.scalar(select(OutboxMessage.status)) == "dead"


def test_an_appeal_after_the_deadline_the_officer_was_told_is_refused(app, client, auth, world):
    import time_machine

    [flag] = absent_flags(app, client, auth)
    with time_machine.travel(utcnow() + timedelta(days=7, minutes=1)):
        response = appeal(client, auth, "dl1", flag, "I was at the clinic")
    assert response.status_code == 409 and response.get_json()["error"]["code"] == "APPEAL_TOO_LATE"

"""One flag, one decision: managers deciding the same flag at the same moment (real threads, real
database) never both win; the others get a 409 with the flag's state, and the history holds one
decision. The same for an appeal racing a decision, and for the review page's reason cap."""
from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from supervise.extensions import db
from supervise.models import Flag, FlagEvent, User
from supervise.services.flags import MAX_REASON
from supervise.timeutil import parse_instant
from tests.web.test_pages_flags import log_in, token_from

DECIDERS = [("mgr-dl", "confirm"), ("city", "dismiss"), ("admin", "confirm"), ("mgr-dl", "dismiss"),
            ("city", "confirm")]


def open_flags(app, count: int, badge: str = "HRB-DL-0001") -> list[int]:
    """`count` open ABSENT flags against one officer, each with its `raised` entry."""
    start = parse_instant("2026-11-23T08:00:00+08:00")
    with app.app_context():
        officer = db.session.scalar(select(User).where(User.badge_no == badge))
        flags = []
        for n in range(count):
            flag = Flag(fact_key=f"race:{n}", officer_id=officer.id, district_id=officer.district_id, code="ABSENT",
                        clause="3.2", severity="high", start=start + timedelta(days=n),
                        end=start + timedelta(days=n, minutes=30), summary_zh="未签到", summary_en="absent",
                        evidence={}, status="open")
            flag.events.append(FlagEvent(action="raised", to_status="open"))
            db.session.add(flag)
            flags.append(flag)
        db.session.commit()
        ids = [f.id for f in flags]
        db.session.remove()
    return ids


def all_at_once(app, requests: list) -> list:
    """Send each (method, path, headers, json) from a thread of its own, released together."""
    start = threading.Barrier(len(requests))
    answers: list = [None] * len(requests)

    def send(i: int) -> None:
        method, path, headers, body = requests[i]
        client = app.test_client()
        start.wait()
        response = client.open(path, method=method, headers=headers, json=body)
        answers[i] = (response.status_code, response.get_json())

    threads = [threading.Thread(target=send, args=(i,)) for i in range(len(requests))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return answers


def history(app, flag_id: int) -> tuple[str, list[str]]:
    with app.app_context():
        flag = db.session.get(Flag, flag_id)
        result = flag.status, [e.action for e in flag.events]
        db.session.remove()
    return result


def test_of_several_managers_deciding_one_flag_at_once_exactly_one_wins(app, auth, world):
    tokens = {user: auth(user) for user, _ in DECIDERS}
    for flag_id in open_flags(app, 10):
        answers = all_at_once(app, [("POST", f"/api/v1/flags/{flag_id}/decision", tokens[user],
                                     {"decision": decision, "reason": f"{user} looked at it"})
                                    for user, decision in DECIDERS])
        winners = [body for status, body in answers if status == 200]
        losers = [body for status, body in answers if status != 200]
        assert len(winners) == 1, answers
        status, actions = history(app, flag_id)
        assert winners[0]["status"] == status and actions == ["raised", status]
        for body in losers:
            assert body["error"]["code"] == "FLAG_ALREADY_DECIDED"
            assert body["error"]["details"]["status"] == status
            assert body["error"]["details"]["last_action"]["action"] == status


def test_an_appeal_and_a_decision_at_the_same_moment_never_both_land(app, auth, world):
    manager, officer = auth("mgr-dl"), auth("dl1")
    for flag_id in open_flags(app, 6):
        answers = all_at_once(app, [
            ("POST", f"/api/v1/flags/{flag_id}/decision", manager, {"decision": "confirm", "reason": "seen it"}),
            ("POST", f"/api/v1/flags/{flag_id}/appeal", officer, {"reason": "I was there, see my track"})])
        assert sorted(status for status, _ in answers) in ([200, 200], [200, 409]), answers
        status, actions = history(app, flag_id)
        if [s for s, _ in answers] == [200, 200]:   # one after the other, each on what the other left
            assert (actions, status) in ((["raised", "confirmed", "appealed"], "appealed"),
                                         (["raised", "appealed", "appeal_rejected"], "confirmed"))
        else:
            assert len(actions) == 2 and actions[1] == status


def test_the_review_page_refuses_a_reason_longer_than_the_api_takes_and_stores_nothing(app, client, world):
    [flag_id] = open_flags(app, 1)
    log_in(client, "mgr-dl")
    page = client.get(f"/flags/{flag_id}")
    response = client.post(f"/flags/{flag_id}/decision", data={
        "csrf_token": token_from(page.data), "decision": "confirm", "reason": "很长的理由" * 80_000})
    assert response.status_code == 422 and str(MAX_REASON) in response.get_data(as_text=True)
    assert history(app, flag_id) == ("open", ["raised"])


def test_a_reason_of_exactly_the_cap_is_kept_whole(app, client, auth, world):
    [flag_id] = open_flags(app, 1)
    reason = "理" * MAX_REASON
    response = client.post(f"/api/v1/flags/{flag_id}/decision", headers=auth("mgr-dl"),
                           json={"decision": "dismiss", "reason": reason})
    assert response.status_code == 200
    with app.app_context():
        assert db.session.scalar(select(func.max(func.length(FlagEvent.reason)))) == MAX_REASON


@pytest.mark.parametrize("path", ["decision", "appeal"])
def test_the_api_names_the_cap_for_a_longer_reason(app, client, auth, world, path):
    [flag_id] = open_flags(app, 1)
    user = "mgr-dl" if path == "decision" else "dl1"
    response = client.post(f"/api/v1/flags/{flag_id}/{path}", headers=auth(user),
                           json={"decision": "confirm", "reason": "x" * (MAX_REASON + 1)})
    assert response.status_code == 422 and "reason" in response.get_json()["error"]["details"]["fields"]
    assert history(app, flag_id) == ("open", ["raised"])

"""Reviewing flags through the API: who decides, who appeals, and that a decided appeal is final."""
import pytest

from tests.integration.evidence_factories import make_shift

START = "2026-11-26T08:00:00+08:00"
AN_HOUR_LATER = "2026-11-26T09:00:00+08:00"


@pytest.fixture
def absent_flag(app, client, auth, world):
    """An ABSENT flag against dl1 (HRB-DL-0001) raised through POST /api/v1/checks/run."""
    with app.app_context():
        make_shift("HRB-DL-0001", START)
    response = client.post("/api/v1/checks/run", headers=auth("admin"), json={"at": AN_HOUR_LATER})
    assert response.status_code == 200, response.get_json()
    created = response.get_json()["created"]
    assert [f["code"] for f in created] == ["ABSENT"]
    return created[0]["id"]


def decide(client, auth, user, flag_id, decision="confirm", reason="checked the roster"):
    return client.post(f"/api/v1/flags/{flag_id}/decision", headers=auth(user),
                       json={"decision": decision, "reason": reason})


def appeal(client, auth, user, flag_id, reason="my phone was broken, see the repair slip"):
    return client.post(f"/api/v1/flags/{flag_id}/appeal", headers=auth(user), json={"reason": reason})


def test_running_the_checks_twice_through_the_api_creates_nothing_new(client, auth, absent_flag):
    again = client.post("/api/v1/checks/run", headers=auth("admin"), json={"at": AN_HOUR_LATER}).get_json()
    assert again["created"] == []


@pytest.mark.parametrize("user", ["mgr-dl", "city", "dl1", "insp-dl"])
def test_only_admins_run_the_checks_by_hand(client, auth, world, user):
    response = client.post("/api/v1/checks/run", headers=auth(user), json={"at": AN_HOUR_LATER})
    assert response.status_code == 403


def test_a_flag_shows_its_clause_regulation_version_and_history(client, auth, absent_flag):
    flag = client.get(f"/api/v1/flags/{absent_flag}", headers=auth("mgr-dl")).get_json()
    assert flag["code"] == "ABSENT" and flag["status"] == "open" and flag["clause"]
    assert flag["evidence"]["regulation"]["version"] == 0
    assert flag["start_local"].endswith("+08:00")
    assert [e["action"] for e in flag["history"]] == ["raised"]


@pytest.mark.parametrize("user,status", [("mgr-dl", 200), ("city", 200), ("admin", 200), ("mgr-ng", 403),
                                         ("dl1", 403), ("dl2", 403), ("insp-dl", 403)])
def test_a_flag_is_decided_by_a_manager_of_the_officer_s_district_never_the_officer(client, auth, absent_flag,
                                                                                    user, status):
    assert decide(client, auth, user, absent_flag).status_code == status


def test_the_flagged_officer_appeals_once_and_a_decided_appeal_is_final(client, auth, absent_flag):
    assert decide(client, auth, "mgr-dl", absent_flag).get_json()["status"] == "confirmed"
    assert appeal(client, auth, "dl2", absent_flag).status_code == 403
    assert appeal(client, auth, "dl1", absent_flag).get_json()["status"] == "appealed"
    second = appeal(client, auth, "dl1", absent_flag)
    assert second.status_code == 409 and second.get_json()["error"]["code"] == "ALREADY_APPEALED"
    upheld = decide(client, auth, "mgr-dl", absent_flag, "dismiss", "repair slip checked").get_json()
    assert upheld["status"] == "dismissed"
    assert [e["action"] for e in upheld["history"]] == ["raised", "confirmed", "appealed", "appeal_upheld"]
    final = decide(client, auth, "mgr-dl", absent_flag, "confirm")
    assert final.status_code == 409 and final.get_json()["error"]["code"] == "FLAG_ALREADY_DECIDED"


def test_a_decision_needs_a_reason(client, auth, absent_flag):
    response = decide(client, auth, "mgr-dl", absent_flag, reason=" ")
    assert response.status_code == 422


def test_flag_lists_are_scoped_and_filtered(client, auth, absent_flag):
    def listed(user, query=""):
        return client.get(f"/api/v1/flags{query}", headers=auth(user)).get_json()["total"]

    assert listed("mgr-dl") == 1 and listed("mgr-ng") == 0 and listed("dl1") == 1 and listed("dl2") == 0
    assert listed("city", "?code=ABSENT&district=DL") == 1
    assert listed("city", "?status=confirmed") == 0
    assert listed("city", "?officer=HRB-DL-0001&from=2026-11-26T00:00:00%2B08:00") == 1
    assert client.get("/api/v1/flags?status=bogus", headers=auth("city")).status_code == 422


def test_compliance_statistics_count_shifts_and_confirmed_flags(client, auth, absent_flag):
    decide(client, auth, "mgr-dl", absent_flag)
    query = "?group_by=district&from=2026-11-26T00:00:00%2B08:00&to=2026-11-27T00:00:00%2B08:00"
    body = client.get(f"/api/v1/stats/compliance{query}", headers=auth("city")).get_json()
    row = next(r for r in body["items"] if r["key"] == "DL")
    assert row["shifts"] == 1 and row["flags"]["confirmed"] == 1 and row["compliance_rate"] == 0.0
    assert row["by_code"] == {"ABSENT": 1}
    assert client.get(f"/api/v1/stats/compliance{query}", headers=auth("dl1")).status_code == 403


def test_the_systems_reason_in_a_flags_history_follows_the_readers_language(app, client, auth, absent_flag):
    from supervise.extensions import db
    from supervise.models import FlagEvent

    url = f"/api/v1/flags/{absent_flag}"
    chinese = client.get(url, headers=auth("mgr-dl")).get_json()
    english = client.get(url, headers={**auth("mgr-dl"), "Accept-Language": "en"}).get_json()

    zh_reason, en_reason = chinese["history"][0]["reason"], english["history"][0]["reason"]
    assert chinese["summary_zh"] in zh_reason and "规定第 0 版" in zh_reason
    assert english["summary_en"] in en_reason and "regulation v0" in en_reason
    with app.app_context():   # kept language-neutral: the catalog text and its values, English beside
        event = db.session.scalars(db.select(FlagEvent).where(FlagEvent.flag_id == absent_flag)).one()
        assert event.data["message"]["text"] == "%(summary)s (regulation v%(version)s, clause %(clause)s)"
        assert event.reason == en_reason

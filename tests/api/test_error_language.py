"""An API refusal keeps its code in every language; its message is 简体中文 unless the client's
Accept-Language asks for English, values and nested reasons included."""
from __future__ import annotations

from tests.api.test_tracks_api import post_file

ENGLISH = {"Accept-Language": "en-GB,en;q=0.8"}


def test_a_refused_track_file_says_why_in_the_clients_language(client, auth, world):
    chinese = post_file(client, auth("dl1"), b"").get_json()["error"]
    english = post_file(client, {**auth("dl1"), **ENGLISH}, b"").get_json()["error"]

    assert chinese["code"] == english["code"]
    assert chinese["message"] == "文件为空；未保存任何内容。"
    assert english["message"] == "The file is empty; nothing was stored."


def test_a_message_with_values_keeps_them_in_both_languages(client, auth, world):
    too_long = {"decision": "confirm", "reason": "x" * 5000}
    chinese = client.post("/api/v1/flags/1/decision", headers=auth("mgr-dl"), json=too_long).get_json()["error"]
    english = client.post("/api/v1/flags/1/decision", headers={**auth("mgr-dl"), **ENGLISH},
                          json=too_long).get_json()["error"]

    assert chinese["code"] == english["code"]
    assert "5000" in chinese["message"] or chinese["details"]
    assert not any("\u4e00" <= ch <= "\u9fff" for ch in english["message"])


def test_an_unknown_address_answers_in_the_clients_language(client, world):
    assert client.get("/api/v1/no-such-thing").get_json()["error"]["message"] == "此地址下没有内容。"
    assert client.get("/api/v1/no-such-thing", headers=ENGLISH).get_json()["error"]["message"] == (
        "There is nothing at this address.")

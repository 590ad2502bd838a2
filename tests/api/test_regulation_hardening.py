"""A published regulation can never stop sign-ins or checks: every parameter lies in a sane range
(and the service works at both ends of each), a stored version that no longer validates is passed
over, a rule that raises is logged and skipped, and two publishes at once get a number each."""
from __future__ import annotations

import threading

import pytest
import yaml
from sqlalchemy import select

from supervise.extensions import db
from supervise.models import Checkin, Flag, RegulationVersion, text_limit
from supervise.regulation import default_regulation_text
from supervise.regulation.schema import bounds_of
from supervise.regulation.spec import RULE_SPECS
from supervise.timeutil import parse_instant, utcnow
from tests.api.test_checkins_api import make_shift as make_current_shift
from tests.api.test_checkins_api import post as post_checkin
from tests.api.test_checkins_api import selfie
from tests.integration.evidence_factories import make_shift, sign_in, walk

YAML = {"Content-Type": "application/yaml"}


def every_parameter_at(end: str) -> str:
    """The shipped default with every numeric parameter at the low or high end of its range."""
    doc = yaml.safe_load(default_regulation_text())
    for code, spec in RULE_SPECS.items():
        for name in spec.params:
            bounds = bounds_of(code, name)
            doc["rules"].setdefault(code, {}).setdefault("params", {})[name] = getattr(bounds, end)
    return yaml.safe_dump(doc, allow_unicode=True)


def publish(client, auth, text: str):
    return client.put("/api/v1/regulation", headers={**auth("admin"), **YAML}, data=text.encode())


@pytest.mark.parametrize("end", ["low", "high"])
def test_with_every_parameter_at_either_end_of_its_range_sign_ins_and_checks_still_work(app, client, auth, world,
                                                                                       end):
    assert publish(client, auth, every_parameter_at(end)).status_code == 201
    with app.app_context():
        past = make_shift("HRB-DL-0002", "2026-11-26T08:00:00+08:00")
        sign_in(past, parse_instant("2026-11-26T08:20:00+08:00"))
        walk("HRB-DL-0002", parse_instant("2026-11-26T08:20:00+08:00"), 90)
        walk("HRB-DL-0002", parse_instant("2026-11-26T10:30:00+08:00"), 60, still=True, seed=2)
    current = make_current_shift(app)   # named: at the low end the sign-in window is a single instant
    signed = post_checkin(client, auth, selfie(), shift_id=current)
    assert signed.status_code == 201, signed.get_json()
    for at in ("2026-11-26T12:00:00+08:00", "2026-11-26T17:00:00+08:00"):
        run = client.post("/api/v1/checks/run", headers=auth("admin"), json={"at": at})
        assert run.status_code == 200, run.get_json()
        assert run.get_json()["errors"] == 0


def test_a_stored_version_outside_todays_ranges_is_passed_over_and_sign_ins_go_on(app, client, auth, world):
    assert publish(client, auth, default_regulation_text().replace("grace_min: 5", "grace_min: 7")).status_code == 201
    with app.app_context():   # as a version published before the ranges existed
        db.session.add(RegulationVersion(number=2, label="old", text=default_regulation_text().replace(
            "grace_min: 5", "grace_min: 10000000000"), created_by_id=None))
        db.session.commit()
    make_current_shift(app)
    assert post_checkin(client, auth, selfie()).status_code == 201
    in_force = client.get("/api/v1/regulation", headers=auth("mgr-dl")).get_json()
    assert in_force["number"] == 1 and in_force["rules"]["LATE"]["params"]["grace_min"] == 7


def test_a_rule_that_raises_does_not_fail_the_sign_in_and_the_checks_raise_it_later(app, client, auth, world,
                                                                                   monkeypatch):
    from supervise.regulation.rules import RULES

    working = RULES["LATE"]

    def broken(facts, config):
        raise OverflowError("a bug in a rule")

    monkeypatch.setitem(RULES, "LATE", broken)
    shift_id = make_current_shift(app, starts_in_min=-20)   # began 20 minutes ago: this sign-in is late
    response = post_checkin(client, auth, selfie())
    assert response.status_code == 201 and response.get_json()["timeliness"] == "late"
    assert "LATE" not in response.get_json()["flags"]
    monkeypatch.setitem(RULES, "LATE", working)
    run = client.post("/api/v1/checks/run", headers=auth("admin"), json={"at": utcnow().isoformat()})
    assert run.status_code == 200
    with app.app_context():
        assert db.session.scalar(select(Checkin.id).where(Checkin.shift_id == shift_id)) is not None
        assert db.session.scalars(select(Flag.code).where(Flag.shift_id == shift_id)).all() == ["LATE"]


def test_a_version_label_longer_than_its_column_is_named_with_its_line(client, auth, world):
    long_label = "标" * (text_limit(RegulationVersion.label) + 1)
    text = default_regulation_text().replace('version_label: "2026 默认 / 2026 default"',
                                             f'version_label: "{long_label}"')
    response = publish(client, auth, text)
    assert response.status_code == 422
    [error] = response.get_json()["error"]["details"]["errors"]
    assert error["path"] == "version_label" and error["line"] == 10
    assert client.get("/api/v1/regulation/versions", headers=auth("admin")).get_json()["total"] == 0


def test_concurrent_publishes_each_get_the_next_number_and_none_fails(app, auth, world):
    token = auth("admin")
    texts = [default_regulation_text().replace("grace_min: 5", f"grace_min: {n}") for n in range(1, 7)]
    start = threading.Barrier(len(texts))
    answers: list = [None] * len(texts)

    def publish_one(i: int) -> None:
        client = app.test_client()
        start.wait()
        response = client.put("/api/v1/regulation", headers={**token, **YAML}, data=texts[i].encode())
        answers[i] = (response.status_code, response.get_json())

    threads = [threading.Thread(target=publish_one, args=(i,)) for i in range(len(texts))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert [status for status, _ in answers] == [201] * len(texts), answers
    assert sorted(body["number"] for _, body in answers) == list(range(1, len(texts) + 1))
    with app.app_context():
        stored = db.session.scalars(select(RegulationVersion.text).order_by(RegulationVersion.number)).all()
    assert sorted(stored) == sorted(texts)


def test_a_publish_that_keeps_losing_the_race_is_a_clear_409_and_stores_nothing(app, client, auth, world,
                                                                               monkeypatch):
    from sqlalchemy.exc import IntegrityError

    from supervise.services import regulation

    def always_taken():
        raise IntegrityError("INSERT", {}, Exception("duplicate key value violates unique constraint"))

    headers = {**auth("admin"), **YAML}
    monkeypatch.setattr(regulation.db.session, "commit", always_taken)
    response = client.put("/api/v1/regulation", headers=headers, data=default_regulation_text().encode())
    monkeypatch.undo()
    assert response.status_code == 409
    assert response.get_json()["error"]["code"] == "REGULATION_PUBLISH_CONFLICT"
    assert client.get("/api/v1/regulation/versions", headers=auth("admin")).get_json()["total"] == 0


def test_a_document_that_is_not_utf8_is_refused_not_stored_with_replacement_characters(client, auth, world):
    response = client.put("/api/v1/regulation", headers={**auth("admin"), **YAML},
                          data=default_regulation_text().encode() + b"\n# \xff\xfe\n")
    assert response.status_code == 422 and response.get_json()["error"]["code"] == "REGULATION_INVALID"
    assert client.get("/api/v1/regulation/versions", headers=auth("admin")).get_json()["total"] == 0

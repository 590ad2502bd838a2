"""The audit trail: every decision, appeal, withdrawal, publish and draw is a hash-chained record,
and an edit made behind the service's back is found and named."""
from __future__ import annotations

import threading

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import SQLAlchemyError

from supervise.errors import DomainError
from supervise.extensions import db
from supervise.models import AuditRecord
from tests.api.test_flags_api import AN_HOUR_LATER, appeal, decide
from tests.integration.evidence_factories import make_shift

START = "2026-11-26T08:00:00+08:00"


def absent_flags(app, client, auth, badges=("HRB-DL-0001",)) -> list[int]:
    with app.app_context():
        for badge in badges:
            make_shift(badge, START)
    response = client.post("/api/v1/checks/run", headers=auth("admin"), json={"at": AN_HOUR_LATER})
    return [f["id"] for f in response.get_json()["created"]]


def kinds(app) -> list[str]:
    with app.app_context():
        return list(db.session.scalars(select(AuditRecord.kind).order_by(AuditRecord.seq)))


def verify(runner):
    return runner.invoke(args=["audit", "verify"])


def test_a_raise_a_decision_and_an_appeal_are_each_recorded_in_order(app, client, auth, world, runner):
    [flag] = absent_flags(app, client, auth)
    decide(client, auth, "mgr-dl", flag, "confirm", "no sign-in on the roster")
    appeal(client, auth, "dl1", flag, "I was at the clinic, note attached")
    decide(client, auth, "mgr-dl", flag, "dismiss", "the clinic note holds")
    assert kinds(app) == ["flag.raised", "flag.confirmed", "flag.appealed", "flag.appeal_upheld"]
    result = verify(runner)
    assert result.exit_code == 0 and "4 records" in result.output


def test_editing_a_past_decision_s_reason_in_the_database_is_named_by_verify(app, client, auth, world, runner):
    [flag] = absent_flags(app, client, auth)
    decide(client, auth, "mgr-dl", flag, "confirm", "no sign-in on the roster")
    appeal(client, auth, "dl1", flag, "I was at the clinic")
    with app.app_context(), db.engine.begin() as conn:
        conn.execute(text("UPDATE flag_event SET reason = 'looked fine to me' WHERE action = 'confirmed'"))
    result = verify(runner)
    assert result.exit_code == 1
    assert "BROKEN at record #2" in result.output and "edited" in result.output


def test_editing_a_past_audit_record_breaks_the_chain_at_that_record(app, client, auth, world, runner):
    [flag] = absent_flags(app, client, auth)
    decide(client, auth, "mgr-dl", flag, "confirm", "no sign-in on the roster")
    appeal(client, auth, "dl1", flag, "I was at the clinic")
    with app.app_context(), db.engine.begin() as conn:
        conn.execute(text("UPDATE audit_record SET payload = replace(payload, 'roster', 'rota') WHERE seq = 2"))
    result = verify(runner)
    assert result.exit_code == 1 and "BROKEN at record #2" in result.output


def test_deleting_a_record_is_named_as_a_missing_link(app, client, auth, world, runner):
    [flag] = absent_flags(app, client, auth)
    decide(client, auth, "mgr-dl", flag, "confirm", "no sign-in on the roster")
    appeal(client, auth, "dl1", flag, "I was at the clinic")
    with app.app_context(), db.engine.begin() as conn:
        conn.execute(text("DELETE FROM audit_record WHERE seq = 2"))
    result = verify(runner)
    assert result.exit_code == 1 and "record 2 is missing" in result.output


def test_an_automatic_withdrawal_is_recorded(app, client, auth, world):
    from supervise.services import checks
    from supervise.timeutil import parse_instant

    [flag] = absent_flags(app, client, auth)
    with app.app_context():
        from supervise.models import Flag
        from supervise.services.checks import RunReport

        row = db.session.get(Flag, flag)
        checks._cause_gone(row, RunReport(None, parse_instant(AN_HOUR_LATER)), "a sign-in arrived late")
        db.session.commit()
    assert kinds(app)[-1] == "flag.withdrawn"


def test_publishing_the_regulation_is_recorded(app, client, auth, world):
    from supervise.regulation import default_regulation_text

    response = client.put("/api/v1/regulation", headers={**auth("admin"), "Content-Type": "application/yaml"},
                          data=default_regulation_text().encode("utf-8"))
    assert response.status_code in (200, 201), response.get_json()
    assert kinds(app) == ["regulation.published"]


def test_the_head_is_printed_for_keeping_elsewhere(app, client, auth, world, runner):
    absent_flags(app, client, auth)
    from supervise.jobs import log_audit_head

    seq, digest = log_audit_head(app)
    assert seq == 1 and len(digest) == 64
    assert runner.invoke(args=["audit", "head"]).output.strip() == f"audit head #1 {digest}"


def test_concurrent_decisions_append_one_unbroken_chain(app, client, auth, world, runner):
    flags = absent_flags(app, client, auth, badges=("HRB-DL-0001", "HRB-DL-0002"))
    assert len(flags) == 2
    headers = auth("mgr-dl")
    errors = []

    def decide_in_a_thread(flag_id):
        with app.test_client() as own:
            response = own.post(f"/api/v1/flags/{flag_id}/decision", headers=headers,
                                json={"decision": "confirm", "reason": "seen on the roster"})
            if response.status_code != 200:
                errors.append(response.get_json())

    threads = [threading.Thread(target=decide_in_a_thread, args=(f,)) for f in flags]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert kinds(app).count("flag.confirmed") == 2
    assert verify(runner).exit_code == 0


@pytest.mark.parametrize("count", [6])
def test_many_concurrent_appenders_never_fork_the_chain(app, world, runner, count):
    """Writers that each commit a regulation version at the same moment still make one chain."""
    from supervise.cli import SYSTEM
    from supervise.regulation import default_regulation_text
    from supervise.services.regulation import publish_regulation

    barrier = threading.Barrier(count)
    failures = []

    def publish(n):
        with app.app_context():
            barrier.wait()
            try:
                publish_regulation(SYSTEM, default_regulation_text(), note=f"writer {n}")
            except (DomainError, SQLAlchemyError) as exc:   # a writer may lose the version number: fine
                failures.append(type(exc).__name__)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=publish, args=(n,)) for n in range(count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(kinds(app)) == count - len(failures) >= 1
    assert verify(runner).exit_code == 0


def test_the_scheduler_sends_the_outbox_checks_findings_and_prints_the_head_daily(app):
    from apscheduler.schedulers.background import BackgroundScheduler

    from supervise.jobs import TIMEZONE, schedule_trust_jobs

    scheduler = BackgroundScheduler(timezone=TIMEZONE)
    schedule_trust_jobs(scheduler, app)
    jobs = {job.id: job for job in scheduler.get_jobs()}
    assert set(jobs) == {"outbox", "findings-vs-tracks", "audit-head"}
    assert str(jobs["audit-head"].trigger).startswith("cron[hour='0', minute='5'")

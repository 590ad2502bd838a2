"""Positions by day on PostgreSQL: partitions made ahead by the scheduler, an insert always finding
its place, retention dropping whole old days, and the analysis's reads answered from the index."""
from __future__ import annotations

import os
from datetime import UTC, datetime, time, timedelta

import pytest
from sqlalchemy import distinct, select, text

from supervise.extensions import db
from supervise.jobs import partitions_job
from supervise.models import Position
from supervise.services import partitions
from supervise.services.locks import SchedulerLock
from supervise.services.tracks import positions_query
from supervise.timeutil import utcnow
from tests.integration.evidence_factories import walk
from tests.integration.test_retention import _positions_of, old_world  # noqa: F401 - a fixture

URL = os.environ.get("SUPERVISE_TEST_DATABASE_URL", "")
pytestmark = [pytest.mark.postgres,
              pytest.mark.skipif(not URL.startswith("postgresql"), reason="partitions are PostgreSQL's")]


def early_today() -> datetime:
    """00:30 UTC today: ten minutes of walking from here stay inside today's partition."""
    return datetime.combine(partitions.today_utc(), time(0, 30), UTC)


def partition_days() -> set:
    with db.engine.connect() as connection:
        return {p.day for p in partitions.day_partitions(connection)}


def where_rows_are(officer_id: int) -> dict[str, int]:
    rows = db.session.execute(text("SELECT tableoid::regclass::text, count(*) FROM position "
                                   "WHERE officer_id = :o GROUP BY 1"), {"o": officer_id}).all()
    return dict(rows)


def officer_of(badge: str) -> int:
    return db.session.execute(text("SELECT id FROM user_account WHERE badge_no = :b"), {"b": badge}).scalar()


def test_the_scheduler_job_makes_the_partitions_of_the_days_ahead(app, ctx):
    app.config["POSITION_PARTITION_DAYS_AHEAD"] = 12
    try:
        created = partitions_job(app, SchedulerLock(db.engine, lease=timedelta(seconds=30), name="partitions-test"))
    finally:
        app.config["POSITION_PARTITION_DAYS_AHEAD"] = 7
    today = partitions.today_utc()

    assert {today + timedelta(days=n) for n in range(13)} <= partition_days()
    assert today + timedelta(days=12) in created
    assert partitions_job(app, SchedulerLock(db.engine, lease=timedelta(seconds=30), name="partitions-test")) == []


def test_a_position_lands_in_its_days_partition_and_a_day_without_one_in_the_default(app, ctx, world):
    walk("HRB-DL-0001", early_today(), 10)
    walk("HRB-DL-0001", early_today() - timedelta(days=2000), 10)

    assert where_rows_are(officer_of("HRB-DL-0001")) == {
        partitions.partition_name(partitions.today_utc()): 60, "position_default": 60}


def test_making_a_day_moves_its_rows_out_of_the_default_partition(app, ctx, world):
    long_ago = early_today() - timedelta(days=900)
    walk("HRB-DL-0001", long_ago, 10)
    day = partitions.day_of(long_ago.timestamp())

    with db.engine.connect() as connection:
        assert partitions.ensure_days(connection, [day]) == [day]

    assert where_rows_are(officer_of("HRB-DL-0001")) == {partitions.partition_name(day): 60}


def _old_day(old_world) -> str:  # noqa: F811 - the fixture's name
    """The partition of the day of the old world's sign-ins (200 days ago), made and filled again."""
    start = utcnow() - timedelta(days=200)
    with db.engine.connect() as connection:
        partitions.ensure_days(connection, [partitions.day_of(start.timestamp()),
                                            partitions.day_of(start.timestamp() + 3600)])
    return partitions.partition_name(partitions.day_of(start.timestamp()))


def test_a_purge_dry_run_names_the_day_partitions_it_would_drop(runner, old_world):  # noqa: F811
    name = _old_day(old_world)

    result = runner.invoke(args=["purge", "--dry-run"])

    assert result.exit_code == 0, result.output
    assert "would remove 720 positions" in result.output
    assert "whole day partitions" in result.output and name in result.output
    assert partitions.day_of(utcnow().timestamp() - 200 * 86400) in partition_days()


def test_retention_drops_old_day_partitions_keeps_live_tracks_and_newer_days(runner, old_world):  # noqa: F811
    name = _old_day(old_world)
    walk("HRB-DL-0001", early_today(), 10)
    with db.engine.connect() as connection:
        before = len(partitions.day_partitions(connection))

    result = runner.invoke(args=["purge"])

    assert result.exit_code == 0, result.output
    remaining = {p.name for p in partitions.day_partitions(db.engine.connect())}
    assert name not in remaining and len(remaining) < before
    assert partitions.partition_name(partitions.today_utc()) in remaining
    kept = {label: _positions_of(shift_id) for label, (shift_id, _, _) in old_world.items()}
    assert kept == {"unflagged": 0, "final": 0, "open": 360, "appealable": 360}
    assert where_rows_are(officer_of("HRB-DL-0001")) == {partitions.partition_name(partitions.today_utc()): 60}


def _plan(sql: str) -> str:
    with db.engine.connect() as connection:
        connection.execute(text("SET enable_seqscan = off"))
        connection.execute(text("SET enable_bitmapscan = off"))
        return "\n".join(connection.execute(text("EXPLAIN " + sql)).scalars())


def _vacuum() -> None:
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(text("VACUUM ANALYZE position"))


def test_the_analysis_reads_a_shift_and_the_new_arrivals_from_the_indexes_alone(app, ctx, world):
    now = utcnow()
    walk("HRB-DL-0001", now - timedelta(hours=2), 60)
    _vacuum()
    officer = officer_of("HRB-DL-0001")
    shift_read = positions_query([officer], now.timestamp() - 7200, now.timestamp())
    arrivals = select(distinct(Position.officer_id)).where(Position.received_ts > now.timestamp() - 3600,
                                                           Position.received_ts <= now.timestamp())

    for query in (shift_read, arrivals):
        plan = _plan(str(query.compile(db.engine, compile_kwargs={"literal_binds": True})))
        assert "Index Only Scan" in plan, plan
        assert "Seq Scan" not in plan and "Heap" not in plan and " Index Scan" not in plan, plan


def test_the_migration_keeps_every_position_and_puts_each_in_its_day(app, ctx, world):
    from flask_migrate import downgrade, upgrade

    walk("HRB-DL-0001", early_today(), 10)
    db.session.remove()
    downgrade(revision="0011_user_language")   # the one before the partitions
    walk("HRB-DL-0002", early_today() - timedelta(days=3), 10)     # written to the plain table
    walk("HRB-DL-0002", early_today() - timedelta(days=5000), 10)  # long before any partition
    db.session.remove()
    upgrade()

    assert where_rows_are(officer_of("HRB-DL-0001")) == {partitions.partition_name(partitions.today_utc()): 60}
    assert where_rows_are(officer_of("HRB-DL-0002")) == {
        partitions.partition_name(partitions.today_utc() - timedelta(days=3)): 60, "position_default": 60}

"""Live positions are committed in groups: reports that arrive together share one INSERT and one
commit, yet each phone is answered only once its own row is stored, a position sent twice at once
is stored once, and one bad row fails only its own report."""
from __future__ import annotations

import threading
import time

import pytest
from sqlalchemy import func, select, text

from supervise.extensions import db
from supervise.models import Position
from supervise.services import live_positions
from tests.conftest import DL_GRID_CENTRE

LON0, LAT0 = DL_GRID_CENTRE


@pytest.fixture
def phones(app, world):
    """Identifiers of the two DL officers' phones."""
    from supervise.cli import SYSTEM
    from supervise.services import reference

    with app.app_context():
        return [reference.register_device(SYSTEM, f"HRB-DL-000{n}").identifier for n in (1, 2)]


class TableHeld:
    """Another transaction holding the position table, so that reports queue up behind it."""

    def __init__(self, app):
        self.app = app

    def __enter__(self):
        with self.app.app_context():
            self.connection = db.engine.raw_connection()
        cursor = self.connection.cursor()
        if self.connection.dbapi_connection.__class__.__module__.startswith("sqlite3"):
            cursor.execute("BEGIN IMMEDIATE")   # the write lock: inserts wait (busy timeout)
        else:
            cursor.execute("LOCK TABLE position IN SHARE MODE")   # inserts wait
        return self

    def __exit__(self, *exc):
        self.connection.rollback()
        self.connection.close()


def commits_counted(app) -> float:
    """supervise_position_commit_rows_count as /metrics shows it."""
    text_ = app.test_client().get("/metrics").get_data(as_text=True)
    [line] = [line for line in text_.splitlines() if line.startswith("supervise_position_commit_rows_count ")]
    return float(line.split()[1])


def stored_count(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Position))


def send_together(app, urls: list[str]) -> tuple[list, list[threading.Thread]]:
    """Start one thread per report; each appends (status, body, rows stored when it was answered)."""
    answers: list = []

    def send(url: str) -> None:
        response = app.test_client().get(url)
        answers.append((response.status_code, response.get_json(), stored_count(app)))

    threads = [threading.Thread(target=send, args=(url,)) for url in urls]
    for thread in threads:
        thread.start()
    return answers, threads


def report_url(phone: str, at: float, n: int = 0) -> str:
    return f"/osmand?id={phone}&lat={LAT0 + n * 1e-5:.6f}&lon={LON0}&timestamp={at:.3f}&accuracy=8"


def test_reports_arriving_together_are_committed_together_and_each_answered_after_its_commit(app, phones):
    writer = live_positions.writer_for(app_engine(app))
    groups_before, rows_before = writer.groups_written, writer.rows_written
    commits_before = commits_counted(app)
    now = time.time()
    urls = [report_url(phones[n % 2], now - 60 + n, n) for n in range(20)]
    with TableHeld(app):
        answers, threads = send_together(app, urls)
        time.sleep(1.0)
        assert answers == [], "no phone is answered before its position is committed"
    for thread in threads:
        thread.join(30)
    assert len(answers) == 20
    assert all(status == 200 and body == {"stored": True, "reason": None} for status, body, _ in answers)
    assert all(stored_then >= 1 for _, _, stored_then in answers), "each answer came after a commit"
    assert stored_count(app) == 20
    assert writer.rows_written - rows_before == 20
    assert writer.groups_written - groups_before < 20, "the reports that waited together shared commits"
    assert commits_counted(app) - commits_before == writer.groups_written - groups_before, \
        "operators see every commit of positions and how many rows it held"


def test_the_same_position_sent_twice_at_once_is_stored_once_and_the_second_is_told_so(app, phones):
    url = report_url(phones[0], time.time() - 30)
    with TableHeld(app):
        answers, threads = send_together(app, [url, url])
        time.sleep(0.5)
    for thread in threads:
        thread.join(30)
    bodies = sorted((body["stored"], body["reason"]) for _, body, _ in answers)
    assert bodies == [(False, "duplicate"), (True, None)]
    assert stored_count(app) == 1


def test_one_bad_row_in_a_group_fails_only_its_own_report(app, phones):
    writer = live_positions.writer_for(app_engine(app))
    with app.app_context():
        from supervise.models import Device

        officer = db.session.scalar(select(Device.officer_id).where(Device.identifier == phones[0]))
    now = time.time()

    def row(officer_id: int, at: float) -> tuple:
        return (officer_id, at, LAT0, LON0, 8.0, None, False, 2, now)

    results: dict[str, object] = {}

    def insert(name: str, values: tuple) -> None:
        try:
            results[name] = writer.insert(values)
        except Exception as error:  # noqa: BLE001 - the driver's own error class is what the test reads
            results[name] = error

    with TableHeld(app):
        threads = [threading.Thread(target=insert, args=(name, values)) for name, values in
                   (("good 1", row(officer, now - 50)), ("nobody's", row(999_999, now - 40)),
                    ("good 2", row(officer, now - 30)))]
        for thread in threads:
            thread.start()
        time.sleep(0.5)
    for thread in threads:
        thread.join(30)
    assert results["good 1"] is True and results["good 2"] is True
    refused = results["nobody's"]
    assert type(refused).__name__ in ("IntegrityError", "ForeignKeyViolation"), "refused on its own: " + repr(refused)
    assert stored_count(app) == 2


def test_an_idle_writer_ends_and_the_next_report_starts_it_again(app, phones, monkeypatch):
    monkeypatch.setattr(live_positions, "IDLE_EXIT_S", 0.2)
    engine = app_engine(app)
    client = app.test_client()
    assert client.get(report_url(phones[0], time.time() - 20)).get_json()["stored"]
    writer = live_positions.writer_for(engine)
    deadline = time.monotonic() + 5
    while writer._thread is not None and time.monotonic() < deadline:
        time.sleep(0.05)
    assert writer._thread is None, "an idle writer ends"
    assert client.get(report_url(phones[0], time.time() - 10)).get_json()["stored"]
    assert stored_count(app) == 2


def app_engine(app):
    with app.app_context():
        return db.engine


def test_the_insert_statement_names_every_column_once_per_row():
    sql = live_positions._insert_sql("postgresql", 3)
    assert sql.count("%s") == 3 * len(live_positions.COLUMNS)
    assert "ON CONFLICT (officer_id, ts) DO NOTHING RETURNING officer_id, ts" in sql
    assert text(live_positions._insert_sql("sqlite", 1)).text.count("?") == len(live_positions.COLUMNS)


def test_a_writer_whose_connection_broke_takes_a_new_one_and_stores_the_report(app, phones):
    client = app.test_client()
    assert client.get(report_url(phones[0], time.time() - 20)).get_json()["stored"]
    writer = live_positions.writer_for(app_engine(app))
    writer._connection.dbapi_connection.close()   # the database went away under the writer
    answer = client.get(report_url(phones[0], time.time() - 10))
    assert answer.status_code == 200 and answer.get_json()["stored"]
    assert stored_count(app) == 2

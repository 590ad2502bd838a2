"""Exports a bureau opens: CSV with a BOM and no live formulas, .xlsx that openpyxl reads back,
the same filters as the lists, and a shift's track as GPX and CSV."""
from __future__ import annotations

import csv
import io
from datetime import timedelta

import gpxpy
import pytest
from openpyxl import load_workbook
from sqlalchemy import update

from supervise.extensions import db
from supervise.models import User
from tests.api.test_flags_api import AN_HOUR_LATER, START, decide
from tests.integration.evidence_factories import make_shift

HOSTILE = ["=HYPERLINK(\"http://x\")", "+SUM(1,2)", "-2+3", "@cmd", "\tTAB", "\rCR"]


@pytest.fixture
def flags_with_hostile_text(app, client, auth, world):
    """Two ABSENT flags in 道里; the officers' names and a decision reason look like formulas."""
    with app.app_context():
        for badge in ("HRB-DL-0001", "HRB-DL-0002"):
            make_shift(badge, START)
        db.session.execute(update(User).where(User.username == "dl1").values(name=HOSTILE[0]))
        db.session.execute(update(User).where(User.username == "dl2").values(name=HOSTILE[1]))
        db.session.commit()
    created = client.post("/api/v1/checks/run", headers=auth("admin"), json={"at": AN_HOUR_LATER}).get_json()
    ids = [f["id"] for f in created["created"]]
    decide(client, auth, "mgr-dl", ids[0], "confirm", "=cmd|' /C calc'!A0 and then some")
    return ids


def read_csv(response) -> list[list[str]]:
    data = response.data
    assert data.startswith(b"\xef\xbb\xbf"), "Excel on Chinese Windows needs the BOM to read UTF-8"
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))


def test_flags_csv_has_a_bom_chinese_headers_and_every_formula_cell_escaped(client, auth, flags_with_hostile_text):
    response = client.get("/api/v1/flags/export?format=csv", headers=auth("mgr-dl"))
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    rows = read_csv(response)
    assert rows[0][0] == "编号 id" and len(rows) == 3
    cells = [cell for row in rows for cell in row]
    assert not [c for c in cells if c[:1] in ("=", "+", "-", "@", "\t", "\r")]
    assert "'=HYPERLINK(\"http://x\")" in cells and "'+SUM(1,2)" in cells
    assert "'=cmd|' /C calc'!A0 and then some" in cells


def test_the_csv_escaping_covers_every_dangerous_start():
    from supervise.reports.tables import csv_bytes

    data = csv_bytes(["h"], [[v] for v in HOSTILE] + [[-5], [2.5]])
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))
    assert [r[0] for r in rows[1:7]] == ["'" + v for v in HOSTILE]
    assert [r[0] for r in rows[7:]] == ["-5", "2.5"]        # numbers stay numbers


def test_flags_xlsx_reads_back_with_openpyxl_and_holds_text_not_formulas(client, auth, flags_with_hostile_text):
    response = client.get("/api/v1/flags/export?format=xlsx", headers=auth("mgr-dl"))
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.data)).active
    rows = [[c.value for c in row] for row in sheet.iter_rows()]
    assert rows[0][:2] == ["编号 id", "代码 code"] and len(rows) == 3
    names = {row[7] for row in rows[1:]}
    assert names == {HOSTILE[0], HOSTILE[1]}
    assert all(c.data_type != "f" for row in sheet.iter_rows() for c in row)


def test_the_export_takes_the_list_s_filters_and_scope(client, auth, flags_with_hostile_text):
    confirmed = read_csv(client.get("/api/v1/flags/export?format=csv&status=confirmed", headers=auth("mgr-dl")))
    assert len(confirmed) == 2 and confirmed[1][2] == "confirmed"
    other_district = read_csv(client.get("/api/v1/flags/export?format=csv", headers=auth("mgr-ng")))
    assert len(other_district) == 1                          # headers only: nothing of 道里
    assert client.get("/api/v1/flags/export?format=csv", headers=auth("dl1")).status_code == 403
    assert client.get("/api/v1/flags/export?format=pdf", headers=auth("mgr-dl")).status_code == 422


def test_the_flag_page_export_gives_the_same_rows_as_the_api(app, client, auth, flags_with_hostile_text):
    from tests.web.test_pages_flags import log_in

    log_in(client, "mgr-dl")
    page = read_csv(client.get("/flags/export?format=csv&status=all"))
    api = read_csv(client.get("/api/v1/flags/export?format=csv", headers=auth("mgr-dl")))
    assert page == api


def test_compliance_statistics_export_shows_pending_beside_the_rate(client, auth, flags_with_hostile_text):
    response = client.get("/api/v1/stats/compliance/export?format=xlsx&group_by=officer"
                          "&from=2026-11-25T16:00:00Z&to=2026-11-26T16:00:00Z", headers=auth("mgr-dl"))
    sheet = load_workbook(io.BytesIO(response.data)).active
    header, *rows = [[c.value for c in row] for row in sheet.iter_rows()]
    by_name = {row[1]: dict(zip(header, row, strict=True)) for row in rows}
    assert by_name[HOSTILE[0]]["合规率 compliance_rate"] == 0.0
    pending = by_name[HOSTILE[1]]
    assert pending["合规率 compliance_rate"] == 1.0 and pending["待处理 pending flags"] == 1
    assert pending["若待处理全部确认 rate if pending confirmed"] == 0.0


def test_sign_ins_export_as_csv(app, client, auth, world):
    from tests.conftest import shanghai
    from tests.integration.evidence_factories import sign_in

    with app.app_context():
        shift = make_shift("HRB-DL-0001", START)
        sign_in(shift, shanghai(START) - timedelta(minutes=2))
    rows = read_csv(client.get("/api/v1/checkins/export?format=csv", headers=auth("mgr-dl")))
    assert len(rows) == 2 and rows[1][1] == "HRB-DL-0001"


def test_a_shift_s_track_exports_as_gpx_and_csv(app, client, auth, world):
    from tests.conftest import shanghai
    from tests.integration.evidence_factories import walk

    with app.app_context():
        shift = make_shift("HRB-DL-0001", START)
        walk("HRB-DL-0001", shanghai(START), 10, every_s=60)
    gpx = gpxpy.parse(client.get(f"/api/v1/shifts/{shift}/track.gpx", headers=auth("dl1")).data.decode())
    points = gpx.tracks[0].segments[0].points
    assert len(points) == 10 and points[0].latitude == pytest.approx(45.776, abs=0.001)
    rows = read_csv(client.get(f"/api/v1/shifts/{shift}/track.csv", headers=auth("mgr-dl")))
    assert rows[0][:4] == ["time", "lat", "lon", "accuracy"] and len(rows) == 11
    assert client.get(f"/api/v1/shifts/{shift}/track.gpx", headers=auth("mgr-ng")).status_code == 403

"""Imports as offices save them: a GBK CSV from Excel on Chinese Windows and an .xlsx roster, rota or
grid sheet, through the CLI, the API and the admin page, all or nothing with every bad row named."""
from __future__ import annotations

import io
from datetime import datetime

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select

from supervise.extensions import db
from supervise.models import Grid, Shift, User
from supervise.reports.office_files import decode_text, read_table
from tests.web.test_pages_flags import log_in, text, token_from

ROSTER_HEADER = ["badge_no", "name", "district", "squad", "username", "password", "role"]
ROSTER = [["HRB-DL-0101", "王小红", "DL", "DL-女子中队", "wxh", "pw-12345678", "officer"],
          ["HRB-DL-0102", "李静", "DL", "DL-女子中队", "lj", "pw-12345678", "officer"]]


def gbk_csv(header, rows) -> bytes:
    lines = [",".join(header)] + [",".join(r) for r in rows]
    return ("\r\n".join(lines) + "\r\n").encode("gbk")


def xlsx(header, rows, title="Sheet1") -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.title = title
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def count(app, model, *where) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model).where(*where))


def test_gbk_is_told_from_utf_8_and_read_as_gb18030():
    assert decode_text("名册".encode("gbk")) == ("名册", "gb18030")
    assert decode_text("名册".encode()) == ("名册", "utf-8")
    assert decode_text(b"\xef\xbb\xbf" + "名册".encode()) == ("名册", "utf-8-sig")
    assert decode_text("𠀀 rare".encode("gb18030"))[0] == "𠀀 rare"


def test_a_gbk_roster_imports_through_the_cli(app, runner, world, tmp_path):
    path = tmp_path / "名册.csv"
    path.write_bytes(gbk_csv(ROSTER_HEADER, ROSTER))
    result = runner.invoke(args=["import-officers", str(path)])
    assert result.exit_code == 0, result.output
    assert "csv (gb18030)" in result.output
    with app.app_context():
        assert db.session.scalar(select(User.name).where(User.username == "wxh")) == "王小红"


def test_an_xlsx_rota_with_excel_dates_imports_as_shanghai_times(app, client, auth, world):
    rota = xlsx(["officer", "start", "end", "kind", "grid"],
                [["HRB-DL-0001", datetime(2026, 12, 1, 8, 0), datetime(2026, 12, 1, 16, 0), "patrol", "DL-G1"],
                 ["HRB-DL-0002", datetime(2026, 12, 1, 9, 0), datetime(2026, 12, 1, 17, 0), "patrol", "DL-G1"]],
                title="排班表")
    response = client.post("/api/v1/imports/shifts", headers=auth("admin"),
                           data={"file": (io.BytesIO(rota), "排班表.xlsx")})
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["summary"]["read as"] == "xlsx (sheet 排班表)"
    with app.app_context():
        starts = sorted(db.session.scalars(select(Shift.start)))
    assert [s.isoformat() for s in starts] == ["2026-12-01T00:00:00+00:00", "2026-12-01T01:00:00+00:00"]


def test_an_xlsx_roster_with_a_bad_row_stores_nothing_and_names_the_row(app, client, auth, world):
    rows = [*ROSTER, ["HRB-DL-0103", "赵六", "XX", "", "zl", "pw-12345678", "officer"]]
    response = client.post("/api/v1/imports/officers", headers=auth("admin"),
                           data={"file": (io.BytesIO(xlsx(ROSTER_HEADER, rows)), "roster.xlsx")})
    assert response.status_code == 422
    error = response.get_json()["error"]
    assert error["code"] == "CSV_ROWS_INVALID" and list(error["details"]["rows"]) == ["line 4"]
    assert count(app, User, User.username.in_(["wxh", "lj", "zl"])) == 0


def test_grids_from_an_xlsx_sheet_with_wkt_polygons(app, client, auth, world):
    wkt = "POLYGON ((126.620 45.770, 126.624 45.770, 126.624 45.773, 126.620 45.773, 126.620 45.770))"
    sheet = xlsx(["code", "district", "name", "geometry"], [["DL-G9", "DL", "索菲亚教堂", wkt]])
    response = client.post("/api/v1/imports/grids", headers=auth("admin"),
                           data={"file": (io.BytesIO(sheet), "grids.xlsx")})
    assert response.status_code == 201, response.get_json()
    assert count(app, Grid, Grid.code == "DL-G9") == 1


def test_only_admins_import(client, auth, world):
    response = client.post("/api/v1/imports/officers", headers=auth("mgr-dl"),
                           data={"file": (io.BytesIO(gbk_csv(ROSTER_HEADER, ROSTER)), "r.csv")})
    assert response.status_code == 403


def test_an_old_xls_or_a_binary_file_is_refused_with_a_clear_code():
    with pytest.raises(ValueError, match="xlsx"):
        read_table(b"\xd0\xcf\x11\xe0" + b"\0" * 100, "roster.xls")


def test_the_admin_page_imports_a_gbk_file_and_shows_the_report(app, client, world):
    log_in(client, "admin")
    token = token_from(client.get("/admin/imports").data)
    page = client.post("/admin/imports", data={"csrf_token": token, "kind": "officers",
                                               "file": (io.BytesIO(gbk_csv(ROSTER_HEADER, ROSTER)), "名册.csv")},
                       content_type="multipart/form-data")
    assert page.status_code == 200 and "已导入" in text(page) and "csv (gb18030)" in text(page)
    bad = client.post("/admin/imports", data={"csrf_token": token, "kind": "officers", "file": (
        io.BytesIO(gbk_csv(ROSTER_HEADER, [["HRB-DL-0199", "钱七", "DL", "", "wxh", "pw-12345678", "officer"]])),
        "again.csv")}, content_type="multipart/form-data")
    assert bad.status_code == 422 and "未导入" in text(bad) and "line 2" in text(bad)

"""The admin's import page: upload a roster, rota or grids file and read the all-or-nothing report."""
from __future__ import annotations

from flask import render_template, request

from supervise.errors import DomainError
from supervise.i18n_marks import N_
from supervise.services.imports import IMPORT_KINDS, import_file
from supervise.web import bp
from supervise.web.common import require_web_role

KIND_NAMES = {"officers": N_("Roster (officers)"), "shifts": N_("Rota (shifts)"), "grids": N_("Grids")}
# The import summary's keys (as the CLI prints them), named for the page.
SUMMARY_NAMES = {"read as": N_("Read as"), "officers created": N_("Officers created"),
                 "squads created": N_("Squads created"), "initial passwords (shown once)": N_("Initial passwords (shown once)"),
                 "shifts created": N_("Shifts created"), "grids created": N_("Grids created"),
                 "grids updated": N_("Grids updated")}


@bp.route("/admin/imports", methods=["GET", "POST"])
def imports_page():
    actor = require_web_role("admin")
    kind = request.form.get("kind", "officers")
    summary, error, status = None, None, 200
    if request.method == "POST":
        upload = request.files.get("file")
        try:
            if upload is None or not upload.filename:
                raise DomainError("Choose a file.", code="FILE_MISSING", status=422)
            summary = import_file(actor, kind, upload.read(), upload.filename,
                                  datum=request.form.get("datum", "wgs84"))
        except DomainError as exc:
            error, status = exc, exc.status
    page = render_template("imports.html", kinds=IMPORT_KINDS, kind_names=KIND_NAMES, summary_names=SUMMARY_NAMES, kind=kind, summary=summary,
                           error=error)
    # The page's script swaps in only the report when it sent the file itself (with a progress bar).
    return page, status

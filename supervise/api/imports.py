"""Bulk imports over HTTP: a roster, a rota or grids as CSV (any office encoding), .xlsx or GeoJSON."""
from __future__ import annotations

from flask import jsonify, request
from flask_smorest import Blueprint

from supervise.api.common import current_actor
from supervise.errors import Invalid
from supervise.services.imports import IMPORT_KINDS, import_file

blp = Blueprint("imports", __name__, url_prefix="/api/v1/imports", description="Bulk imports (admin)")


@blp.route("/<string:kind>", methods=["POST"])
def post_import(kind: str):
    """Import `officers`, `shifts` or `grids` from the multipart field `file` (?datum= for grids):
    all or nothing; 422 lists every bad row by its line."""
    actor = current_actor()
    if kind not in IMPORT_KINDS:
        raise Invalid("kind is one of %(value)s.", code="IMPORT_KIND_INVALID", params={"value": ', '.join(IMPORT_KINDS)})
    upload = request.files.get("file")
    if upload is None:
        raise Invalid("Send the file in the multipart field `file`.", code="FILE_MISSING")
    summary = import_file(actor, kind, upload.read(), upload.filename, datum=request.args.get("datum", "wgs84"))
    return jsonify({"kind": kind, "summary": summary}), 201

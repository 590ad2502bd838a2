"""Files out of the API: flags, sign-ins and compliance statistics as CSV or .xlsx (the list's own
filters), a shift's track as GPX or CSV."""
from __future__ import annotations

from urllib.parse import quote

from flask import Response
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from supervise.api.common import Instant, current_actor
from supervise.api.flags import FlagQuery, StatsQuery
from supervise.services import exports
from supervise.services.exports import ExportFile

blp = Blueprint("exports", __name__, url_prefix="/api/v1", description="Exports (CSV, .xlsx, GPX)")

FORMAT = fields.String(load_default="csv", validate=validate.OneOf(exports.FORMATS),
                       metadata={"description": "csv (UTF-8 with BOM, formula cells escaped) or xlsx"})


def download(export: ExportFile) -> Response:
    """The file as an attachment; the name in both the plain and the RFC 5987 form."""
    response = Response(export.data, content_type=export.mimetype)
    ascii_name = export.filename.encode("ascii", "replace").decode().replace("?", "_")
    response.headers["Content-Disposition"] = (f'attachment; filename="{ascii_name}"; '
                                               f"filename*=UTF-8''{quote(export.filename)}")
    response.headers["Cache-Control"] = "no-store"
    return response


def _file_answer(*kinds: str):
    """Document the 200 answer as the file of one of these kinds (csv, xlsx, gpx)."""
    binary = {"schema": {"type": "string", "format": "binary"}}
    return blp.doc(responses={"200": {"description": "the file, as an attachment",
                                      "content": {exports.MIME[k].split(";")[0]: binary for k in kinds}}})


class FlagExportQuery(FlagQuery):
    format = FORMAT


class CheckinExportQuery(Schema):
    format = FORMAT
    officer = fields.String(metadata={"description": "badge number"})
    district = fields.String()
    from_ = Instant(data_key="from")
    to = Instant()


class StatsExportQuery(StatsQuery):
    format = FORMAT


@blp.route("/flags/export")
class FlagExport(MethodView):
    @blp.arguments(FlagExportQuery, location="query")
    @_file_answer("csv", "xlsx")
    def get(self, args):
        """Every flag the list shows with the same filters, search and order (not one page), as CSV or .xlsx."""
        fmt = args.pop("format")
        for key in ("page", "per_page"):
            args.pop(key, None)
        if "from_" in args:
            args["from"] = args.pop("from_")
        search, sort = args.pop("q", ""), args.pop("sort", "time")
        return download(exports.flags_file(current_actor(), args, fmt, search=search, sort=sort))


@blp.route("/checkins/export")
class CheckinExport(MethodView):
    @blp.arguments(CheckinExportQuery, location="query")
    @_file_answer("csv", "xlsx")
    def get(self, args):
        """Sign-ins (by officer, district, received time), as CSV or .xlsx."""
        if "from_" in args:
            args["from"] = args.pop("from_")
        return download(exports.checkins_file(current_actor(), args, args.pop("format")))


@blp.route("/stats/compliance/export")
class ComplianceExport(MethodView):
    @blp.arguments(StatsExportQuery, location="query")
    @_file_answer("csv", "xlsx")
    def get(self, args):
        """The compliance statistics (with pending flags beside the rate), as CSV or .xlsx."""
        return download(exports.compliance_file(current_actor(), args["group_by"], args["from_"], args["to"],
                                                args["format"]))


@blp.route("/shifts/<int:shift_id>/track.gpx")
class TrackGpx(MethodView):
    @_file_answer("gpx")
    def get(self, shift_id):
        """The shift's positions as GPX 1.1 (UTC times, WGS-84)."""
        return download(exports.track_file(current_actor(), shift_id, "gpx"))


@blp.route("/shifts/<int:shift_id>/track.csv")
class TrackCsv(MethodView):
    @_file_answer("csv")
    def get(self, shift_id):
        """The shift's positions as CSV: time, lat, lon, accuracy, local time."""
        return download(exports.track_file(current_actor(), shift_id, "csv"))

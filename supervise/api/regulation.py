"""The regulation document: the version in force, publishing a new one, its history, what-if replay."""
from __future__ import annotations

from flask import Response, request
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields
from sqlalchemy import select

from supervise.api.common import Instant, PageArgs, current_actor, paginate
from supervise.errors import Invalid, NotFound
from supervise.extensions import db
from supervise.models import RegulationVersion
from supervise.services.regulation import publish_regulation, regulation_in_force
from supervise.services.replay import replay

blp = Blueprint("regulation", __name__, url_prefix="/api/v1/regulation", description="The supervision regulation")

DOCUMENT_TYPES = ("application/yaml", "application/x-yaml", "text/yaml", "text/x-yaml", "text/plain",
                  "application/json")


class VersionOut(Schema):
    number = fields.Integer()
    label = fields.String()
    note = fields.String()
    created_at = Instant()
    created_by = fields.Function(lambda v: v.created_by.username if v.created_by else None)


class InForceOut(Schema):
    number = fields.Integer(metadata={"description": "0 means the default shipped with the service"})
    label = fields.String()
    created_at = Instant(allow_none=True)
    text = fields.String()
    rules = fields.Dict()
    catalog = fields.Dict()


class ReplayIn(Schema):
    document = fields.String(required=True, metadata={"description": "the draft, YAML or JSON"})
    from_ = Instant(data_key="from", required=True)
    to = Instant(required=True)


@blp.route("")
class RegulationInForce(MethodView):
    @blp.response(200, InForceOut)
    def get(self):
        """The version in force, its text, and its rules' values now (base values, no district)."""
        current_actor()
        in_force = regulation_in_force()
        from supervise.timeutil import utcnow

        values = in_force.regulation.values_for(utcnow(), None)
        return {"number": in_force.version_number, "label": in_force.regulation.version_label,
                "created_at": in_force.version.created_at if in_force.version else None,
                "text": in_force.regulation.text,
                "rules": {code: {"clause": c.clause, "severity": c.severity, "enabled": c.enabled,
                                 "params": dict(c.params), "title_zh": c.title_zh, "title_en": c.title_en}
                          for code, c in values.items()},
                "catalog": {code: dict(names) for code, names in in_force.regulation.catalog.items()}}

    @blp.response(201, VersionOut)
    @blp.doc(requestBody={"content": {t: {"schema": {"type": "string"}} for t in DOCUMENT_TYPES}})
    def put(self):
        """Publish a new version (admin): YAML or JSON in the body, validated before it is stored."""
        actor = current_actor()
        if request.mimetype not in DOCUMENT_TYPES:
            raise Invalid("Send the document as YAML (application/yaml) or JSON.", code="UNSUPPORTED_MEDIA_TYPE",
                          status=415)
        try:
            text = request.get_data().decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise Invalid("The document is not UTF-8 text (byte %(start)s); save it as UTF-8.",
                          code="REGULATION_INVALID", details={"byte": exc.start}, params={"start": exc.start}) from None
        if not text.strip():
            raise Invalid("The document is empty.", code="REGULATION_INVALID")
        return publish_regulation(actor, text, note=request.args.get("note"))


@blp.route("/versions")
class Versions(MethodView):
    @blp.arguments(PageArgs, location="query")
    @blp.response(200)
    def get(self, args):
        """Every published version, newest first."""
        current_actor()
        return paginate(select(RegulationVersion).order_by(RegulationVersion.number.desc()), args,
                        VersionOut().dump)


@blp.route("/versions/<int:number>")
class VersionText(MethodView):
    @blp.response(200, {"type": "string"}, content_type="application/yaml")
    def get(self, number):
        """The text of one version, exactly as published."""
        current_actor()
        version = db.session.scalar(select(RegulationVersion).where(RegulationVersion.number == number))
        if version is None:
            raise NotFound("There is no regulation version %(number)s.", params={"number": number})
        return Response(version.text, mimetype="application/yaml")


@blp.route("/replay")
class Replay(MethodView):
    @blp.arguments(ReplayIn)
    @blp.response(200)
    def post(self, data):
        """What-if: flags that would appear, disappear or change under a draft; nothing is written."""
        report = replay(current_actor(), data["document"], data["from_"], data["to"])
        from supervise.timeutil import iso_z

        return {**report, "from": iso_z(report["from"]), "to": iso_z(report["to"])}

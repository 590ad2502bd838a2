"""Districts and squads."""
from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate
from sqlalchemy import select

from supervise.api.common import PageArgs, current_actor, fits, paginate
from supervise.models import District, Squad, text_limit
from supervise.services import lookup, reference

blp = Blueprint("districts", __name__, url_prefix="/api/v1/districts", description="Districts and squads")

CODE_LENGTH = text_limit(District.code)
CODE = validate.Regexp(rf"^[A-Za-z0-9_-]{{1,{CODE_LENGTH}}}$",
                       error=f"Codes are 1-{CODE_LENGTH} letters, digits, '-' or '_'.")


class DistrictSchema(Schema):
    id = fields.Integer(dump_only=True)
    code = fields.String(required=True, validate=CODE)
    name = fields.String(required=True, validate=fits(District.name, min=1))
    name_en = fields.String(load_default=None, validate=fits(District.name_en))
    main_city = fields.Boolean(load_default=True)


class SquadSchema(Schema):
    id = fields.Integer(dump_only=True)
    code = fields.String(required=True, validate=fits(Squad.code, min=1))
    name = fields.String(required=True, validate=fits(Squad.name, min=1))
    district = fields.Function(lambda s: s.district.code, dump_only=True)


@blp.route("")
class Districts(MethodView):
    @blp.arguments(PageArgs, location="query")
    @blp.response(200)
    def get(self, args):
        """Every district (reference data any signed-in user may read)."""
        current_actor()
        return paginate(select(District).order_by(District.code), args, DistrictSchema().dump)

    @blp.arguments(DistrictSchema)
    @blp.response(201, DistrictSchema)
    def post(self, data):
        """Create a district (admin)."""
        return reference.create_district(current_actor(), **data)


@blp.route("/<string:code>/squads")
class Squads(MethodView):
    @blp.response(200)
    def get(self, code):
        """The squads of a district."""
        current_actor()
        district = lookup.by_code_or_404(District, code, "district")
        rows = select(Squad).where(Squad.district_id == district.id).order_by(Squad.code)
        return paginate(rows, {"page": 1, "per_page": 500}, SquadSchema().dump)

    @blp.arguments(SquadSchema)
    @blp.response(201, SquadSchema)
    def post(self, data, code):
        """Create a squad in a district you manage."""
        return reference.create_squad(current_actor(), code, data["code"], data["name"])

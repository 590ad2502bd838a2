"""Grids (domain → net → grid polygons) and fixed posts."""
from __future__ import annotations

from flask import request
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate
from sqlalchemy import select

from supervise.api.common import PageArgs, current_actor, fits, paginate
from supervise.errors import Invalid
from supervise.models import Grid, Post
from supervise.services import lookup, reference
from supervise.services.access import visible_district_ids

grids = Blueprint("grids", __name__, url_prefix="/api/v1/grids", description="Patrol grids")
posts = Blueprint("posts", __name__, url_prefix="/api/v1/posts", description="Fixed posts")
BLUEPRINTS = [grids, posts]


class GridSchema(Schema):
    id = fields.Integer(dump_only=True)
    code = fields.String(dump_only=True)
    name = fields.String(dump_only=True)
    level = fields.String(dump_only=True)
    district = fields.Function(lambda g: g.district.code, dump_only=True)
    parent = fields.Function(lambda g: g.parent.code if g.parent else None, dump_only=True)
    source_datum = fields.String(dump_only=True)
    area_m2 = fields.Float(dump_only=True)
    bbox = fields.Function(lambda g: [g.min_lon, g.min_lat, g.max_lon, g.max_lat], dump_only=True)
    geometry = fields.Dict(dump_only=True)


class GridQuery(PageArgs):
    district = fields.String()
    level = fields.String(validate=validate.OneOf(["domain", "net", "grid"]))
    parent = fields.String()


class GridUploadQuery(Schema):
    datum = fields.String(load_default="wgs84", validate=validate.OneOf(reference.DATUMS))
    replace = fields.Boolean(load_default=False)


class GeoJSONBody(Schema):
    """A GeoJSON Feature or FeatureCollection of polygons with properties.code and properties.district."""

    class Meta:
        unknown = "include"

    type = fields.String(required=True, validate=validate.OneOf(["Feature", "FeatureCollection"]))


class GridImportOut(Schema):
    created = fields.List(fields.String())
    updated = fields.List(fields.String())


@grids.route("")
class Grids(MethodView):
    @grids.arguments(GridQuery, location="query")
    @grids.response(200)
    def get(self, args):
        """Grids, filtered by district, level or parent code."""
        current_actor()
        query = select(Grid).order_by(Grid.code)
        if args.get("district"):
            query = query.where(Grid.district_id == lookup.district_by_code(args["district"]).id)
        if args.get("level"):
            query = query.where(Grid.level == args["level"])
        if args.get("parent"):
            query = query.where(Grid.parent_id == lookup.grid_by_code(args["parent"]).id)
        return paginate(query, args, GridSchema().dump)

    @grids.arguments(GridUploadQuery, location="query")
    @grids.arguments(GeoJSONBody)
    @grids.response(201, GridImportOut)
    def post(self, query, _body):
        """Store grids from GeoJSON; `?datum=gcj02|bd09` converts map-drawn polygons to WGS-84."""
        actor = current_actor()
        return reference.import_grids(actor, request.get_json(), query["datum"], replace=query["replace"])


@grids.route("/<string:code>")
class GridOne(MethodView):
    @grids.response(200, GridSchema)
    def get(self, code):
        """One grid with its WGS-84 geometry."""
        current_actor()
        return lookup.by_code_or_404(Grid, code, "grid")


class PostSchema(Schema):
    id = fields.Integer(dump_only=True)
    code = fields.String(required=True, validate=fits(Post.code, min=1))
    name = fields.String(load_default=None, validate=fits(Post.name))
    district = fields.String(required=True)
    lat = fields.Float(required=True, validate=validate.Range(min=-90, max=90))
    lon = fields.Float(required=True, validate=validate.Range(min=-180, max=180))
    radius_m = fields.Float(required=True, validate=validate.Range(min=5, max=2000))
    datum = fields.String(load_default="wgs84", load_only=True, validate=validate.OneOf(reference.DATUMS))


class PostOut(Schema):
    id = fields.Integer()
    code = fields.String()
    name = fields.String()
    district = fields.Function(lambda p: p.district.code)
    lat = fields.Float()
    lon = fields.Float()
    radius_m = fields.Float()


@posts.route("")
class Posts(MethodView):
    @posts.arguments(PageArgs, location="query")
    @posts.response(200)
    def get(self, args):
        """Fixed posts in the districts you may see (everyone signed in may read them)."""
        actor = current_actor()
        query = select(Post).order_by(Post.code)
        visible = visible_district_ids(actor)
        if visible is not None and actor.role == "manager":
            query = query.where(Post.district_id.in_(visible))
        return paginate(query, args, PostOut().dump)

    @posts.arguments(PostSchema)
    @posts.response(201, PostOut)
    def post(self, data):
        """Create a fixed post: a point (in `datum`, stored in WGS-84) with a radius."""
        if data["radius_m"] <= 0:
            raise Invalid("radius_m must be positive.")
        return reference.create_post(current_actor(), data["code"], data["district"], data["lat"], data["lon"],
                                     data["radius_m"], data.get("name"), data["datum"])

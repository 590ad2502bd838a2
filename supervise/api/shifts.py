"""Shifts: who works where, when (instants in UTC, shown in Shanghai time)."""
from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, ValidationError, fields, validate, validates_schema
from sqlalchemy import select

from supervise.api.common import Day, Instant, PageArgs, current_actor, local_time, paginate
from supervise.models import SHIFT_KINDS, Shift, User
from supervise.services import lookup, reference
from supervise.services.access import require_officer_visible, scope_to_actor
from supervise.timeutil import local_day_bounds

blp = Blueprint("shifts", __name__, url_prefix="/api/v1/shifts", description="Shifts")


class BreakSchema(Schema):
    start = Instant(required=True)
    end = Instant(required=True)


class ShiftIn(Schema):
    officer = fields.String(required=True, metadata={"description": "badge number"})
    start = Instant(required=True)
    end = Instant(required=True)
    kind = fields.String(required=True, validate=validate.OneOf(SHIFT_KINDS))
    grid = fields.String(load_default=None)
    post = fields.String(load_default=None)
    breaks = fields.List(fields.Nested(BreakSchema), load_default=list)

    @validates_schema
    def _ends_after_start(self, data, **kwargs):
        if data.get("start") and data.get("end") and data["end"] <= data["start"]:
            raise ValidationError("end must be after start", field_name="end")


class ShiftOut(Schema):
    id = fields.Integer()
    officer = fields.Function(lambda s: s.officer.badge_no)
    officer_name = fields.Function(lambda s: s.officer.name)
    district = fields.Function(lambda s: s.officer.district.code if s.officer.district else None)
    kind = fields.String()
    grid = fields.Function(lambda s: s.grid.code if s.grid else None)
    post = fields.Function(lambda s: s.post.code if s.post else None)
    start = Instant()
    end = Instant()
    start_local = local_time("start")
    end_local = local_time("end")
    breaks = fields.List(fields.Nested(BreakSchema))


class ShiftQuery(PageArgs):
    officer = fields.String(metadata={"description": "badge number"})
    date = Day(metadata={"description": "Shanghai calendar date the shift starts on"})
    district = fields.String()


@blp.route("")
class Shifts(MethodView):
    @blp.arguments(ShiftQuery, location="query")
    @blp.response(200)
    def get(self, args):
        """Shifts you may see, by officer, Shanghai date (of the start) or district."""
        actor = current_actor()
        query = select(Shift).join(User, Shift.officer_id == User.id).order_by(Shift.start, Shift.id)
        query = scope_to_actor(query, actor, Shift.officer_id, User.district_id)
        if args.get("officer"):
            query = query.where(Shift.officer_id == lookup.officer_by_badge(args["officer"]).id)
        if args.get("district"):
            query = query.where(User.district_id == lookup.district_by_code(args["district"]).id)
        if args.get("date"):
            day_start, day_end = local_day_bounds(args["date"])
            query = query.where(Shift.start >= day_start, Shift.start < day_end)
        return paginate(query, args, ShiftOut().dump)

    @blp.arguments(ShiftIn)
    @blp.response(201, ShiftOut)
    def post(self, data):
        """Create a shift; a patrol names a grid, a fixed post names a post; it may cross midnight."""
        breaks = [(b["start"], b["end"]) for b in data.pop("breaks")]
        return reference.create_shift(current_actor(), breaks=breaks, **data)


@blp.route("/<int:shift_id>")
class ShiftOne(MethodView):
    @blp.response(200, ShiftOut)
    def get(self, shift_id):
        """One shift, if it is yours or your district's."""
        actor = current_actor()
        shift = lookup.shift_or_404(shift_id)
        require_officer_visible(actor, shift.officer_id, shift.officer.district_id)
        return shift

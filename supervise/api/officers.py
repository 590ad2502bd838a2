"""People (officers, inspectors, managers, admins) and their registered phones."""
from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate
from sqlalchemy import select

from supervise.api.common import Instant, PageArgs, current_actor, fits, paginate
from supervise.models import ROLES, Device, Squad, User, text_limit
from supervise.services import accounts, lookup, reference
from supervise.services.access import require_officer_visible, scope_to_actor

officers = Blueprint("officers", __name__, url_prefix="/api/v1/officers", description="People")
devices = Blueprint("devices", __name__, url_prefix="/api/v1/devices", description="Phones")
BLUEPRINTS = [officers, devices]


class OfficerIn(Schema):
    badge_no = fields.String(load_default=None, validate=fits(User.badge_no, min=1))
    name = fields.String(required=True, validate=fits(User.name, min=1))
    district = fields.String(load_default=None)
    squad = fields.String(load_default=None, validate=fits(Squad.code), metadata={"description": "a new code "
                                                                                       "creates the squad"})
    username = fields.String(required=True,
                             validate=validate.Regexp(rf"^[A-Za-z0-9_.@-]{{3,{text_limit(User.username)}}}$"))
    password = fields.String(load_default=None, load_only=True)
    role = fields.String(load_default="officer", validate=validate.OneOf(ROLES))


class OfficerOut(Schema):
    id = fields.Integer()
    badge_no = fields.String()
    name = fields.String()
    username = fields.String()
    role = fields.String()
    district = fields.Function(lambda u: u.district.code if u.district else None)
    squad = fields.Function(lambda u: u.squad.code if u.squad else None)
    active = fields.Boolean()


class OfficerCreated(Schema):
    id = fields.Integer()
    badge_no = fields.String()
    name = fields.String()
    username = fields.String()
    role = fields.String()
    district = fields.String()
    squad = fields.String()
    active = fields.Boolean()
    initial_password = fields.String(allow_none=True, metadata={"description": "Shown once when none was given."})
    squad_created = fields.Boolean()


class OfficerQuery(PageArgs):
    district = fields.String()
    squad = fields.String()
    role = fields.String(validate=validate.OneOf(ROLES))


@officers.route("")
class Officers(MethodView):
    @officers.arguments(OfficerQuery, location="query")
    @officers.response(200)
    def get(self, args):
        """People you may see: a manager their district, an officer only themselves."""
        actor = current_actor()
        query = select(User).order_by(User.badge_no, User.username)
        query = scope_to_actor(query, actor, User.id, User.district_id)
        if args.get("district"):
            query = query.where(User.district_id == lookup.district_by_code(args["district"]).id)
        if args.get("role"):
            query = query.where(User.role == args["role"])
        return paginate(query, args, OfficerOut().dump)

    @officers.arguments(OfficerIn)
    @officers.response(201, OfficerCreated)
    def post(self, data):
        """Create an account; without a password a random one is returned once."""
        created = reference.create_officer(current_actor(), **data)
        return {**OfficerOut().dump(created.user), "initial_password": created.initial_password,
                "squad_created": created.squad_created}


class AccountChange(Schema):
    active = fields.Boolean(load_default=None)
    password = fields.String(load_default=None, load_only=True)


@officers.route("/<int:officer_id>")
class OfficerOne(MethodView):
    @officers.response(200, OfficerOut)
    def get(self, officer_id):
        """One person, if you may see them."""
        return reference.officer_visible(current_actor(), officer_id)

    @officers.arguments(AccountChange)
    @officers.response(200, OfficerOut)
    def patch(self, data, officer_id):
        """Deactivate, reactivate or reset the password of an account (admins). Deactivating or a
        reset ends every session and token of the account."""
        return accounts.update_account(current_actor(), officer_id, active=data["active"], password=data["password"])


class DeviceIn(Schema):
    officer = fields.String(required=True, metadata={"description": "badge number"})
    label = fields.String(load_default=None, validate=fits(Device.label))


class DeviceOut(Schema):
    id = fields.Integer()
    identifier = fields.String(metadata={"description": "what the tracking app sends as `id`"})
    officer = fields.Function(lambda d: d.officer.badge_no)
    label = fields.String()
    created_at = Instant()


@devices.route("")
class Devices(MethodView):
    @devices.arguments(PageArgs, location="query")
    @devices.response(200)
    def get(self, args):
        """Phones you may see (your own, or your district's)."""
        actor = current_actor()
        query = select(Device).join(User, Device.officer_id == User.id).order_by(Device.id)
        query = scope_to_actor(query, actor, Device.officer_id, User.district_id)
        return paginate(query, args, DeviceOut().dump)

    @devices.arguments(DeviceIn)
    @devices.response(201, DeviceOut)
    def post(self, data):
        """Register a phone for an officer; its identifier goes into the Traccar Client app."""
        return reference.register_device(current_actor(), data["officer"], data["label"])


@devices.route("/<int:device_id>")
class DeviceOne(MethodView):
    @devices.response(200, DeviceOut)
    def get(self, device_id):
        actor = current_actor()
        device = lookup.get_or_404(Device, device_id, "device")
        require_officer_visible(actor, device.officer_id, device.officer.district_id)
        return device



"""One's own notifications: the list with the unread count, and marking them read."""
from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields

from supervise.api.common import current_actor
from supervise.services import notify
from supervise.timeutil import iso_z, local_iso

blp = Blueprint("notifications", __name__, url_prefix="/api/v1/notifications", description="Notifications")


class NotificationSchema(Schema):
    id = fields.Integer(dump_only=True)
    kind = fields.String(dump_only=True)
    text_zh = fields.String(dump_only=True)
    text_en = fields.String(dump_only=True)
    link = fields.String(dump_only=True)
    flag_id = fields.Integer(dump_only=True, allow_none=True)
    created_at = fields.Function(lambda n: iso_z(n.created_at), dump_only=True)
    created_at_local = fields.Function(lambda n: local_iso(n.created_at), dump_only=True)
    read = fields.Function(lambda n: n.read_at is not None, dump_only=True)


class ListArgs(Schema):
    unread = fields.Boolean(load_default=False)


class ReadArgs(Schema):
    id = fields.Integer(load_default=None, strict=True)


@blp.route("")
class Notifications(MethodView):
    @blp.arguments(ListArgs, location="query")
    @blp.response(200)
    def get(self, args):
        """The caller's newest 50 notifications and how many are unread."""
        actor = current_actor()
        items = notify.recent(actor, unread_only=args["unread"])
        return {"items": NotificationSchema(many=True).dump(items), "unread": notify.unread_count(actor.id)}


@blp.route("/read")
class MarkRead(MethodView):
    @blp.arguments(ReadArgs)
    @blp.response(200)
    def post(self, args):
        """Mark one notification read (`id`), or all of them (no id)."""
        actor = current_actor()
        return {"marked": notify.mark_read(actor, args["id"]), "unread": notify.unread_count(actor.id)}

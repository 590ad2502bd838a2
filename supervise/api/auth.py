"""Tokens: POST /api/v1/auth/token exchanges a username and password for an expiring bearer token."""
from __future__ import annotations

from flask import request
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields

from supervise.api.common import Instant, bearer_token, config_value, current_actor, fits
from supervise.models import User
from supervise.ops.limits import login_limited
from supervise.services import accounts, auth

blp = Blueprint("auth", __name__, url_prefix="/api/v1/auth", description="Bearer tokens")


class Credentials(Schema):
    username = fields.String(required=True, validate=fits(User.username))
    password = fields.String(required=True, load_only=True)


class UserSummary(Schema):
    id = fields.Integer(dump_only=True)
    username = fields.String(dump_only=True)
    role = fields.String(dump_only=True)
    district = fields.Function(lambda u: u.district.code if u.district else None, dump_only=True)
    badge_no = fields.String(dump_only=True)
    name = fields.String(dump_only=True)


class PasswordChange(Schema):
    current_password = fields.String(required=True, load_only=True)
    new_password = fields.String(required=True, load_only=True)


class PasswordChanged(Schema):
    ended = fields.Integer(dump_only=True, metadata={"description": "other sessions and tokens ended"})


class TokenOut(Schema):
    token = fields.String(dump_only=True)
    expires_at = Instant(dump_only=True)
    user = fields.Nested(UserSummary, dump_only=True)


@blp.route("/token")
class Token(MethodView):
    @blp.doc(security=[])
    @blp.arguments(Credentials)
    @blp.response(200, TokenOut)
    @login_limited
    def post(self, creds):
        """Exchange a username and password for a bearer token. Failed logins are limited per
        (username, client address) and per address: 429 LOGIN_RATE_LIMITED with Retry-After."""
        user = auth.check_credentials(creds["username"], creds["password"], request.remote_addr)
        token, record = auth.issue_token(user, config_value("TOKEN_TTL_HOURS"))
        return {"token": token, "expires_at": record.expires_at, "user": user}

    @blp.response(204)
    def delete(self):
        """Revoke the token this request carries."""
        current_actor()
        auth.revoke_token(bearer_token())


@blp.route("/me")
class Me(MethodView):
    @blp.response(200, UserSummary)
    def get(self):
        """The account the token belongs to."""
        return auth.user_of(current_actor())


@blp.route("/password")
class Password(MethodView):
    @blp.arguments(PasswordChange)
    @blp.response(200, PasswordChanged)
    def post(self, data):
        """Change your own password; every other session and token of yours ends (this token stays)."""
        ended = accounts.change_own_password(current_actor(), data["current_password"], data["new_password"],
                                             keep_token=bearer_token())
        return {"ended": ended}

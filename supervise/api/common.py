"""What every API route shares: the calling actor, list pagination, time fields."""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import current_app, g, jsonify, make_response, request
from marshmallow import Schema, ValidationError, fields, validate
from sqlalchemy import func, select

from supervise.errors import Unauthorized
from supervise.extensions import db
from supervise.models import text_limit
from supervise.services import idempotency
from supervise.services.access import Actor
from supervise.services.auth import actor_for_token
from supervise.services.lookup import MAX_PAGE, MAX_ROW_ID
from supervise.timeutil import FIRST_DAY, LAST_DAY, iso_z, local_iso, parse_instant

MAX_PER_PAGE = 500


def current_actor() -> Actor:
    """The actor behind the request's bearer token; 401 in the one error shape when there is none."""
    if "actor" in g:
        return g.actor
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized("Send `Authorization: Bearer <token>`; get a token from POST /api/v1/auth/token.")
    actor = actor_for_token(token.strip())
    if actor is None:
        raise Unauthorized("The token is unknown, expired or revoked.", code="TOKEN_INVALID")
    g.actor = actor
    return actor


def bearer_token() -> str:
    return request.headers.get("Authorization", "").partition(" ")[2].strip()


class RowId(fields.Integer):
    """A row id sent as a filter or field: within the databases' id range (MAX_ROW_ID; beyond it
    names no row, and the driver would overflow), else 422 like any other invalid field."""

    def __init__(self, **kwargs):
        super().__init__(validate=validate.Range(min=-MAX_ROW_ID - 1, max=MAX_ROW_ID,
                                                 error="Not an id: outside {min} … {max}."), **kwargs)


def fits(attribute, *, min: int | None = None) -> validate.Length:
    """A text field's length validator whose maximum is the model column's own (`text_limit`)."""
    return validate.Length(min=min, max=text_limit(attribute))


class Day(fields.Date):
    """A Shanghai calendar day (YYYY-MM-DD) in the years the service takes, else 422."""

    def __init__(self, **kwargs):
        super().__init__(validate=validate.Range(min=FIRST_DAY, max=LAST_DAY,
                                                 error="Not a day the service keeps: outside {min} … {max}."),
                         **kwargs)


class PageArgs(Schema):
    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=MAX_PAGE))
    per_page = fields.Integer(load_default=50, validate=validate.Range(min=1, max=MAX_PER_PAGE))


def paginate(query, args: dict, dump) -> dict:
    """`{items, total, page, per_page}` for a select() ordered by the caller."""
    total = db.session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
    page, per_page = args["page"], args["per_page"]
    rows = db.session.scalars(query.limit(per_page).offset((page - 1) * per_page)).all()
    return {"items": [dump(row) for row in rows], "total": total, "page": page, "per_page": per_page}


class Instant(fields.Field):
    """An ISO 8601 instant: offset on input (naive = Asia/Shanghai), UTC with Z on output."""

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, str):
            raise ValidationError("Expected an ISO 8601 date-time string.")
        try:
            return parse_instant(value)
        except ValueError as exc:
            raise ValidationError(f"Not an ISO 8601 date-time: {value!r}.") from exc

    def _serialize(self, value, attr, obj, **kwargs):
        return iso_z(value)


def local_time(attribute: str) -> fields.Function:
    """The instant in `attribute` as Shanghai wall-clock time, for people to read (output only)."""
    return fields.Function(lambda obj: local_iso(getattr(obj, attribute)), dump_only=True,
                           metadata={"description": "Asia/Shanghai local time"})


def config_value(name: str):
    return current_app.config[name]


class PhotoQuery(Schema):
    variant = fields.String(load_default="display", validate=validate.OneOf(["original", "display"]),
                            metadata={"description": "display (default): EXIF-stripped; original: managers and admins, "
                                                     "each fetch recorded"})


def photo_response(photo, *, attachment_name: bool = True):
    """A stored photo (storage.PhotoFile) as the answer: its media type, private caching, no MIME
    sniffing, and (unless asked not to) its file name for saving."""
    response = make_response(photo.data)
    response.headers["Content-Type"] = photo.media_type
    if attachment_name:
        response.headers["Content-Disposition"] = f'inline; filename="{photo.filename}"'
    response.headers["Cache-Control"] = "private, max-age=86400"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


def created_once(actor_id: int, endpoint: str, create: Callable[[Callable[[Any], None]], Any],
                 render: Callable[[Any], dict], *, files: list[tuple[str, bytes]], location: str,
                 found: Callable[[Any], bool] = lambda made: False):
    """Create a record under the request's `Idempotency-Key` (if any) and answer 201 with its JSON
    and a Location (`location` formatted with the body's id); a replayed answer says so in
    Idempotent-Replayed.

    `create(before_commit)` calls the service, which hands `before_commit` what it made right before
    its commit: the answer (`render` of it) is stored under the key in that same transaction. When
    the service found the record already there instead (`found(made)`: the same photo sent again),
    nothing was committed and the answer is 200."""
    key = request.headers.get("Idempotency-Key")
    request_sha = idempotency.fingerprint(
        endpoint, form={k: ",".join(request.form.getlist(k)) for k in request.form},
        files=files) if key is not None else ""

    def work(keep: idempotency.Keep) -> tuple[int, dict]:
        answer: dict = {}

        def before_commit(made) -> None:
            answer["body"] = render(made)
            keep(201, answer["body"])

        made = create(before_commit)
        if "body" in answer:
            return 201, answer["body"]
        return (200 if found(made) else 201), render(made)

    status, body, replayed = idempotency.run_idempotent(actor_id, key, endpoint, request_sha, work)
    response = make_response(jsonify(body), status)
    response.headers["Location"] = location.format(id=body["id"])
    if replayed:
        response.headers["Idempotent-Replayed"] = "true"
    return response

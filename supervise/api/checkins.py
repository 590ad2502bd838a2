"""Selfie sign-ins: POST /api/v1/checkins and the evidence behind them."""
from __future__ import annotations

import io

from flask import request
from flask.views import MethodView
from flask_smorest import Blueprint
from flask_smorest.fields import Upload
from marshmallow import EXCLUDE, Schema, ValidationError, fields, validate
from webargs.flaskparser import abort

from supervise.api.common import (
    Day,
    Instant,
    PageArgs,
    PhotoQuery,
    RowId,
    created_once,
    current_actor,
    local_time,
    paginate,
    photo_response,
)
from supervise.errors import Invalid
from supervise.services import checkins
from supervise.services.checkins import DeviceFix, SignIn

blp = Blueprint("checkins", __name__, url_prefix="/api/v1/checkins", description="Selfie sign-ins")

ENDPOINT = "POST /api/v1/checkins"


class CheckinForm(Schema):
    """The multipart fields next to the `photo` file part."""

    class Meta:
        unknown = EXCLUDE  # phone apps add fields of their own; they must not break a sign-in

    shift_id = RowId(load_default=None, metadata={"description": "otherwise the shift is found "
                                                                          "from the capture time"})
    device_lat = fields.Float(load_default=None, allow_nan=False, validate=validate.Range(-90, 90))
    device_lon = fields.Float(load_default=None, allow_nan=False, validate=validate.Range(-180, 180))
    device_accuracy_m = fields.Float(load_default=None, allow_nan=False, validate=validate.Range(min=0))
    device_fix_time = Instant(load_default=None)
    device_mock = fields.Boolean(load_default=False, metadata={"description": "the phone reports a mock location"})


class CheckinUpload(CheckinForm):
    """The whole multipart body, for the OpenAPI document only (the route reads it by hand)."""

    photo = Upload(required=True, metadata={"description": "the selfie, JPEG or HEIC (judged by content, "
                                                           "not name)"})


CHECKIN_FORM = CheckinForm()


class LocationOut(Schema):
    lat = fields.Float()
    lon = fields.Float()
    accuracy_m = fields.Float(allow_none=True)
    datum = fields.String()
    source = fields.String(metadata={"description": "exif | device"})


class DeviceFixOut(Schema):
    lat = fields.Float(allow_none=True)
    lon = fields.Float(allow_none=True)
    accuracy_m = fields.Float(allow_none=True)
    fix_time = Instant(allow_none=True)
    mock = fields.Boolean()


DEVICE_FIX_OUT = DeviceFixOut()


def _location(c) -> dict | None:
    if c.lat is None:
        return None
    return {"lat": c.lat, "lon": c.lon, "accuracy_m": c.accuracy_m, "datum": "wgs84", "source": c.location_source}


def _device_fix(c) -> dict | None:
    if c.device_lat is None and c.device_fix_time is None and not c.device_mock:
        return None
    return DEVICE_FIX_OUT.dump({"lat": c.device_lat, "lon": c.device_lon, "accuracy_m": c.device_accuracy_m,
                                "fix_time": c.device_fix_time, "mock": c.device_mock})


class CheckinOut(Schema):
    id = fields.Integer()
    shift_id = fields.Integer()
    officer = fields.Function(lambda s: s.officer.badge_no, metadata={"description": "badge number"})
    officer_name = fields.Function(lambda s: s.officer.name)
    captured_at = Instant(allow_none=True)
    captured_at_local = local_time("captured_at")
    received_at = Instant()
    received_at_local = local_time("received_at")
    capture_time_source = fields.String(allow_none=True,
                                        metadata={"description": "exif_offset | exif_gps | exif_local | device"})
    capture_time_note = fields.String(allow_none=True)
    time_conflict_s = fields.Float(allow_none=True,
                                   metadata={"description": "GPS minus EXIF time when they disagree for no "
                                                            "time-zone reason (needs review)"})
    location = fields.Function(_location, metadata={"description": "the position judged: EXIF, else the "
                                                                    "phone's fix; null without one"})
    device_fix = fields.Function(_device_fix, metadata={"description": "the phone's own fix as sent"})
    inside_grid = fields.Boolean(attribute="inside_area", allow_none=True)
    distance_to_grid_m = fields.Float(attribute="distance_to_area_m", allow_none=True)
    timeliness = fields.String(metadata={"description": "on_time | late | outside_window"})
    flags = fields.List(fields.String())
    repeated = fields.Boolean(metadata={"description": "true when this photo had already been signed in by you for "
                                                       "this shift: the answer is that sign-in, nothing new was "
                                                       "stored"})
    message = fields.String(metadata={"description": "for the officer: what was found, what to do"})
    evidence_problem = fields.String(allow_none=True)
    reused_checkin_id = fields.Function(lambda s: s.visible_reused_checkin_id, allow_none=True,
                                        metadata={"description": "the earlier sign-in this photo repeats (not shown to "
                                                                 "an officer when it is another officer's)"})
    reuse_kind = fields.String(allow_none=True, metadata={"description": "sha256 | phash"})
    reuse_distance = fields.Integer(allow_none=True)
    camera = fields.String(allow_none=True)
    photo_sha256 = fields.String()
    photo_url = fields.Function(lambda s: f"/api/v1/checkins/{s.id}/photo")
    display_url = fields.Function(lambda s: f"/api/v1/checkins/{s.id}/photo?variant=display")


# One instance for every answer: building a Schema deep-copies its fields, which costs more than a dump.
CHECKIN_OUT = CheckinOut()


class CheckinQuery(PageArgs):
    officer = fields.String(metadata={"description": "badge number"})
    shift_id = RowId()
    date = Day(metadata={"description": "Shanghai calendar date of receipt"})
    district = fields.String()


@blp.route("")
class Checkins(MethodView):
    @blp.arguments(CheckinQuery, location="query")
    @blp.response(200)
    def get(self, args):
        """Sign-ins you may see (yours; your district's; all for city-wide managers), newest first."""
        query = checkins.list_checkins(current_actor(), officer=args.get("officer"), shift_id=args.get("shift_id"),
                                       day=args.get("date"), district=args.get("district"))
        actor = current_actor()
        return paginate(query, args, lambda c: CHECKIN_OUT.dump(SignIn(c, checkins.flag_codes(c.id),
                                                                       viewer_id=actor.id)))

    @blp.doc(requestBody={"required": True, "content": {"multipart/form-data": {"schema": CheckinUpload}}})
    @blp.response(201, CheckinOut)
    @blp.alt_response(200, schema=CheckinOut, description="the same photo was already signed in by you for this "
                                                          "shift (a retry): that sign-in, `repeated: true`")
    @blp.alt_response(409, description="NO_SHIFT, IDEMPOTENCY_KEY_REUSED")
    @blp.alt_response(413, description="the upload is larger than MAX_UPLOAD_MB")
    @blp.alt_response(415, description="PHOTO_NOT_IMAGE, PHOTO_UNSUPPORTED_FORMAT")
    @blp.alt_response(422, description="PHOTO_MISSING, PHOTO_EMPTY, PHOTO_TRUNCATED, PHOTO_CORRUPT, "
                                       "PHOTO_TOO_LARGE_PIXELS")
    def post(self):
        """Sign in with a selfie (multipart: `photo` plus optional shift_id and the phone's own fix).

        Send `Idempotency-Key` to make retries safe: the same key with the same request answers
        the first result again; with another request it is a 409.
        """
        form = _checkin_form()  # before the token, as the @blp.arguments it replaces did
        actor = current_actor()
        upload = request.files.get("photo")
        if upload is None:
            raise Invalid("Send the selfie as a file part named `photo` (multipart/form-data).",
                          code="PHOTO_MISSING")
        data = _upload_bytes(upload)
        device = DeviceFix(lat=form["device_lat"], lon=form["device_lon"], accuracy_m=form["device_accuracy_m"],
                           fix_time=form["device_fix_time"], mock=form["device_mock"])

        def create(before_commit) -> checkins.SignIn:
            return checkins.record_checkin(actor, data, shift_id=form["shift_id"], device=device,
                                           before_commit=before_commit)

        return created_once(actor.id, ENDPOINT, create, CHECKIN_OUT.dump, files=[("photo", data)],
                            location="/api/v1/checkins/{id}", found=lambda signed: signed.repeated)


def _checkin_form() -> dict:
    """The form fields, validated as `@blp.arguments(CheckinForm, location="form")` would, with the
    same 422 answer; read by hand because two webargs parses of a multipart body cost more than this."""
    try:
        return CHECKIN_FORM.load(request.form)
    except ValidationError as err:
        abort(422, exc=err, messages={"form": err.messages}, schema=CHECKIN_FORM)


def _upload_bytes(upload) -> bytes:
    """The uploaded file's bytes; an in-memory upload hands over its buffer instead of a copy."""
    if isinstance(upload.stream, io.BytesIO):
        return upload.stream.getvalue()
    return upload.read()


@blp.route("/<int:checkin_id>")
class CheckinOne(MethodView):
    @blp.response(200, CheckinOut)
    def get(self, checkin_id):
        """One sign-in: for its officer, their district's managers, city-wide managers and admins."""
        return checkins.get_checkin(current_actor(), checkin_id)


@blp.route("/<int:checkin_id>/photo")
class CheckinPhoto(MethodView):
    @blp.arguments(PhotoQuery, location="query")
    @blp.response(200, description="the original bytes as received (image/jpeg or image/heic), or with "
                                   "?variant=display an upright JPEG without EXIF")
    def get(self, args, checkin_id):
        """The sign-in's photo, to the same people who may see the sign-in."""
        return photo_response(checkins.checkin_photo(current_actor(), checkin_id, args["variant"]))

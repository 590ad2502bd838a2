"""Cross-district inspections: drawing rounds, inspectors' spot checks, and their findings."""
from __future__ import annotations

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
    fits,
    local_time,
    paginate,
    photo_response,
)
from supervise.errors import Invalid
from supervise.models import FINDING_RESULTS, INSPECTION_KINDS, User
from supervise.services import inspections as service
from supervise.services.regulation import regulation_in_force

rounds_blp = Blueprint("inspection_rounds", __name__, url_prefix="/api/v1/inspection-rounds",
                       description="Drawing cross-district inspection rounds (交叉互检)")
assignments_blp = Blueprint("assignments", __name__, url_prefix="/api/v1/assignments",
                            description="Inspectors' spot checks and their findings")
findings_blp = Blueprint("findings", __name__, url_prefix="/api/v1/findings", description="Inspection findings")
BLUEPRINTS = [rounds_blp, assignments_blp, findings_blp]

MAX_ITEMS = 20


class RoundIn(Schema):
    date = Day(required=True, metadata={"description": "the Shanghai calendar day of the checks"})
    kind = fields.String(load_default="cross_district", validate=validate.OneOf(INSPECTION_KINDS))
    inspectors_per_district = fields.Integer(load_default=None, validate=validate.Range(min=1, max=100),
                                             metadata={"description": "drawn from each home district; "
                                                                      "default: all"})
    checks_per_inspector = fields.Integer(load_default=3, validate=validate.Range(min=1, max=20))
    seed = fields.Integer(load_default=None, validate=validate.Range(min=0, max=2**53),
                          metadata={"description": "the same seed and data draw the same round; default: random"})
    release_at = Instant(load_default=None, metadata={"description": "when inspectors may see their checks; "
                                                                     "default: the day's start, or now if later"})
    scope = fields.Dict(load_default=None, metadata={
        "description": "what the kind narrows the round to: routine/joint {districts}, special {items}, "
                       "key_point {grids, times: [[\"HH:MM\", \"HH:MM\"]]}, joint {team_size}"})


def _items(codes: list[str]) -> list[dict]:
    catalog = regulation_in_force().regulation.catalog
    return [{"code": c, "zh": catalog.get(c, {}).get("zh"), "en": catalog.get(c, {}).get("en")} for c in codes]


def _location(f) -> dict | None:
    if f.lat is None:
        return None
    return {"lat": f.lat, "lon": f.lon, "accuracy_m": f.accuracy_m, "datum": "wgs84", "source": "exif"}


def _flag(f) -> dict | None:
    flag = f.flag
    return None if flag is None else {"id": flag.id, "status": flag.status, "url": f"/api/v1/flags/{flag.id}"}


class FindingOut(Schema):
    id = fields.Integer()
    assignment_id = fields.Integer()
    officer = fields.Function(lambda f: f.officer.badge_no, metadata={"description": "badge number"})
    officer_name = fields.Function(lambda f: f.officer.name)
    inspector = fields.Function(lambda f: f.inspector.badge_no or f.inspector.username)
    inspector_name = fields.Function(lambda f: f.inspector.name)
    shift_id = fields.Integer(allow_none=True)
    result = fields.String(metadata={"description": "compliant | absent | violation"})
    items = fields.Function(lambda f: _items(f.items), metadata={"description": "catalog items cited (十不准)"})
    note = fields.String(allow_none=True)
    recorded_at = Instant()
    recorded_at_local = local_time("recorded_at")
    captured_at = Instant(allow_none=True)
    captured_at_local = local_time("captured_at")
    capture_time_source = fields.String(allow_none=True)
    location = fields.Function(_location, metadata={"description": "where the photo was taken (EXIF)"})
    distance_to_grid_m = fields.Float(allow_none=True)
    photo_url = fields.Function(lambda f: f"/api/v1/findings/{f.id}/photo" if f.photo_sha256 else None)
    display_url = fields.Function(
        lambda f: f"/api/v1/findings/{f.id}/photo?variant=display" if f.photo_sha256 else None)
    flag = fields.Function(_flag, metadata={"description": "the INSPECTION flag raised, if any"})
    signatures = fields.List(fields.Dict(), allow_none=True, metadata={
        "description": "a joint check's finding: who signed it and when; it raises its flag once all did"})
    track_check = fields.Function(lambda f: _track_check(f), metadata={
        "description": "the officer's own track in the minutes of the finding: verdict contradicts | agrees | "
                       "insufficient, with fixes, times and distances (managers and the officer only)"})


def _track_check(f) -> dict | None:
    from supervise.services.access import can_manage_district

    actor = current_actor()
    return f.track_check if actor.id == f.officer_id or (
        actor.role in ("manager", "admin") and can_manage_district(actor, f.district_id)) else None


class ShiftBrief(Schema):
    id = fields.Integer()
    kind = fields.String()
    grid = fields.Function(lambda s: s.grid.code if s.grid else None)
    grid_name = fields.Function(lambda s: s.grid.name if s.grid else None)
    post = fields.Function(lambda s: s.post.code if s.post else None)
    start = Instant()
    end = Instant()
    start_local = local_time("start")
    end_local = local_time("end")


class AssignmentOut(Schema):
    id = fields.Integer()
    round_id = fields.Integer()
    date = fields.Function(lambda a: a.round.day.isoformat())
    kind = fields.Function(lambda a: a.round.kind)
    inspector = fields.Function(lambda a: a.inspector.badge_no or a.inspector.username)
    inspector_name = fields.Function(lambda a: a.inspector.name)
    district = fields.Function(lambda a: a.district.code)
    district_name = fields.Function(lambda a: a.district.name)
    officer = fields.Function(lambda a: a.officer.badge_no, metadata={"description": "the officer on duty"})
    officer_name = fields.Function(lambda a: a.officer.name)
    team = fields.Function(lambda a: [m.inspector_id for m in a.members] or None,
                           metadata={"description": "a joint check's inspectors (user ids), the leader first "
                                                    "among equals; each signs the findings"})
    scope = fields.Function(lambda a: a.round.scope,
                            metadata={"description": "the round's scope: a special round's items limit findings"})
    shift = fields.Function(lambda a: ShiftBrief().dump(a.shift))
    release_at = Instant()
    release_at_local = local_time("release_at")
    findings = fields.Function(lambda a: FindingOut(many=True).dump(a.findings))


class RoundOut(Schema):
    id = fields.Integer()
    date = fields.Function(lambda r: r.day.isoformat())
    kind = fields.String()
    seed = fields.Integer()
    inspectors_per_district = fields.Integer(allow_none=True)
    checks_per_inspector = fields.Integer()
    release_at = Instant()
    release_at_local = local_time("release_at")
    created_at = Instant()
    created_by = fields.Function(lambda r: r.created_by.username if r.created_by else None)
    scope = fields.Dict(allow_none=True)
    unplaced = fields.List(fields.Dict(), metadata={"description": "inspectors drawn but not sent, and why"})
    repeated_pairings = fields.List(fields.Dict(),
                                    metadata={"description": "inspector-district pairs repeated from recent "
                                                             "rounds because nothing else was balanced"})
    assignments = fields.Function(lambda r: AssignmentOut(many=True).dump(r.assignments))
    withdrawal = fields.Function(lambda r: None if r.withdrawn_at is None else {
        "at": r.withdrawn_at.isoformat().replace("+00:00", "Z"),
        "by": r.withdrawn_by.username if r.withdrawn_by else None, "reason": r.withdrawn_reason},
        metadata={"description": "when, by whom and why the round was withdrawn before its release; null if not"})


class WithdrawalIn(Schema):
    reason = fields.String(required=True, validate=validate.Length(min=4, max=2000),
                           metadata={"description": "why the round is withdrawn; kept with the round"})


class RoundListOut(RoundOut):
    class Meta:
        exclude = ("assignments",)

    checks = fields.Function(lambda r: len(r.assignments))


class AssignmentQuery(PageArgs):
    round_id = RowId()
    date = Day()


class FindingForm(Schema):
    """The multipart fields next to the `photo` file part."""

    class Meta:
        unknown = EXCLUDE

    officer = fields.String(required=True, validate=fits(User.badge_no, min=1),
                            metadata={"description": "badge number of the officer the finding is about"})
    result = fields.String(required=True, validate=validate.OneOf(FINDING_RESULTS))
    note = fields.String(load_default=None, validate=validate.Length(max=2000))


class FindingUpload(FindingForm):
    """The whole multipart body, for the OpenAPI document only (the route reads it by hand)."""

    items = fields.List(fields.String(), metadata={"description": "catalog codes; repeat the field or separate "
                                                                  "with commas"})
    photo = Upload(metadata={"description": "JPEG or HEIC; required unless the result is compliant"})


@rounds_blp.route("")
class Rounds(MethodView):
    @rounds_blp.arguments(PageArgs, location="query")
    @rounds_blp.response(200)
    def get(self, args):
        """Rounds drawn so far, newest first (city-wide managers and admins)."""
        return paginate(service.rounds_query(current_actor()), args, RoundListOut().dump)

    @rounds_blp.arguments(RoundIn)
    @rounds_blp.response(201, RoundOut)
    @rounds_blp.alt_response(403, description="CITY_WIDE_ONLY: district managers are on the inspected side")
    @rounds_blp.alt_response(422, description="ROUND_DAY_PASSED, RELEASE_AFTER_DAY, NOTHING_TO_DRAW")
    def post(self, data):
        """Draw a round: each drawn inspector goes to another district than their own, inspectors are spread
        evenly over the districts with shifts that day, and pairings from recent rounds are avoided.
        The same seed over the same data draws the same round."""
        actor = current_actor()
        return service.draw_inspection_round(actor, service.RoundRequest(
            day=data["date"], kind=data["kind"], inspectors_per_district=data["inspectors_per_district"],
            checks_per_inspector=data["checks_per_inspector"], seed=data["seed"], release_at=data["release_at"],
            scope=data["scope"]))


@rounds_blp.route("/<int:round_id>")
class RoundOne(MethodView):
    @rounds_blp.response(200, RoundOut)
    def get(self, round_id):
        """One round with every spot check it drew (city-wide managers and admins)."""
        return service.get_round(current_actor(), round_id)


@rounds_blp.route("/<int:round_id>/withdrawal")
class RoundWithdrawal(MethodView):
    @rounds_blp.arguments(WithdrawalIn)
    @rounds_blp.response(200, RoundOut)
    @rounds_blp.alt_response(409, description="ROUND_RELEASED: released rounds stay; ROUND_WITHDRAWN")
    def post(self, data, round_id):
        """Withdraw a round before its release (city-wide managers and admins): its checks are never
        shown to the inspectors, and when, by whom and why is kept with the round."""
        return service.withdraw_round(current_actor(), round_id, data["reason"])


@assignments_blp.route("")
class Assignments(MethodView):
    @assignments_blp.arguments(AssignmentQuery, location="query")
    @assignments_blp.response(200)
    def get(self, args):
        """Spot checks you may see: an inspector's own once released; a district manager's inspectors'
        once released; all for city-wide managers and admins. The inspected side never sees them ahead."""
        query = service.assignments_query(current_actor(), round_id=args.get("round_id"), day=args.get("date"))
        return paginate(query, args, AssignmentOut().dump)


@assignments_blp.route("/<int:assignment_id>")
class AssignmentOne(MethodView):
    @assignments_blp.response(200, AssignmentOut)
    def get(self, assignment_id):
        """One spot check with its findings."""
        return service.get_assignment(current_actor(), assignment_id)


@assignments_blp.route("/<int:assignment_id>/findings")
class Findings(MethodView):
    @assignments_blp.doc(requestBody={"required": True, "content": {"multipart/form-data": {"schema": FindingUpload}}})
    @assignments_blp.response(201, FindingOut)
    @assignments_blp.alt_response(409, description="CHECK_CLOSED, PHOTO_ALREADY_EVIDENCE, IDEMPOTENCY_KEY_REUSED")
    @assignments_blp.alt_response(415, description="PHOTO_NOT_IMAGE, PHOTO_UNSUPPORTED_FORMAT")
    @assignments_blp.alt_response(422, description="RESULT_INVALID, UNKNOWN_ITEM, ITEMS_REQUIRED, PHOTO_MISSING, "
                                                   "OFFICER_NOT_IN_DISTRICT, PHOTO_NOT_FROM_THE_CHECK, ...")
    def post(self, assignment_id):
        """Record a finding about one officer (the check's inspector; multipart with `photo`).

        A result other than compliant raises an INSPECTION flag for the officer's managers to review.
        Send `Idempotency-Key` to make retries safe.
        """
        form = _finding_form()
        actor = current_actor()
        upload = request.files.get("photo")
        photo = _photo_bytes(upload)
        finding_request = service.FindingRequest(officer=form["officer"], result=form["result"],
                                                 items=_items_field(), note=form["note"], photo=photo)

        def create(before_commit) -> service.RecordedFinding:
            return service.record_finding(actor, assignment_id, finding_request, before_commit=before_commit)

        return created_once(actor.id, f"POST /api/v1/assignments/{assignment_id}/findings", create,
                            lambda recorded: FindingOut().dump(recorded.finding),
                            files=[("photo", photo)] if photo is not None else [],
                            location="/api/v1/findings/{id}")


def _finding_form() -> dict:
    schema = FindingForm()
    try:
        return schema.load(request.form)
    except ValidationError as err:
        abort(422, exc=err, messages={"form": err.messages}, schema=schema)


def _photo_bytes(upload) -> bytes | None:
    """The photo part's bytes; a browser form with no file chosen sends an empty nameless part: no photo."""
    if upload is None:
        return None
    data = upload.read()
    return data if data or upload.filename else None


def _items_field() -> tuple[str, ...]:
    """`items` repeated, comma-separated, or both; blanks ignored, codes upper-cased."""
    codes = [code.strip().upper() for value in request.form.getlist("items") for code in value.split(",")]
    codes = [code for code in codes if code]
    if len(codes) > MAX_ITEMS:
        raise Invalid("Cite at most %(max_items)s catalog items.", code="TOO_MANY_ITEMS", params={"max_items": MAX_ITEMS})
    return tuple(codes)


@findings_blp.route("/<int:finding_id>")
class FindingOne(MethodView):
    @findings_blp.response(200, FindingOut)
    def get(self, finding_id):
        """One finding: to its inspector, the officer it names, their district's managers and admins."""
        return service.get_finding(current_actor(), finding_id)


@findings_blp.route("/<int:finding_id>/sign")
class FindingSign(MethodView):
    @findings_blp.response(200, FindingOut)
    def post(self, finding_id):
        """Sign a joint check's finding (each member of the team once); the last signature raises its flag."""
        return service.sign_finding(current_actor(), finding_id).finding


@findings_blp.route("/<int:finding_id>/photo")
class FindingPhoto(MethodView):
    @findings_blp.arguments(PhotoQuery, location="query")
    @findings_blp.response(200, description="the original bytes, or with ?variant=display an upright JPEG "
                                            "without EXIF")
    def get(self, args, finding_id):
        """The finding's photo, to the same people who may see the finding."""
        return photo_response(service.finding_photo(current_actor(), finding_id, args["variant"]))

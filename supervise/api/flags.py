"""Flags and their review, check runs, statistics, and the regulation document."""
from __future__ import annotations

from datetime import timedelta

from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from supervise.api.common import Instant, PageArgs, RowId, current_actor, local_time, paginate
from supervise.errors import Invalid
from supervise.models import FLAG_STATUSES
from supervise.services import flag_queue, stats
from supervise.services import flags as flag_service
from supervise.services.access import require_role
from supervise.services.checks import run_checks
from supervise.services.evidence_view import flag_evidence
from supervise.timeutil import utcnow

blp = Blueprint("flags", __name__, url_prefix="/api/v1/flags", description="Compliance flags")
checks_blp = Blueprint("checks", __name__, url_prefix="/api/v1/checks", description="Running the checks")
stats_blp = Blueprint("stats", __name__, url_prefix="/api/v1/stats", description="Statistics")
BLUEPRINTS = [blp, checks_blp, stats_blp]


class EventOut(Schema):
    at = Instant()
    at_local = local_time("at")
    action = fields.String()
    from_status = fields.String()
    to_status = fields.String()
    reason = fields.String(attribute="shown_reason", metadata={
        "description": "why: the person's words, or a system-written reason in the request's language"})
    by = fields.Function(lambda e: e.actor.username if e.actor else "system")


class FlagOut(Schema):
    id = fields.Integer()
    code = fields.String()
    status = fields.String()
    severity = fields.String()
    needs_review = fields.Boolean(metadata={"description": "the evidence is thin (few fixes, a margin inside the "
                                                           "noise, an unverified finding): raised for a person to "
                                                           "decide, not as a plain violation; the reasons are in "
                                                           "evidence.review"})
    officer = fields.Function(lambda f: f.officer.badge_no)
    officer_name = fields.Function(lambda f: f.officer.name)
    district = fields.Function(lambda f: f.officer.district.code if f.officer.district else None)
    shift_id = fields.Integer()
    checkin_id = fields.Integer()
    finding_id = fields.Integer(allow_none=True)
    start = Instant()
    end = Instant()
    start_local = local_time("start")
    end_local = local_time("end")
    summary_zh = fields.String()
    summary_en = fields.String()
    clause = fields.String()
    regulation_version = fields.Function(lambda f: f.evidence.get("regulation_version"))


class FlagDetail(FlagOut):
    evidence = fields.Function(lambda f: {**f.evidence, **flag_evidence(f)},
                               metadata={"description": "the measured numbers, the sign-in, the track segment, "
                                                        "the inspection finding and the regulation clause behind "
                                                        "the flag"})
    history = fields.Function(lambda f: EventOut(many=True).dump(f.events))


class FlagQuery(PageArgs):
    district = fields.String()
    squad = fields.String()
    officer = fields.String(metadata={"description": "badge number"})
    code = fields.String()
    status = fields.String(validate=validate.OneOf(FLAG_STATUSES))
    needs_review = fields.Boolean(metadata={"description": "only flags raised for review (true) or only plain "
                                                           "ones (false)"})
    shift_id = RowId()
    from_ = Instant(data_key="from")
    to = Instant()
    q = fields.String(validate=validate.Length(max=flag_queue.MAX_SEARCH),
                      metadata={"description": "part of an officer's name, badge number or username (any case)"})
    sort = fields.String(load_default="time", validate=validate.OneOf(flag_queue.SORTS),
                         metadata={"description": "time (newest first), severity, officer or district; ties "
                                                  "newest first"})


class DecisionIn(Schema):
    decision = fields.String(required=True, validate=validate.OneOf(["confirm", "dismiss"]))
    reason = fields.String(required=True, validate=validate.Length(min=1, max=flag_service.MAX_REASON))


class DecisionsIn(DecisionIn):
    flags = fields.List(RowId(), required=True, validate=validate.Length(min=1, max=flag_queue.MAX_BULK),
                        metadata={"description": f"the ids of the flags to decide (at most {flag_queue.MAX_BULK})"})


class AppealIn(Schema):
    reason = fields.String(required=True, validate=validate.Length(min=1, max=flag_service.MAX_REASON))


@blp.route("")
class Flags(MethodView):
    @blp.arguments(FlagQuery, location="query")
    @blp.response(200)
    def get(self, args):
        """Flags you may see: a manager's district (or all), an officer's own."""
        if "from_" in args:
            args["from"] = args.pop("from_")
        search, sort = args.pop("q", ""), args.pop("sort", "time")
        query = flag_queue.queue_query(current_actor(), args, search, sort)
        return paginate(query, args, FlagOut().dump)


@blp.route("/decisions")
class Decisions(MethodView):
    @blp.arguments(DecisionsIn)
    @blp.response(200)
    def post(self, data):
        """Confirm or dismiss many open flags with one reason, as the queue's bulk decision does: each
        flag in its own conditional update. Answers which were decided, which someone else had decided
        first (with their state, left as they are) and which were refused (with a code: an appealed
        flag is decided on its own, one's own flag, a flag out of reach)."""
        actor = current_actor()
        require_role(actor, "manager")
        outcome = flag_queue.decide_many(actor, data["flags"], data["decision"], data["reason"])
        return {"decided": outcome.decided,
                "already_decided": [{"id": flag_id, "state": state} for flag_id, state in outcome.already_decided.items()],
                "refused": [{"id": flag_id, "code": code} for flag_id, code in outcome.refused.items()]}


@blp.route("/<int:flag_id>")
class FlagOne(MethodView):
    @blp.response(200, FlagDetail)
    def get(self, flag_id):
        """One flag with its evidence (sign-in, track segment, numbers vs threshold), clause and history."""
        return flag_service.flag_visible(current_actor(), flag_id)


@blp.route("/<int:flag_id>/decision")
class Decision(MethodView):
    @blp.arguments(DecisionIn)
    @blp.response(200, FlagDetail)
    def post(self, data, flag_id):
        """Confirm or dismiss (a manager of the officer's district; never the flagged officer)."""
        return flag_service.decide_flag(current_actor(), flag_id, data["decision"], data["reason"])


@blp.route("/<int:flag_id>/appeal")
class Appeal(MethodView):
    @blp.arguments(AppealIn)
    @blp.response(200, FlagDetail)
    def post(self, data, flag_id):
        """Appeal a flag raised against you (once)."""
        return flag_service.appeal_flag(current_actor(), flag_id, data["reason"])


class RunIn(Schema):
    at = Instant(load_default=None, metadata={"description": "the instant to judge as of (default: now)"})


class RunOut(Schema):
    run_id = fields.Integer()
    as_of = Instant()
    shifts = fields.Integer()
    errors = fields.Integer()
    created = fields.List(fields.Nested(FlagOut))
    withdrawn = fields.List(fields.Nested(FlagOut))
    reinstated = fields.List(fields.Nested(FlagOut))


@checks_blp.route("/run")
class RunChecks(MethodView):
    @checks_blp.arguments(RunIn)
    @checks_blp.response(200, RunOut)
    def post(self, data):
        """Run every check as of an instant (admin); running it twice creates nothing new."""
        require_role(current_actor(), "admin")
        at = data.get("at") or utcnow()
        if at > utcnow() + timedelta(minutes=5):
            raise Invalid("Checks judge evidence up to an instant that has passed, not the future.",
                          code="AT_IN_FUTURE")
        return run_checks(at, trigger="api")


class RangeQuery(Schema):
    from_ = Instant(data_key="from", required=True)
    to = Instant(required=True)


class StatsQuery(RangeQuery):
    group_by = fields.String(load_default="district", validate=validate.OneOf(stats.GROUPS))


@stats_blp.route("/compliance")
class Compliance(MethodView):
    @stats_blp.arguments(StatsQuery, location="query")
    @stats_blp.response(200)
    def get(self, args):
        """Shifts, flags by status and code, and compliance rate per district, squad or officer."""
        rows = stats.compliance(current_actor(), args["group_by"], args["from_"], args["to"])
        return {"group_by": args["group_by"], "items": rows, "total": len(rows), "page": 1}


@stats_blp.route("/inspections")
class InspectionActivity(MethodView):
    @stats_blp.arguments(RangeQuery, location="query")
    @stats_blp.response(200)
    def get(self, args):
        """Per district, spot checks on shifts starting in [from, to): sent by its inspectors (done, and
        missed: no finding although the day has ended) and received, with findings by result
        (city-wide managers and admins)."""
        rows = stats.inspection_activity(current_actor(), args["from_"], args["to"])
        return {"items": rows, "total": len(rows), "page": 1}

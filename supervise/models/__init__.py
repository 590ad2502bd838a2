"""Typed SQLAlchemy 2 models, one module per part of the domain; importing this registers them all."""
from supervise.models.evidence import Checkin, Photo
from supervise.models.flags import (
    FLAG_STATUSES,
    CheckBatch,
    CheckRun,
    Flag,
    FlagEvent,
    RegulationVersion,
    SchedulerLease,
)
from supervise.models.inspections import (
    FINDING_RESULTS,
    INSPECTION_KINDS,
    AssignmentMember,
    InspectionAssignment,
    InspectionFinding,
    InspectionRound,
)
from supervise.models.limits import check_texts_before_every_flush, text_limit
from supervise.models.operations import OriginalPhotoFetch, SchedulerHeartbeat
from supervise.models.org import ROLES, ApiToken, Device, District, LoginAttempt, Squad, User, WebSession
from supervise.models.places import GRID_LEVELS, Grid, Post
from supervise.models.requests import IdempotentResponse
from supervise.models.shifts import SHIFT_KINDS, Shift, ShiftBreak
from supervise.models.tracks import SOURCE_CODES, Position, TrackUpload
from supervise.models.trust import OUTBOX_STATUSES, AuditRecord, Notification, OutboxMessage

check_texts_before_every_flush()

__all__ = [
    "FINDING_RESULTS",
    "FLAG_STATUSES",
    "GRID_LEVELS",
    "INSPECTION_KINDS",
    "OUTBOX_STATUSES",
    "ROLES",
    "SHIFT_KINDS",
    "SOURCE_CODES",
    "ApiToken",
    "AssignmentMember",
    "AuditRecord",
    "CheckBatch",
    "CheckRun",
    "Checkin",
    "Device",
    "District",
    "Flag",
    "FlagEvent",
    "Grid",
    "IdempotentResponse",
    "InspectionAssignment",
    "InspectionFinding",
    "InspectionRound",
    "LoginAttempt",
    "Notification",
    "OriginalPhotoFetch",
    "OutboxMessage",
    "Photo",
    "Position",
    "Post",
    "RegulationVersion",
    "SchedulerHeartbeat",
    "SchedulerLease",
    "Shift",
    "ShiftBreak",
    "Squad",
    "TrackUpload",
    "User",
    "WebSession",
    "text_limit",
]

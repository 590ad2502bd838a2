"""Typed SQLAlchemy 2 models, one module per part of the domain; importing this registers them all."""
from supervise.models.org import ROLES, ApiToken, Device, District, LoginAttempt, Squad, User
from supervise.models.places import GRID_LEVELS, Grid, Post
from supervise.models.requests import IdempotentResponse
from supervise.models.shifts import SHIFT_KINDS, Shift, ShiftBreak

__all__ = [
    "GRID_LEVELS",
    "ROLES",
    "SHIFT_KINDS",
    "ApiToken",
    "Device",
    "District",
    "Grid",
    "IdempotentResponse",
    "LoginAttempt",
    "Post",
    "Shift",
    "ShiftBreak",
    "Squad",
    "User",
]

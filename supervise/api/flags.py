"""Flags, decisions, appeals, check runs and statistics."""
from __future__ import annotations

from flask_smorest import Blueprint

blp = Blueprint("flags", __name__, url_prefix="/api/v1/flags", description="Compliance flags")

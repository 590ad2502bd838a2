"""Selfie sign-ins: POST /api/v1/checkins and the evidence behind them."""
from __future__ import annotations

from flask_smorest import Blueprint

blp = Blueprint("checkins", __name__, url_prefix="/api/v1/checkins", description="Selfie sign-ins")

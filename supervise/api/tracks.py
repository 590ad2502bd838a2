"""Patrol tracks: uploaded files, position batches, the OsmAnd protocol, and shift analysis."""
from __future__ import annotations

from flask_smorest import Blueprint

blp = Blueprint("tracks", __name__, url_prefix="/api/v1/tracks", description="Patrol tracks")

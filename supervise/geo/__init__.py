"""Geometry helpers (PURE): datums, distances, patrol areas."""

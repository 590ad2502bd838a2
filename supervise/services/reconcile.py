"""Findings checked against the officer's own track (inspections/reconcile.py does the judging).

Run when a finding is recorded, in its transaction, and again by the scheduler for findings of the
last day whose track was still too thin (a phone that was offline sends its positions later). The
result is kept on the finding (`track_check`) and, when the finding raised a flag, in the flag's
evidence; a contradiction also raises the flag for review (`needs_review`), with the numbers as the
reason. It never withdraws or decides anything: a person weighs it.
"""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
from sqlalchemy import select

from supervise.extensions import db
from supervise.geo.distance import haversine_m
from supervise.inspections.reconcile import WINDOW_S, check_finding
from supervise.models import Flag, InspectionFinding
from supervise.services.areas import area_for_shift
from supervise.services.tracks import positions_between
from supervise.timeutil import iso_z, utcnow

RECHECK_FOR = timedelta(hours=24)


def check_against_track(finding: InspectionFinding, flag: Flag | None = None) -> dict:
    """Compare the finding with the officer's fixes around its time; store and return the result."""
    at = finding.captured_at or finding.recorded_at
    positions = positions_between(finding.officer_id, at.timestamp() - WINDOW_S, at.timestamp() + WINDOW_S)
    to_grid = None
    if finding.shift is not None and len(positions):
        to_grid = np.asarray(area_for_shift(finding.shift).distances_m(positions.lat, positions.lon))
    to_photo = None
    if finding.lat is not None and len(positions):
        to_photo = np.asarray(haversine_m(positions.lat, positions.lon, finding.lat, finding.lon))
    result = check_finding(finding.result, at.timestamp(), positions.t, to_grid, to_photo).as_dict()
    result["first"] = iso_z(_instant(result.pop("first_ts")))
    result["last"] = iso_z(_instant(result.pop("last_ts")))
    result["checked_at"] = iso_z(utcnow())
    finding.track_check = result
    flag = flag if flag is not None else finding.flag
    if flag is not None:
        _note_on_flag(flag, result)
    return result


def _note_on_flag(flag: Flag, result: dict) -> None:
    evidence = {**flag.evidence, "track_check": result}
    if result["verdict"] == "contradicts" and flag.status in ("open", "appealed"):
        reason = {"zh": result["reason_zh"], "en": result["reason_en"]}
        evidence["review"] = [*[r for r in evidence.get("review", []) if r != reason], reason]
        flag.needs_review = True
    flag.evidence = evidence


def recheck_recent(now: datetime | None = None) -> int:
    """Check again the findings of the last day whose track was too thin to say; returns how many
    changed verdict (committed)."""
    now = now or utcnow()
    changed = 0
    for finding in db.session.scalars(select(InspectionFinding).where(
            InspectionFinding.recorded_at >= now - RECHECK_FOR)):
        before = (finding.track_check or {}).get("verdict")
        if before not in (None, "insufficient"):
            continue
        if check_against_track(finding)["verdict"] != before:
            changed += 1
    db.session.commit()
    return changed


def _instant(ts: float | None) -> datetime | None:
    return None if ts is None else datetime.fromtimestamp(ts, UTC)

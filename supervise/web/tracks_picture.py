"""The picture of a shift's track over its grid, for a browser session.

The access check and the analysis are the track service's (`shift_track`); this only draws it.
"""
from __future__ import annotations

from supervise.errors import NotFound
from supervise.services import tracks
from supervise.services.access import Actor
from supervise.tracks.render import render_svg


def shift_svg(actor: Actor, shift_id: int) -> str:
    """The shift's track as an SVG document; 403 for those who may not see the officer, 404 before
    the shift has started."""
    track = tracks.shift_track(actor, shift_id)
    if track.analysis is None:
        raise NotFound("班次尚未开始，没有轨迹。 The shift has not started; there is no track yet.")
    shift = track.shift
    title = f"{shift.officer.name or ''} {shift.officer.badge_no or ''} · shift {shift.id}".strip()
    return render_svg(track.area, track.positions.t, track.positions.lat, track.positions.lon, track.analysis,
                      title=title)

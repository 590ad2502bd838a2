"""Every real recorded track of the fixtures, analysed as a patrol, is judged without a spoofing
flag: real phones and GPS loggers jitter, drop out, ride buses and cars, and sometimes jump, but
none of them leaps between kept places the way a spoofing app does."""
from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pytest

from supervise.geo.area import Area
from supervise.regulation import default_regulation_text, parse_regulation
from supervise.regulation.facts import ShiftFacts
from supervise.regulation.rules import location_spoof
from supervise.tracks.analysis import analyze_track
from supervise.tracks.filtering import FilterParams, filter_arrays
from supervise.tracks.model import Span
from supervise.tracks.parse import TrackRejected, parse_track_arrays
from tests.conftest import FIXTURES

TRACKS = sorted(p for p in (FIXTURES / "tracks").rglob("*")
                if p.suffix.lower() in (".gpx", ".csv", ".geojson") and p.is_file())
REGULATION = parse_regulation(default_regulation_text())
SESSION_BREAK_S = 6 * 3600   # a file holding several days is judged one outing at a time


def sessions(t: np.ndarray) -> list[tuple[int, int]]:
    cuts = np.flatnonzero(np.diff(t) > SESSION_BREAK_S)
    return list(zip(np.r_[0, cuts + 1].tolist(), np.r_[cuts, t.size - 1].tolist(), strict=True))


def patrol_area(lat: np.ndarray, lon: np.ndarray) -> Area:
    """The outing's bounding box as its grid (so being outside is not the question here)."""
    pad = 0.001
    ring = [[lon.min() - pad, lat.min() - pad], [lon.max() + pad, lat.min() - pad],
            [lon.max() + pad, lat.max() + pad], [lon.min() - pad, lat.max() + pad], [lon.min() - pad, lat.min() - pad]]
    return Area.from_geojson({"type": "Polygon", "coordinates": [ring]})


@pytest.mark.skipif(not TRACKS, reason=f"no fixture tracks under {FIXTURES}")
@pytest.mark.parametrize("path", TRACKS, ids=lambda p: str(p.relative_to(FIXTURES / "tracks")))
def test_a_real_track_analysed_as_a_patrol_raises_no_location_spoof(path: Path):
    try:
        parsed = parse_track_arrays(path.read_bytes())
    except TrackRejected:
        pytest.skip("the file is refused on upload (tested in test_parse)")
    fixes = parsed.fixes
    if len(fixes) == 0:
        pytest.skip("no timed positions")
    kept = filter_arrays(fixes, FilterParams(now=float(np.nanmax(fixes.t)) + 60, max_age_s=1e12)).accepted
    config = REGULATION.values_for(datetime.now(UTC), None)["LOCATION_SPOOF"]
    for a, b in sessions(kept.t):
        t, lat, lon, acc = kept.t[a: b + 1], kept.lat[a: b + 1], kept.lon[a: b + 1], kept.acc[a: b + 1]
        if t.size < 2 or not (0 < t[-1] - t[0] < 30 * 86400):
            continue
        start, end = datetime.fromtimestamp(t[0], UTC), datetime.fromtimestamp(t[-1], UTC)
        area = patrol_area(lat, lon)
        params = REGULATION.analysis_params(start, None)
        track = analyze_track(t, lat, lon, acc, area, Span(start, end), params)
        facts = ShiftFacts(shift_id=1, officer_id=1, district=None, kind="patrol", start=start, end=end, as_of=end,
                           track=track)
        found = location_spoof.evaluate(facts, config)
        assert found == [], [f.summary_en for f in found]

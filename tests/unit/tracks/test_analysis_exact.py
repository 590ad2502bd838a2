"""The analysis gives exactly what the plain definitions in its docstring give
(outliers, smoothing, coverage, speed jumps, stay places), on random and awkward tracks."""
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pytest

from supervise.geo.area import Area
from supervise.tracks.analysis import analyze_track, smooth_positions
from supervise.tracks.model import AnalysisParams, Span
from supervise.tracks.stays import find_stays, noise_level

sys.path.insert(0, str(Path(__file__).resolve().parent))
from test_analysis_trackgen import PROJ, square_area_geojson

T0 = datetime(2025, 1, 10, 1, 0, tzinfo=UTC).timestamp()
GRID = Area.from_geojson(square_area_geojson(-300, -300, 300, 300))


def plain_rolling_median(v, k):
    h, n = k // 2, v.size
    return np.array([np.median(v[max(0, i - min(h, i, n - 1 - i)): i + min(h, i, n - 1 - i) + 1])
                     for i in range(n)])


def plain_window(t):
    step = float(np.median(np.diff(t))) or 1.0
    k = int(np.clip(round(120 / step), 5, 15)) | 1
    return min(k, t.size if t.size % 2 else t.size - 1)


def plain_coverage(area, xs, ys):
    x0, y0, inside = area.coverage_grid(25.0)
    cells = set()
    for x, y in zip(xs, ys, strict=True):
        col, row = int(np.floor((x - x0) / 25.0)), int(np.floor((y - y0) / 25.0))
        for r in (row - 1, row, row + 1):
            for c in (col - 1, col, col + 1):
                near = np.hypot(x - (x0 + (c + 0.5) * 25.0), y - (y0 + (r + 0.5) * 25.0)) <= 25.0
                if near and 0 <= r < inside.shape[0] and 0 <= c < inside.shape[1] and inside[r, c]:
                    cells.add((r, c))
    return len(cells) / np.count_nonzero(inside)


def random_walk(seed, n=None):
    rng = np.random.default_rng(seed)
    n = n or int(rng.integers(3, 400))
    dt = float(rng.choice([1, 5, 10, 11, 14, 18, 30]))  # windows of 15, 13, 11, 9, 7 and 5 fixes
    t = T0 + np.cumsum(rng.uniform(0.5, 1.5, n) * dt)
    x = np.cumsum(rng.normal(0, 8, n)) + rng.normal(0, 15, n)
    y = np.cumsum(rng.normal(0, 8, n)) + rng.normal(0, 15, n)
    if seed % 3 == 0:  # ties: positions on a 1 m raster
        x, y = np.round(x), np.round(y)
    return rng, t, x, y


def analyse_xy(t, x, y, acc=None, area=GRID, params=None):
    lat, lon = PROJ.to_latlon(x, y)
    acc = np.full(t.size, np.nan) if acc is None else acc
    window = Span(datetime.fromtimestamp(t[0], UTC) - timedelta(seconds=1),
                  datetime.fromtimestamp(t[-1], UTC) + timedelta(seconds=1))
    result = analyze_track(t, lat, lon, acc, area, window, params or AnalysisParams())
    assert result.points + result.outlier_fixes == t.size
    return result


def plain_without_outliers(t, x, y, acc):
    """Fixes further than max(80 m, 2 x accuracy) from the plain centred median are dropped, and
    what is left is smoothed again."""
    a = np.where(np.isfinite(acc), np.clip(acc, 0, 100), 0.0)
    k = plain_window(t)
    xs, ys = plain_rolling_median(x, k), plain_rolling_median(y, k)
    keep = np.hypot(x - xs, y - ys) <= np.maximum(80.0, 2.0 * a)
    t, x, y, a = t[keep], x[keep], y[keep], a[keep]
    k = plain_window(t)
    return t, x, y, a, plain_rolling_median(x, k), plain_rolling_median(y, k)


@pytest.mark.parametrize("seed", range(60))
def test_smoothing_is_the_plain_centred_median_of_each_fix_and_its_neighbours(seed):
    _, t, x, y = random_walk(seed)
    xs, ys = smooth_positions(t, x, y)
    k = plain_window(t)
    assert np.array_equal(xs, plain_rolling_median(x, k))
    assert np.array_equal(ys, plain_rolling_median(y, k))


@pytest.mark.parametrize("seed", range(12))
def test_coverage_counts_exactly_the_cells_whose_centre_is_within_25_m_of_a_smoothed_fix(seed):
    _, t, x, y = random_walk(seed, n=300)
    x, y = x * 3 % 600 - 300, y * 3 % 600 - 300
    if seed % 2:  # fixes right on cell centres, edges and corners of the lattice
        x0, y0, _ = GRID.coverage_grid(25.0)
        x = x0 + np.round((x - x0) / 12.5) * 12.5
        y = y0 + np.round((y - y0) / 12.5) * 12.5
    result = analyse_xy(t, x, y)
    gx, gy = GRID.projection.to_xy(*PROJ.to_latlon(x, y))
    *_, xs, ys = plain_without_outliers(t, gx, gy, np.full(t.size, np.nan))
    assert result.coverage == plain_coverage(GRID, xs, ys)


@pytest.mark.parametrize("seed", range(12))
def test_speed_jumps_are_exactly_the_segments_too_fast_after_both_error_circles(seed):
    rng, t, x, y = random_walk(seed, n=300)
    # leaps that the track keeps (a lone wild fix is an outlier, dropped before speeds are judged)
    leaps = rng.random(t.size) < 0.03
    x += np.cumsum(np.where(leaps, rng.choice([-1, 1], t.size) * rng.uniform(1500, 3000, t.size), 0.0))
    wild = rng.random(t.size) < 0.05
    x[wild] += rng.uniform(-900, 900, wild.sum())
    acc = rng.choice([np.nan, 0.0, 5.0, 60.0, 250.0], t.size)
    limit = float(rng.choice([20, 50, 120]))
    result = analyse_xy(t, x, y, acc=acc, params=AnalysisParams(max_speed_kmh=limit))
    gx, gy = GRID.projection.to_xy(*PROJ.to_latlon(x, y))
    t, gx, gy, a, _, _ = plain_without_outliers(t, gx, gy, acc)
    expected = []
    for i in range(t.size - 1):
        excess = np.hypot(gx[i + 1] - gx[i], gy[i + 1] - gy[i]) - a[i] - a[i + 1]
        if excess > 0 and excess / max(t[i + 1] - t[i], 1.0) * 3.6 > limit:
            expected.append(t[i])
    assert len(expected) > 0
    assert [j.start.timestamp() for j in result.speed_jumps] == pytest.approx(expected, abs=1e-3)


@pytest.mark.parametrize("seed", range(8))
def test_a_stay_is_placed_at_the_median_of_its_smoothed_fixes_with_the_90th_percentile_radius(seed):
    rng = np.random.default_rng(seed)
    n = 400
    t = T0 + np.arange(n) * 10.0
    x = np.r_[np.linspace(-200, 0, 100), rng.normal(0, 12, 200), np.linspace(0, 200, 100)]
    y = np.r_[np.zeros(100), rng.normal(0, 12, 200), np.linspace(0, 150, 100)]
    result = analyse_xy(t, x, y)
    gx, gy = GRID.projection.to_xy(*PROJ.to_latlon(x, y))
    t, gx, gy, a, xs, ys = plain_without_outliers(t, gx, gy, np.full(t.size, np.nan))
    ranges = find_stays(t, xs, ys, 30.0, 1200.0, noise_level(a, np.hypot(gx - xs, gy - ys)))
    assert len(result.stays) == len(ranges) >= 1
    for stay, found in zip(result.stays, ranges, strict=True):
        a, b = found.first, found.last
        cx, cy = np.median(xs[a: b + 1]), np.median(ys[a: b + 1])
        assert (stay.lat, stay.lon) == GRID.projection.to_latlon(float(cx), float(cy))
        radius = float(np.percentile(np.hypot(xs[a: b + 1] - cx, ys[a: b + 1] - cy), 90))
        assert stay.radius_m == round(radius, 1)
        assert stay.points == b - a + 1

"""Track analysis on generated patrols around Central Street (10 s fixes unless said)."""
import sys
from datetime import timedelta
from pathlib import Path

import numpy as np
import pytest

from supervise.geo.area import Area
from supervise.tracks.analysis import analyze_track, detect_stays
from supervise.tracks.model import AnalysisParams, Span

sys.path.insert(0, str(Path(__file__).resolve().parent))
from test_analysis_trackgen import Track, square_area_geojson, utc

PARAMS = AnalysisParams()
START = utc(2025, 1, 10, 1, 0)  # 09:00 in Harbin
WINDOW = Span(START, START + timedelta(hours=4))
GRID = Area.from_geojson(square_area_geojson(-300, -300, 300, 300))


def analyse(track: Track, window: Span = WINDOW, area: Area = GRID, **kw):
    return analyze_track(*track.arrays(), area, window, PARAMS, **kw)


def new_track(seed: int = 1, start=START) -> Track:
    return Track(start.timestamp(), seed=seed)


def laps_of_square(track: Track, side: float, laps: int, speed: float) -> Track:
    for _ in range(laps):
        track.walk((side, 0), (side, side), (0, side), (0, 0), speed=speed)
    return track


def test_an_officer_walking_slowly_round_a_60_m_square_is_not_idle():
    track = laps_of_square(new_track(), 60, laps=10, speed=0.5)
    result = analyse(track)
    assert result.stays == []


def test_walking_round_a_60_m_square_at_a_stroll_counts_as_moving():
    track = laps_of_square(new_track(), 60, laps=10, speed=0.8)
    result = analyse(track)
    assert result.distance_m == pytest.approx(2400, rel=0.15)
    assert result.moving_s > 0.8 * (track.t[-1] - track.t[0])


@pytest.mark.parametrize("seed", range(8))
def test_an_officer_sitting_40_minutes_with_40_m_jitter_is_idle_for_those_40_minutes(seed):
    track = new_track(seed).walk((200, 0), (200, 150))
    sat_down = track.now
    track.sit(40 * 60, sigma=18, outliers=0.05)
    got_up = track.now - track.dt
    track.walk((0, 150), (0, 0))
    result = analyse(track)
    assert len(result.stays) == 1
    stay = result.stays[0]
    # the walk in and the walk out are not part of the stay: it starts and ends within a fix or two
    assert abs(stay.start.timestamp() - sat_down) <= 30
    assert abs(stay.end.timestamp() - got_up) <= 30
    assert stay.radius_m < PARAMS.idle_radius_m
    assert stay.points >= 235


def test_the_idle_place_is_where_the_officer_sat():
    track = new_track().walk((100, 50)).sit(30 * 60, sigma=15).walk((0, 0))
    stay = analyse(track).stays[0]
    x, y = GRID.projection.to_xy(stay.lat, stay.lon)
    from test_analysis_trackgen import PROJ
    sx, sy = GRID.projection.to_xy(*PROJ.to_latlon(100, 50))
    assert np.hypot(x - sx, y - sy) < 10


def test_a_short_pause_below_the_idle_minimum_is_not_a_stay():
    track = new_track().walk((100, 0)).sit(10 * 60).walk((100, 200))
    assert analyse(track).stays == []


def test_on_a_fixed_post_stays_are_still_reported_and_coverage_is_not_measured():
    post = Area.circle(45.7735, 126.6105, 30)
    track = new_track().sit(60 * 60)
    result = analyse(track, area=post, fixed_post=True)
    assert len(result.stays) == 1
    assert result.coverage is None
    assert result.excursions == []


def test_one_stray_fix_300_m_outside_the_grid_is_not_an_excursion():
    track = laps_of_square(new_track(), 100, laps=2, speed=1.2)
    track.fix(600, 0)
    laps_of_square(track, 100, laps=2, speed=1.2)
    result = analyse(track)
    assert result.excursions == []
    assert result.outside_total_s == 0


def test_twelve_minutes_across_the_street_120_m_outside_is_an_excursion_of_12_minutes():
    track = new_track().walk((250, 0))
    track.walk((420, 0), speed=5)  # crossing quickly
    left = track.now
    track.sit(12 * 60, sigma=5)
    track.walk((250, 0), speed=5)
    back = track.now
    track.walk((0, 0))
    result = analyse(track)
    assert len(result.excursions) == 1
    exc = result.excursions[0]
    assert exc.start.timestamp() == pytest.approx(left, abs=30)
    assert exc.end.timestamp() == pytest.approx(back, abs=30)
    assert result.outside_total_s == pytest.approx(12 * 60 + 40, abs=60)
    assert exc.max_distance_m == pytest.approx(120, abs=20)


def test_a_fix_whose_error_circle_touches_the_buffered_grid_is_not_outside():
    track = new_track().walk((250, 0))
    track.walk((400, 0), speed=5, sigma=0, accuracy=60).sit(10 * 60, sigma=0, accuracy=60)
    track.walk((0, 0), speed=5, accuracy=5)
    assert analyse(track).excursions == []


def test_a_single_fix_back_inside_does_not_end_an_excursion():
    track = new_track().walk((250, 0)).walk((450, 0), speed=5).sit(5 * 60, sigma=2)
    track.fix(0, 0)
    track.sit(5 * 60, sigma=2).walk((250, 0), speed=5).walk((0, 0))
    result = analyse(track)
    assert len(result.excursions) == 1
    assert result.excursions[0].end - result.excursions[0].start > timedelta(minutes=10)


def test_last_inside_is_the_last_fix_within_the_grid():
    track = new_track().walk((250, 0)).walk((700, 0), speed=1.2, sigma=0)
    # the grid ends at x = 300 and the buffer 50 m further
    last_in = max(t for t, x in zip(track.t, track.x, strict=True) if x <= 350)
    result = analyse(track)
    assert result.last_inside.timestamp() == last_in
    assert result.last_fix.timestamp() == track.t[-1]


def test_a_30_minute_silence_is_a_gap():
    track = new_track().walk((200, 0))
    quiet_from = track.t[-1]
    track.silence(30 * 60).walk((0, 0))
    window = Span(utc(2025, 1, 10, 1, 0), utc(2025, 1, 10, 1, 0) + timedelta(seconds=track.now - START.timestamp()))
    result = analyse(track, window=window)
    assert len(result.gaps) == 1
    gap = result.gaps[0]
    assert gap.start.timestamp() == quiet_from
    assert gap.seconds == pytest.approx(30 * 60 + 10)


def test_a_silence_during_a_declared_break_is_not_a_gap():
    track = new_track().walk((200, 0))
    quiet_from = track.t[-1]
    track.silence(30 * 60).walk((0, 0))
    lunch = Span(utc(2025, 1, 10, 1, 0) + timedelta(seconds=quiet_from - START.timestamp() - 60),
                 utc(2025, 1, 10, 1, 0) + timedelta(seconds=quiet_from - START.timestamp() + 1900))
    window = Span(START, START + timedelta(seconds=track.now - START.timestamp()))
    assert analyse(track, window=window, breaks=[lunch]).gaps == []


def test_silence_until_the_end_of_the_shift_or_until_now_is_a_gap():
    track = new_track().walk((200, 0))
    result = analyse(track)
    assert result.gaps[-1].end == WINDOW.end
    as_of = START + timedelta(minutes=30)
    result = analyse(track, as_of=as_of)
    assert result.gaps[-1].end == as_of


def test_a_shift_with_no_fixes_is_one_long_gap():
    result = analyse(new_track())
    assert result.points == 0 and result.first_fix is None
    assert result.gaps == [WINDOW]


def test_a_fix_at_200_kmh_is_a_speed_jump():
    track = new_track().walk((200, 0)).fix(200 + 555, 0).walk((200, 0), speed=1.2)
    jumps = analyse(track).speed_jumps
    assert len(jumps) >= 1
    assert jumps[0].speed_kmh == pytest.approx(200, rel=0.05)


def test_jitter_between_fixes_one_second_apart_is_not_a_speed_jump():
    track = Track(START.timestamp(), dt=1.0).sit(600, sigma=8, accuracy=20)
    assert analyse(track).speed_jumps == []


def test_a_shift_crossing_midnight_in_harbin_is_analysed_whole():
    start = utc(2025, 1, 10, 13, 0)  # 21:00 local
    window = Span(start, start + timedelta(hours=6))
    track = new_track(start=start).walk((200, 0), (200, 200))
    track.silence(2 * 3600).sit(30 * 60).walk((0, 0), (0, 200))
    result = analyse(track, window=window)
    assert result.first_fix.timestamp() == track.t[0]
    assert result.last_fix.timestamp() == track.t[-1]
    assert len(result.stays) == 1
    assert any(g.seconds > 7000 for g in result.gaps)


def test_only_fixes_within_the_window_and_not_after_as_of_count():
    track = new_track().walk((250, 0), (250, 250), (0, 250), (0, 0))
    n = len(track.t)
    window = Span(START + timedelta(seconds=100), START + timedelta(hours=4))
    result = analyse(track, window=window, as_of=START + timedelta(seconds=500))
    assert result.points == 41
    assert result.points < n


def test_walking_1_km_along_the_street_counts_about_1_km_and_sitting_adds_nothing():
    track = new_track().walk((250, 0), (250, 250), (0, 250), (0, 0))
    walked = analyse(track).distance_m
    assert walked == pytest.approx(1000, rel=0.05)
    track.sit(15 * 60, sigma=18, outliers=0.05)
    assert analyse(track).distance_m == pytest.approx(walked, abs=60)


def test_coverage_of_a_walk_along_one_street_of_a_block_is_partial():
    track = new_track().walk((-290, -290), (290, -290), (-290, -290))
    coverage = analyse(track).coverage
    assert 0 < coverage < 0.3


def test_walking_every_street_of_a_small_grid_covers_it():
    grid = Area.from_geojson(square_area_geojson(0, 0, 100, 100))
    track = new_track()
    for y in (10, 45, 80):
        track.walk((0, y), (100, y), (100, y + 15), (0, y + 15))
    assert analyse(track, area=grid).coverage > 0.9


def test_mock_fixes_in_the_window_are_counted():
    track = new_track().walk((100, 0))
    mock = np.zeros(len(track.t), bool)
    mock[:3] = True
    assert analyse(track, mock=mock).mock_fixes == 3


def test_naive_datetimes_are_refused():
    naive = Span(START.replace(tzinfo=None), WINDOW.end.replace(tzinfo=None))
    with pytest.raises(ValueError, match="timezone"):
        analyse(new_track().walk((10, 0)), window=naive)


def _movingpandas_scan(t, x, y, diameter, duration):
    """movingpandas' TrajectoryStopDetector loop, written plainly, bbox diagonal."""
    def fits(seg):
        xs, ys = x[seg], y[seg]
        return np.hypot(np.ptp(xs), np.ptp(ys)) < diameter
    stops, seg, stopped, before = [], [], False, False
    for i in range(len(t)):
        seg.append(i)
        while not stopped and len(seg) > 2 and t[seg[-1]] - t[seg[0]] >= duration:
            seg.pop(0)
        stopped = len(seg) > 1 and fits(seg)
        if len(seg) > 1 and not stopped and before and t[seg[-2]] - t[seg[0]] >= duration:
            stops.append((seg[0], seg[-2]))
            seg = []
        before = stopped
    if stopped and t[seg[-1]] - t[seg[0]] >= duration:
        stops.append((seg[0], seg[-1]))
    return stops


@pytest.mark.parametrize("seed", range(40))
def test_stops_on_clean_tracks_are_exactly_those_of_the_movingpandas_scan(seed):
    rng = np.random.default_rng(seed)
    n, dt = int(rng.integers(50, 500)), float(rng.choice([1, 5, 10, 30]))
    t = np.cumsum(rng.uniform(0.5, 1.5, n) * dt)
    speed = np.repeat(np.where(rng.random(n) < 0.5, 0.0, rng.uniform(0.3, 2.0, n)), 20)[:n]
    heading = np.repeat(rng.uniform(0, 2 * np.pi, n), 20)[:n]
    x = np.cumsum(speed * np.cos(heading) * dt) + rng.normal(0, 3, n)
    y = np.cumsum(speed * np.sin(heading) * dt) + rng.normal(0, 3, n)
    diameter, duration = float(rng.choice([20, 40, 60])), float(rng.choice([60, 300, 1200]))
    assert detect_stays(t, x, y, diameter, duration) == _movingpandas_scan(t, x, y, diameter, duration)

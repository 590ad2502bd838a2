"""The SVG picture of a track over its grid."""
import sys
from datetime import timedelta
from pathlib import Path

import defusedxml.ElementTree as ET

from supervise.geo.area import Area
from supervise.tracks.analysis import analyze_track
from supervise.tracks.model import AnalysisParams, Span
from supervise.tracks.render import render_svg

sys.path.insert(0, str(Path(__file__).resolve().parent))
from test_analysis_trackgen import Track, square_area_geojson, utc

SVG = "{http://www.w3.org/2000/svg}"
START = utc(2025, 1, 10, 1, 0)
WINDOW = Span(START, START + timedelta(hours=4))
GRID = Area.from_geojson(square_area_geojson(-300, -300, 300, 300))


def eventful_track() -> Track:
    track = Track(START.timestamp()).walk((200, 0)).sit(30 * 60)
    track.walk((250, 0)).walk((420, 0), speed=5).sit(12 * 60).walk((250, 0), speed=5)
    return track.silence(30 * 60).walk((0, 0), (0, 200))


def picture(track: Track, title: str = "道里区 女子中队", area: Area = GRID):
    arrays = track.arrays()
    analysis = analyze_track(*arrays, area, WINDOW, AnalysisParams())
    svg = render_svg(area, arrays[0], arrays[1], arrays[2], analysis, title=title)
    return svg, ET.fromstring(svg), analysis


def texts(root) -> list[str]:
    return [t.text or "" for t in root.iter(f"{SVG}text")]


def test_the_picture_is_valid_svg_with_the_grid_and_the_track():
    _, root, _ = picture(eventful_track())
    assert root.tag == f"{SVG}svg"
    assert root.find(f"{SVG}path[@class='area']") is not None
    assert root.findall(f"{SVG}polyline[@class='track']")


def test_the_excursion_is_drawn_in_red_and_the_gap_dashed():
    _, root, analysis = picture(eventful_track())
    assert analysis.excursions and analysis.gaps
    off = root.findall(f"{SVG}polyline[@class='off']")
    assert off and all(p.get("stroke") == "#d7191c" for p in off)
    gap = root.findall(f"{SVG}line[@class='gap']")
    assert gap and gap[0].get("stroke-dasharray")


def test_each_idle_place_is_a_circle_labelled_with_local_times_and_minutes():
    _, root, analysis = picture(eventful_track())
    assert len(root.findall(f"{SVG}circle[@class='idle']")) == len(analysis.stays) >= 1
    labels = [t for t in texts(root) if "min" in t and "–" in t]
    assert labels and labels[0].startswith("09:")  # 01:xx UTC is 09:xx in Harbin


def test_the_picture_has_a_scale_bar_a_north_arrow_and_a_bilingual_legend():
    _, root, _ = picture(eventful_track())
    assert root.find(f"{SVG}g[@class='scale-bar']") is not None
    assert root.find(f"{SVG}g[@class='north-arrow']") is not None
    legend = " ".join(texts(root))
    for word in ("网格", "Grid", "轨迹", "离岗", "滞留", "Idle", "失联"):
        assert word in legend
    assert "Noto Sans CJK SC" in root.get("font-family")


def test_the_title_is_escaped():
    _, root, _ = picture(eventful_track(), title='<script>&"x"</script>')
    assert '<script>&"x"</script>' in texts(root)


def test_a_shift_without_fixes_still_draws_the_grid_and_the_fixed_post_too():
    _, root, _ = picture(Track(START.timestamp()))
    assert root.find(f"{SVG}path[@class='area']") is not None
    post = Area.circle(45.7735, 126.6105, 30)
    _, root, _ = picture(Track(START.timestamp()).sit(600), area=post)
    assert root.find(f"{SVG}path[@class='area']") is not None


def test_the_gap_is_drawn_over_the_track_not_under_it():
    _, root, _ = picture(eventful_track())
    tags = [(child.tag, child.get("class")) for child in root]
    last_track = max(i for i, (tag, cls) in enumerate(tags) if tag == f"{SVG}polyline")
    first_gap = min(i for i, (tag, cls) in enumerate(tags) if cls == "gap")
    assert first_gap > last_track


def test_two_stays_at_one_place_get_labels_that_do_not_overlap():
    track = Track(START.timestamp()).walk((100, 0)).sit(25 * 60).walk((250, 0), (104, 0)).sit(25 * 60)
    _, root, analysis = picture(track.walk((0, 0)))
    assert len(analysis.stays) >= 2
    spots = [(float(t.get("x")), float(t.get("y"))) for t in root.iter(f"{SVG}text")
             if t.get("class") == "idle-label"]
    for k, (x, y) in enumerate(spots):
        for x2, y2 in spots[k + 1:]:
            assert abs(y - y2) >= 14 or abs(x - x2) > 120

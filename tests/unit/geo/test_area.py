"""Patrol areas: grids from GeoJSON and fixed posts as circles."""
import numpy as np
import pytest

from supervise.geo.area import Area, validate_polygon_geojson
from supervise.geo.distance import LocalProjection

LAT0, LON0 = 45.7735, 126.6105  # Central Street, Harbin
PROJ = LocalProjection(LAT0, LON0)


def square(side_m: float = 200.0, closed: bool = True) -> dict:
    h = side_m / 2
    ring = [PROJ.to_latlon(x, y)[::-1] for x, y in [(-h, -h), (h, -h), (h, h), (-h, h)]]
    ring = [list(p) for p in ring]
    if closed:
        ring.append(ring[0])
    return {"type": "Polygon", "coordinates": [ring]}


def at(x: float, y: float) -> tuple[float, float]:
    return PROJ.to_latlon(x, y)


def test_a_point_inside_the_grid_is_at_distance_zero():
    area = Area.from_geojson(square())
    assert area.distance_m(*at(30, -20)) == 0.0
    assert area.contains(*at(30, -20))


def test_a_point_50_m_east_of_the_grid_edge_is_50_m_away():
    area = Area.from_geojson(square())
    assert area.distance_m(*at(150, 0)) == pytest.approx(50, abs=0.1)
    assert not area.contains(*at(150, 0))


def test_distances_are_vectorized_over_arrays_of_fixes():
    area = Area.from_geojson(square())
    lats, lons = at(np.array([0.0, 150.0, 100.0 + 30.0]), np.array([0.0, 0.0, 140.0]))
    d = area.distances_m(lats, lons)
    assert d == pytest.approx([0.0, 50.0, 50.0], abs=0.1)


def test_a_fixed_post_is_a_circle_with_exact_distances():
    post = Area.circle(LAT0, LON0, 30.0)
    assert post.distance_m(*at(0, 20)) == 0.0
    assert post.distance_m(*at(0, 80)) == pytest.approx(50, abs=0.05)
    assert post.area_m2 == pytest.approx(np.pi * 900)
    assert post.is_circle


def test_area_bbox_and_centroid_are_in_wgs84():
    area = Area.from_geojson(square())
    min_lon, min_lat, max_lon, max_lat = area.bbox
    assert min_lon < LON0 < max_lon and min_lat < LAT0 < max_lat
    assert area.centroid == pytest.approx((LAT0, LON0), abs=1e-6)
    assert area.area_m2 == pytest.approx(40_000, rel=1e-3)


def test_a_feature_and_a_multipolygon_are_accepted():
    sq = square()
    multi = {"type": "MultiPolygon", "coordinates": [sq["coordinates"]]}
    area = Area.from_geojson({"type": "Feature", "properties": {}, "geometry": multi})
    assert area.area_m2 == pytest.approx(40_000, rel=1e-3)


def test_an_unclosed_ring_is_reported_but_closed_on_import():
    geom = square(closed=False)
    assert any("not closed" in p for p in validate_polygon_geojson(geom))
    assert Area.from_geojson(geom).area_m2 == pytest.approx(40_000, rel=1e-3)


def test_a_self_intersecting_bow_tie_is_reported_and_repaired_on_import():
    a, b, c, d = (list(at(x, y)[::-1]) for x, y in [(0, 0), (100, 100), (100, 0), (0, 100)])
    geom = {"type": "Polygon", "coordinates": [[a, b, c, d, a]]}
    assert any("Self-intersection" in p for p in validate_polygon_geojson(geom))
    area = Area.from_geojson(geom)
    assert area.area_m2 == pytest.approx(5_000, rel=1e-2)


def test_a_good_polygon_has_no_problems():
    assert validate_polygon_geojson(square()) == []


@pytest.mark.parametrize("geometry,words", [
    ({"type": "Point", "coordinates": [126.6, 45.7]}, "not Polygon"),
    ("POLYGON((0 0, 1 0, 1 1, 0 0))", "not a GeoJSON object"),
    ({"type": "Polygon", "coordinates": [[[126.6, 45.7], [126.7, 45.7], [126.6, 45.7]]]},
     "at least 4"),
    ({"type": "Polygon", "coordinates": [[[45.7, 126.6], [45.8, 126.6], [45.8, 126.7],
                                          [45.7, 126.6]]]}, "out of range"),
    ({"type": "Polygon", "coordinates": [[[126.6, "45.7"], [126.7, 45.7], [126.7, 45.8],
                                          [126.6, 45.7]]]}, "numbers"),
    ({"type": "Polygon", "coordinates": []}, "no coordinates"),
])
def test_broken_geometries_are_reported_and_refused(geometry, words):
    problems = validate_polygon_geojson(geometry)
    assert any(words in p for p in problems), problems
    with pytest.raises(ValueError):
        Area.from_geojson(geometry)


def test_to_geojson_gives_back_the_polygon_in_lon_lat():
    geom = square()
    back = Area.from_geojson(geom).to_geojson()
    assert back["type"] == "MultiPolygon"
    assert np.allclose(np.array(back["coordinates"][0][0]), np.array(geom["coordinates"][0]),
                       atol=1e-9)


def test_fast_edge_distances_agree_with_shapely_for_an_irregular_grid():
    import shapely

    rng = np.random.default_rng(3)
    ang = np.sort(rng.uniform(0, 2 * np.pi, 12))
    rad = rng.uniform(100, 300, 12)
    ring = [list(at(r * np.cos(a), r * np.sin(a))[::-1]) for a, r in zip(ang, rad, strict=True)]
    area = Area.from_geojson({"type": "Polygon", "coordinates": [ring + [ring[0]]]})
    x, y = rng.uniform(-500, 500, 300), rng.uniform(-500, 500, 300)
    lats, lons = at(x, y)
    px, py = area.projection.to_xy(lats, lons)
    expected = shapely.distance(area.geometry_xy, shapely.points(px, py))
    assert np.allclose(area.distances_m(lats, lons), expected, atol=1e-6)


def test_a_ring_across_the_180th_meridian_is_refused_as_far_too_wide():
    geom = {"type": "Polygon", "coordinates": [[[179.9, 45.0], [-179.9, 45.0], [-179.9, 46.0], [179.9, 45.0]]]}
    problems = validate_polygon_geojson(geom)
    assert any("spans 359.8° of longitude" in p for p in problems)


def test_a_district_sized_polygon_is_not_too_wide():
    geom = {"type": "Polygon", "coordinates": [[[126.0, 45.0], [128.0, 45.0], [128.0, 46.5], [126.0, 45.0]]]}
    assert validate_polygon_geojson(geom) == []

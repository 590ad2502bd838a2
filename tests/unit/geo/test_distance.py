"""Great-circle distances and the local metric projection."""
import numpy as np
import pytest

from supervise.geo.distance import LocalProjection, haversine_m


def test_one_degree_of_latitude_is_about_111_km():
    assert haversine_m(45.0, 126.0, 46.0, 126.0) == pytest.approx(111_195, rel=1e-3)


def test_one_degree_of_longitude_in_harbin_is_about_78_km():
    assert haversine_m(45.77, 126.0, 45.77, 127.0) == pytest.approx(77_600, rel=5e-3)


def test_haversine_takes_arrays_and_gives_a_float_for_scalars():
    d = haversine_m(np.array([45.77, 45.78]), np.array([126.61, 126.62]), 45.77, 126.61)
    assert d.shape == (2,) and d[0] == 0.0
    assert isinstance(haversine_m(45.77, 126.61, 45.78, 126.62), float)


def test_the_local_projection_measures_city_distances_like_haversine():
    proj = LocalProjection(45.77, 126.61)
    lat, lon = 45.80, 126.66
    x, y = proj.to_xy(lat, lon)
    assert np.hypot(x, y) == pytest.approx(haversine_m(45.77, 126.61, lat, lon), rel=1e-3)
    assert x > 0 and y > 0


def test_the_local_projection_round_trips():
    proj = LocalProjection(45.77, 126.61)
    lats, lons = np.array([45.70, 45.9]), np.array([126.4, 126.8])
    back = proj.to_latlon(*proj.to_xy(lats, lons))
    assert np.allclose(back, (lats, lons), atol=1e-12)

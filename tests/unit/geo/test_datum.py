"""Datum conversion: checked against the independent `prcoords` package."""
import json
from pathlib import Path

import numpy as np
import pytest
import shapely
from shapely.geometry import shape

from supervise.geo import datum
from supervise.geo.distance import haversine_m

prcoords = pytest.importorskip("prcoords")

FIXTURES = Path(__file__).resolve().parents[3] / ".." / "shared" / "fixtures"
DISTRICTS = FIXTURES / "geo" / "harbin_districts_gcj02.json"

RNG = np.random.default_rng(7)
HARBIN = list(zip(RNG.uniform(126.4, 126.8, 60), RNG.uniform(45.6, 45.9, 60)))
CHINA = list(zip(RNG.uniform(75.0, 134.0, 60), RNG.uniform(18.0, 53.0, 60)))
POINTS = HARBIN + CHINA


@pytest.fixture
def exact_prcoords(monkeypatch):
    # prcoords stops its inverse iteration at 1e-5 degrees by default; tighten it
    monkeypatch.setattr(prcoords, "PRC_EPS", 1e-12)
    return prcoords


def _m(lon1, lat1, lon2, lat2):
    return haversine_m(lat1, lon1, lat2, lon2)


@pytest.mark.parametrize("lon,lat", POINTS)
def test_forward_conversions_agree_with_prcoords_to_a_millionth_of_a_degree(lon, lat):
    g = prcoords.wgs_gcj((lat, lon))
    assert datum.wgs84_to_gcj02(lon, lat) == pytest.approx((g.lon, g.lat), abs=1e-6)
    b = prcoords.gcj_bd((lat, lon))
    assert datum.gcj02_to_bd09(lon, lat) == pytest.approx((b.lon, b.lat), abs=1e-6)
    wb = prcoords.wgs_bd((lat, lon))
    assert datum.wgs84_to_bd09(lon, lat) == pytest.approx((wb.lon, wb.lat), abs=1e-6)


@pytest.mark.parametrize("lon,lat", POINTS)
def test_inverse_conversions_agree_with_prcoords_within_5_cm(lon, lat, exact_prcoords):
    w = exact_prcoords.gcj_wgs_bored((lat, lon))
    assert _m(*datum.gcj02_to_wgs84(lon, lat), w.lon, w.lat) < 0.05
    g = exact_prcoords.bd_gcj_bored((lat, lon))
    assert _m(*datum.bd09_to_gcj02(lon, lat), g.lon, g.lat) < 0.05
    wb = exact_prcoords.bd_wgs_bored((lat, lon))
    assert _m(*datum.bd09_to_wgs84(lon, lat), wb.lon, wb.lat) < 0.05


def test_inverses_undo_the_forward_transform_to_a_billionth_of_a_degree():
    lon, lat = np.array(POINTS).T
    assert np.allclose(datum.gcj02_to_wgs84(*datum.wgs84_to_gcj02(lon, lat)), (lon, lat),
                       rtol=0, atol=2e-9)
    assert np.allclose(datum.bd09_to_gcj02(*datum.gcj02_to_bd09(lon, lat)), (lon, lat),
                       rtol=0, atol=2e-9)
    assert np.allclose(datum.bd09_to_wgs84(*datum.wgs84_to_bd09(lon, lat)), (lon, lat),
                       rtol=0, atol=4e-9)


def test_the_one_step_inverse_would_be_off_by_metres_so_iterating_matters():
    lon, lat = 126.6105, 45.7735
    glon, glat = datum.wgs84_to_gcj02(lon, lat)
    crude = prcoords.gcj_wgs((glat, glon))
    assert _m(crude.lon, crude.lat, lon, lat) > 0.1
    assert _m(*datum.gcj02_to_wgs84(glon, glat), lon, lat) < 0.001


def test_arrays_convert_element_by_element_like_scalars():
    lon, lat = np.array(HARBIN).T
    alon, alat = datum.bd09_to_wgs84(lon.reshape(6, 10), lat.reshape(6, 10))
    assert alon.shape == (6, 10)
    slon, slat = datum.bd09_to_wgs84(float(lon[13]), float(lat[13]))
    assert isinstance(slon, float)
    assert (alon.ravel()[13], alat.ravel()[13]) == pytest.approx((slon, slat), abs=1e-12)


def test_near_harbin_gcj02_is_several_hundred_metres_off_and_bd09_over_a_kilometre():
    lon, lat = 126.6105, 45.7735
    gcj = _m(*datum.wgs84_to_gcj02(lon, lat), lon, lat)
    bd = _m(*datum.wgs84_to_bd09(lon, lat), lon, lat)
    assert 300 < gcj < 800
    assert 1000 < bd < 1700


def test_outside_china_gcj02_is_wgs84():
    for lon, lat in [(2.35, 48.85), (-74.0, 40.7), (151.2, -33.9), (37.6, 55.75)]:
        assert datum.wgs84_to_gcj02(lon, lat) == (lon, lat)
        assert datum.gcj02_to_wgs84(lon, lat) == (lon, lat)


def test_to_wgs84_dispatches_on_the_datum_name_and_refuses_unknown_ones():
    lon, lat = 126.62, 45.76
    assert datum.to_wgs84(lon, lat, "wgs84") == (lon, lat)
    assert datum.to_wgs84(lon, lat, "gcj02") == datum.gcj02_to_wgs84(lon, lat)
    assert datum.to_wgs84(lon, lat, "BD-09") == datum.bd09_to_wgs84(lon, lat)
    with pytest.raises(ValueError, match="datum"):
        datum.to_wgs84(lon, lat, "cgcs2000x")


def _districts_in_wgs84():
    if not DISTRICTS.exists():
        pytest.skip(f"shared fixtures not found at {DISTRICTS}")
    features = json.loads(DISTRICTS.read_text(encoding="utf-8"))["features"]
    out = {}
    for f in features:
        geom = shapely.transform(shape(f["geometry"]),
                                 lambda c: np.column_stack(datum.gcj02_to_wgs84(c[:, 0], c[:, 1])))
        out[f["properties"]["name"]] = geom
    return out


def test_central_street_falls_in_daoli_once_the_gcj02_boundaries_are_converted():
    districts = _districts_in_wgs84()
    central_street = shapely.Point(126.6105, 45.7735)  # WGS-84, 中央大街
    found = [name for name, g in districts.items() if g.contains(central_street)]
    assert found == ["道里区"]


def test_converting_the_district_boundaries_moves_them_by_several_hundred_metres():
    if not DISTRICTS.exists():
        pytest.skip(f"shared fixtures not found at {DISTRICTS}")
    f = json.loads(DISTRICTS.read_text(encoding="utf-8"))["features"][0]
    ring = np.array(f["geometry"]["coordinates"][0][0])
    wlon, wlat = datum.gcj02_to_wgs84(ring[:, 0], ring[:, 1])
    shift = haversine_m(ring[:, 1], ring[:, 0], wlat, wlon)
    assert shift.min() > 300 and shift.max() < 800

import numpy as np
import pytest
from pyproj import Geod, Transformer

from landgis import crs
from landgis.crs import CoordinateError, check_coordinates, resolve_crs, transformer

# The seven parameters of QĐ 05/2007/QĐ-BTNMT (EPSG:6960), written out independently of PROJ's
# database, as a land officer would type them.
EXPLICIT_9216_TO_WGS84 = (
    "+proj=pipeline "
    "+step +inv +proj=tmerc +lat_0=0 +lon_0=107.5 +k=0.9999 +x_0=500000 +y_0=0 +ellps=WGS84 "
    "+step +proj=cart +ellps=WGS84 "
    "+step +proj=helmert +x=-191.90441429 +y=-39.30318279 +z=-111.45032835 "
    "+rx=-0.00928836 +ry=0.01975479 +rz=-0.00427372 +s=0.252906278 "
    "+convention=coordinate_frame "
    "+step +inv +proj=cart +ellps=WGS84 "
    "+step +proj=unitconvert +xy_in=rad +xy_out=deg"
)

# KCN Hòa Bình phase 2 area and the Bờ Y border gate on the Kon Tum plane.
POINTS = np.array([[552_000.0, 1_590_000.0], [506_700.0, 1_625_800.0]])


def _metres_between(lon1, lat1, lon2, lat2):
    return Geod(ellps="WGS84").inv(lon1, lat1, lon2, lat2)[2]


def test_storage_to_wgs84_is_pinned_to_the_decision_parameters():
    ours = transformer(9216, 4326).transform(POINTS[:, 0], POINTS[:, 1])
    ref = Transformer.from_pipeline(EXPLICIT_9216_TO_WGS84).transform(POINTS[:, 0], POINTS[:, 1])
    np.testing.assert_allclose(ours, ref, rtol=0, atol=1e-9)


@pytest.mark.parametrize("epsg", [5898, 3405, 4756])
def test_other_vn2000_crs_use_epsg_6960_not_6959(epsg):
    t = transformer(epsg, 4326)
    names = [op.name for op in t.operations]
    assert "VN-2000 to WGS 84 (2)" in names
    assert "VN-2000 to WGS 84 (1)" not in names
    back = [op.name for op in transformer(4326, epsg).operations]
    assert "Inverse of VN-2000 to WGS 84 (2)" in back


def test_flipped_rotation_signs_would_be_about_a_metre_off():
    flipped = (EXPLICIT_9216_TO_WGS84.replace("+rx=-", "+rx=").replace("+ry=", "+ry=-")
               .replace("+rz=-", "+rz="))
    x, y = POINTS[0]
    a = transformer(9216, 4326).transform(x, y)
    b = Transformer.from_pipeline(flipped).transform(x, y)
    assert 0.3 < _metres_between(*a, *b) < 3


def test_round_trip_through_wgs84_within_a_millimetre():
    xs, ys = np.meshgrid(np.linspace(420_000, 580_000, 9), np.linspace(1_500_000, 1_700_000, 9))
    lon, lat = transformer(9216, 4326).transform(xs.ravel(), ys.ravel())
    x2, y2 = transformer(4326, 9216).transform(lon, lat)
    assert np.hypot(x2 - xs.ravel(), y2 - ys.ravel()).max() < 0.001


def test_projection_constants_exact():
    # On the central meridian 107°30' the easting is the false easting and the northing is
    # k = 0.9999 times the meridian arc from the equator.
    x, y = transformer(4756, 9216).transform(107.5, 14.5)
    arc = Geod(ellps="WGS84").inv(107.5, 0.0, 107.5, 14.5)[2]
    assert x == pytest.approx(500_000.0, abs=1e-6)
    assert y == pytest.approx(0.9999 * arc, abs=1e-4)


def test_internal_vn2000_without_shift_lands_hundreds_of_metres_off():
    x, y = POINTS[0]
    shifted = transformer(9216, 4326).transform(x, y)
    unshifted = transformer(9216, 4756).transform(x, y)  # same numbers read as if WGS 84
    assert 200 < _metres_between(*shifted, *unshifted) < 400


@pytest.mark.parametrize("text,epsg", [
    ("VN-2000 Kon Tum", 9216), ("VN-2000 107.30", 9216), ("vn2000 107-30", 9216),
    ("EPSG:9216", 9216), ("9216", 9216), ("VN-2000 Quảng Ngãi", 5898),
    ("UTM 48N", 3405), ("WGS 84", 4326), (4756, 4756),
])
def test_resolve_crs_names(text, epsg):
    assert resolve_crs(text).to_epsg() == epsg


def test_unknown_crs_name_lists_the_known_ones():
    with pytest.raises(ValueError, match="VN-2000 Kon Tum"):
        resolve_crs("Kon Tum plane please")


def test_degrees_declared_as_vn2000_are_refused():
    with pytest.raises(CoordinateError) as info:
        check_coordinates([107.97, 107.98], [14.38, 14.39], 9216)
    assert "degrees" in str(info.value)
    assert "VN-2000 / TM-3 107-30" in str(info.value)


def test_metres_declared_as_degrees_say_which_plane_they_fit():
    with pytest.raises(CoordinateError) as info:
        check_coordinates(POINTS[:, 0], POINTS[:, 1], 4326)
    message = str(info.value)
    assert "not degrees" in message and "metres" in message
    assert "VN-2000 / TM-3 107-30 (EPSG:9216)" in message


def test_point_outside_vietnam_is_refused():
    with pytest.raises(CoordinateError, match="outside Vietnam"):
        check_coordinates([2.35], [48.85], 4326)  # Paris


def test_swapped_survey_xy_is_recognised():
    # Survey tables give X (northing) first; read as x/y they fall nowhere.
    with pytest.raises(CoordinateError, match="X and Y swapped"):
        check_coordinates(POINTS[:, 1], POINTS[:, 0], 9216)


def test_plausible_coordinates_pass():
    check_coordinates(POINTS[:, 0], POINTS[:, 1], 9216)
    check_coordinates([107.97], [14.38], 4326)


def test_to_storage_reprojects_a_layer(parcels_gdf):
    back = crs.to_storage(crs.to_wgs84(parcels_gdf))
    assert back.crs.to_epsg() == 9216
    assert (back.geometry.area - parcels_gdf.geometry.area).abs().max() < 1e-3

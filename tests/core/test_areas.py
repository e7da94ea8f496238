import geopandas as gpd
import numpy as np
import pytest
import shapely
from pyproj import Geod

from landgis import areas, crs as crsmod
from tests.conftest import X0, Y0, square

GEOD = Geod(ellps="WGS84")
BO_Y = (507_000.0, 1_626_000.0)  # near the border gate, on the Kon Tum plane


def layer(*geoms, crs=9216):
    return gpd.GeoDataFrame({"parcel_id": [f"p{i}" for i in range(len(geoms))]},
                            geometry=list(geoms), crs=crs)


def geod_area(gdf):
    ll = crsmod.to_wgs84(gdf)
    return np.array([abs(GEOD.geometry_area_perimeter(g)[0]) for g in ll.geometry])


def test_a_100_m_square_is_one_hectare_on_the_plane():
    assert areas.plane_area(layer(square(0, 0))) == pytest.approx([10_000.0], abs=1e-9)


@pytest.mark.parametrize("size", [10.0, 100.0, 1_000.0, 20_000.0])
@pytest.mark.parametrize("where", [(X0, Y0), BO_Y])
def test_ellipsoidal_area_agrees_with_pyproj_geod(size, where):
    x, y = where
    gdf = layer(shapely.box(x, y, x + size, y + size))
    ours = areas.ellipsoidal_area(gdf)
    assert ours == pytest.approx(geod_area(gdf), abs=0.01)


def test_plane_is_smaller_than_the_ellipsoid_by_the_published_amount():
    # kontum-facts.md: about 0.013 % near Kon Tum city, 0.020 % near Bờ Y
    for (x, y), expected in (((X0, Y0), -0.013), (BO_Y, -0.020)):
        gdf = layer(shapely.box(x, y, x + 100, y + 100))
        ratio = (areas.plane_area(gdf) / areas.ellipsoidal_area(gdf) - 1) * 100
        assert ratio[0] == pytest.approx(expected, abs=0.003)


def test_holes_and_multipolygons_sum_right():
    with_hole = square(0, 0, 200).difference(square(50, 50, 100))   # 40,000 - 10,000
    multi = shapely.MultiPolygon([square(300, 0), square(500, 0, 50)])  # 10,000 + 2,500
    gdf = layer(with_hole, multi)
    assert areas.plane_area(gdf).tolist() == pytest.approx([30_000.0, 12_500.0], abs=1e-9)
    assert areas.ellipsoidal_area(gdf) == pytest.approx(geod_area(gdf), abs=0.01)


def test_degrees_and_web_mercator_are_refused_unless_a_plane_is_named():
    wgs = crsmod.to_wgs84(layer(square(0, 0)))
    with pytest.raises(ValueError, match="degrees"):
        areas.plane_area(wgs)
    with pytest.raises(ValueError, match="6.5 %"):
        areas.plane_area(wgs, plane=3857)
    assert areas.plane_area(wgs, plane="VN-2000 Kon Tum") == pytest.approx([10_000], abs=1e-3)
    # on the Quảng Ngãi plane (central meridian 108°, 3 km away) the scale is about 0.9999:
    # the same square is about 0.7 m² smaller than on the Kon Tum plane, 52 km from its meridian
    assert areas.plane_area(wgs, plane=5898)[0] == pytest.approx(9_999.33, abs=0.05)


def test_tolerance_rule_and_flat_percentage():
    assert areas.tolerance_m2([10_000.0]).tolist() == [80.0]  # 0.0004 * 2000 * 100
    assert areas.tolerance_m2([10_000.0], map_scale=1000).tolist() == [40.0]
    assert areas.tolerance_m2([10_000.0], tolerance_pct=1.5).tolist() == [150.0]


def test_parcel_areas_flag_differences_beyond_tolerance(parcels_gdf):
    gdf = parcels_gdf.copy()
    gdf.loc[0, "legal_area_m2"] = 10_100.0   # 100 m² off: beyond the 80 m² rule
    gdf.loc[1, "legal_area_m2"] = 9_950.0    # 50 m² off: within
    table = areas.parcel_areas(gdf).set_index("parcel_id")
    assert table.loc["23296-1-1", "difference_m2"] == pytest.approx(-100.0)
    assert table.loc["23296-1-1", "beyond_tolerance"]
    assert not table.loc["23296-1-2", "beyond_tolerance"]
    assert table["plane_area_m2"].tolist() == pytest.approx([10_000.0] * 4)
    strict = areas.parcel_areas(gdf, tolerance_pct=0.1).set_index("parcel_id")
    assert strict["beyond_tolerance"].sum() == 2


def test_polygon_areas_and_parcels_touched(parcels_gdf):
    drawn = crsmod.to_wgs84(layer(square(50, 50, 100)))
    table, touched = areas.polygon_areas(drawn, parcels_gdf)
    assert table["plane_area_m2"].iloc[0] == pytest.approx(10_000, abs=0.01)
    assert table["parcels"].iloc[0] == 4
    # through WGS 84 and back each vertex moves by well under a millimetre
    assert touched["overlap_m2"].tolist() == pytest.approx([2_500] * 4, abs=0.05)


def test_polygon_report_reads_the_parcels_it_needs_from_the_store(store):
    """Two polygons, one over parcels 1 and 2, one far away: the store's parcels are read
    around them (bbox) and the touched ones carry the columns asked for."""
    drawn = crsmod.to_wgs84(layer(square(10, 10, 150), square(5_000, 5_000, 10)))
    table, touched = areas.polygon_report(store, drawn, columns=("zone_code", "legal_area_m2"))
    assert table["parcels"].tolist() == [4, 0]
    assert table["plane_area_m2"].tolist() == pytest.approx([22_500, 100], abs=0.01)
    assert list(touched.columns) == ["polygon", "parcel_id", "overlap_m2", "parcel_area_m2",
                                     "zone_code", "legal_area_m2"]
    assert touched["parcel_id"].tolist() == [f"23296-1-{i}" for i in range(1, 5)]
    assert touched["legal_area_m2"].tolist() == [10_001.0, 10_002.0, 10_003.0, 10_004.0]
    assert touched["overlap_m2"].tolist() == pytest.approx([8_100, 5_400, 5_400, 3_600],
                                                           abs=0.05)
    with pytest.raises(ValueError, match="no CRS"):
        areas.polygon_report(store, gpd.GeoDataFrame(geometry=[square(0, 0)]))


def test_large_multipolygon_parts_wound_differently_still_add_up():
    a = shapely.box(X0, Y0, X0 + 10_000, Y0 + 10_000)                  # counter-clockwise
    b = shapely.box(X0 + 20_000, Y0, X0 + 30_000, Y0 + 10_000).reverse()  # clockwise
    both = layer(shapely.MultiPolygon([a, b]))
    parts = areas.ellipsoidal_area(layer(a)) + areas.ellipsoidal_area(layer(b.reverse()))
    assert areas.ellipsoidal_area(both) == pytest.approx(parts, abs=0.01)
    assert areas.ellipsoidal_area(both)[0] > 2e8 * 0.999

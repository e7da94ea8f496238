"""A zones file whose decision date GDAL reads as a Date imports, and the map page still opens."""

import fiona
import geopandas as gpd
import pytest
import shapely

from landgis.ingest.importer import commit_import, prepare_import
from tests.conftest import square

ZONE = {"zone_code": "KCN-T1", "name_vi": "KCN thử", "name_en": "Test park", "kind": "kcn",
        "status": "planned", "source": "surveyed"}
#: every optional column but the date
DECIDED = {**ZONE, "phase": "1", "decision_no": "358/QĐ-CT", "planned_area_ha": 4.0}


def zones_file(tmp_path, driver, suffix):
    """The test zone in a real file whose decision date is a Date field (fiona says so); a
    shapefile names its fields as offices do (at most 10 characters)."""
    path = tmp_path / f"khu{suffix}"
    names = ({"decision_no": "SoQD", "decision_date": "NgayQD", "planned_area_ha": "DTQH"}
             if suffix == ".shp" else {})
    values = {names.get(k, k): v for k, v in {**DECIDED, "decision_date": "2013-06-19"}.items()}
    date_field = names.get("decision_date", "decision_date")
    schema = {"geometry": "MultiPolygon",
              "properties": {k: "date" if k == date_field else type(v).__name__
                             for k, v in values.items()}}
    geometry = shapely.geometry.mapping(shapely.MultiPolygon([square(0, 0, 200)]))
    with fiona.open(path, "w", driver=driver, schema=schema, crs="EPSG:9216",
                    encoding="utf-8") as out:
        out.write(fiona.Feature(geometry=fiona.Geometry.from_dict(geometry),
                                properties=fiona.Properties(**values)))
    with fiona.open(path) as back:
        assert back.schema["properties"][date_field] == "date"
        assert set(back.schema["properties"]) == set(values)
    return path


def geojson_with_date_text(tmp_path, _driver=None, _suffix=None):
    """The case first reported: ISO text in a GeoJSON, which GDAL reads as a Date."""
    path = tmp_path / "khu.geojson"
    gpd.GeoDataFrame([{**DECIDED, "decision_date": "2013-06-19"}],
                     geometry=[shapely.MultiPolygon([square(0, 0, 200)])],
                     crs=9216).to_crs(4326).to_file(path, driver="GeoJSON")
    return path


@pytest.mark.parametrize("make, driver, suffix", [
    (geojson_with_date_text, None, None),
    (zones_file, "ESRI Shapefile", ".shp"),
    (zones_file, "GPKG", ".gpkg"),
    (zones_file, "GeoJSON", ".geojson"),
], ids=["geojson-text", "shapefile", "geopackage", "geojson"])
def test_a_date_typed_decision_date_imports_as_iso_text_and_the_page_opens(
        client, store, tmp_path, make, driver, suffix):
    plan = prepare_import(make(tmp_path, driver, suffix), "zones")
    assert plan.ok, plan.report.to_text()
    commit_import(store, plan, user="an")
    assert store.read_layer("zones")["decision_date"].tolist() == ["2013-06-19"]
    page = client.get("/")
    assert page.status_code == 200
    zones = client.get("/api/zones")
    assert zones.status_code == 200
    assert zones.get_json()["features"][0]["properties"]["decision_date"] == "2013-06-19"


def test_a_zones_file_without_the_optional_columns_still_opens_the_page(client, store, tmp_path):
    path = tmp_path / "khu.geojson"
    gpd.GeoDataFrame([ZONE], geometry=[shapely.MultiPolygon([square(0, 0, 200)])],
                     crs=9216).to_file(path, driver="GeoJSON")
    commit_import(store, prepare_import(path, "zones"), user="an")
    assert client.get("/").status_code == 200
    props = client.get("/api/zones").get_json()["features"][0]["properties"]
    assert props["decision_no"] is None and props["decision_date"] is None


def test_a_decision_date_that_is_no_date_is_an_import_error(store, tmp_path):
    path = tmp_path / "khu.geojson"
    gpd.GeoDataFrame([{**ZONE, "decision_date": "31/02/2013"}],
                     geometry=[shapely.MultiPolygon([square(0, 0, 200)])],
                     crs=9216).to_file(path, driver="GeoJSON")
    plan = prepare_import(path, "zones")
    assert not plan.ok
    assert "'31/02/2013' không có trong lịch / is not a real date" in plan.report.to_text()

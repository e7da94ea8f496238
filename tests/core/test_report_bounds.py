"""Import reports stay short whatever the file: parcels stacked on one another, a parcel number
used a hundred times in a drawing, and ids that cannot name a parcel."""

from __future__ import annotations

import json

import geopandas as gpd
import pytest
import shapely

from landgis.ingest.cad import DUPLICATE_PARCEL, BAD_LABEL, cad_to_parcels
from landgis.ingest.importer import commit_import, prepare_import
from landgis.ingest.readers import SourceError
from landgis.validation import MAX_OVERLAPS, REPORT_FINDINGS, validate
from tests.conftest import square
from tests.core.test_cad import _dxf


def stacked(parcels_gdf, n):
    """``n`` parcels with their own ids, all drawn on the same 1-ha square."""
    row = parcels_gdf.iloc[[0]]
    gdf = gpd.GeoDataFrame(row.loc[row.index.repeat(n)].reset_index(drop=True), crs=9216)
    gdf["parcel_no"] = range(1, n + 1)
    gdf["parcel_id"] = [f"23296-1-{i}" for i in gdf["parcel_no"]]
    return gdf


def test_parcels_stacked_on_one_another_give_a_bounded_report(parcels_gdf, zones_gdf):
    gdf = stacked(parcels_gdf, 1500)  # 1,124,250 overlapping pairs
    far = zones_gdf.copy()
    far["geometry"] = [shapely.MultiPolygon([square(50_000, 50_000)])]  # every parcel outside
    report = validate(gdf, "parcels", zones=far)
    counts = report.counts()
    assert counts["overlap"] == MAX_OVERLAPS and counts["outside_zones"] == 1500
    assert any(f"stopped after the first {MAX_OVERLAPS}" in n for n in report.notes)
    html = report.to_html()
    assert len(html) < 1_000_000
    assert html.count("<tr class='warning'>") == 2 * REPORT_FINDINGS
    assert f"{1500 - REPORT_FINDINGS:,} more not listed" in html
    doc = json.loads(report.to_json())
    assert len(doc["findings"]) == 2 * REPORT_FINDINGS
    assert doc["not_listed"] == {"outside_zones": 1500 - REPORT_FINDINGS}
    assert doc["counts"]["outside_zones"] == 1500  # the totals stay whole
    assert len(report.to_text()) < 20_000


def grid_edges(n, size=100):
    h = [((x, y), (x + size, y)) for y in range(0, (n + 1) * size, size)
         for x in range(0, n * size, size)]
    v = [((x, y), (x, y + size)) for x in range(0, (n + 1) * size, size)
         for y in range(0, n * size, size)]
    return h + v


def test_a_parcel_number_on_a_hundred_polygons_is_one_short_issue(tmp_path):
    labels = {(x, y): "345 CLN 10000" for x in range(0, 1000, 100) for y in range(0, 1000, 100)}
    parcels, report = cad_to_parcels(_dxf(tmp_path / "lap.dxf", edges=grid_edges(10),
                                          labels=labels))
    (dup,) = report.by_kind(DUPLICATE_PARCEL)
    assert "parcel 345 labels 100 polygons" in dup.message and "and 95 more" in dup.message
    assert len(dup.message) < 400


def test_a_polygon_full_of_texts_is_one_short_issue(tmp_path):
    extra = [("NHAN", f"ghi chú số {i} " + "x" * 200, (5 + i, 5 + i)) for i in range(40)]
    parcels, report = cad_to_parcels(_dxf(tmp_path / "chu.dxf", labels={}, extra=extra))
    issues = [i for i in report.by_kind(BAD_LABEL) if "40 texts" in i.message]
    assert len(issues) == 1 and "and 35 more" in issues[0].message
    assert len(issues[0].message) < 1000
    assert len(str(report)) < 20_000


BAD_IDS = ["23296/1/1", "23296\x01-1-2", "=1+2", "23296 1 3", "Ấp-1-4", "9" * 65]


def test_parcel_ids_that_cannot_name_a_parcel_are_refused(store, parcels_gdf, tmp_path):
    gdf = pd_concat(parcels_gdf, parcels_gdf)
    gdf["parcel_no"] = range(1, len(gdf) + 1)
    gdf["parcel_id"] = BAD_IDS + [" 23296-1-7 ", "23296-1-8"]
    path = tmp_path / "ids.geojson"
    gdf.to_file(path, driver="GeoJSON")
    plan = prepare_import(path, "parcels")
    bad = [f for f in plan.report.errors if f.check == "identifier"]
    assert [f.feature for f in bad] == [f"row {i}" for i in range(1, 7)]
    assert "'23296/1/1'" in bad[0].message and "'23296\\x01-1-2'" in bad[1].message
    assert "only unaccented letters, digits" in bad[0].message and "at most 64" in bad[5].message
    assert "23296-1-7" in set(plan.frame["parcel_id"])  # spaces around an id are trimmed
    before = store.read_layer("parcels")
    with pytest.raises(SourceError, match="error"):
        commit_import(store, plan, user="an")
    assert store.read_layer("parcels").equals(before)


def test_a_nul_in_an_id_is_refused(parcels_gdf):
    gdf = parcels_gdf.copy()
    gdf.loc[2, "parcel_id"] = "23296-1-3\x00"  # GDAL's readers cut text at a NUL; others may not
    [bad] = validate(gdf, "parcels").errors
    assert bad.feature == "row 3" and "'23296-1-3\\x00'" in bad.message


def test_a_commune_code_that_cannot_build_an_id_is_refused(parcels_gdf, tmp_path):
    gdf = parcels_gdf.drop(columns=["parcel_id"])
    gdf["commune_code"] = ["23296", "23/296", "23296", "23296"]
    path = tmp_path / "xa.gpkg"
    gdf.to_file(path)
    plan = prepare_import(path, "parcels")
    bad = [f for f in plan.report.errors if f.check == "identifier"]
    assert [f.feature for f in bad] == ["row 2", "row 2"]  # the id built of it, and the code
    assert "parcel_id '23/296-1-2'" in bad[0].message
    assert "commune_code '23/296'" in bad[1].message


def pd_concat(a, b):
    import pandas as pd

    return gpd.GeoDataFrame(pd.concat([a, b], ignore_index=True), crs=a.crs)

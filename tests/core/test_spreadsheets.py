"""Imported text reaches the spreadsheets we write as text, never as a formula: read back
with openpyxl (the cell's type) and csv (the cell's characters)."""

import csv
import datetime as dt

import openpyxl
import pytest

from landgis.dossier import export_dossier
from tests.dossier_checks import hand_over
from tests.scripts.conftest import run_script

FORMULA = '=HYPERLINK("http://x.example/","bấm / click")'
NOW = dt.datetime(2025, 9, 2, 9, 30, tzinfo=dt.timezone(dt.timedelta(hours=7)))


def formula_cells(path):
    wb = openpyxl.load_workbook(path)  # not read-only: cell types as written
    return [(ws.title, c.coordinate) for ws in wb for row in ws.iter_rows() for c in row
            if c.data_type == "f"]


def text_cells(path, needle):
    wb = openpyxl.load_workbook(path)
    return [c for ws in wb for row in ws.iter_rows() for c in row
            if isinstance(c.value, str) and needle in c.value]


@pytest.mark.backends("gpkg")
def test_a_formula_in_imported_names_is_text_in_the_dossier(store, parcels_gdf, tmp_path):
    gdf = parcels_gdf.copy()
    gdf["commune_name"] = FORMULA
    gdf.loc[0, "parcel_id"] = "=1+2"
    store.write_layer("parcels", gdf)
    ids = gdf["parcel_id"].tolist()
    hand_over(store, ids)
    export_dossier(store, tmp_path / "lot", code="BOY-01", name="=SUM(1,2)", parcels=ids,
                   now=NOW)
    xlsx = tmp_path / "lot" / "toa_do.xlsx"
    assert formula_cells(xlsx) == []
    names = text_cells(xlsx, "HYPERLINK")
    assert len(names) == 4 and {c.value for c in names} == {FORMULA}
    assert all(c.data_type == "s" and c.quotePrefix for c in names)
    ids_shown = {c.value for c in text_cells(xlsx, "=1+2")}
    assert ids_shown == {"=1+2"}
    with open(tmp_path / "lot" / "toa_do.csv", encoding="utf-8-sig", newline="") as fh:
        first = {row["parcel_id"] for row in csv.DictReader(fh)}
    assert "'=1+2" in first and "23296-1-2" in first


@pytest.mark.backends("gpkg")
def test_a_formula_in_a_zone_code_is_text_in_the_land_fund_tables(store, parcels_gdf,
                                                                  zones_gdf, tmp_path):
    zones = zones_gdf.copy()
    zones["zone_code"] = FORMULA
    store.write_layer("zones", zones)
    gdf = parcels_gdf.copy()
    gdf["zone_code"] = FORMULA
    store.write_layer("parcels", gdf)
    xlsx, out_csv = tmp_path / "quy_dat.xlsx", tmp_path / "quy_dat.csv"
    for out in (xlsx, out_csv):
        done = run_script("parcel_area.py", "--db", store.url, "--parcels", "--out", out)
        assert done.returncode == 0, done.stderr
    assert formula_cells(xlsx) == []
    shown = text_cells(xlsx, "HYPERLINK")
    assert shown and {c.value for c in shown} == {FORMULA}
    with open(tmp_path / "quy_dat-by_zone.csv", encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert rows[0]["zone_code"] == "'" + FORMULA
    assert float(rows[0]["area_ha"]) == 4.0  # numbers stay numbers

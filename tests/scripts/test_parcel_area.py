import json

import openpyxl
import pandas as pd
import pytest

from tests.conftest import with_password
from tests.webmap.test_api import lonlat_square


@pytest.mark.backends("gpkg")  # output format only; PostGIS gives the same tables (test_init_db)
def test_tables_in_the_terminal_use_vietnamese_numbers(store, script):
    out = script("parcel_area.py", "--db", store.url)
    assert out.returncode == 0, out.stderr
    assert "Giải phóng mặt bằng theo khu / clearance by zone" in out.stdout
    assert "4,00" in out.stdout          # 4 ha in the zone, written the Vietnamese way
    assert "đang khiếu nại" in out.stdout


@pytest.mark.backends("gpkg")  # output format only
def test_xlsx_has_a_sheet_per_table_with_units(store, script, tmp_path):
    xlsx = tmp_path / "quy_dat.xlsx"
    out = script("parcel_area.py", "--db", store.url, "--parcels", "--out", xlsx)
    assert out.returncode == 0, out.stderr
    wb = openpyxl.load_workbook(xlsx)
    assert {"by_zone", "clearance", "auction", "parcel_areas", "about"} <= set(wb.sheetnames)
    headers = [c.value for c in wb["parcel_areas"][1]]
    assert "DT mặt phẳng VN-2000 (m²) / plane area (m²)" in headers
    assert "DT ellipsoid WGS 84 (m²) / ellipsoidal area (m²)" in headers
    rows = list(wb["parcel_areas"].iter_rows(min_row=2, values_only=True))
    plane = headers.index("DT mặt phẳng VN-2000 (m²) / plane area (m²)")
    assert [round(r[plane], 6) for r in rows] == [10_000.0] * 4


@pytest.mark.backends("gpkg")  # output format only
def test_json_and_csv_keep_dot_decimals(store, script, tmp_path):
    js = tmp_path / "t.json"
    assert script("parcel_area.py", "--db", store.url, "--out", js).returncode == 0
    doc = json.loads(js.read_text())
    assert doc["tables"]["by_zone"][0]["area_ha"] == 4.0
    csv = tmp_path / "t.csv"
    assert script("parcel_area.py", "--db", store.url, "--as-of", "2019-03-31",
                  "--out", csv).returncode == 0
    clearance = pd.read_csv(tmp_path / "t-clearance.csv")
    assert "inventoried" in set(clearance["status"])
    assert "compensated" not in set(clearance["status"])


def test_filters(store, script, tmp_path):
    js = tmp_path / "f.json"
    out = script("parcel_area.py", "--db", store.url, "--status", "disputed", "--out", js)
    assert out.returncode == 0, out.stderr
    assert json.loads(js.read_text())["tables"]["by_zone"][0]["parcels"] == 1


def test_polygon_file_areas_and_parcels(store, script, tmp_path):
    geojson = tmp_path / "ve.geojson"
    geojson.write_text(json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {}, "geometry": lonlat_square(50, 50, 100)}]}))
    js = tmp_path / "p.json"
    out = script("parcel_area.py", "--db", store.url, "--polygon", geojson, "--out", js)
    assert out.returncode == 0, out.stderr
    doc = json.loads(js.read_text())["tables"]
    assert abs(doc["polygons"][0]["plane_area_m2"] - 10_000) < 0.05
    assert doc["polygons"][0]["parcels"] == 4
    assert len(doc["touched"]) == 4


@pytest.mark.backends("gpkg")  # argument checks only
def test_bad_inputs(store, script, tmp_path):
    assert script("parcel_area.py", "--db", store.url, "--out", tmp_path / "x.pdf"
                  ).returncode == 2
    bad = script("parcel_area.py", "--db", store.url, "--as-of", "not-a-date")
    assert bad.returncode == 2 and "not-a-date" in bad.stderr
    nocrs = tmp_path / "v.csv"
    nocrs.write_text("WKT\n\"POLYGON ((0 0, 1 0, 1 1, 0 0))\"\n")
    out = script("parcel_area.py", "--db", store.url, "--polygon", nocrs)
    assert out.returncode == 2 and "--crs" in out.stderr


@pytest.mark.backends("gpkg")  # areas of a file; its store reads: test_polygon_file_areas…
def test_polygon_areas_on_a_named_plane_and_refusals(store, script, tmp_path):
    geojson = tmp_path / "ve.geojson"
    geojson.write_text(json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {}, "geometry": lonlat_square(50, 50, 100)}]}))
    js = tmp_path / "q.json"
    out = script("parcel_area.py", "--db", store.url, "--polygon", geojson,
                 "--plane", "VN-2000 Quảng Ngãi", "--out", js)
    assert out.returncode == 0, out.stderr
    # on the Quảng Ngãi plane, 3 km from its meridian, the square is 0.7 m² smaller
    assert abs(json.loads(js.read_text())["tables"]["polygons"][0]["plane_area_m2"]
               - 9_999.33) < 0.05
    refused = script("parcel_area.py", "--db", store.url, "--polygon", geojson,
                     "--plane", "3857")
    assert refused.returncode == 1 and "6.5 %" in refused.stderr


def _xlsx_text(path) -> str:
    wb = openpyxl.load_workbook(path)
    return "\n".join(str(cell) for ws in wb for row in ws.iter_rows(values_only=True)
                     for cell in row)


@pytest.mark.backends("postgis")  # a password belongs to a database URL
def test_no_output_shows_the_database_password(store, script, tmp_path):
    url, secret = with_password(store.url)
    terminal = script("parcel_area.py", "--db", url, "--parcels")
    assert terminal.returncode == 0, terminal.stderr
    assert "Diện tích theo khu" in terminal.stdout
    assert secret not in terminal.stdout + terminal.stderr
    for suffix in (".xlsx", ".json", ".csv"):
        out = script("parcel_area.py", "--db", url, "--parcels", "--out", tmp_path / f"t{suffix}")
        assert out.returncode == 0, out.stderr
        assert secret not in out.stdout + out.stderr
    xlsx = _xlsx_text(tmp_path / "t.xlsx")
    assert "***" in xlsx and secret not in xlsx         # the store is named, masked
    doc = json.loads((tmp_path / "t.json").read_text())
    assert doc["meta"]["store"].startswith("postgresql://") and "***" in doc["meta"]["store"]
    assert secret not in json.dumps(doc)
    csvs = sorted(tmp_path.glob("t-*.csv"))
    assert len(csvs) == 7
    for csv in csvs:
        assert secret not in pd.read_csv(csv).to_csv()


@pytest.mark.parametrize("driver,suffix", [("GeoJSON", "geojson"), ("KML", "kml")])
def test_polygons_keep_their_names_in_the_terminal_and_every_format(store, script, tmp_path,
                                                                      driver, suffix):
    """Areas of a file of named lots: each area beside the file's own name and code, as text
    (a name written like a formula stays text)."""
    import geopandas as gpd
    from shapely.geometry import shape

    names = ["Lô CN-01 Hòa Bình", "=HYPERLINK(\"http://x\",\"y\")"]
    lots = gpd.GeoDataFrame(
        {"Name": names, "ma_lo": ["007", "CN-02"]},
        geometry=[shape(lonlat_square(50, 50, 100)), shape(lonlat_square(0, 0, 50))],
        crs=4326)
    path = tmp_path / f"lots.{suffix}"
    lots.to_file(path, driver=driver)
    out = script("parcel_area.py", "--db", store.url, "--polygon", path)
    assert out.returncode == 0, out.stderr
    lines = out.stdout.splitlines()
    assert any("Lô CN-01 Hòa Bình" in line and "007" in line and "10.000" in line
               for line in lines), out.stdout

    js, xl, csv = tmp_path / "a.json", tmp_path / "a.xlsx", tmp_path / "a.csv"
    for target in (js, xl, csv):
        assert script("parcel_area.py", "--db", store.url, "--polygon", path,
                      "--out", target).returncode == 0
    doc = json.loads(js.read_text())["tables"]
    assert [(p["Name"], p["ma_lo"]) for p in doc["polygons"]] == list(zip(names, ["007",
                                                                                 "CN-02"]))
    assert abs(doc["polygons"][0]["plane_area_m2"] - 10_000) < 0.05
    assert {t["Name"] for t in doc["touched"] if t["polygon"] == 1} == {names[0]}

    ws = openpyxl.load_workbook(xl)["polygons"]
    rows = list(ws.iter_rows(values_only=True))
    assert rows[1][rows[0].index("Name")] == names[0]
    assert rows[2][rows[0].index("Name")] == names[1]  # text, not a formula
    assert rows[1][rows[0].index("ma_lo")] == "007"
    table = pd.read_csv(tmp_path / "a-polygons.csv", dtype=str, encoding="utf-8-sig")
    assert table["Name"].tolist() == [names[0], "'" + names[1]]
    assert table["ma_lo"].tolist() == ["007", "CN-02"]

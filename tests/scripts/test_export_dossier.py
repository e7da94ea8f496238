"""scripts/export_dossier.py as a planner runs it."""

from __future__ import annotations

import json
import zipfile

import geopandas as gpd
import pytest
import shapely

from landgis import crs as crsmod
from tests.conftest import X0, Y0
from tests.dossier_checks import (check_coordinate_table, check_rfc7946, hand_over, read_table,
                                  sell)
from tests.scripts.conftest import run_script

CORE = ["ho_so.pdf", "lot.geojson", "lot.gpkg", "manifest.json", "toa_do.csv", "toa_do.xlsx"]


def test_exports_a_lot_by_parcel_ids_and_sheet_parcel_pairs(store, tmp_path):
    hand_over(store, ["23296-1-2", "23296-1-3", "23296-1-4"])
    out = tmp_path / "ho_so"
    r = run_script("export_dossier.py", "--db", store.url, "--lot", "BOY-01", "--name",
                   "Lô dịch vụ", "--parcels", "23296-1-4", "1/2", "--formats", "shp,kml",
                   "--user", "lan", "--out", out)
    assert r.returncode == 0, r.stderr
    assert "2 thửa / parcels" in r.stdout and "20.000,00 m²" in r.stdout
    files = sorted(str(p.relative_to(out)) for p in out.rglob("*") if p.is_file())
    assert files == sorted(CORE + ["lot.kml", "lot_shp/lot.cpg", "lot_shp/lot.dbf",
                                   "lot_shp/lot.prj", "lot_shp/lot.shp", "lot_shp/lot.shx"])
    doc = check_rfc7946(out / "lot.geojson")
    assert [f["id"] for f in doc["features"]] == ["23296-1-2", "23296-1-4"]
    stored = store.read_layer("parcels")
    check_coordinate_table(read_table(out / "toa_do.csv"), {
        pid: g for pid, g in zip(stored["parcel_id"], stored.geometry)
        if pid in ("23296-1-2", "23296-1-4")})
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["lot"] == {"code": "BOY-01", "name": "Lô dịch vụ"}
    assert manifest["user"] == "lan" and manifest["store"]["data_version"] == store.version()


def test_exports_a_query_or_a_polygon_file_to_a_zip(store, tmp_path):
    hand_over(store, ["23296-1-2", "23296-1-3", "23296-1-4"])
    r = run_script("export_dossier.py", "--db", store.url, "--lot", "Q", "--zone", "KCN-T1",
                   "--status", "handed_over", "--land-use", "CLN", "--out", tmp_path / "q.zip")
    assert r.returncode == 0, r.stderr
    with zipfile.ZipFile(tmp_path / "q.zip") as zf:
        assert sorted(zf.namelist()) == CORE
        manifest = json.loads(zf.read("manifest.json"))
    assert manifest["parcel_ids"] == ["23296-1-2", "23296-1-3", "23296-1-4"]
    assert manifest["selection"]["zone"] == ["KCN-T1"]
    # a boundary drawn in WGS 84 (GeoJSON) around parcels 3 and 4, grazing 1 and 2
    box = shapely.box(X0 - 5, Y0 + 95, X0 + 205, Y0 + 205)
    gpd.GeoDataFrame(geometry=[box], crs=9216).to_crs(crsmod.WGS84).to_file(
        tmp_path / "ranh.geojson")
    r = run_script("export_dossier.py", "--db", store.url, "--lot", "P", "--polygon",
                   tmp_path / "ranh.geojson", "--out", tmp_path / "p.zip")
    assert r.returncode == 0, r.stderr
    with zipfile.ZipFile(tmp_path / "p.zip") as zf:
        assert json.loads(zf.read("manifest.json"))["parcel_ids"] == ["23296-1-3", "23296-1-4"]


def test_refusals_exit_1_with_the_message_and_write_nothing(store, tmp_path):
    out = tmp_path / "out"
    cases = [
        (["--parcels", "23296-9-9"], "no such parcel: 23296-9-9"),
        (["--parcels", "23296-1-1"], "not yet handed over: 23296-1-1"),
        (["--parcels", "23296-1-1"], "to fix: --allow-uncleared"),
        (["--zone", "KCN-T1", "--status", "sold"], "empty selection"),
    ]
    for args, message in cases:
        r = run_script("export_dossier.py", "--db", store.url, "--lot", "L", *args,
                       "--out", out)
        assert r.returncode == 1, (args, r.stdout, r.stderr)
        assert message in r.stderr, r.stderr
        assert "Traceback" not in r.stderr
        assert not out.exists()
    hand_over(store, ["23296-1-3"])
    sell(store, "23296-1-3")
    r = run_script("export_dossier.py", "--db", store.url, "--lot", "L", "--parcels", "1/3",
                   "--allow-uncleared", "--out", out)
    assert r.returncode == 1 and "already sold: 23296-1-3" in r.stderr
    r = run_script("export_dossier.py", "--db", store.url, "--lot", "L", "--parcels",
                   "23296-1-1", "--allow-uncleared", "--out", out)
    assert r.returncode == 0, r.stderr
    assert (out / "ho_so.pdf").exists()


@pytest.mark.backends("gpkg")  # argument parsing: one backend says it
def test_bad_arguments_exit_2(store, tmp_path):
    out = tmp_path / "out"
    for args in (["--parcels", "23296-1-4"],                          # no --lot
                 ["--lot", "L", "--out", out],                          # no selection
                 ["--lot", "L", "--parcels", "23296-1-4", "--zone", "KCN-T1", "--out", out],
                 ["--lot", "L", "--parcels", "23296-1-4", "--formats", "dxf", "--out", out],
                 ["--lot", "L", "--zone", "KCN-T1", "--status", "sold-ish", "--out", out],
                 ["--lot", "L", "--parcels", "23296-1-4", "--crs", "9216", "--out", out]):
        r = run_script("export_dossier.py", "--db", store.url, *args)
        assert r.returncode == 2, (args, r.stderr)
    assert not out.exists()

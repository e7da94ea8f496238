import json
import signal
import subprocess
import sys
import time

import geopandas as gpd
import numpy as np
import pytest
import shapely

from tests.conftest import X0, Y0, snapshot
from tests.core.test_import import survey
from tests.scripts.conftest import ROOT


def test_dry_run_reports_and_writes_nothing(store, parcels_gdf, tmp_path, script):
    src = tmp_path / "thua.gpkg"
    survey(parcels_gdf).to_file(src)
    before = snapshot(store)
    out = script("import_layer.py", src, "--layer", "parcels", "--db", store.url, "--dry-run")
    assert out.returncode == 0, out.stderr
    assert "4 đối tượng / features" in out.stdout and "dry run" in out.stdout
    assert snapshot(store) == before


def test_import_writes_a_batch_and_versions_can_be_restored(store, parcels_gdf, tmp_path,
                                                            script):
    src = tmp_path / "thua.gpkg"
    survey(parcels_gdf).iloc[:3].to_file(src)
    out = script("import_layer.py", src, "--layer", "parcels", "--db", store.url,
                 "--user", "an")
    assert out.returncode == 0, out.stderr
    assert "written: 3 parcels as batch 1" in out.stdout
    assert len(store.read_layer("parcels")) == 3
    listing = script("layer_versions.py", "list", "--db", store.url)
    assert "thua.gpkg" in listing.stdout and " an " in listing.stdout
    restored = script("layer_versions.py", "restore", "1", "--db", store.url)
    assert restored.returncode == 0, restored.stderr
    assert len(store.read_layer("parcels")) == 4


def test_refused_import_exits_1_and_the_report_is_escaped(store, parcels_gdf, tmp_path,
                                                          script):
    df = survey(parcels_gdf)
    df["LoaiDat"] = "<script>alert(1)</script>"
    src = tmp_path / "xss.gpkg"
    df.to_file(src)
    before = snapshot(store)
    report = tmp_path / "report.html"
    out = script("import_layer.py", src, "--layer", "parcels", "--db", store.url,
                 "--report", report)
    assert out.returncode == 1
    assert "nothing written" in out.stderr
    assert snapshot(store) == before
    page = report.read_text()
    assert "<script>alert(1)</script>" not in page
    assert "&lt;SCRIPT&gt;ALERT(1)&lt;/SCRIPT&gt;" in page


@pytest.mark.backends("gpkg")  # file checks and a dry run: nothing reaches the store
def test_a_parcel_id_with_a_slash_is_refused_naming_its_row(store, parcels_gdf, tmp_path,
                                                            script):
    df = parcels_gdf.copy()
    df.loc[1, "parcel_id"] = "23296/1/2"
    src = tmp_path / "ids.gpkg"
    df.to_file(src)
    before = snapshot(store)
    out = script("import_layer.py", src, "--layer", "parcels", "--db", store.url)
    assert out.returncode == 1
    line = next(x for x in out.stdout.splitlines() if "identifier" in x)
    assert "row 2" in line and "'23296/1/2'" in line
    assert snapshot(store) == before


def test_missing_crs_is_a_clear_error(store, parcels_gdf, tmp_path, script):
    src = tmp_path / "khong_prj.csv"
    df = survey(parcels_gdf)
    df.assign(WKT=df.geometry.to_wkt()).drop(columns="geometry").to_csv(src, index=False)
    out = script("import_layer.py", src, "--layer", "parcels", "--db", store.url)
    assert out.returncode == 1
    assert "khong_prj.csv" in out.stderr and "--crs" in out.stderr
    json_report = tmp_path / "r.json"
    ok = script("import_layer.py", src, "--layer", "parcels", "--db", store.url,
                "--crs", "VN-2000 Kon Tum", "--dry-run", "--report", json_report)
    assert ok.returncode == 0, ok.stderr
    assert json.loads(json_report.read_text())["features"] == 4


@pytest.mark.backends("gpkg")  # argument checks only
def test_bad_arguments_exit_2(store, script, tmp_path):
    out = script("import_layer.py", tmp_path / "x.gpkg", "--layer", "nothing", "--db", store.url)
    assert out.returncode == 2 and "invalid choice" in out.stderr


@pytest.mark.backends("gpkg")  # watches the GeoPackage's temporary copy; PostGIS: test_postgis
def test_import_killed_midway_leaves_the_store_unchanged(store, tmp_path):
    n = 150_000
    i = np.arange(n)
    xs, ys = X0 + (i % 400) * 20.0, Y0 + (i // 400) * 20.0
    big = gpd.GeoDataFrame({
        "MaXa": "23296", "TenXa": "Phường Ngô Mây", "SoTo": 50 + i // 1000,
        "SoThua": i % 1000 + 1, "LoaiDat": "CLN", "DienTich": 400.0, "DoiTuong": "household"},
        geometry=shapely.box(xs, ys, xs + 20, ys + 20), crs=9216)
    src = tmp_path / "big.gpkg"
    big.to_file(src, engine="pyogrio")
    before = store.path.read_bytes()
    proc = subprocess.Popen([sys.executable, str(ROOT / "scripts" / "import_layer.py"), str(src),
                             "--layer", "parcels", "--db", str(store.path)], cwd=ROOT,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 120
    while not list(store.path.parent.glob(".*.tmp-*")) and time.time() < deadline:
        assert proc.poll() is None, "the import ended before it could be interrupted"
        time.sleep(0.005)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert store.path.read_bytes() == before
    assert len(store.read_layer("parcels")) == 4
    assert store.list_batches().empty


@pytest.mark.backends("gpkg")  # refused before anything reaches the store
def test_missing_column_prints_the_options_that_fill_it(store, parcels_gdf, tmp_path, script):
    src = tmp_path / "thua.geojson"
    survey(parcels_gdf, 4326).drop(columns="SoThua").to_file(src)
    before = snapshot(store)
    out = script("import_layer.py", src, "--layer", "parcels", "--db", store.url)
    assert out.returncode == 1
    assert "parcel_no (số thửa / parcel number)" in out.stderr
    assert "MaXa, TenXa, SoTo, LoaiDat, DienTich, DoiTuong" in out.stderr
    assert "--map SOURCE=parcel_no" in out.stderr and "--set parcel_no=VALUE" in out.stderr
    assert snapshot(store) == before


def test_drawing_labelled_with_numbers_only_imports_with_a_set_land_use(store, tmp_path,
                                                                      script):
    from tests.core.test_cad import NUMBERS_ONLY, _dxf

    dxf = _dxf(tmp_path / "to12.dxf", labels=NUMBERS_ONLY)
    out = script("import_layer.py", dxf, "--layer", "parcels", "--db", store.url,
                 "--crs", "VN-2000 Kon Tum", "--set", "commune_code=23296", "--set",
                 "sheet_no=12", "--set", "land_use_code=CLN", "--user", "an")
    assert out.returncode == 0, out.stderr
    assert "written: 4 parcels" in out.stdout
    # no owner kind in the file (one warning), no legal area on any label (one per parcel)
    assert "5 cảnh báo / warnings" in out.stdout
    layer = store.read_layer("parcels").set_index("parcel_id")
    back = layer[layer["sheet_no"] == 12]
    assert len(back) == 4 and set(back["land_use_code"]) == {"CLN"}
    assert back.loc["23296-12-345", "commune_name"] == "Phường Ngô Mây"
    assert back["legal_area_m2"].isna().all()
    assert (layer["sheet_no"] == 1).sum() == 4  # the drawing of sheet 12 leaves sheet 1 as it was


def test_a_sheet_update_prints_its_counts_and_asks_to_confirm_removals(store, parcels_gdf,
                                                                      tmp_path, script):
    src = tmp_path / "to1.gpkg"
    survey(parcels_gdf).iloc[[0, 2, 3]].to_file(src)  # parcel 2, disputed since 2019, is gone
    before = snapshot(store)
    args = ("import_layer.py", src, "--layer", "parcels", "--db", store.url, "--user", "an")
    out = script(*args)
    assert out.returncode == 1
    # the store's parcels lack the current commune the import derives: all three changed
    assert "0 thêm / added, 3 đổi / changed, 0 không đổi / unchanged, 1 bỏ / removed" \
        in out.stdout
    assert "23296-1-2" in out.stderr and "--confirm-removed" in out.stderr
    assert snapshot(store) == before
    out = script(*args, "--confirm-removed")
    assert out.returncode == 0, out.stderr
    assert sorted(store.read_layer("parcels")["parcel_id"]) == ["23296-1-1", "23296-1-3",
                                                                "23296-1-4"]


def test_another_sheet_is_added_unless_the_layer_is_replaced(store, parcels_gdf, tmp_path,
                                                             script):
    src = tmp_path / "to7.gpkg"
    other = survey(parcels_gdf).assign(SoTo=7)
    other.to_file(src)
    args = ("import_layer.py", src, "--layer", "parcels", "--db", store.url, "--user", "an")
    out = script(*args)
    assert out.returncode == 0, out.stderr
    assert "4 thêm / added, 0 đổi / changed, 0 không đổi / unchanged, 0 bỏ / removed" \
        in out.stdout
    assert len(store.read_layer("parcels")) == 8
    out = script(*args, "--replace-layer")
    assert out.returncode == 0, out.stderr
    assert set(store.read_layer("parcels")["sheet_no"]) == {7}

import json
import zipfile

import geopandas as gpd
import numpy as np
import pyogrio
import pytest
import shapely

from landgis.ingest.importer import commit_import, parse_number, prepare_import
from landgis.ingest.readers import SourceError
from tests.conftest import X0, Y0, square

SURVEY_FIELDS = {"parcel_id": None, "commune_code": "MaXa", "commune_name": "TenXa",
                 "sheet_no": "SoTo", "parcel_no": "SoThua", "land_use_code": "LoaiDat",
                 "legal_area_m2": "DienTich", "owner_kind": "DoiTuong", "zone_code": None}


def survey(parcels_gdf, crs=9216):
    """The fixture parcels as an office's Shapefile names its fields."""
    df = parcels_gdf.drop(columns=["parcel_id", "zone_code"]).rename(
        columns={k: v for k, v in SURVEY_FIELDS.items() if v})
    return df.to_crs(crs)


def write_shp(gdf, folder, name="thua", prj=True):
    path = folder / f"{name}.shp"
    pyogrio.write_dataframe(gdf, path, encoding="utf-8")
    if not prj:
        path.with_suffix(".prj").unlink(missing_ok=True)
    return path


def zip_shp(shp, drop=()):
    z = shp.with_suffix(".zip")
    with zipfile.ZipFile(z, "w") as zf:
        for part in shp.parent.glob(shp.stem + ".*"):
            if part.suffix not in drop and part.suffix != ".zip":
                zf.write(part, part.name)
    return z


def test_zipped_survey_with_vietnamese_field_names_imports(store, parcels_gdf, tmp_path):
    z = zip_shp(write_shp(survey(parcels_gdf), tmp_path))
    plan = prepare_import(z, "parcels", zones=store.read_layer("zones"))
    assert plan.ok, plan.report.to_text()
    assert plan.mapping["SoThua"] == "parcel_no" and plan.mapping["DienTich"] == "legal_area_m2"
    batch = commit_import(store, plan, user="an")
    back = store.read_layer("parcels").set_index("parcel_id")
    assert sorted(back.index) == sorted(parcels_gdf["parcel_id"])
    assert (back["zone_code"] == "KCN-T1").all()
    assert back.loc["23296-1-3", "commune_name"] == "Phường Ngô Mây"
    assert back.geometry.area.round(6).eq(10_000).all()
    row = store.list_batches().iloc[-1]
    assert row["batch_id"] == batch and row["source_name"] == z.name
    assert row["source_sha256"] == plan.sha256 and len(plan.sha256) == 64


def test_other_planes_are_reprojected_to_storage(parcels_gdf, tmp_path):
    for epsg, suffix in ((5898, ".gpkg"), (4326, ".geojson"), (3405, ".fgb")):
        path = tmp_path / f"thua{epsg}{suffix}"
        survey(parcels_gdf, epsg).to_file(path)
        plan = prepare_import(path, "parcels")
        assert plan.ok, plan.report.to_text()
        assert plan.frame.crs.to_epsg() == 9216
        # back on the Kon Tum plane each parcel is the same 100 m square, to a millimetre
        np.testing.assert_allclose(plan.frame.geometry.area, 10_000, atol=0.5)
        got = plan.frame.set_index("parcel_id").geometry
        want = parcels_gdf.set_index("parcel_id").geometry.reindex(got.index)
        assert shapely.hausdorff_distance(got.values, want.values).max() < 0.01


def test_csv_with_wkt_and_kml(parcels_gdf, tmp_path):
    df = survey(parcels_gdf)
    csv = tmp_path / "thua.csv"
    df.assign(WKT=df.geometry.to_wkt()).drop(columns="geometry").to_csv(csv, index=False)
    plan = prepare_import(csv, "parcels", crs="VN-2000 107.30")
    assert plan.ok and len(plan.frame) == 4
    kml = tmp_path / "thua.kml"
    pyogrio.write_dataframe(df.to_crs(4326), kml, driver="KML")
    plan = prepare_import(kml, "parcels")
    assert len(plan.frame) == 4 and plan.frame.crs.to_epsg() == 9216


def test_vietnamese_number_formats():
    assert parse_number("1.234,5") == 1234.5
    assert parse_number("1234,5") == 1234.5
    assert parse_number("1234.5") == 1234.5
    assert parse_number(" ") is None


def test_zip_without_dbf_is_refused(parcels_gdf, tmp_path):
    z = zip_shp(write_shp(survey(parcels_gdf), tmp_path), drop={".dbf"})
    with pytest.raises(SourceError, match=r"thua.zip: the zip has no thua.dbf"):
        prepare_import(z, "parcels")


def test_empty_file_is_refused(tmp_path):
    empty = tmp_path / "rong.geojson"
    empty.write_bytes(b"")
    with pytest.raises(SourceError, match="rong.geojson: the file is empty"):
        prepare_import(empty, "parcels")


def test_truncated_shp_is_refused(parcels_gdf, tmp_path):
    shp = write_shp(survey(parcels_gdf), tmp_path)
    shp.write_bytes(shp.read_bytes()[:-60])
    with pytest.raises(SourceError, match="truncated: the header declares"):
        prepare_import(shp, "parcels")


def test_no_prj_needs_crs(parcels_gdf, tmp_path):
    shp = write_shp(survey(parcels_gdf), tmp_path, prj=False)
    with pytest.raises(SourceError, match="no .prj") as info:
        prepare_import(shp, "parcels")
    # the core names what would put it right; each adapter names its own flag or form field
    assert info.value.option == "crs" and "--" not in str(info.value)
    assert prepare_import(shp, "parcels", crs="VN-2000 Kon Tum").ok


def test_degrees_declared_as_vn2000_are_refused(parcels_gdf, tmp_path):
    shp = write_shp(survey(parcels_gdf, 4326).set_crs(None, allow_override=True), tmp_path,
                    prj=False)
    with pytest.raises(SourceError) as info:
        prepare_import(shp, "parcels", crs=9216)
    assert "thua.shp" in str(info.value) and "degrees" in str(info.value)


def test_self_intersecting_polygon_is_an_error_unless_repaired(parcels_gdf, tmp_path):
    df = survey(parcels_gdf)
    df.loc[1, "geometry"] = shapely.Polygon([(X0 + 100, Y0), (X0 + 200, Y0 + 100),
                                             (X0 + 200, Y0), (X0 + 100, Y0 + 100)])
    path = tmp_path / "bowtie.gpkg"
    df.to_file(path)
    plan = prepare_import(path, "parcels")
    assert not plan.ok
    [err] = plan.report.errors
    assert "Self-intersection" in err.message and err.feature == "23296-1-2"
    fixed = prepare_import(path, "parcels", repair=True)
    assert fixed.report.ok and fixed.repaired == 1
    assert fixed.frame.geometry.is_valid.all()


def test_garbage_file_is_refused_quickly(tmp_path):
    junk = tmp_path / "junk.gpkg"
    rng = np.random.default_rng(1)
    junk.write_bytes(rng.bytes(50 * 1024 * 1024))
    with pytest.raises(SourceError, match="junk.gpkg: GDAL cannot read it"):
        prepare_import(junk, "parcels")


def test_file_name_with_dotdot_is_refused(tmp_path):
    with pytest.raises(SourceError, match="'..'"):
        prepare_import(tmp_path / ".." / "x.geojson", "parcels")


def test_unsafe_zip_member_is_refused(parcels_gdf, tmp_path):
    shp = write_shp(survey(parcels_gdf), tmp_path)
    z = tmp_path / "evil.zip"
    with zipfile.ZipFile(z, "w") as zf:
        for part in tmp_path.glob("thua.*"):
            zf.write(part, "../" + part.name)
    with pytest.raises(SourceError, match="unsafe name"):
        prepare_import(z, "parcels")


@pytest.mark.parametrize("member", ["../../x.shp", "/tmp/x.shp", "..\\..\\x.shp",
                                    "\\x.shp", "C:/x.shp", "c:x.shp", "ok/../../x.txt"])
def test_zip_with_a_member_outside_its_folder_is_refused(parcels_gdf, tmp_path, member):
    """Any member, a Shapefile part or not, with either slash or a drive letter."""
    (tmp_path / "src").mkdir()
    shp = write_shp(survey(parcels_gdf), tmp_path / "src")
    z = tmp_path / "evil.zip"
    with zipfile.ZipFile(z, "w") as zf:
        for part in shp.parent.glob("thua.*"):
            zf.write(part, part.name)
        zf.writestr(zipfile.ZipInfo(member), b"x")  # ZipInfo keeps the name as given
    with pytest.raises(SourceError, match=r"evil.zip: .*unsafe name") as info:
        prepare_import(z, "parcels")
    assert info.value.option is None  # no option fixes it: another file is needed
    assert sorted(p.name for p in tmp_path.rglob("*") if p.is_file()) == sorted(
        [z.name] + [p.name for p in shp.parent.glob("thua.*")])


def test_report_lists_overlaps_gaps_outside_and_area_mismatch(store, parcels_gdf, tmp_path):
    df = survey(parcels_gdf)
    df.loc[0, "geometry"] = square(0, 0, 110)          # overlaps its neighbours
    df.loc[3, "geometry"] = square(100, 100).difference(square(140, 140, 20))  # a 400 m² gap
    df.loc[2, "DienTich"] = 12_000.0                    # 20 % off the plane area
    extra = df.iloc[[2]].copy()
    extra["SoThua"] = 9
    extra["DienTich"] = 10_000.0
    extra["geometry"] = [square(5_000, 5_000)]          # far outside the zone
    df = gpd.GeoDataFrame(pd_concat(df, extra), crs=9216)
    path = tmp_path / "messy.gpkg"
    df.to_file(path)
    plan = prepare_import(path, "parcels", zones=store.read_layer("zones"))
    checks = plan.report.counts()
    assert plan.ok  # warnings only
    assert checks["overlap"] >= 2 and checks["gap"] == 1 and checks["outside_zones"] == 1
    mismatch = [f for f in plan.report.findings if f.check == "legal_area"]
    assert [f.feature for f in mismatch if "(-16.67 %" in f.message] == ["23296-1-3"]
    data = json.loads(plan.report.to_json())
    assert data["warnings"] == len(plan.report.warnings)
    assert all(f["x"] is not None for f in data["findings"] if f["check"] != "contract")


def pd_concat(a, b):
    import pandas as pd

    return pd.concat([a, b], ignore_index=True)


def test_dxf_drawing_imports_as_parcels(store, tmp_path):
    from tests.core.test_cad import _dxf

    dxf = _dxf(tmp_path / "to12.dxf")
    plan = prepare_import(dxf, "parcels", crs="VN-2000 Kon Tum",
                          constants={"commune_code": "23296", "commune_name": "Phường Ngô Mây",
                                     "sheet_no": 12, "owner_kind": "household"},
                          zones=store.read_layer("zones"))
    assert plan.ok, plan.report.to_text()
    got = plan.frame.set_index("parcel_id")
    assert sorted(got.index) == ["23296-12-345", "23296-12-346", "23296-12-347",
                                 "23296-12-348"]
    assert got.loc["23296-12-345", "land_use_code"] == "CLN"
    assert got.loc["23296-12-345", "legal_area_m2"] == 1234.5
    np.testing.assert_allclose(got.geometry.area, 10_000, atol=1e-6)


def test_dxf_whose_lines_close_into_no_polygon_is_refused(tmp_path):
    from tests.core.test_cad import _dxf

    open_lines = [((0, 0), (100, 0)), ((100, 0), (100, 100)), ((100, 100), (0, 100))]
    dxf = _dxf(tmp_path / "ho.dxf", edges=open_lines, labels={(0, 0): "1 CLN 100"})
    with pytest.raises(SourceError) as info:
        prepare_import(dxf, "parcels", crs=9216)
    message = str(info.value)
    assert "ho.dxf" in message and "no polygon" in message


def test_tcvn3_dbf_without_cpg_is_detected_and_converted(parcels_gdf, tmp_path):
    from landgis.ingest.encodings import encode_text

    df = survey(parcels_gdf)
    names = ["Phường Ngô Mây", "Xã Đắk Cấm", "Thị trấn Plei Kần", "Xã Bờ Y"]
    # what a TCVN3 office file holds, as GDAL would read it byte for byte (ISO-8859-1)
    df["TenXa"] = [encode_text(n, "tcvn3").decode("latin-1") for n in names]
    shp = tmp_path / "tcvn3.shp"
    pyogrio.write_dataframe(df, shp, encoding="ISO-8859-1")
    shp.with_suffix(".cpg").unlink(missing_ok=True)
    plan = prepare_import(shp, "parcels")
    assert plan.source.encoding == "tcvn3"
    assert list(plan.frame["commune_name"]) == names
    assert any("detected as tcvn3" in n for n in plan.report.notes)
    with pytest.raises(SourceError, match=r"tcvn3.shp: the text is not in vni") as info:
        prepare_import(shp, "parcels", encoding="vni")
    assert info.value.option == "encoding" and "--" not in str(info.value)


def test_unclosed_ring_names_the_feature(tmp_path):
    path = tmp_path / "ho_hong.geojson"
    ring = [[107.972, 14.38], [107.973, 14.38], [107.973, 14.381], [107.972, 14.381]]
    closed = ring + [ring[0]]
    path.write_text(json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"SoThua": 1},
         "geometry": {"type": "Polygon", "coordinates": [closed]}},
        {"type": "Feature", "properties": {"SoThua": 2},
         "geometry": {"type": "Polygon", "coordinates": [ring]}}]}))
    with pytest.raises(SourceError) as info:
        prepare_import(path, "parcels")
    message = str(info.value)
    assert "ho_hong.geojson" in message and "feature 2 (SoThua=2)" in message
    assert "feature 1" not in message


def test_csv_with_survey_xy_columns_for_points(tmp_path):
    csv = tmp_path / "du_an.csv"
    # survey convention: X is the northing, Y the easting
    csv.write_text("MaDuAn,Ten,Loai,X,Y\nDA-1,Trạm bơm,infrastructure,1590050.5,552010.25\n",
                   encoding="utf-8")
    plan = prepare_import(csv, "projects", crs=9216)
    assert plan.ok, plan.report.to_text()
    point = plan.frame.geometry.iloc[0]
    assert (point.x, point.y) == (552010.25, 1590050.5)
    assert any("X = northing" in n for n in plan.report.notes)

"""Auction lot dossiers: selection, refusals, and every file read back by an independent reader
(GDAL through pyogrio, openpyxl, poppler) and compared with the store."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import zipfile
from pathlib import Path

import geopandas as gpd
import numpy as np
import openpyxl
import pandas as pd
import pyogrio
import pytest
import shapely
from pyproj import Geod

from landgis import __version__, crs as crsmod
from landgis.dossier import (DossierError, LotTooLarge, UnknownParcelError, export_dossier,
                             parcels_geojson, select_lot)
from landgis.ledger import current_status
from landgis.dossier.coords import ordered_ring, vertex_table
from tests.conftest import X0, Y0, event
from tests.dossier_checks import (check_coordinate_table, check_rfc7946, geojson_on_plane,
                                  hand_over, pdf_text, read_table, render_first_page, sell)

ALL = ["23296-1-1", "23296-1-2", "23296-1-3", "23296-1-4"]
NOW = dt.datetime(2025, 9, 2, 9, 30, tzinfo=dt.timezone(dt.timedelta(hours=7)))


def shifted(coords):
    return [(X0 + x, Y0 + y) for x, y in coords]


@pytest.fixture
def shaped(store, parcels_gdf):
    """The four parcels made harder: a hole, two parts, an irregular ring stored
    counter-clockwise with millimetre coordinates, and the plain square; all handed over."""
    gdf = parcels_gdf.copy()
    donut = shapely.Polygon(shifted([(0, 0), (0, 100), (100, 100), (100, 0)]),
                            [shifted([(40, 40), (60, 40), (60, 60), (40, 60)])])
    two = shapely.MultiPolygon([shapely.box(X0 + 100, Y0, X0 + 200, Y0 + 40),
                                shapely.Polygon(shifted([(100, 60), (100, 100), (200, 100),
                                                         (200, 60)]))])
    irregular = shapely.Polygon(shifted([(0, 100), (35.125, 100.5), (100, 130.25), (90.5, 200),
                                         (10.75, 180.333)]))
    gdf.loc[0, "geometry"] = donut
    gdf.loc[1, "geometry"] = two
    gdf.loc[2, "geometry"] = irregular
    store.write_layer("parcels", gdf)
    hand_over(store, ALL)
    return store


def stored_geometries(store) -> dict:
    p = store.read_layer("parcels")
    return dict(zip(p["parcel_id"], p.geometry.values))


# --------------------------------------------------------------------------- the files


def test_geojson_and_geopackage_read_back_as_the_store_holds_them(shaped, tmp_path):
    out = tmp_path / "lot"
    dossier = export_dossier(shaped, out, code="BOY-01", name="Lô dịch vụ cửa khẩu",
                             parcels=ALL, now=NOW)
    stored = shaped.read_layer("parcels").set_index("parcel_id")
    geoms = stored_geometries(shaped)
    now = current_status(shaped.read_layer("status_events"), ALL)
    assert set(now["auction_status"]) == {"planned", "not_planned"}

    back = pyogrio.read_dataframe(out / "lot.geojson")  # GDAL's own reading
    assert back.crs.to_epsg() == 4326
    assert sorted(back["parcel_id"]) == ALL
    for row in back.itertuples():
        s = stored.loc[row.parcel_id]
        assert (row.commune_code, row.commune_name, row.sheet_no, row.parcel_no,
                row.land_use_code, row.zone_code) == (s.commune_code, s.commune_name,
                                                      s.sheet_no, s.parcel_no,
                                                      s.land_use_code, s.zone_code)
        assert row.legal_area_m2 == pytest.approx(s.legal_area_m2)
        assert row.plane_area_m2 == pytest.approx(geoms[row.parcel_id].area, abs=0.005)
        assert row.clearance_status == "handed_over"
        assert row.auction_status == now.loc[row.parcel_id, "auction_status"]
    # areas against an independent reference: pyproj's geodesic area of the stored shape
    geod = Geod(ellps="WGS84")
    ll = crsmod.transform_geometries(np.array(list(geoms.values()), dtype=object),
                                     crsmod.STORAGE_CRS, crsmod.WGS84)
    for pid, g in zip(geoms, ll):
        ref = abs(geod.geometry_area_perimeter(shapely.orient_polygons(g))[0])
        got = back.set_index("parcel_id").loc[pid, "ellipsoidal_area_m2"]
        assert got == pytest.approx(ref, rel=1e-6, abs=0.01)
    # the GeoJSON's shapes, brought back onto the plane, are the stored ones to 2 cm
    doc = json.loads((out / "lot.geojson").read_text(encoding="utf-8"))
    for pid, g in geojson_on_plane(doc).items():
        assert shapely.hausdorff_distance(g, geoms[pid]) < 0.02, pid
        assert g.area == pytest.approx(geoms[pid].area, rel=2e-4)  # 7 decimals: ±0.5 cm

    gpkg = pyogrio.read_dataframe(out / "lot.gpkg")
    assert gpkg.crs.to_epsg() == 9216
    assert sorted(gpkg["parcel_id"]) == ALL
    for pid, g in zip(gpkg["parcel_id"], gpkg.geometry):
        assert shapely.equals(g, geoms[pid]), pid  # no transformation, no rounding
    assert pyogrio.list_layers(out / "lot.gpkg")[0][0] == "lot"
    assert dossier.files == sorted(["lot.geojson", "lot.gpkg", "toa_do.xlsx", "toa_do.csv",
                                    "ho_so.pdf", "manifest.json"])


def test_geojson_obeys_rfc7946_on_every_feature_and_carries_the_lot_totals(shaped, tmp_path):
    export_dossier(shaped, tmp_path / "lot", code="L-7", name="Lô 7", parcels=ALL, now=NOW)
    doc = check_rfc7946(tmp_path / "lot" / "lot.geojson")
    raw = (tmp_path / "lot" / "lot.geojson").read_text(encoding="utf-8")
    assert '"crs"' not in raw
    kinds = {f["id"]: f["geometry"]["type"] for f in doc["features"]}
    assert kinds["23296-1-2"] == "MultiPolygon"
    (donut,) = shapely.get_parts(shapely.geometry.shape(doc["features"][0]["geometry"]))
    assert len(donut.interiors) == 1  # the hole is kept, clockwise
    lot = doc["lot"]  # foreign member (RFC 7946 §6.1), not a feature
    assert lot["code"] == "L-7" and lot["name"] == "Lô 7" and lot["parcel_count"] == 4
    props = [f["properties"] for f in doc["features"]]
    for key in ("plane_area_m2", "ellipsoidal_area_m2", "legal_area_m2"):
        assert lot[key] == pytest.approx(sum(p[key] for p in props), abs=0.01)
    assert lot["plane_area_m2"] == pytest.approx(9600 + 8000 + 10000 + shapely.Polygon(
        [(0, 100), (35.125, 100.5), (100, 130.25), (90.5, 200), (10.75, 180.333)]).area,
        abs=0.01)


def test_coordinate_table_rebuilds_each_parcel_clockwise_from_the_north_west(shaped, tmp_path):
    export_dossier(shaped, tmp_path / "lot", code="L", parcels=ALL, now=NOW)
    rows = read_table(tmp_path / "lot" / "toa_do.csv")
    check_coordinate_table(rows, stored_geometries(shaped))
    first = {r["parcel_id"]: r for r in reversed(rows)}
    # the irregular parcel starts at (Y 10.75, X 180.333) and goes clockwise to (90.5, 200)
    p3 = [r for r in rows if r["parcel_id"] == "23296-1-3"]
    assert (p3[0]["x_northing_m"], p3[0]["y_easting_m"]) == (f"{Y0 + 180.333:.3f}",
                                                            f"{X0 + 10.75:.3f}")
    assert (p3[1]["x_northing_m"], p3[1]["y_easting_m"]) == (f"{Y0 + 200:.3f}", f"{X0 + 90.5:.3f}")
    # the plain square: point 1 is its NW corner, X the northing (1,590,200 > 552,100)
    assert first["23296-1-4"]["x_northing_m"] == f"{Y0 + 200:.3f}"
    assert first["23296-1-4"]["y_easting_m"] == f"{X0 + 100:.3f}"
    # the donut's hole and the two parts are rings of their own, numbered on
    donut = [r for r in rows if r["parcel_id"] == "23296-1-1"]
    assert [r["ring_kind"] for r in donut] == ["outer"] * 4 + ["hole"] * 4
    assert [r["point"] for r in donut] == [str(i) for i in range(1, 9)]
    two = [r for r in rows if r["parcel_id"] == "23296-1-2"]
    assert {r["part"] for r in two} == {"1", "2"}
    assert all(r["plane_area_m2"] == "8000.00" for r in two)
    # the workbook holds the same rows
    wb = openpyxl.load_workbook(tmp_path / "lot" / "toa_do.xlsx")
    sheet = list(wb["toa_do"].iter_rows(min_row=4, values_only=True))
    assert len(sheet) == len(rows)
    for r, x in zip(rows, sheet):
        assert (x[0], x[6], x[7], x[8]) == (r["parcel_id"], int(r["point"]),
                                            float(r["x_northing_m"]), float(r["y_easting_m"]))
    assert "lo_dat" in wb.sheetnames


def test_ordered_ring_numbers_clockwise_from_the_north_west_vertex():
    ccw = np.array([(0, 0), (10, 0), (10, 10), (0, 10), (0, 0)], float)  # GIS x/y
    out = ordered_ring(ccw)
    assert out.tolist() == [[0, 10], [10, 10], [10, 0], [0, 0]]
    assert ordered_ring(out[::-1]).tolist() == out.tolist()  # either winding in, same out
    gdf = gpd.GeoDataFrame({"parcel_id": ["a"], "sheet_no": [1], "parcel_no": [2],
                            "plane_area_m2": [100.0]}, geometry=[shapely.Polygon(ccw)],
                           crs=9216)
    table = vertex_table(gdf)
    assert table[["x_northing_m", "y_easting_m"]].values.tolist() == [
        [10, 0], [10, 10], [0, 10], [0, 0]]
    assert table["edge_length_m"].tolist() == [10, 10, 10, 10]


def test_pdf_first_page_is_drawn_with_vietnamese_text(shaped, tmp_path):
    export_dossier(shaped, tmp_path / "lot", code="ĐG-2025/01", name="Lô Bờ Y", parcels=ALL,
                   now=NOW)
    pdf = tmp_path / "lot" / "ho_so.pdf"
    assert pdf.read_bytes()[:5] == b"%PDF-"
    page = render_first_page(pdf, tmp_path)
    assert page.shape[0] > page.shape[1] * 1.3  # A4 portrait
    dark = (page < 128).mean()
    assert dark > 0.01, f"page 1 looks blank ({dark:.2%} dark pixels)"
    text = pdf_text(pdf)
    for words in ("HỒ SƠ LÔ ĐẤT ĐẤU GIÁ", "Land-use rights auction lot dossier", "ĐG-2025/01",
                  "Hệ tọa độ VN-2000, kinh tuyến trục 107°30′, múi chiếu 3°, k = 0,9999",
                  "(EPSG:9216)", "02/09/2025", "23296-1-3", "Tổng cộng / total"):
        assert words in text, words
    pages = text.split("\f")
    assert len([p for p in pages if p.strip()]) >= 1 + 4  # the lot, then a page per parcel
    assert "Thửa đất số 3, tờ bản đồ số 1" in text
    assert "Số hiệu điểm" in text and "Chiều dài (m)" in text


def test_manifest_says_what_was_exported_with_each_files_sha256(shaped, tmp_path):
    out = tmp_path / "lot"
    export_dossier(shaped, out, code="L-1", name="Lô một", parcels=["23296-1-4", "1/3"],
                   formats=["shp", "kml"], user="lan", now=NOW)
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["lot"] == {"code": "L-1", "name": "Lô một"}
    assert manifest["parcel_ids"] == ["23296-1-3", "23296-1-4"]
    assert manifest["selection"]["parcels"] == ["23296-1-4", "1/3"]
    assert manifest["store"]["data_version"] == shaped.version()
    # which store, but not the server's folders nor the database's account, host or port
    text = (out / "manifest.json").read_text(encoding="utf-8")
    assert shaped.url not in text and "url" not in manifest["store"]
    if manifest["store"]["backend"] == "geopackage":
        assert manifest["store"]["file"] == Path(shaped.url).name
        assert str(Path(shaped.url).parent) not in text
    else:
        assert manifest["store"]["schema"] == shaped.schema
    assert manifest["landgis_version"] == __version__
    assert manifest["user"] == "lan"
    assert manifest["exported_at"] == "2025-09-02T09:30:00+07:00"
    listed = {f["path"]: f for f in manifest["files"]}
    on_disk = {str(p.relative_to(out)) for p in out.rglob("*") if p.is_file()}
    assert set(listed) == on_disk - {"manifest.json"}
    for name, entry in listed.items():
        data = (out / name).read_bytes()
        assert entry["sha256"] == hashlib.sha256(data).hexdigest() and entry["bytes"] == len(data)


def test_shapefile_and_kml_on_request(shaped, tmp_path):
    out = tmp_path / "lot"
    export_dossier(shaped, out, code="L", parcels=ALL, formats="shp,kml", now=NOW)
    shp = pyogrio.read_dataframe(out / "lot_shp" / "lot.shp")
    assert shp.crs.to_epsg() == 9216
    assert sorted(shp["parcel_id"]) == ALL
    assert set(shp.columns) >= {"plane_m2", "legal_m2", "clearance", "comm_name"}
    assert shp.set_index("parcel_id").loc["23296-1-1", "comm_name"] == "Phường Ngô Mây"
    kml = pyogrio.read_dataframe(out / "lot.kml")
    assert sorted(kml["Name"]) == ALL
    geoms = stored_geometries(shaped)
    back = crsmod.transform_geometries(np.asarray(kml.geometry.values), crsmod.WGS84,
                                       crsmod.STORAGE_CRS)
    for pid, g in zip(kml["Name"], back):
        assert shapely.hausdorff_distance(shapely.force_2d(g), geoms[pid]) < 0.05


def test_zip_holds_the_same_files_as_the_folder(shaped, tmp_path):
    folder = export_dossier(shaped, tmp_path / "lot", code="L", parcels=ALL, now=NOW)
    zipped = export_dossier(shaped, tmp_path / "lot.zip", code="L", parcels=ALL, now=NOW)
    with zipfile.ZipFile(tmp_path / "lot.zip") as zf:
        assert sorted(zf.namelist()) == folder.files == zipped.files
        for name in ("lot.geojson", "toa_do.csv"):  # gpkg and pdf bytes carry times
            assert zf.read(name) == (tmp_path / "lot" / name).read_bytes()
    assert not [p for p in tmp_path.iterdir() if ".tmp-" in p.name]  # no leftovers


# --------------------------------------------------------------------------- selection


def test_select_by_sheet_and_parcel_pairs_by_query_and_by_polygon(store, tmp_path):
    hand_over(store, ["23296-1-2", "23296-1-3", "23296-1-4"])
    assert select_lot(store, code="A", parcels=["1/2", "23296-1-4"]).parcel_ids == [
        "23296-1-2", "23296-1-4"]
    lot = select_lot(store, code="A", zones=["KCN-T1"], statuses=["handed_over"])
    assert lot.parcel_ids == ["23296-1-2", "23296-1-3", "23296-1-4"]
    store.append_events(pd.DataFrame([
        event("23296-1-3", "auction_status", "planned", "2021-01-01", "p1")]))
    # clearance and auction statuses must both hold
    lot = select_lot(store, code="A", statuses=["handed_over", "planned"])
    assert lot.parcel_ids == ["23296-1-3"]
    # a polygon drawn in WGS 84 over parcels 2 and 4 that grazes parcels 1 and 3
    box = shapely.box(X0 + 95, Y0 - 5, X0 + 205, Y0 + 205)
    (drawn,) = crsmod.transform_geometries([box], crsmod.STORAGE_CRS, crsmod.WGS84)
    lot = select_lot(store, code="A", polygon=shapely.geometry.mapping(drawn))
    assert lot.parcel_ids == ["23296-1-2", "23296-1-4"]
    assert lot.selection["polygon"]["type"] == "Polygon"
    assert lot.totals()["plane_area_m2"] == pytest.approx(20_000, abs=0.01)
    # the same polygon as a file's GeoDataFrame in the plane
    lot = select_lot(store, code="A", polygon=gpd.GeoDataFrame(geometry=[box], crs=9216))
    assert lot.parcel_ids == ["23296-1-2", "23296-1-4"]


def test_a_sheet_parcel_pair_in_two_communes_is_refused(store, parcels_gdf):
    other = parcels_gdf.iloc[[1]].copy()
    other["parcel_id"], other["commune_code"] = "23300-1-2", "23300"
    other["geometry"] = [shapely.box(X0 + 300, Y0, X0 + 400, Y0 + 100)]
    store.write_layer("parcels", pd.concat([parcels_gdf, other], ignore_index=True))
    with pytest.raises(DossierError, match="23296-1-2, 23300-1-2"):
        select_lot(store, code="A", parcels=["1/2"], allow_uncleared=True)


# --------------------------------------------------------------------------- refusals


def refused(store, tmp_path, match, error=DossierError, **kwargs):
    before = sorted(p.name for p in tmp_path.iterdir())
    with pytest.raises(error, match=match) as info:
        export_dossier(store, tmp_path / "out", code="L", now=NOW, **kwargs)
    assert sorted(p.name for p in tmp_path.iterdir()) == before, "something was written"
    return info.value


def test_refusals_say_why_and_write_nothing(store, tmp_path):
    exc = refused(store, tmp_path, "no such parcel: 23296-9-9", UnknownParcelError,
                  parcels=["23296-1-4", "23296-9-9"])
    assert exc.kind == "unknown"
    refused(store, tmp_path, r"no such parcel: tờ 7 thửa 8", UnknownParcelError, parcels=["7/8"])
    # 23296-1-1 is compensated, 23296-1-2 disputed: neither handed over
    exc = refused(store, tmp_path, "not yet handed over: 23296-1-1 .*compensated.*23296-1-2 "
                                   ".*disputed", parcels=["23296-1-1", "23296-1-2"])
    assert exc.kind == "refused" and exc.parcel_ids == ["23296-1-1", "23296-1-2"]
    assert exc.option == "allow_uncleared" and "--" not in str(exc)
    hand_over(store, ["23296-1-3"])
    sell(store, "23296-1-3")
    exc = refused(store, tmp_path, "already sold: 23296-1-3", parcels=["23296-1-3"])
    refused(store, tmp_path, "already sold", parcels=["23296-1-3"], allow_uncleared=True)
    refused(store, tmp_path, "empty selection", zones=["KCN-T1"], statuses=["announced"])
    box = shapely.box(107.0, 14.0, 107.001, 14.001)  # far from every parcel
    refused(store, tmp_path, "empty selection", polygon=shapely.geometry.mapping(box))
    refused(store, tmp_path, "unknown zone", zones=["KCN-XX"])
    with pytest.raises(DossierError, match="lot code is required"):
        export_dossier(store, tmp_path / "out", code=" ", parcels=["23296-1-4"])
    with pytest.raises(DossierError, match="one way"):
        export_dossier(store, tmp_path / "out", code="L", parcels=["23296-1-4"],
                       zones=["KCN-T1"])
    assert not (tmp_path / "out").exists()


def test_the_cap_holds_after_the_selection_whichever_way_it_is_made(store, tmp_path):
    hand_over(store, ALL)
    box = shapely.box(X0 - 5, Y0 - 5, X0 + 205, Y0 + 205)
    (drawn,) = crsmod.transform_geometries([box], crsmod.STORAGE_CRS, crsmod.WGS84)
    for way in ({"zones": ["KCN-T1"]}, {"statuses": ["handed_over"]}, {"land_uses": ["CLN"]},
                {"polygon": shapely.geometry.mapping(drawn)}, {"parcels": ALL}):
        exc = refused(store, tmp_path, "too many parcels: the selection holds 4 parcels; "
                      "at most 3", LotTooLarge, max_parcels=3, **way)
        assert (exc.kind, exc.count, exc.limit) == ("too_large", 4, 3)
    # the cap counts what is left once the statuses are applied
    lot = select_lot(store, code="A", zones=["KCN-T1"], statuses=["handed_over"],
                     max_parcels=4)
    assert lot.parcel_ids == ALL
    # (23296-1-1 is planned for auction, 23296-1-4 sold: two of the four are left)
    sell(store, "23296-1-4")
    assert select_lot(store, code="A", statuses=["handed_over", "not_planned"],
                      max_parcels=2).parcel_ids == ["23296-1-2", "23296-1-3"]


def test_a_drawn_selection_is_bounded_in_vertices_and_parts(store, tmp_path):
    from landgis import service

    n = service.MAX_VERTICES + 1
    ring = [[107.9 + 0.01 * np.cos(2 * np.pi * i / n), 14.3 + 0.01 * np.sin(2 * np.pi * i / n)]
            for i in range(n)]
    refused(store, tmp_path, "too many vertices: 20,002; at most 20,000",
            polygon={"type": "Polygon", "coordinates": [ring + ring[:1]]})
    square = [[107.9, 14.3], [107.9, 14.4], [108.0, 14.4], [107.9, 14.3]]
    refused(store, tmp_path, "too many polygons: 101; at most 100",
            polygon={"type": "MultiPolygon", "coordinates": [[square]] * 101})


def test_uncleared_parcels_export_when_allowed(store, tmp_path):
    d = export_dossier(store, tmp_path / "lot.zip", code="L", parcels=["23296-1-1", "1/2"],
                       allow_uncleared=True, now=NOW)
    assert d.lot.parcel_ids == ["23296-1-1", "23296-1-2"]
    assert d.manifest["selection"]["allow_uncleared"] is True
    with zipfile.ZipFile(tmp_path / "lot.zip") as zf:
        doc = json.loads(zf.read("lot.geojson"))
    assert [f["properties"]["clearance_status"] for f in doc["features"]] == [
        "compensated", "disputed"]


def test_missing_font_is_said_before_anything_is_written(store, tmp_path):
    hand_over(store, ["23296-1-4"])
    with pytest.raises(DossierError, match="DejaVu Sans.*fonts-dejavu-core") as info:
        export_dossier(store, tmp_path / "out", code="L", parcels=["23296-1-4"],
                       font_dir=tmp_path / "no-fonts")
    assert info.value.kind == "font"
    assert not (tmp_path / "out").exists()


def test_output_folder_is_replaced_only_when_it_holds_a_dossier(store, tmp_path):
    hand_over(store, ALL)
    out = tmp_path / "out"
    out.mkdir()
    (out / "notes.txt").write_text("mine")
    with pytest.raises(DossierError, match="not empty"):
        export_dossier(store, out, code="L", parcels=["23296-1-4"])
    assert [p.name for p in out.iterdir()] == ["notes.txt"]
    first = tmp_path / "first"
    export_dossier(store, first, code="L", parcels=ALL, formats="shp", now=NOW)
    export_dossier(store, first, code="L", parcels=["23296-1-4"], now=NOW)
    assert not (first / "lot_shp").exists()  # the earlier dossier is replaced whole
    assert json.loads((first / "manifest.json").read_text())["parcel_ids"] == ["23296-1-4"]


# --------------------------------------------------------------------------- all parcels


def test_all_parcels_geojson_fast_path_obeys_the_same_rules(shaped, tmp_path):
    out = tmp_path / "parcels.geojson"
    info = parcels_geojson(shaped, out)
    assert info["features"] == 4
    doc = check_rfc7946(out)
    back = pyogrio.read_dataframe(out)
    assert sorted(back["parcel_id"]) == ALL
    assert set(back["clearance_status"]) == {"handed_over"}
    geoms = stored_geometries(shaped)
    for pid, g in geojson_on_plane(doc).items():
        assert shapely.hausdorff_distance(g, geoms[pid]) < 0.02

"""Imports of files that leave things out: drawings labelled with the parcel number alone, survey
files without the commune name or the owner kind. Files are made in the test (DXF with ezdxf,
Shapefile and GeoJSON with pyogrio) and read back from the store."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import shapely

from landgis.contract import NOT_STATED
from landgis.ingest.derive import MissingColumns
from landgis.ingest.importer import commit_import, prepare_import
from tests.conftest import X0, Y0
from tests.core.test_cad import NUMBERS_ONLY, _dxf
from tests.core.test_import import survey, write_shp

SHEET_12 = {"commune_code": "23296", "sheet_no": 12}


def _inside(finding, x, y, size=100):
    return X0 + x < finding.x < X0 + x + size and Y0 + y < finding.y < Y0 + y + size


def _warnings(plan, check="not_stated"):
    return {f.feature: f for f in plan.report.warnings if f.check == check}


# --------------------------------------------------------------------------- drawings


def test_numbers_only_drawing_takes_the_set_land_use_and_a_second_text_wins(store, tmp_path):
    dxf = _dxf(tmp_path / "to12.dxf", labels=NUMBERS_ONLY,
               extra=[("NHAN", "ONT 1234,5", (30, 40))])  # a second text under 345
    plan = prepare_import(dxf, "parcels", crs="VN-2000 Kon Tum",
                          constants={**SHEET_12, "land_use_code": "CLN",
                                     "owner_kind": "household"},
                          zones=store.read_layer("zones"))
    assert plan.ok, plan.report.to_text()
    got = plan.frame.set_index("parcel_id")
    assert got["land_use_code"].to_dict() == {"23296-12-345": "ONT", "23296-12-346": "CLN",
                                              "23296-12-347": "CLN", "23296-12-348": "CLN"}
    # the legal area the drawing does not give stays empty, with a warning per parcel
    warned = _warnings(plan)
    assert sorted(warned) == ["23296-12-346", "23296-12-347", "23296-12-348"]
    assert "legal area" in warned["23296-12-346"].message
    assert "land use" not in warned["23296-12-346"].message
    assert _inside(warned["23296-12-346"], 100, 0)

    commit_import(store, plan, user="an")
    back = store.read_layer("parcels").set_index("parcel_id")
    assert back.loc["23296-12-345", "legal_area_m2"] == 1234.5
    assert back.loc[["23296-12-346", "23296-12-347"], "legal_area_m2"].isna().all()
    assert back.loc["23296-12-347", "land_use_code"] == "CLN"
    np.testing.assert_allclose(back.geometry.area, 10_000, atol=1e-6)


def test_numbers_only_drawing_without_set_values_is_not_stated(store, tmp_path):
    dxf = _dxf(tmp_path / "to12.dxf", labels=NUMBERS_ONLY)
    plan = prepare_import(dxf, "parcels", crs=9216, constants=SHEET_12,
                          zones=store.read_layer("zones"))
    assert plan.ok, plan.report.to_text()
    assert set(plan.frame["land_use_code"]) == {NOT_STATED}
    assert set(plan.frame["owner_kind"]) == {NOT_STATED}
    warned = _warnings(plan)
    one = warned["23296-12-345"]
    assert "land use, legal area" in one.message and "'345'" in one.message
    assert _inside(one, 0, 0)
    # the file as a whole gives no owner kind: one warning, not one per parcel
    assert [f.message for f in warned.values() if f.feature is None] \
        == ["tệp không có đối tượng sử dụng / the file gives no owner kind: all 4 parcel(s) "
            "take 'chưa xác định / not stated'"]
    assert len(warned) == 5

    commit_import(store, plan, user="an")
    back = store.read_layer("parcels")
    assert set(back["land_use_code"]) == {NOT_STATED} and back["legal_area_m2"].isna().all()


def test_drawing_whose_labels_never_give_the_sheet_asks_for_it(tmp_path):
    no_sheet = {xy: text.replace("T12-", "") for xy, text in NUMBERS_ONLY.items()}
    dxf = _dxf(tmp_path / "to.dxf", labels=no_sheet)
    with pytest.raises(MissingColumns) as info:
        prepare_import(dxf, "parcels", crs=9216, constants={"commune_code": "23296"})
    assert info.value.missing == ["sheet_no"]
    assert info.value.file_columns == ["sheet_no", "parcel_no", "land_use_code",
                                       "legal_area_m2", "label"]
    # one label gives its sheet ("T12-348"): the value given fills the others
    dxf = _dxf(tmp_path / "to12.dxf", labels=NUMBERS_ONLY)
    plan = prepare_import(dxf, "parcels", crs=9216, constants=SHEET_12)
    assert plan.ok and set(plan.frame["sheet_no"]) == {12}


def test_bad_drawing_places_every_problem_on_the_report(tmp_path):
    labels = {(0, 0): "345", (100, 0): "255/CLN", (0, 100): "347", (100, 100): "348"}
    extra = [("NHAN", "349", (60, 20)),    # a second number in the square of 345
             ("NHAN", "999", (250, 50))]   # a number outside every parcel
    dxf = _dxf(tmp_path / "loi.dxf", labels=labels, extra=extra)
    plan = prepare_import(dxf, "parcels", crs=9216,
                          constants={**SHEET_12, "owner_kind": "household"})
    assert not plan.ok
    errors = {f.check: f for f in plan.report.errors}
    assert set(errors) == {"cad_several_labels", "cad_label_outside"}
    two = errors["cad_several_labels"]
    assert "345 ('345'), 349 ('349')" in two.message and _inside(two, 0, 0)
    outside = errors["cad_label_outside"]
    assert "parcel 999 has no polygon" in outside.message
    assert (outside.x, outside.y) == pytest.approx((X0 + 250, Y0 + 50), abs=1e-6)
    # "255/CLN": accepted, its legal area empty, with a warning placed in it
    no_area = _warnings(plan)["23296-12-255"]
    assert "legal area" in no_area.message and "land use" not in no_area.message
    assert _inside(no_area, 100, 0)
    page = plan.report.to_html()
    assert "345 (&#x27;345&#x27;), 349 (&#x27;349&#x27;)" in page and "552250.00" in page


# --------------------------------------------------------------------------- survey files


def test_survey_without_commune_name_gets_the_official_name_and_current_unit(store, parcels_gdf,
                                                                            tmp_path):
    df = survey(parcels_gdf).drop(columns="TenXa")
    df["MaXa"] = ["23302", "23302", "23538", "23538"]  # Phường Lê Lợi, Xã Ia Tơi
    plan = prepare_import(write_shp(df, tmp_path), "parcels", zones=store.read_layer("zones"))
    assert plan.ok, plan.report.to_text()
    got = plan.frame.set_index("parcel_id")
    assert got.loc["23302-1-1", "commune_name"] == "Phường Lê Lợi"
    assert got.loc["23538-1-3", "commune_name"] == "Xã Ia Tơi"
    assert any("commune_name of 4 parcel(s) taken from the official list" in n
               for n in plan.report.notes)

    commit_import(store, plan, user="an")
    back = store.read_layer("parcels").set_index("parcel_id")
    assert back.loc["23302-1-2", ["commune_name", "current_commune_code",
                                  "current_commune_name", "current_valid_from"]].tolist() \
        == ["Phường Lê Lợi", "23302", "Phường Đăk BLa", "2025-07-01"]
    assert back.loc["23538-1-4", "current_commune_name"] == "Xã Ia Tơi"


def test_a_name_the_file_gives_is_kept_and_an_unknown_code_is_an_error(parcels_gdf, tmp_path):
    df = survey(parcels_gdf)
    df["TenXa"] = ["Phường Ngô Mây", None, None, None]
    df["MaXa"] = ["23296", "23296", "99999", "99999"]
    plan = prepare_import(write_shp(df, tmp_path), "parcels")
    assert not plan.ok
    got = plan.frame.set_index("parcel_id")["commune_name"]
    assert got["23296-1-1"] == got["23296-1-2"] == "Phường Ngô Mây"
    (err,) = [f for f in plan.report.errors if f.check == "commune_code"]
    assert "'99999' is not a commune, ward or township of the former Kon Tum" in err.message
    assert "2 parcel(s), the first in row 3" in err.message
    assert err.feature == "99999-1-3" and _inside(err, 0, 100)


def test_geojson_without_owner_kind_imports_as_not_stated(parcels_gdf, tmp_path):
    path = tmp_path / "thua.geojson"
    survey(parcels_gdf, 4326).drop(columns="DoiTuong").to_file(path)
    plan = prepare_import(path, "parcels")
    assert plan.ok, plan.report.to_text()
    assert set(plan.frame["owner_kind"]) == {NOT_STATED}
    (warning,) = plan.report.warnings
    assert "the file gives no owner kind: all 4 parcel(s)" in warning.message


def test_given_values_fill_empty_cells_and_keep_the_files_own(parcels_gdf, tmp_path):
    df = survey(parcels_gdf)
    df["DoiTuong"] = ["organization", None, "", "household"]
    plan = prepare_import(write_shp(df, tmp_path), "parcels",
                          constants={"owner_kind": "state"})
    assert plan.ok, plan.report.to_text()
    assert list(plan.frame.sort_values("parcel_no")["owner_kind"]) \
        == ["organization", "state", "state", "household"]


def test_a_missing_column_names_itself_and_the_files_columns(parcels_gdf, tmp_path):
    shp = write_shp(survey(parcels_gdf).rename(columns={"SoThua": "SH_TH"}), tmp_path)
    with pytest.raises(MissingColumns) as info:
        prepare_import(shp, "parcels")
    exc = info.value
    assert exc.missing == ["parcel_no"] and exc.layer == "parcels"
    assert exc.file_columns == ["MaXa", "TenXa", "SoTo", "SH_TH", "LoaiDat", "DienTich",
                                "DoiTuong"]
    message = str(exc)
    assert "thua.shp" in message and "parcel_no (số thửa / parcel number)" in message
    assert "MaXa, TenXa, SoTo, SH_TH" in message
    assert "--" not in message  # the core speaks of data; the script adds the options

    # with no commune code the name cannot follow either: only the code is asked for
    shp = write_shp(survey(parcels_gdf).drop(columns=["MaXa", "TenXa"]), tmp_path, "khong_xa")
    with pytest.raises(MissingColumns) as info:
        prepare_import(shp, "parcels")
    assert info.value.missing == ["commune_code"]
    assert "commune_name follows from commune_code" in str(info.value)
    assert prepare_import(shp, "parcels", constants={"commune_code": "23296"}).ok


def test_not_stated_is_a_land_use_of_its_own_and_labelled_in_both_languages(parcels_gdf,
                                                                           tmp_path):
    df = survey(parcels_gdf)
    df["LoaiDat"] = ["cln", "Chưa xác định", "not_stated", None]
    plan = prepare_import(write_shp(df, tmp_path), "parcels")
    assert plan.ok, plan.report.to_text()
    assert list(plan.frame.sort_values("parcel_no")["land_use_code"]) \
        == ["CLN", NOT_STATED, NOT_STATED, NOT_STATED]
    # only the empty cell is the file not stating it; the others state "not stated"
    assert list(_warnings(plan)) == ["23296-1-4"]
    assert pd.isna(plan.frame["legal_area_m2"]).sum() == 0
    assert shapely.equals(plan.frame.geometry.values, survey(parcels_gdf).geometry.values).all()

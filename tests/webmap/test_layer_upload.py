"""Importing a survey on the web: upload, check, fix the options, check again, confirm.

The same core as ``import_layer.py`` (one batch, all or nothing), on both stores; the bad
inputs (size, unsafe zips, unknown files, roles, CSRF, tokens) in test_layer_upload_input.py.
"""

from __future__ import annotations

import dataclasses
import os

import pytest

from landgis import crs as crsmod
from landgis.accounts import open_accounts
from tests.conftest import X0, Y0, snapshot
from tests.core.test_import import survey, write_shp, zip_shp
from tests.webmap.test_auth_edit import PASSWORD, csrf_token, login


@pytest.fixture
def app(app, store, tmp_path):
    """The webmap conftest's app, with an upload limit of 2 MB and three accounts."""
    app.config["LANDGIS"] = dataclasses.replace(app.config["LANDGIS"], max_survey_upload_mb=2)
    accounts = open_accounts(store.url, str(tmp_path / "instance"))
    accounts.create("xem", PASSWORD, "viewer")
    accounts.create("lan", PASSWORD, "editor", "Nguyễn Thị Lan")
    accounts.create("minh", PASSWORD, "editor")
    return app


@pytest.fixture
def editor(app):
    return login(app.test_client(), "lan")


def sheet7(parcels_gdf, folder, *, prj=True, drop=(), **changes):
    """The fixture parcels re-surveyed as sheet 7, zipped as an office sends a Shapefile; the
    first parcel's legal area is 20 % off its plane area (a warning placed in it)."""
    df = survey(parcels_gdf)
    df["SoTo"] = 7
    df.loc[0, "DienTich"] = 12_000.0
    for column, value in changes.items():
        df[column] = value
    folder.mkdir(exist_ok=True)
    shp = write_shp(df.drop(columns=list(drop)), folder, "to7", prj=prj)
    return zip_shp(shp)


def post(client, url, **data):
    return client.post(url, data=data, headers={"X-CSRFToken": csrf_token(client)})


def upload(client, path, **options):
    with open(path, "rb") as fh:
        return post(client, "/edit/layer/check", file=(fh, path.name), **options)


def confirm(client, token):
    return client.post("/edit/layer/confirm", json={"token": token},
                       headers={"X-CSRFToken": csrf_token(client)})


def uploads_left(app):
    root = app.instance_path + "/uploads"
    return sorted(os.listdir(root)) if os.path.isdir(root) else []


def test_no_prj_asks_for_the_crs_then_the_checked_file_is_written(app, editor, store,
                                                                 parcels_gdf, tmp_path):
    z = sheet7(parcels_gdf, tmp_path / "src", prj=False)
    before = snapshot(store)
    first = upload(editor, z)
    body = first.get_json()
    assert first.status_code == 422 and body["field"] == "crs"
    assert body["error"].startswith("to7.zip: ") and "CRS" in body["error"]
    assert "--" not in body["error"] and str(tmp_path) not in body["error"]
    assert "«Hệ tọa độ»" in body["hint"] and "«CRS»" in body["hint"]
    token = body["token"]

    # the same file again (no re-upload), with the CRS picked
    again = post(editor, "/edit/layer/check", token=token, crs="EPSG:9216", layer="parcels")
    report = again.get_json()
    assert again.status_code == 200, report
    assert report["ok"] and report["token"] == token and report["file"] == "to7.zip"
    assert report["report"]["features"] == 4 and report["counts"]["features"] == 4
    area = [f for f in report["report"]["findings"] if f["check"] == "legal_area"]
    assert len(area) == 1 and area[0]["severity"] == "warning"
    lon, lat = crsmod.transformer(9216, 4326).transform(X0 + 50, Y0 + 50)  # parcel 1's middle
    assert abs(area[0]["lon"] - lon) < 1e-6 and abs(area[0]["lat"] - lat) < 1e-6
    assert snapshot(store) == before  # a check writes nothing

    done = confirm(editor, token)
    assert done.status_code == 201, done.get_json()
    assert done.get_json()["written"] == 4 and done.get_json()["layer"] == "parcels"
    parcel = editor.get("/api/parcels/23296-7-1")
    assert parcel.status_code == 200
    assert parcel.get_json()["properties"]["legal_area_m2"] == 12_000.0
    batch = store.list_batches().iloc[-1]
    assert (batch["batch_id"], batch["source_name"], batch["user"]) == \
        (done.get_json()["batch"], "to7.zip", "lan")
    assert len(batch["source_sha256"]) == 64
    assert uploads_left(app) == []  # deleted once written
    twice = confirm(editor, token)
    assert twice.status_code == 404 and "upload the file again" in twice.get_json()["error"]


@pytest.mark.backends("gpkg")  # checks only: nothing reaches the store
def test_a_missing_column_points_at_the_field_map(app, editor, parcels_gdf, tmp_path):
    z = sheet7(parcels_gdf, tmp_path / "src", drop=["SoThua"])
    body = upload(editor, z).get_json()
    assert body["field"] == "map" and body["missing"] == ["parcel_no"]
    assert body["columns"] == ["MaXa", "TenXa", "SoTo", "LoaiDat", "DienTich", "DoiTuong"]
    assert "«Ánh xạ trường»" in body["hint"] and "«Field map»" in body["hint"]
    assert "--map" not in body["error"] and "--set" not in body["error"]
    # a field map naming a field the file lacks points at the same field
    bad = post(editor, "/edit/layer/check", token=body["token"], map="So_Thua=parcel_no")
    assert bad.status_code == 422 and bad.get_json()["field"] == "map"
    assert "So_Thua" in bad.get_json()["error"]
    # one value for every feature fills it
    fixed = post(editor, "/edit/layer/check", token=body["token"], set="parcel_no=1")
    assert fixed.status_code == 422  # four parcels numbered 1: duplicate ids, an error
    assert fixed.get_json()["report"]["errors"] > 0


@pytest.mark.backends("gpkg")
def test_a_report_with_errors_cannot_be_confirmed(app, editor, store, parcels_gdf, tmp_path):
    z = sheet7(parcels_gdf, tmp_path / "src", LoaiDat="XYZ")
    body = upload(editor, z).get_json()
    [error] = body["report"]["findings"]
    assert not body["ok"] and error["severity"] == "error" and "'XYZ'" in error["message"]
    # a problem of several parcels is placed at the first of them
    lon, lat = crsmod.transformer(9216, 4326).transform(X0 + 50, Y0 + 50)
    assert error["feature"] == "23296-7-1" and abs(error["lat"] - lat) < 1e-6
    before = snapshot(store)
    refused = confirm(editor, body["token"])
    assert refused.status_code == 422 and "nothing written" in refused.get_json()["error"]
    assert snapshot(store) == before
    # the upload is still there for another check
    assert post(editor, "/edit/layer/check", token=body["token"]).status_code == 422


@pytest.mark.backends("gpkg")
def test_strict_refuses_warnings_and_the_tolerance_is_the_forms(app, editor, store,
                                                                parcels_gdf, tmp_path):
    token = upload(editor, sheet7(parcels_gdf, tmp_path / "src")).get_json()["token"]
    strict = post(editor, "/edit/layer/check", token=token, strict="1")
    assert strict.status_code == 422 and "strict" in strict.get_json()["refused"]
    before = snapshot(store)
    assert confirm(editor, token).status_code == 422  # the last check's options are written
    assert snapshot(store) == before
    loose = post(editor, "/edit/layer/check", token=token, tolerance="25")
    assert loose.status_code == 200 and loose.get_json()["report"]["warnings"] == 0


@pytest.mark.backends("gpkg")
def test_options_list_the_choices(app, editor):
    body = editor.get("/edit/layer/options").get_json()
    assert {"value": "EPSG:9216", "label": "EPSG:9216 – VN-2000 Kon Tum"} in body["crs"]
    assert "tcvn3" in body["encodings"] and "parcels" in body["layers"]
    assert ".zip" in body["accepted"] and body["max_survey_upload_mb"] == 2


def test_a_survey_of_another_sheet_leaves_the_others_on_the_map(app, editor, store,
                                                                parcels_gdf, tmp_path):
    assert editor.get("/api/parcels/23296-1-3").status_code == 200  # cached before the update
    assert editor.get("/api/parcels/23296-7-1").status_code == 404
    token = upload(editor, sheet7(parcels_gdf, tmp_path / "src"), crs="EPSG:9216").get_json()[
        "token"]
    done = confirm(editor, token)
    assert done.status_code == 201, done.get_json()
    counts = done.get_json()["counts"]
    assert (counts["added"], counts["changed"], counts["removed"]) == (4, 0, 0)
    assert editor.get("/api/parcels/23296-1-3").status_code == 200
    assert editor.get("/api/parcels/23296-7-1").status_code == 200
    assert len(store.read_layer("parcels")) == 8


def test_removing_parcels_with_history_needs_the_confirm_removed_box(app, editor, store,
                                                                     parcels_gdf, tmp_path):
    df = survey(parcels_gdf).iloc[[0, 2, 3]]  # parcel 23296-1-2, disputed, is not surveyed
    shp = write_shp(df, tmp_path, "to1")
    first = upload(editor, zip_shp(shp))
    body = first.get_json()
    assert first.status_code == 422 and body["field"] == "confirm_removed"
    assert "23296-1-2" in body["refused"] and "--" not in body["refused"]
    assert body["counts"]["removed"] == 1
    before = snapshot(store)
    assert confirm(editor, body["token"]).status_code == 422
    assert snapshot(store) == before
    checked = post(editor, "/edit/layer/check", token=body["token"], confirm_removed="1")
    assert checked.status_code == 200, checked.get_json()
    assert confirm(editor, body["token"]).status_code == 201
    assert editor.get("/api/parcels/23296-1-2").status_code == 404
    assert editor.get("/api/parcels/23296-1-1").status_code == 200

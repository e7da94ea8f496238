"""Bad input to the web import: a body too large (refused before it is read), a zip with a
member outside its folder, a file of an unknown kind, a viewer, a missing CSRF token, and
tokens that are expired, someone else's or made up. Nothing is stored in any of them."""

from __future__ import annotations

import io
import json
import os
import time
import zipfile

import pytest

from tests.conftest import snapshot
from tests.webmap.test_auth_edit import csrf_token, login
from tests.webmap.test_layer_upload import (app, confirm, editor, post, sheet7,  # noqa: F401
                                            upload, uploads_left)

pytestmark = pytest.mark.backends("gpkg")  # refusals: nothing reaches the store


class Unread(io.RawIOBase):
    """A request body of ``size`` bytes that records whether anyone read it."""

    def __init__(self, size: int):
        self.size, self.pos, self.touched = size, 0, False

    def readable(self):
        return True

    def readinto(self, buffer):
        self.touched = True
        return 0

    def seekable(self):
        return True

    def seek(self, offset, whence=0):  # the test client measures the body this way
        self.pos = {0: 0, 1: self.pos, 2: self.size}[whence] + offset
        return self.pos


def test_a_200_mb_upload_is_refused_before_its_body_is_read(app, editor, store):
    body = Unread(200 * 1024 * 1024)
    resp = editor.post("/edit/layer/check", input_stream=body,
                       content_type="multipart/form-data; boundary=x",
                       headers={"X-CSRFToken": csrf_token(editor)})
    assert resp.status_code == 413
    assert resp.get_json()["limit_mb"] == 2 and "2 MB" in resp.get_json()["error"]
    assert not body.touched and uploads_left(app) == []


def test_a_body_over_the_setting_is_refused_without_a_csrf_token_too(app, editor, tmp_path):
    big = tmp_path / "big.geojson"
    big.write_bytes(b" " * (3 * 1024 * 1024))
    with open(big, "rb") as fh:
        resp = editor.post("/edit/layer/check", data={"file": (fh, big.name)})
    assert resp.status_code == 413 and "max_survey_upload_mb" in resp.get_json()["error"]
    assert uploads_left(app) == []


@pytest.mark.parametrize("member", ["../../x.shp", "/tmp/x.shp", "..\\..\\x.shp"])
def test_a_zip_with_a_member_outside_its_folder_is_refused(app, editor, parcels_gdf, tmp_path,
                                                           member):
    good = sheet7(parcels_gdf, tmp_path / "src")
    evil = tmp_path / "evil.zip"
    with zipfile.ZipFile(good) as src, zipfile.ZipFile(evil, "w") as zf:
        for name in src.namelist():
            zf.writestr(name, src.read(name))
        zf.writestr(zipfile.ZipInfo(member), b"x")
    before = {p for p in tmp_path.parent.rglob("x.shp")}
    resp = upload(editor, evil)
    body = resp.get_json()
    assert resp.status_code == 422 and "unsafe name" in body["error"]
    assert body["error"].startswith("evil.zip: ") and body["field"] == "file"
    assert "token" not in body and uploads_left(app) == []  # no option makes it importable
    assert {p for p in tmp_path.parent.rglob("x.shp")} == before
    assert not os.path.exists("/tmp/x.shp")


@pytest.mark.parametrize("name, words", [("ghi_chu.txt", "unknown kind of file"),
                                         ("to7.shp", "send a Shapefile as a .zip"),
                                         ("..", "unknown kind of file")])
def test_a_file_of_an_unknown_kind_is_refused(app, editor, name, words):
    resp = post(editor, "/edit/layer/check", file=(io.BytesIO(b"abc"), name))
    assert resp.status_code == 400 and words in resp.get_json()["error"]
    assert resp.get_json()["field"] == "file" and uploads_left(app) == []


def test_a_file_that_is_not_what_its_name_says_is_refused_and_forgotten(app, editor):
    resp = post(editor, "/edit/layer/check", file=(io.BytesIO(b"not a zip"), "to7.zip"))
    assert resp.status_code == 422 and "to7.zip: not a readable zip file" in \
        resp.get_json()["error"]
    assert uploads_left(app) == []


def test_a_viewer_gets_403_and_nobody_401(app, parcels_gdf, tmp_path):
    z = sheet7(parcels_gdf, tmp_path / "src")
    anonymous = app.test_client()
    assert anonymous.get("/edit/layer/options").status_code == 401
    assert upload(anonymous, z).status_code == 401
    viewer = login(app.test_client(), "xem")
    resp = upload(viewer, z)
    assert resp.status_code == 403 and "editor" in resp.get_json()["error"]
    assert viewer.get("/edit/layer/options").status_code == 403
    assert confirm(viewer, "x" * 32).status_code == 403
    assert uploads_left(app) == []


def test_a_missing_or_forged_csrf_token_is_refused(app, editor, store, parcels_gdf, tmp_path):
    z = sheet7(parcels_gdf, tmp_path / "src")
    for headers in ({}, {"X-CSRFToken": "forged"}):
        with open(z, "rb") as fh:
            resp = editor.post("/edit/layer/check", data={"file": (fh, z.name)},
                               headers=headers)
        assert resp.status_code == 400 and "CSRF" in resp.get_json()["error"]
    assert uploads_left(app) == []
    token = upload(editor, z).get_json()["token"]
    before = snapshot(store)
    resp = editor.post("/edit/layer/confirm", json={"token": token})
    assert resp.status_code == 400 and "CSRF" in resp.get_json()["error"]
    assert snapshot(store) == before


def test_expired_foreign_and_made_up_tokens_answer_404(app, editor, store, parcels_gdf,
                                                       tmp_path):
    z = sheet7(parcels_gdf, tmp_path / "src")
    token = upload(editor, z).get_json()["token"]
    before = snapshot(store)
    # another editor, and the same editor in another session, cannot use it
    for other in (login(app.test_client(), "minh"), login(app.test_client(), "lan")):
        for resp in (confirm(other, token), post(other, "/edit/layer/check", token=token)):
            assert resp.status_code == 404
            assert "another session" in resp.get_json()["error"]
    for made_up in ("../../etc/passwd", "", "A" * 32):
        assert confirm(editor, made_up).status_code == 404
    # an upload unused for longer than its lifetime is gone, and swept by the next upload
    meta = os.path.join(app.instance_path, "uploads", token, "meta.json")
    with open(meta, encoding="utf-8") as fh:
        doc = json.load(fh)
    doc["used"] = time.time() - 2 * 3600
    with open(meta, "w", encoding="utf-8") as fh:
        json.dump(doc, fh)
    resp = confirm(editor, token)
    assert resp.status_code == 404 and "expired" in resp.get_json()["error"]
    fresh = upload(editor, z).get_json()["token"]
    assert uploads_left(app) == [fresh]
    assert snapshot(store) == before


def test_a_session_keeps_three_uploads(app, editor, parcels_gdf, tmp_path):
    z = sheet7(parcels_gdf, tmp_path / "src")
    tokens = [upload(editor, z).get_json()["token"] for _ in range(4)]
    assert uploads_left(app) == sorted(tokens[1:])
    assert post(editor, "/edit/layer/check", token=tokens[0]).status_code == 404
    assert post(editor, "/edit/layer/check", token=tokens[3]).status_code == 200


def test_bad_options_name_their_field_and_keep_the_upload(app, editor, parcels_gdf,
                                                          tmp_path):
    token = upload(editor, sheet7(parcels_gdf, tmp_path / "src")).get_json()["token"]
    for field, value in (("tolerance", "nhiều"), ("encoding", "latin9"), ("map", "SoThua"),
                         ("set", "=CLN"), ("layer", "status_events")):
        resp = post(editor, "/edit/layer/check", token=token, **{field: value})
        assert resp.status_code == 400 and resp.get_json()["field"] == field
        assert resp.get_json()["token"] == token
    unknown_crs = post(editor, "/edit/layer/check", token=token, crs="VN-1990")
    assert unknown_crs.status_code == 422 and unknown_crs.get_json()["field"] == "crs"
    assert unknown_crs.get_json()["token"] == token
    unknown_column = post(editor, "/edit/layer/check", token=token, set="mau=do")
    assert unknown_column.status_code == 422 and unknown_column.get_json()["field"] == "set"
    assert post(editor, "/edit/layer/check", token=token).status_code == 200

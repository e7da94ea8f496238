"""GET /tiles/<layer>/<z>/<x>/<y>.pbf, GET /api/status and GET /api/status/snapshot, through
the Flask app."""

from __future__ import annotations

import base64
import gzip
import json
import struct

import mapbox_vector_tile
import numpy as np
import pandas as pd
import pytest
import shapely

from landgis import crs as crsmod
from landgis import tiles
from tests.conftest import X0, Y0, event, square
from webmap import create_app

PBF = "application/vnd.mapbox-vector-tile"


def decode(resp) -> list[dict]:
    data = resp.data
    if resp.headers.get("Content-Encoding") == "gzip":
        data = gzip.decompress(data)
    (layer,) = mapbox_vector_tile.decode(data, default_options={"y_coord_down": True}).values()
    return layer["features"]


def parcel_tile(z: int) -> tuple[int, int]:
    """The tile holding the fixture's parcel 23296-1-1 (its centre)."""
    lon, lat = crsmod.transformer(9216, 4326).transform(X0 + 50, Y0 + 50)
    x, y = crsmod.transformer(4326, 3857).transform(lon, lat)
    ((tx, ty),) = tiles.tiles_covering((x, y, x, y), z)
    return tx, ty


def in_storage(geojson: dict, z: int, x: int, y: int):
    minx, _, _, maxy = tiles.tile_bounds(z, x, y)
    unit = tiles.tile_unit_m(z)
    merc = shapely.transform(shapely.geometry.shape(geojson), lambda c: np.column_stack(
        (minx + c[:, 0] * unit, maxy - c[:, 1] * unit)))
    return crsmod.transform_geometries([merc], 3857, crsmod.STORAGE_CRS)[0]


@pytest.fixture
def on_the_fly(app):
    assert app.config["LANDGIS"].tiles_build == "off"  # every tile encoded in its request
    return app.test_client()


@pytest.fixture
def from_pyramid(store, tmp_path):
    app = create_app({"database_url": store.url, "instance_dir": str(tmp_path / "pyr"),
                      "TESTING": True, "tiles_build": "inline"})
    return app.test_client()


def test_a_parcel_tile_decodes_with_keys_and_import_attributes(on_the_fly):
    x, y = parcel_tile(14)
    resp = on_the_fly.get(f"/tiles/parcels/14/{x}/{y}.pbf")
    assert resp.status_code == 200 and resp.mimetype == PBF
    assert resp.headers["Cache-Control"].startswith("public, max-age=")
    assert resp.headers["ETag"].startswith('W/"')
    features = {f["properties"]["parcel_id"]: f for f in decode(resp)}
    assert set(features) == {"23296-1-1", "23296-1-2", "23296-1-3", "23296-1-4"}
    assert features["23296-1-1"]["properties"] == {
        "parcel_id": "23296-1-1", "zone_code": "KCN-T1", "land_use_code": "CLN",
        "sheet_no": 1, "parcel_no": 1, "k": 1}  # no clearance or auction status: they change
    # daily; k is the parcel's feature id in the store, its place in the status snapshot
    assert sorted(f["properties"]["k"] for f in features.values()) == [1, 2, 3, 4]
    drawn = in_storage(features["23296-1-1"]["geometry"], 14, x, y)
    # one tile unit at z14 (0.60 m of Web Mercator, less on the ground)
    assert shapely.hausdorff_distance(drawn, square(0, 0)) < tiles.tile_unit_m(14)


def test_gzip_is_sent_to_clients_that_accept_it(on_the_fly):
    x, y = parcel_tile(15)
    plain = on_the_fly.get(f"/tiles/parcels/15/{x}/{y}.pbf")
    packed = on_the_fly.get(f"/tiles/parcels/15/{x}/{y}.pbf",
                            headers={"Accept-Encoding": "gzip, deflate"})
    assert "Content-Encoding" not in plain.headers
    assert packed.headers["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in packed.headers["Vary"]
    assert gzip.decompress(packed.data) == plain.data


def test_empty_low_zoom_bad_and_unknown_tiles(on_the_fly):
    x, y = parcel_tile(13)
    assert on_the_fly.get(f"/tiles/parcels/12/{x // 2}/{y // 2}.pbf").status_code == 204
    empty = on_the_fly.get("/tiles/parcels/14/0/0.pbf")
    assert empty.status_code == 204 and empty.data == b""
    assert on_the_fly.get(f"/tiles/zones/8/{x // 32}/{y // 32}.pbf").status_code == 200
    assert on_the_fly.get(f"/tiles/zoning_plots/13/{x}/{y}.pbf").status_code == 204
    for path in ("/tiles/parcels/14/16384/0.pbf", "/tiles/parcels/14/0/16384.pbf",
                 "/tiles/parcels/23/0/0.pbf", "/tiles/parcels/-1/0/0.pbf",
                 "/tiles/parcels/14/-3/5.pbf"):
        resp = on_the_fly.get(path)
        assert resp.status_code == 400, path
        assert "outside" in resp.get_json()["error"]
    resp = on_the_fly.get(f"/tiles/status_events/14/{x}/{y}.pbf")
    assert resp.status_code == 404 and "parcels" in resp.get_json()["error"]


def test_etag_revalidates_until_an_import_changes_the_geometry(store, parcels_gdf, on_the_fly):
    x, y = parcel_tile(14)
    url = f"/tiles/parcels/14/{x}/{y}.pbf"
    first = on_the_fly.get(url)
    etag = first.headers["ETag"]
    assert on_the_fly.get(url, headers={"If-None-Match": etag}).status_code == 304
    # a status edit is not a reason to download the tile again
    store.append_events(pd.DataFrame([event("23296-1-3", "clearance_status", "inventoried",
                                            "2020-01-02", 60)]))
    assert on_the_fly.get(url, headers={"If-None-Match": etag}).status_code == 304
    moved = parcels_gdf.copy()
    moved.loc[0, "geometry"] = square(30, 30, 50)
    store.write_layer("parcels", moved)
    after = on_the_fly.get(url, headers={"If-None-Match": etag})
    assert after.status_code == 200 and after.headers["ETag"] != etag
    (parcel,) = [f for f in decode(after) if f["properties"]["parcel_id"] == "23296-1-1"]
    drawn = in_storage(parcel["geometry"], 14, x, y)
    assert shapely.hausdorff_distance(drawn, square(30, 30, 50)) < tiles.tile_unit_m(14)


def test_pyramid_and_on_the_fly_tiles_give_the_same_features(from_pyramid, on_the_fly):
    for layer, z in (("parcels", 13), ("parcels", 16), ("parcels", 18), ("zones", 10)):
        x, y = parcel_tile(z)
        url = f"/tiles/{layer}/{z}/{x}/{y}.pbf"
        built, encoded = from_pyramid.get(url), on_the_fly.get(url)
        expected = "pyramid" if z <= tiles.PYRAMID_MAX_ZOOM else "encoded"
        assert built.headers["X-Tile-Source"] == expected
        assert encoded.headers["X-Tile-Source"] == "encoded"
        assert built.headers["ETag"] == encoded.headers["ETag"]
        assert [f["properties"] for f in decode(built)] == [
            f["properties"] for f in decode(encoded)]


def test_the_pyramid_follows_an_import(store, parcels_gdf, from_pyramid):
    x, y = parcel_tile(14)
    url = f"/tiles/parcels/14/{x}/{y}.pbf"
    assert from_pyramid.get(url).headers["X-Tile-Source"] == "pyramid"
    moved = parcels_gdf.copy()
    moved.loc[3, "geometry"] = square(100, 100, 40)
    store.write_layer("parcels", moved)
    resp = from_pyramid.get(url)
    assert resp.headers["X-Tile-Source"] == "pyramid"
    (parcel,) = [f for f in decode(resp) if f["properties"]["parcel_id"] == "23296-1-4"]
    assert shapely.hausdorff_distance(in_storage(parcel["geometry"], 14, x, y),
                                      square(100, 100, 40)) < tiles.tile_unit_m(14)


# --------------------------------------------------------------------------- /api/status


def lonlat_box(x0, y0, x1, y1) -> str:
    t = crsmod.transformer(9216, 4326)
    lons, lats = t.transform([X0 + x0, X0 + x1], [Y0 + y0, Y0 + y1])
    return ",".join(f"{v:.6f}" for v in (lons[0], lats[0], lons[1], lats[1]))


def test_status_gives_the_ledger_statuses_in_a_box(client, store):
    resp = client.get(f"/api/status?bbox={lonlat_box(-20, -20, 220, 220)}")
    assert resp.status_code == 200
    body = resp.get_json()
    assert body["truncated"] is False
    assert body["parcels"]["23296-1-1"] == ["compensated", "planned"]
    assert body["parcels"]["23296-1-2"] == ["disputed", "not_planned"]
    assert len(body["parcels"]) == 4
    store.append_events(pd.DataFrame([event("23296-1-2", "auction_status", "planned",
                                            "2020-01-02", 61)]))
    body = client.get(f"/api/status?bbox={lonlat_box(110, 10, 190, 90)}").get_json()
    assert body["parcels"] == {"23296-1-2": ["disputed", "planned"]}
    far = client.get("/api/status?bbox=107.0,12.0,107.1,12.1").get_json()
    assert far == {"parcels": {}, "truncated": False}


def test_status_caps_the_answer(store, tmp_path):
    app = create_app({"database_url": store.url, "instance_dir": str(tmp_path / "i"),
                      "TESTING": True, "max_features": 3})
    body = app.test_client().get(f"/api/status?bbox={lonlat_box(-20, -20, 220, 220)}").get_json()
    assert len(body["parcels"]) == 3 and body["truncated"] is True


def test_status_refuses_bad_boxes(client):
    for query in ("", "?bbox=", "?bbox=1,2,3", "?bbox=a,b,c,d", "?bbox=108,14,107,15",
                  "?bbox=107.0,14.0,108.0,14.1"):
        resp = client.get(f"/api/status{query}")
        assert resp.status_code == 400, query
        assert "bbox" in resp.get_json()["error"]


# --------------------------------------------------------------------------- /api/status/snapshot


def snapshot(client, **headers):
    resp = client.get("/api/status/snapshot", headers=headers)
    body = None
    if resp.status_code == 200:
        data = resp.data
        if resp.headers.get("Content-Encoding") == "gzip":
            data = gzip.decompress(data)
        body = json.loads(data)
    return resp, body


def statuses_by_parcel(client, body) -> dict:
    """parcel_id -> (clearance, auction) as the page reads them: the tiles' k into the bytes."""
    x, y = parcel_tile(14)
    features = decode(client.get(f"/tiles/parcels/14/{x}/{y}.pbf"))
    fields = [body["fields"][f] for f in ("clearance_status", "auction_status")]
    data = [base64.b64decode(f["data"]) for f in fields]
    return {f["properties"]["parcel_id"]: tuple(field["codes"][raw[f["properties"]["k"]]]
                                                 for field, raw in zip(fields, data))
            for f in features}


def test_snapshot_colours_every_parcel_by_its_tile_key(client, store):
    store.append_events(pd.DataFrame([event("23296-1-3", "auction_status", "sold",
                                            "2020-03-01", 63)]))
    resp, body = snapshot(client)
    assert resp.status_code == 200 and resp.mimetype == "application/json"
    assert resp.headers["Cache-Control"] == "no-cache" and resp.headers["ETag"]
    assert body["count"] == 5  # the highest k (the feature ids run from 1) plus one
    assert body["version"] == tiles.data_version(store)  # the tiles' k belong to this version
    assert body["fields"]["clearance_status"]["codes"][0] is None
    assert statuses_by_parcel(client, body) == {
        "23296-1-1": ("compensated", "planned"), "23296-1-2": ("disputed", "not_planned"),
        "23296-1-3": ("not_started", "sold"),  # no event: the land fund's starting status
        "23296-1-4": ("not_started", "not_planned")}


def test_snapshot_is_revalidated_until_the_ledger_moves(client, store):
    first, _ = snapshot(client)
    etag = first.headers["ETag"]
    again, _ = snapshot(client, **{"If-None-Match": etag})
    assert again.status_code == 304 and again.data == b""
    packed, body = snapshot(client, **{"Accept-Encoding": "gzip"})
    assert packed.headers["Content-Encoding"] == "gzip" and body["count"] == 5
    store.append_events(pd.DataFrame([event("23296-1-4", "clearance_status", "inventoried",
                                            "2020-01-02", 62)]))
    after, body = snapshot(client, **{"If-None-Match": etag})
    assert after.status_code == 200 and after.headers["ETag"] != etag
    assert statuses_by_parcel(client, body)["23296-1-4"] == ("inventoried", "not_planned")


def test_tiles_asked_for_their_version_are_kept_for_good(client, store, parcels_gdf):
    x, y = parcel_tile(14)
    version = tiles.data_version(store)
    pinned = client.get(f"/tiles/parcels/14/{x}/{y}.pbf?v={version}")
    assert pinned.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    stale = client.get(f"/tiles/parcels/14/{x}/{y}.pbf?v=older")
    assert stale.headers["Cache-Control"].startswith("public, max-age=")
    assert "immutable" not in stale.headers["Cache-Control"]
    moved = parcels_gdf.copy()
    moved.loc[0, "geometry"] = square(30, 30, 50)
    store.write_layer("parcels", moved)
    assert tiles.data_version(store) != version  # an import gives the tiles a new address
    _, body = snapshot(client)
    assert body["version"] == tiles.data_version(store)


# --------------------------------------------------------------------------- batches


def unpack_batch(resp) -> dict:
    data = resp.data
    (count,), pos, out = struct.unpack_from("<I", data), 4, {}
    for _ in range(count):
        x, y, length = struct.unpack_from("<III", data, pos)
        out[(x, y)] = gzip.decompress(data[pos + 12:pos + 12 + length]) if length else b""
        pos += 12 + length
    assert pos == len(data)
    return out


def test_a_batch_holds_the_same_tiles_as_single_requests(on_the_fly):
    x, y = parcel_tile(16)
    asked = [(x, y), (x + 1, y), (x, y + 1), (0, 0)]
    xy = ";".join(f"{a},{b}" for a, b in asked)
    resp = on_the_fly.get(f"/tiles/parcels/16/batch?xy={xy}")
    assert resp.status_code == 200 and resp.mimetype == "application/x-landgis-tiles"
    assert "Content-Encoding" not in resp.headers  # each tile comes gzip-compressed as stored
    got = unpack_batch(resp)
    assert list(got) == asked
    for a, b in asked:
        single = on_the_fly.get(f"/tiles/parcels/16/{a}/{b}.pbf")
        assert got[(a, b)] == (single.data if single.status_code == 200 else b"")
    assert got[(0, 0)] == b"" and len(got[(x, y)]) > 0


def test_bad_batches_are_refused_with_a_message(on_the_fly):
    for query, words in (("", "xy"), ("?xy=", "xy"), ("?xy=1,2;3", "pair"),
                         ("?xy=a,b", "pair"), ("?xy=" + ";".join(["1,1"] * 65), "at most"),
                         ("?xy=70000,1", "outside")):
        resp = on_the_fly.get(f"/tiles/parcels/16/batch{query}")
        assert resp.status_code == 400, query
        assert words in resp.get_json()["error"], (query, resp.get_json())
    assert on_the_fly.get("/tiles/nothing/16/batch?xy=1,1").status_code == 404


@pytest.mark.backends("postgis")
def test_with_tiles_source_postgis_the_database_encodes_the_same_features(store, tmp_path):
    """Several app servers share one tile source: PostGIS encodes each tile not in a pyramid,
    with the same properties and k as landgis's own encoder."""
    x, y = parcel_tile(14)
    answers = {}
    for source in ("landgis", "postgis"):
        app = create_app({"database_url": store.url, "instance_dir": str(tmp_path / source),
                          "TESTING": True, "tiles_build": "off", "tiles_source": source})
        resp = app.test_client().get(f"/tiles/parcels/14/{x}/{y}.pbf")
        assert resp.status_code == 200
        answers[source] = resp
    assert answers["postgis"].headers["X-Tile-Source"] == "database"
    assert answers["landgis"].headers["X-Tile-Source"] == "encoded"
    ours, theirs = ({f["properties"]["parcel_id"]: f for f in decode(answers[s])}
                    for s in ("landgis", "postgis"))
    assert {k: f["properties"] for k, f in theirs.items()} == {
        k: f["properties"] for k, f in ours.items()}
    for pid, f in theirs.items():
        drawn, expected = (in_storage(g["geometry"], 14, x, y) for g in (f, ours[pid]))
        assert shapely.hausdorff_distance(drawn, expected) <= tiles.tile_unit_m(14)
    assert answers["postgis"].headers["ETag"] == answers["landgis"].headers["ETag"]


def test_tiles_source_postgis_is_the_database_only_for_a_postgis_store(store, tmp_path):
    app = create_app({"database_url": store.url, "instance_dir": str(tmp_path / "g"),
                      "TESTING": True, "tiles_build": "off", "tiles_source": "postgis"})
    x, y = parcel_tile(14)
    resp = app.test_client().get(f"/tiles/parcels/14/{x}/{y}.pbf")
    expected = "database" if store.url.startswith("postgresql") else "encoded"
    assert resp.status_code == 200 and resp.headers["X-Tile-Source"] == expected
    assert len(decode(resp)) == 4

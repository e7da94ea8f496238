"""Vector tiles in the core: the grid, the data version, the pyramid against the tiles encoded
on request (the same bytes), no parcel dropped or moved by more than one tile unit, and
statuses by box."""

from __future__ import annotations

import fcntl
import gzip
import json
import subprocess
import sys
from pathlib import Path

import geopandas as gpd
import mapbox_vector_tile
import numpy as np
import pandas as pd
import pytest
import shapely

from landgis import crs as crsmod
from landgis import service, tiles
from landgis.store.geopackage import GeoPackageStore
from tests.conftest import X0, Y0, event, square


# --------------------------------------------------------------------------- helpers


def decode(data: bytes | None) -> list[dict]:
    """The features of the one layer of a tile (gzip or not); [] for None."""
    if data is None:
        return []
    if data[:2] == b"\x1f\x8b":
        data = gzip.decompress(data)
    layers = mapbox_vector_tile.decode(data, default_options={"y_coord_down": True})
    assert len(layers) == 1
    layer = next(iter(layers.values()))
    assert layer["extent"] == tiles.EXTENT
    return layer["features"]


def to_storage(geojson: dict, z: int, x: int, y: int):
    """A decoded tile geometry (tile units, y down) back in EPSG:3857, then EPSG:9216."""
    minx, _, _, maxy = tiles.tile_bounds(z, x, y)
    unit = tiles.tile_unit_m(z)
    geom = shapely.geometry.shape(geojson)
    merc = shapely.transform(geom, lambda c: np.column_stack(
        (minx + c[:, 0] * unit, maxy - c[:, 1] * unit)))
    return crsmod.transform_geometries([merc], 3857, crsmod.STORAGE_CRS)[0]


def layer_tiles(gdf, z: int) -> list[tuple[int, int]]:
    merc = crsmod.to_crs(gdf, 3857)
    return tiles.tiles_covering(merc.total_bounds, z)


def parcel_row(i, geom, **extra):
    return {"parcel_id": f"23296-1-{i}", "commune_code": "23296", "commune_name": "Phường Ngô Mây",
            "sheet_no": 1, "parcel_no": i, "land_use_code": extra.get("land_use_code", "ONT"),
            "legal_area_m2": float(geom.area), "zone_code": "KCN-T1",
            "owner_kind": "household", "geometry": geom}


@pytest.fixture
def awkward_parcels(parcels_gdf):
    """The four 1-ha squares and parcels a careless tiler would drop or thin."""
    circle = shapely.Point(X0 + 450, Y0 + 50).buffer(40, quad_segs=16)  # 64 vertices
    extra = [
        parcel_row(5, shapely.box(X0 + 250, Y0, X0 + 252.5, Y0 + 60)),          # 2.5 m strip
        parcel_row(6, square(250, 100, 4)),                                      # 16 m²
        parcel_row(7, shapely.Polygon(square(300, 0, 80).exterior.coords,        # with a hole
                                      [square(330, 30, 20).exterior.coords])),
        parcel_row(8, shapely.MultiPolygon([square(300, 100, 30), square(350, 150, 30)])),
        parcel_row(9, circle),
    ]
    return pd.concat([parcels_gdf, gpd.GeoDataFrame(extra, crs=9216)], ignore_index=True)


# --------------------------------------------------------------------------- the grid


def test_tile_addresses_are_checked():
    assert tiles.check_tile("parcels", 14, 0, 16383).name == "parcels"
    assert tiles.tile_bounds(0, 0, 0) == pytest.approx(
        (-tiles.WORLD_HALF, -tiles.WORLD_HALF, tiles.WORLD_HALF, tiles.WORLD_HALF))
    for z, x, y in [(14, 16384, 0), (14, 0, 16384), (23, 0, 0), (-1, 0, 0), (3, -1, 0)]:
        with pytest.raises(tiles.TileError):
            tiles.check_tile("parcels", z, x, y)
    with pytest.raises(tiles.UnknownLayer, match="parcels, zones, zoning_plots"):
        tiles.check_tile("status_events", 14, 0, 0)


def test_one_tile_unit_at_zoom_14_is_about_60_cm():
    # 2 * 20037508.34 m / 2**14 / 4096: the largest quantisation error is 0.71 of it
    assert tiles.tile_unit_m(14) == pytest.approx(0.5972, abs=1e-4)


def test_data_version_follows_the_layers_not_the_ledger(store, parcels_gdf):
    before = tiles.data_version(store)
    store.append_events(pd.DataFrame([event("23296-1-3", "clearance_status", "inventoried",
                                            "2020-01-02", 50)]))
    assert tiles.data_version(store) == before  # a status edit leaves every tile as it was
    moved = parcels_gdf.copy()
    moved.loc[0, "geometry"] = square(10, 10, 90)
    store.write_layer("parcels", moved)
    assert tiles.data_version(store) != before


# --------------------------------------------------------------------------- both encoders


def test_no_parcel_dropped_or_moved_at_zoom_13_to_16(store, awkward_parcels, tmp_path):
    store.write_layer("parcels", awkward_parcels)
    manifest = tiles.build_pyramid(store, tmp_path / "pyramid")
    assert manifest["layers"]["parcels"]["features"] == len(awkward_parcels)
    pyramid = tiles.Pyramid(tmp_path / "pyramid")
    index = tiles.layer_index(store, "parcels")
    stored = dict(zip(awkward_parcels["parcel_id"], awkward_parcels.geometry))
    for z in range(13, 17):
        tolerance = tiles.tile_unit_m(z)  # one tile unit, in EPSG:3857 metres (> on the ground)
        for name, fetch in (("pyramid", lambda x, y: pyramid.get("parcels", z, x, y)),
                            ("on the fly", lambda x, y: tiles.encode_tile(index, z, x, y))):
            pieces: dict[str, list] = {}
            for x, y in layer_tiles(awkward_parcels, z):
                for f in decode(fetch(x, y)):
                    pieces.setdefault(f["properties"]["parcel_id"], []).append(
                        to_storage(f["geometry"], z, x, y))
            assert set(pieces) == set(stored), (name, z)
            for pid, parts in pieces.items():
                drawn = shapely.union_all(parts)
                assert shapely.hausdorff_distance(drawn, stored[pid]) < tolerance, (name, z, pid)
        # the circle keeps its vertices at z16: nothing is simplified
    for x, y in layer_tiles(awkward_parcels, 16):
        for f in decode(pyramid.get("parcels", 16, x, y)):
            if f["properties"]["parcel_id"] == "23296-1-9":
                assert len(f["geometry"]["coordinates"][0]) >= 60


def test_pyramid_and_on_the_fly_tiles_are_the_same_bytes(store, tmp_path):
    tiles.build_pyramid(store, tmp_path / "p")
    pyramid = tiles.Pyramid(tmp_path / "p")
    svc = tiles.TileService(tmp_path / "none", build="off")
    for layer, z in (("parcels", 13), ("parcels", 16), ("zones", 8), ("zones", 15)):
        gdf = store.read_layer(layer)
        for x, y in layer_tiles(gdf, z):
            stored = pyramid.get(layer, z, x, y)
            answer = svc.tile(store, layer, z, x, y)
            assert answer.source == "encoded" and stored and decode(stored)
            assert answer.data == stored


def test_tiles_carry_keys_and_import_attributes_never_statuses(store):
    index = tiles.layer_index(store, "parcels")
    (x, y), = layer_tiles(store.read_layer("parcels"), 13)
    props = {f["properties"]["parcel_id"]: f["properties"]
             for f in decode(tiles.encode_tile(index, 13, x, y))}
    assert props["23296-1-2"] == {"parcel_id": "23296-1-2", "zone_code": "KCN-T1",
                                  "land_use_code": "CLN", "sheet_no": 1, "parcel_no": 2,
                                  "k": props["23296-1-2"]["k"]}
    # k is the parcel's feature id in the store: the status snapshot's key
    stored = store.read_layer("parcels", with_fid=True)
    assert {p["parcel_id"]: p["k"] for p in props.values()} == dict(
        zip(stored["parcel_id"], stored["fid"].tolist()))
    zones = tiles.layer_index(store, "zones")
    (x, y), = layer_tiles(store.read_layer("zones"), 8)
    (zone,) = decode(tiles.encode_tile(zones, 8, x, y))
    assert zone["properties"] == {"zone_code": "KCN-T1", "kind": "kcn", "name_vi": "KCN thử"}


# --------------------------------------------------------------------------- serving


def test_service_answers_empty_low_and_far_tiles_with_none(store, tmp_path):
    svc = tiles.TileService(tmp_path / "tiles", build="off")
    (x, y), = layer_tiles(store.read_layer("parcels"), 13)
    assert svc.tile(store, "parcels", 12, x // 2, y // 2).source == "minzoom"
    assert svc.tile(store, "parcels", 12, x // 2, y // 2).data is None
    assert svc.tile(store, "parcels", 13, 0, 0).data is None
    assert svc.tile(store, "zoning_plots", 13, x, y).data is None  # the store has no plots
    first = svc.tile(store, "parcels", 13, x, y)
    again = svc.tile(store, "parcels", 13, x, y)
    assert (first.source, again.source) == ("encoded", "memory")
    assert first.data == again.data and decode(first.data)


def test_install_pyramid_replaces_the_previous_version(store, parcels_gdf, tmp_path):
    root = tmp_path / "tiles"
    first = tiles.install_pyramid(store, root)
    assert tiles.install_pyramid(store, root) == first
    moved = parcels_gdf.copy()
    moved.loc[0, "geometry"] = square(10, 10, 90)
    store.write_layer("parcels", moved)
    second = tiles.install_pyramid(store, root)
    assert second != first and not first.exists()
    assert [p.name for p in root.iterdir() if not p.name.startswith(".")] == [second.name]


def test_only_one_process_builds_a_version(store, tmp_path):
    root = tmp_path / "tiles"
    root.mkdir()
    with open(root / f".lock-{tiles.data_version(store)}", "a+") as held:
        fcntl.flock(held, fcntl.LOCK_EX)
        with pytest.raises(tiles.PyramidBusy):
            tiles.install_pyramid(store, root)
        svc = tiles.TileService(root, build="inline")
        (x, y), = layer_tiles(store.read_layer("parcels"), 14)
        assert svc.tile(store, "parcels", 14, x, y).source == "encoded"  # served meanwhile


def test_a_child_process_builds_the_pyramid(tmp_path, zones_gdf, parcels_gdf, events_df):
    store = GeoPackageStore(tmp_path / "child.gpkg", create=True)  # one backend is enough
    for name, df in (("zones", zones_gdf), ("parcels", parcels_gdf), ("status_events", events_df)):
        store.write_layer(name, df)
    svc = tiles.TileService(tmp_path / "tiles", build="process")
    (x, y), = layer_tiles(store.read_layer("parcels"), 14)
    assert svc.tile(store, "parcels", 14, x, y).source == "encoded"
    assert svc.wait(120) and not svc.failures()
    answer = svc.tile(store, "parcels", 14, x, y)
    assert answer.source == "pyramid"
    assert {f["properties"]["parcel_id"] for f in decode(answer.data)} == {
        f"23296-1-{i}" for i in range(1, 5)}


def test_the_child_finds_this_landgis_and_the_callers_relative_paths(
        tmp_path, monkeypatch, zones_gdf, parcels_gdf, events_df):
    # Without PYTHONPATH and from another folder, the child must still import the landgis the
    # server runs (not another one installed) and read "child.gpkg" and "tiles" as the server.
    monkeypatch.delenv("PYTHONPATH", raising=False)
    monkeypatch.chdir(tmp_path)
    store = GeoPackageStore("child.gpkg", create=True)
    for name, df in (("zones", zones_gdf), ("parcels", parcels_gdf), ("status_events", events_df)):
        store.write_layer(name, df)
    svc = tiles.TileService("tiles", build="process")
    (x, y), = layer_tiles(store.read_layer("parcels"), 14)
    assert svc.tile(store, "parcels", 14, x, y).source == "encoded"
    assert svc.wait(120) and not svc.failures()
    assert (tmp_path / "tiles" / tiles.data_version(store) / "manifest.json").exists()
    assert svc.tile(store, "parcels", 14, x, y).source == "pyramid"


def test_the_pyramid_builds_as_a_module(tmp_path, monkeypatch, zones_gdf, parcels_gdf,
                                        events_df):
    monkeypatch.chdir(tmp_path)  # the store named as the job names it (the URL is in the token)
    store = GeoPackageStore("child.gpkg", create=True)
    for name, df in (("zones", zones_gdf), ("parcels", parcels_gdf), ("status_events", events_df)):
        store.write_layer(name, df)
    project = Path(tiles.__file__).resolve().parents[2]
    job = json.dumps({"url": "child.gpkg", "tiles_dir": "tiles", "max_zoom": 14,
                      "cwd": str(tmp_path)})

    def child():
        return subprocess.run([sys.executable, "-m", "landgis.tiles.build"], input=job,
                              cwd=project, capture_output=True, text=True, timeout=300)

    token = tiles.data_version(store)
    (tmp_path / "tiles").mkdir()
    with open(tmp_path / "tiles" / f".lock-{token}", "a+") as held:  # another builder
        fcntl.flock(held, fcntl.LOCK_EX)
        busy = child()
    assert busy.returncode == tiles.service.EXIT_BUSY, busy.stderr
    assert "being built by another process" in busy.stderr
    done = child()
    assert done.returncode == 0, done.stderr
    built = tmp_path / done.stdout.strip()  # as the job named it, relative to its cwd
    assert built == tmp_path / "tiles" / token
    manifest = json.loads((built / "manifest.json").read_text())
    assert manifest["max_zoom"] == 14 and manifest["layers"]["parcels"]["features"] == 4


# --------------------------------------------------------------------------- statuses


def lonlat_box(x0, y0, x1, y1) -> str:
    t = crsmod.transformer(9216, 4326)
    lons, lats = t.transform([X0 + x0, X0 + x1], [Y0 + y0, Y0 + y1])
    return ",".join(f"{v:.6f}" for v in (lons[0], lats[0], lons[1], lats[1]))


def test_statuses_by_box_come_from_the_ledger(store):
    body = service.parcel_statuses(store, lonlat_box(-50, -50, 250, 250))
    assert body == {"parcels": {"23296-1-1": ["compensated", "planned"],
                                "23296-1-2": ["disputed", "not_planned"],
                                "23296-1-3": ["not_started", "not_planned"],
                                "23296-1-4": ["not_started", "not_planned"]},
                    "truncated": False}
    one = service.parcel_statuses(store, lonlat_box(120, 120, 150, 150))
    assert list(one["parcels"]) == ["23296-1-4"]
    store.append_events(pd.DataFrame([event("23296-1-4", "clearance_status", "inventoried",
                                            "2020-01-02", 51)]))
    again = service.parcel_statuses(store, lonlat_box(120, 120, 150, 150))
    assert again["parcels"]["23296-1-4"] == ["inventoried", "not_planned"]
    few = service.parcel_statuses(store, lonlat_box(-50, -50, 250, 250), max_parcels=2)
    assert len(few["parcels"]) == 2 and few["truncated"]


def test_bad_status_boxes_are_refused(store):
    for bbox in (None, "", "1,2,3", "a,b,c,d", "nan,14,107,15",
                 "108,14,107,15",              # west of east
                 "14.3,107.5,14.4,107.6",      # latitude first
                 "107.5,14.3,108.5,14.4"):     # a degree wide: zoom in
        with pytest.raises(service.BadRequest):
            service.parcel_statuses(store, bbox)

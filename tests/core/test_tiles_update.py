"""Incremental tile pyramids: after an import of part of the parcels (moved, removed, added rows)
or a layer restore, the pyramid updated from the previous version holds exactly the tiles a full
rebuild writes, byte for byte, at every zoom; and GDAL reads our MBTiles."""

from __future__ import annotations

import sqlite3

import geopandas as gpd
import pyogrio
import pytest
import shapely

from landgis import tiles
from landgis.store.base import Batch
from tests.conftest import X0, Y0


def parcel(i: int, j: int, geom, **extra) -> dict:
    row = {"parcel_id": f"23296-{7 + j}-{i + 1}", "commune_code": "23296",
           "commune_name": "Phường Ngô Mây", "sheet_no": 7 + j, "parcel_no": i + 1,
           "land_use_code": "CLN", "legal_area_m2": float(geom.area), "zone_code": "KCN-T1",
           "owner_kind": "household", "geometry": geom}
    row.update(extra)
    return row


def strip(i: int, j: int, dx: float = 0.0, dy: float = 0.0):
    """Parcel (i, j) of a 12 km strip: it crosses zoom-12 blocks and hundreds of z16 tiles."""
    x, y = X0 + i * 200 + dx, Y0 + j * 100 + dy
    outer = shapely.box(x, y, x + 190, y + 90)
    if (i + j) % 7 == 0:  # some with a hole
        return shapely.Polygon(outer.exterior.coords,
                               [shapely.box(x + 50, y + 20, x + 90, y + 60).exterior.coords])
    return outer


@pytest.fixture
def strip_store(store):
    rows = [parcel(i, j, strip(i, j)) for i in range(60) for j in range(5)]
    store.write_layer("parcels", gpd.GeoDataFrame(rows, crs=9216))
    return store


def all_tiles(directory) -> dict:
    """Every stored tile of every layer of a pyramid: (layer, z, x, row) -> bytes."""
    manifest = tiles.Pyramid(directory).manifest
    out = {}
    for layer, entry in manifest["layers"].items():
        if entry["file"]:
            with sqlite3.connect(directory / entry["file"]) as con:
                for z, x, row, data in con.execute("SELECT * FROM tiles"):
                    out[(layer, z, x, row)] = bytes(data)
    return out


def a_sheet_import(store) -> int:
    """A survey sheet: five parcels moved 37 m, one re-classified, three removed, four new (one
    2 km away, in tiles that were empty)."""
    moved = [parcel(i, 0, strip(i, 0, 37, 11)) for i in range(20, 25)]
    recoded = [parcel(30, 2, strip(30, 2), land_use_code="ONT")]
    new = [parcel(100 + n, 0, shapely.box(X0 + n * 150, Y0 + 700, X0 + n * 150 + 120,
                                          Y0 + 800)) for n in range(3)]
    new.append(parcel(200, 0, shapely.box(X0 - 2000, Y0 - 1500, X0 - 1900, Y0 - 1400)))
    removed = [f"23296-8-{i + 1}" for i in (40, 41, 42)]
    return store.update_layer("parcels", gpd.GeoDataFrame(moved + recoded + new, crs=9216),
                              remove=removed, batch=Batch(source_name="to 7.dxf", user="test"))


def assert_same_as_full_build(store, installed, tmp_path, name):
    full = tmp_path / name
    manifest = tiles.build_pyramid(store, full)  # from nothing
    assert all(e["how"] == "built" for e in manifest["layers"].values())
    ours, theirs = all_tiles(installed), all_tiles(full)
    assert ours.keys() == theirs.keys()
    differ = [k for k in ours if ours[k] != theirs[k]]
    assert not differ, f"{len(differ)} tiles differ, e.g. {differ[:3]}"
    return ours


def test_an_import_updates_only_the_tiles_it_touches(strip_store, tmp_path):
    store, root = strip_store, tmp_path / "tiles"
    first = tiles.install_pyramid(store, root)
    before = all_tiles(first)
    batch = a_sheet_import(store)
    second = tiles.install_pyramid(store, root)
    assert second != first and not first.exists()
    layers = tiles.Pyramid(second).manifest["layers"]
    assert layers["parcels"]["how"] == "updated"
    assert layers["zones"]["how"] == "kept"
    # only tiles around the sheet were encoded again, at every zoom from 13 to 16
    assert 0 < layers["parcels"]["updated"] < len([k for k in before if k[0] == "parcels"])
    after = assert_same_as_full_build(store, second, tmp_path, "full-1")
    changed = {k for k in after.keys() | before.keys() if after.get(k) != before.get(k)}
    assert {k[1] for k in changed} == {13, 14, 15, 16}
    # the parcel 2 km away is in tiles that did not exist
    assert any(k not in before for k in changed)

    # putting the layer back as it was is also incremental, and gives the first tiles again
    store.restore_layer(batch, user="test")
    third = tiles.install_pyramid(store, root)
    assert tiles.Pyramid(third).manifest["layers"]["parcels"]["how"] == "updated"
    restored = assert_same_as_full_build(store, third, tmp_path, "full-2")
    assert restored == before  # the same parcels with the same feature ids: the same bytes


def test_a_whole_layer_write_rebuilds_that_layer(strip_store, tmp_path):
    store, root = strip_store, tmp_path / "tiles"
    tiles.install_pyramid(store, root)
    parcels = store.read_layer("parcels")
    parcels.loc[0, "geometry"] = strip(0, 0, 20, 20)
    store.write_layer("parcels", parcels)  # no batch: what changed is not recorded
    second = tiles.install_pyramid(store, root)
    assert tiles.Pyramid(second).manifest["layers"]["parcels"]["how"] == "built"
    assert_same_as_full_build(store, second, tmp_path, "full")


def test_gdal_reads_our_mbtiles(strip_store, tmp_path):
    directory = tiles.install_pyramid(strip_store, tmp_path / "tiles")
    path = directory / "parcels.mbtiles"
    info = pyogrio.read_info(path, layer="parcels")
    assert info["driver"] == "MBTiles"
    fields = [f for f in info["fields"] if f != "mvt_id"]  # GDAL adds the feature id
    assert fields == list(tiles.LAYERS["parcels"].tile_columns)
    gdf = pyogrio.read_dataframe(path, layer="parcels")  # GDAL reads its deepest zoom
    assert set(gdf["parcel_id"]) == {f"23296-{7 + j}-{i + 1}" for i in range(60)
                                     for j in range(5)}
    with sqlite3.connect(path) as con:
        meta = dict(con.execute("SELECT name, value FROM metadata"))
    assert (meta["format"], meta["minzoom"], meta["maxzoom"]) == ("pbf", "13", "16")


def test_the_layer_index_after_an_import_is_the_layer_as_read_again(strip_store):
    from landgis.dataview import DataViews

    store, views = strip_store, DataViews()
    before = views.current(store).layer_index("parcels")
    a_sheet_import(store)
    patched = views.current(store).layer_index("parcels")
    fresh = DataViews().current(store).layer_index("parcels")
    assert patched.token == fresh.token != before.token
    assert list(patched.columns["k"]) == list(fresh.columns["k"])
    for c in fresh.columns:
        assert list(patched.columns[c]) == list(fresh.columns[c]), c
    assert [g.wkb for g in patched.geoms] == [g.wkb for g in fresh.geoms]
    # only the sheet's region was read again: the other parcels are the same objects
    kept = {id(g) for g in before.geoms}
    assert sum(id(g) in kept for g in patched.geoms) > len(fresh) // 2
    x, y = next(iter(tiles.tiles_covering(shapely.bounds(fresh.geoms[0]), 14)))
    assert tiles.encode_tile(patched, 14, x, y) == tiles.encode_tile(fresh, 14, x, y)


def test_the_blocks_of_a_full_build_cover_every_parcel(strip_store):
    from landgis.tiles.blocks import layer_extent

    a_sheet_import(strip_store)  # one parcel 2 km away from the others
    bounds = strip_store.read_layer("parcels").total_bounds
    extent = layer_extent(strip_store, "parcels", "parcel_id")
    assert extent[0] <= bounds[0] and extent[1] <= bounds[1]
    assert extent[2] >= bounds[2] and extent[3] >= bounds[3]
    assert max(abs(a - b) for a, b in zip(extent, bounds)) < 1.0

"""The numpy MVT encoder (landgis.tiles.mvt) against mapbox-vector-tile, the encoder it replaces:
on the demo's tiles, a client decoding either sees the same features, properties and geometries."""

from __future__ import annotations

import mapbox_vector_tile
import numpy as np
import pytest
import shapely

from landgis import tiles
from landgis.demo import build_demo_layers
from landgis.store.geopackage import GeoPackageStore
from landgis.tiles import encode as encode_module
from landgis.tiles.mvt import encode_layer


def decode(data: bytes) -> dict:
    return mapbox_vector_tile.decode(data, default_options={"y_coord_down": True})


def reference(name: str, geoms, columns) -> bytes:
    """The same features written by mapbox-vector-tile (what encode_tile used before)."""
    features = [{"geometry": shapely.orient_polygons(g, exterior_cw=False),
                 "properties": {c: v[i] for c, v in columns if v[i] is not None}}
                for i, g in enumerate(geoms)]
    return mapbox_vector_tile.encode([{"name": name, "features": features}],
                                     default_options={"extents": tiles.EXTENT,
                                                      "y_coord_down": True,
                                                      "check_winding_order": False})


@pytest.fixture(scope="module")
def demo_store(tmp_path_factory):
    store = GeoPackageStore(tmp_path_factory.mktemp("demo") / "demo.gpkg", create=True)
    for name, df in build_demo_layers(n_parcels=4000).items():
        if name in tiles.LAYERS:
            store.write_layer(name, df)
    return store


def test_demo_tiles_decode_as_mapbox_vector_tile_wrote_them(demo_store, monkeypatch):
    seen = []

    def both(name, extent, geoms, columns):  # what the tile path hands the encoder
        ours = encode_layer(name, extent, geoms, columns)
        seen.append((ours, reference(name, geoms, columns)))
        return ours

    monkeypatch.setattr(encode_module, "encode_layer", both)
    compared = 0
    for layer, zooms in (("parcels", (13, 14, 15, 16)), ("zones", (8, 11, 14)),
                         ("zoning_plots", (8, 12, 16))):
        index = tiles.layer_index(demo_store, layer)
        corners = shapely.get_coordinates(shapely.envelope(index.geoms))
        for z in zooms:  # tiles with features: those of the features' corners
            size = 2 * tiles.WORLD_HALF / (1 << z)
            cover = sorted({(int((cx + tiles.WORLD_HALF) // size),
                             int((tiles.WORLD_HALF - cy) // size)) for cx, cy in corners})
            for x, y in cover[::max(1, len(cover) // 40)]:
                seen.clear()
                tiles.encode_tile(index, z, x, y)
                for ours, theirs in seen:
                    if ours is None:
                        assert not decode(theirs).get(layer, {}).get("features")
                        continue
                    assert decode(ours) == decode(theirs), (layer, z, x, y)
                    compared += 1
    assert compared > 150


def test_values_keep_their_type_and_nulls_are_left_out():
    geoms = np.array([shapely.box(10, 10, 20, 20), shapely.box(30, 30, 50, 45),
                      shapely.Polygon(shapely.box(0, 0, 100, 100).exterior.coords,
                                      [shapely.box(40, 40, 60, 60).exterior.coords])],
                     dtype=object)
    columns = [("name", np.array(["Thửa ấp", None, "x\x00y"], dtype=object)),
               ("n", np.array([1, -5, 300_000], dtype=object)),
               ("area", np.array([None, 2.5, None], dtype=object)),
               ("empty", np.array([None, None, None], dtype=object))]
    ours = decode(encode_layer("t", tiles.EXTENT, geoms, columns))
    assert ours == decode(reference("t", geoms, columns))
    props = [f["properties"] for f in ours["t"]["features"]]
    assert props == [{"name": "Thửa ấp", "n": 1}, {"n": -5, "area": 2.5},
                     {"name": "x\x00y", "n": 300_000}]
    assert ours["t"]["features"][2]["geometry"]["type"] == "Polygon"  # with its hole
    assert len(ours["t"]["features"][2]["geometry"]["coordinates"]) == 2


def test_the_same_tile_is_the_same_bytes(demo_store):
    index = tiles.layer_index(demo_store, "parcels")
    (x, y), = tiles.tiles_covering(shapely.bounds(index.geoms[0]), 14)[:1]
    assert tiles.encode_tile(index, 14, x, y) == tiles.encode_tile(index, 14, x, y)

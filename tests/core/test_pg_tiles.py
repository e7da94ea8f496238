"""Tiles encoded by PostGIS (landgis.tiles.pg_tiles.pg_tile): the same features and properties
as our encoder, each geometry within one unit of the tile grid, and the database's
EPSG:9216 -> EPSG:3857 transformation agreeing with landgis.crs (the pinned datum shift)."""

import geopandas as gpd
import mapbox_vector_tile
import numpy as np
import pandas as pd
import pytest
import shapely
import shapely.affinity
from shapely.geometry import shape

from landgis import crs
from landgis.store.base import Batch
from landgis.tiles import BUFFER, EXTENT, LAYERS, LayerIndex, encode_tile, read_tile_layer, tiles_covering
from landgis.tiles.pg_tiles import pg_tile
from tests.conftest import X0, Y0

pytestmark = pytest.mark.backends("postgis")


def many_parcels(n=24, size=40.0):
    """An n x n grid of parcels with some of every shape (holes, two parts, slivers), one
    without a zone (its zone_code is null: the tile omits it)."""
    rows = []
    for i in range(n * n):
        x, y = X0 + (i % n) * size, Y0 + (i // n) * size
        geom = shapely.box(x, y, x + size, y + size)
        if i % 7 == 3:
            geom = geom.difference(shapely.box(x + 10, y + 10, x + 25, y + 25))  # a hole
        elif i % 11 == 5:
            geom = shapely.MultiPolygon([shapely.box(x, y, x + 15, y + size),
                                         shapely.box(x + 25, y, x + size, y + size)])
        elif i % 13 == 8:
            geom = shapely.Polygon([(x, y), (x + size, y + 0.3), (x + size, y + size)])
        rows.append({"parcel_id": f"23296-7-{i + 1}", "commune_code": "23296",
                     "commune_name": "Phường Ngô Mây", "sheet_no": 7, "parcel_no": i + 1,
                     "land_use_code": "ONT" if i % 2 else "CLN",
                     "legal_area_m2": round(geom.area, 1),
                     "zone_code": None if i == 10 else "KCN-T1",
                     "owner_kind": "household", "geometry": geom})
    return gpd.GeoDataFrame(rows, crs=9216)


def decoded(data):
    if data is None:
        return {}
    layers = mapbox_vector_tile.decode(data, default_options={"y_coord_down": True})
    return layers


def features(data, layer):
    out = {}
    for f in decoded(data).get(layer, {}).get("features", []):
        out[f["properties"][LAYERS[layer].key]] = (f["properties"], shape(f["geometry"]))
    return out


def turned(parcels, degrees=5.0):
    """The parcels turned about their corner and moved east, as sheet 8: edges that cross the
    tiles' clipping frame at a shallow angle, where clipping before or after snapping to the
    grid differs by several units."""
    out = parcels.copy()
    out["geometry"] = [shapely.affinity.translate(shapely.affinity.rotate(
        g, degrees, origin=(X0, Y0)), 1500.0, 300.0) for g in parcels.geometry]
    out["sheet_no"] = 8
    out["parcel_id"] = [p.replace("23296-7-", "23296-8-") for p in out["parcel_id"]]
    return out


def rim_sliver(_props, geom):
    """The one way the two encoders may differ: a parcel whose only part in the tile is thinner
    than a unit at the outer rim of the clipping frame (BUFFER outside the tile, never shown)
    is a half-unit triangle for ours, dropped by ST_AsMVTGeom."""
    minx, miny, maxx, maxy = geom.bounds
    rim = (-BUFFER, EXTENT + BUFFER)
    assert geom.area <= 0.5 and maxx - minx <= 1 and maxy - miny <= 1, geom.wkt
    assert minx in rim or maxx in rim or miny in rim or maxy in rim, geom.wkt


@pytest.fixture
def tiled(store):
    store.write_layer("parcels", pd.concat([many_parcels(), turned(many_parcels())],
                                           ignore_index=True))
    # an update leaves holes in the feature ids: k is the fid, not the position
    part = many_parcels().iloc[100:110].copy()
    part["land_use_code"] = "SKK"
    store.update_layer("parcels", part, batch=Batch("to7.gpkg", "an"))
    return store


def test_postgis_tiles_carry_what_ours_carry(tiled):
    store = tiled
    checked = 0
    for layer in ("parcels", "zones"):
        spec = LAYERS[layer]
        index = LayerIndex(spec, read_tile_layer(store, spec), "test")
        bounds = shapely.bounds(shapely.union_all(index.geoms))
        for z in (spec.minzoom, 14, 15, 16, 18):
            for x, y in tiles_covering(bounds, z)[:12]:
                ours, theirs = encode_tile(index, z, x, y), pg_tile(store, layer, z, x, y)
                assert (ours is None) == (theirs is None), (layer, z, x, y)
                a, b = features(ours, layer), features(theirs, layer)
                assert list(decoded(theirs)) == list(decoded(ours))  # the layer's name
                for key in a.keys() ^ b.keys():
                    rim_sliver(*(a.get(key) or b.get(key)))
                    a.pop(key, None), b.pop(key, None)
                assert a.keys() == b.keys(), (layer, z, x, y)
                for key, (props, geom) in a.items():
                    assert b[key][0] == props, (layer, z, x, y, key)
                    assert geom.hausdorff_distance(b[key][1]) <= 1.0, (layer, z, x, y, key)
                checked += len(a)
    assert checked > 1000
    no_zone = store.read_layer("parcels", where={"parcel_id": "23296-7-11"})
    box = shapely.bounds(crs.to_crs(no_zone, 3857).geometry.iloc[0])
    props = features(pg_tile(store, "parcels", 16, *tiles_covering(box, 16)[0]), "parcels")
    assert "zone_code" in props["23296-7-12"][0]
    assert any("zone_code" not in p for p, _g in props.values())  # the null is omitted
    stored = store.read_layer("parcels", with_fid=True)
    k = dict(zip(stored["parcel_id"], stored["fid"]))
    assert all(p["k"] == k[key] for key, (p, _g) in props.items())
    assert sorted(k.values())[-1] > len(stored)  # there are holes: k is the fid


def test_an_empty_tile_or_a_missing_layer_is_none(tiled):
    assert pg_tile(tiled, "parcels", 14, 0, 0) is None
    assert pg_tile(tiled, "zoning_plots", 14, 13000, 7500) is None  # no such layer here


def test_the_databases_transformation_is_the_pinned_one(tiled):
    store = tiled
    parcels = store.read_layer("parcels").iloc[:50]
    points = np.array([g.exterior.coords[0] if g.geom_type == "Polygon"
                       else g.geoms[0].exterior.coords[0] for g in parcels.geometry])
    ours = crs.transform_geometries(shapely.points(points), 9216, 3857)
    conn = store._connection()
    for (x, y), mine in zip(points, ours):
        by_srid = conn.execute("SELECT ST_X(p), ST_Y(p) FROM ST_Transform(ST_SetSRID("
                               "ST_MakePoint(%s, %s), 9216), 3857) p", (x, y)).fetchone()
        # the registered PROJ string alone (what PostGIS falls back to without the EPSG entry)
        by_text = conn.execute(
            "SELECT ST_X(p), ST_Y(p) FROM ST_Transform(ST_MakePoint(%s, %s), (SELECT "
            "proj4text FROM spatial_ref_sys WHERE srid = 9216), 3857) p", (x, y)).fetchone()
        for got in (by_srid, by_text):
            assert shapely.Point(got).distance(mine) < 0.1

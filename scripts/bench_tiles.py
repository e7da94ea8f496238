"""The ``tile_update`` case of scripts/bench.py: how soon an imported survey sheet is on the map.

On a copy of the bench data, with the production server running (waitress, a subprocess, as
``make run`` starts it) and timed from this second process:

1. cold tiles: the 40 densest z14 parcel tiles from a server with no pyramid (built never, the
   first tile waits for the layer's index and is left out), p95, against PostGIS ``ST_AsMVT``
   on the same tiles (warm);
2. the full pyramid build of the three tiled layers, in this process, against GDAL's MVT
   writer (the MBTiles driver, as landgis used it before) writing the same layers at the same
   zooms, one after the other;
3. a survey sheet of about 5,000 parcels (whole cadastral sheets near the densest tile, every
   parcel redrawn 2 % smaller about its centre, so every geometry changes) imported through the
   core as a user's upload is (:func:`landgis.ingest.importer.run_import`, update mode); then
   the seconds from the import's end until every tile at z13-16 the sheet touches has been
   served with the new data version (in batches of 64, as the page asks), and until the new
   pyramid is installed; the tiles served first are checked equal, byte for byte, to the new
   pyramid's.
"""

from __future__ import annotations

import shutil
import sqlite3
import statistics
import struct
import tempfile
import time
import urllib.request
from pathlib import Path

import numpy as np
import pyogrio
import shapely

from landgis import crs as crsmod
from landgis import tiles
from landgis.ingest.importer import ImportOptions, run_import
from landgis.store import open_store
from landgis.tiles.blocks import tiles_meeting, to_mercator_boxes

SHEET_PARCELS = 5_000
GZIP = {"Accept-Encoding": "gzip"}


def _densest_z14(store, n: int) -> list[tuple[int, int]]:
    parcels = store.read_layer("parcels", columns=["parcel_id"])
    c = shapely.centroid(np.asarray(parcels.geometry.values))
    mx, my = crsmod.transformer(9216, 3857).transform(shapely.get_x(c), shapely.get_y(c))
    size = 2 * tiles.WORLD_HALF / 2 ** 14
    tx = np.floor((np.asarray(mx) + tiles.WORLD_HALF) / size).astype(int)
    ty = np.floor((tiles.WORLD_HALF - np.asarray(my)) / size).astype(int)
    keys, counts = np.unique(np.stack([tx, ty], axis=1), axis=0, return_counts=True)
    return [(int(keys[i][0]), int(keys[i][1])) for i in np.argsort(-counts)[:n]]


def _sheet(store, near: tuple[int, int], out: Path) -> tuple[Path, np.ndarray]:
    """Whole sheets nearest to z14 tile ``near``, ~SHEET_PARCELS parcels, redrawn 2 % smaller,
    written as a GeoPackage; and the EPSG:9216 boxes of their old and new geometries."""
    parcels = store.read_layer("parcels")
    minx, miny, maxx, maxy = tiles.tile_bounds(14, *near)
    x, y = crsmod.transformer(9216, 3857).transform((minx + maxx) / 2, (miny + maxy) / 2,
                                                    direction="INVERSE")
    c = shapely.centroid(np.asarray(parcels.geometry.values))
    parcels["_d"] = np.hypot(shapely.get_x(c) - x, shapely.get_y(c) - y)
    sheets = (parcels.groupby(["commune_code", "sheet_no"])["_d"].min().sort_values())
    sizes = parcels.groupby(["commune_code", "sheet_no"]).size()
    chosen, total = [], 0
    for key in sheets.index:
        if total >= SHEET_PARCELS:
            break
        chosen.append(key)
        total += int(sizes[key])
    pick = parcels.set_index(["commune_code", "sheet_no"]).index.isin(chosen)
    sheet = parcels[pick].drop(columns="_d").copy()
    old = shapely.bounds(np.asarray(sheet.geometry.values))
    geoms = np.asarray(sheet.geometry.values)
    centre = shapely.centroid(geoms)
    sheet["geometry"] = [shapely.affinity.scale(g, 0.98, 0.98, origin=p)
                         for g, p in zip(geoms, centre)]
    sheet["legal_area_m2"] = shapely.area(np.asarray(sheet.geometry.values)).round(1)
    new = shapely.bounds(np.asarray(sheet.geometry.values))
    pyogrio.write_dataframe(sheet, out, layer="parcels")
    return out, np.vstack([old, new])


def _batch(base: str, z: int, xys: list[tuple[int, int]]) -> dict:
    """(z, x, y) -> gzip bytes (None: empty) through ``/tiles/parcels/<z>/batch``."""
    out = {}
    for i in range(0, len(xys), 64):
        part = xys[i:i + 64]
        q = ";".join(f"{x},{y}" for x, y in part)
        with urllib.request.urlopen(f"{base}/tiles/parcels/{z}/batch?xy={q}", timeout=300) as r:
            body = r.read()
        (n,), at = struct.unpack_from("<I", body), 4
        for _ in range(n):
            x, y, length = struct.unpack_from("<III", body, at)
            at += 12
            out[(z, x, y)] = body[at:at + length] or None
            at += length
    return out


def _source(url: str) -> str:
    req = urllib.request.Request(url, headers=GZIP)
    with urllib.request.urlopen(req, timeout=300) as r:
        r.read()
        return r.headers.get("X-Tile-Source") or ""


def _gdal_build(path: Path, work: Path) -> float:
    from landgis.tiles.index import read_tile_layer

    store = open_store(path)
    t0 = time.perf_counter()
    for spec in tiles.LAYERS.values():
        gdf = read_tile_layer(store, spec)
        pyogrio.write_dataframe(
            gdf, work / f"gdal-{spec.name}.mbtiles", driver="MBTiles", layer=spec.name,
            dataset_options={"MINZOOM": spec.minzoom, "MAXZOOM": 16, "EXTENT": 4096,
                             "BUFFER": 80, "MAX_SIZE": 1_000_000_000,
                             "MAX_FEATURES": 100_000_000, "SIMPLIFICATION": 0,
                             "SIMPLIFICATION_MAX_ZOOM": 0, "COMPRESS": "YES"})
    return time.perf_counter() - t0


def _cold(data: Path, instance: Path, dense) -> list[float]:
    """Milliseconds of each dense z14 tile but the first, from a server that never builds."""
    import _browser

    srv = _browser.Server(data, instance)
    srv.env.update(LANDGIS_WARM="0", LANDGIS_TILES_BUILD="off")
    with srv:
        urls = [f"{srv.url}/tiles/parcels/14/{x}/{y}.pbf" for x, y in dense]
        return [r["ms"] for r in _browser.fetch(urls, headers=GZIP)[1:]]


def tile_update(path: Path, repeat: int, runs: int):
    """The rows of the case (see the module's documentation)."""
    import _browser
    import _postgis

    work = Path(tempfile.mkdtemp(prefix="bench-tiles-", dir=path.parent))
    try:
        data = work / "store.gpkg"
        shutil.copyfile(path, data)
        store = open_store(data)
        dense = _densest_z14(store, 40)
        cold_ms = _cold(data, work / "cold", dense)
        t0 = time.perf_counter()
        tiles.build_pyramid(store, work / "full")
        full_s = time.perf_counter() - t0
        shutil.rmtree(work / "full")
        gdal_s = _gdal_build(path, work)
        instance = work / "instance"
        with _browser.Server(data, instance) as srv:
            urls = [f"{srv.url}/tiles/parcels/14/{x}/{y}.pbf" for x, y in dense]
            started = time.perf_counter()
            while _source(urls[0]) != "pyramid":
                if time.perf_counter() - started > 3600:
                    raise SystemExit("the tile pyramid was not built within an hour")
                time.sleep(0.5)

            sheet, boxes = _sheet(store, dense[0], work / "sheet.gpkg")
            result = run_import(store, sheet, "parcels", ImportOptions(mode="update"),
                                user="bench", write=True)
            ended = time.perf_counter()
            if result.batch is None:
                raise SystemExit(f"the sheet was not imported: {result.refused}")
            token = tiles.data_version(store)
            merc = to_mercator_boxes(boxes)
            wanted = {z: sorted(tiles_meeting(merc, z)) for z in range(13, 17)}
            first = {}
            for z, xys in wanted.items():
                first.update(_batch(srv.url, z, xys))
            visible_s = time.perf_counter() - ended
            probe = f"{srv.url}/tiles/parcels/16/{wanted[16][0][0]}/{wanted[16][0][1]}.pbf"
            while _source(probe) != "pyramid":
                if time.perf_counter() - ended > 3600:
                    raise SystemExit("the updated pyramid was not installed within an hour")
                time.sleep(0.2)
            pyramid_s = time.perf_counter() - ended
            manifest = tiles.Pyramid(instance / "tiles" / token).manifest
        with sqlite3.connect(instance / "tiles" / token / "parcels.mbtiles") as con:
            stored = {(z, x, (1 << z) - 1 - row): bytes(d)
                      for z, x, row, d in con.execute("SELECT * FROM tiles")}
        differ = sum(first[k] != stored.get(k) for k in first)
        print(f"tile_update: sheet of {len(boxes) // 2:,} parcels, {len(first):,} tiles "
              f"z13-16 touched; served new in {visible_s:.2f} s, {differ} differing from the "
              f"new pyramid; pyramid {manifest['layers']['parcels'].get('how')} "
              f"({manifest['layers']['parcels'].get('updated', '—')} tiles encoded again) "
              f"in {pyramid_s:.1f} s", flush=True)
        if differ:
            raise SystemExit(f"{differ} tiles served after the import differ from the pyramid")

        table = _postgis.load_parcels(path)
        with _postgis.connect(autocommit=True) as conn:
            for x, y in dense:
                _postgis.mvt_tile(conn, table, 14, x, y)
            ref = []
            for x, y in dense * 3:
                t0 = time.perf_counter()
                _postgis.mvt_tile(conn, table, 14, x, y)
                ref.append((time.perf_counter() - t0) * 1000)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    p95 = (lambda v: _browser.percentile(v, 95))
    return [
        ("tile_cold_z14_p95", p95(cold_ms), "PostGIS ST_AsMVT z14 (warm)", p95(ref),
         f"HTTP, 2nd process, 39 densest tiles; median {statistics.median(cold_ms):.0f} ms "
         f"vs {statistics.median(ref):.0f} ms", "ms"),
        ("tile_pyramid_full", full_s, "GDAL MVT writer (MBTiles)", gdal_s,
         "parcels z13-16, zones and plots z8-16, in-process, one after the other", "s"),
        ("tile_update_visible", visible_s, "target ≤ 5 s", None,
         f"{len(first):,} tiles z13-16 over {len(boxes) // 2:,} parcels", "s"),
        ("tile_update_pyramid", pyramid_s, "—", None, "import end → updated pyramid installed",
         "s"),
    ]

"""Encoding many tiles of a layer from the store, a region at a time, so that memory stays
bounded whatever the layer's size: the tiles of a full pyramid build and of an incremental
update, and the tiles a request needs before any pyramid exists.

A layer from :data:`BLOCK_ZOOM` (parcels) is read block by block: the features meeting one
zoom-12 tile plus its clipping buffer (a ``bbox`` read of the store), which encode every tile
of that block at every deeper zoom. A layer starting above it (zones, zoning plots: a few
hundred features) is read whole. Either way a tile is encoded by
:func:`~landgis.tiles.encode.encode_tile` from every feature meeting it, in ascending ``k`` (the
store's feature id) or layer order, so it is the same bytes whichever way it was reached.
"""

from __future__ import annotations

import gzip
import math
from collections import defaultdict

import numpy as np
import shapely

from landgis import crs as crsmod
from landgis.tiles.encode import encode_tile
from landgis.tiles.grid import BUFFER, EXTENT, WORLD_HALF, tile_bounds, tile_side_m
from landgis.tiles.index import LayerIndex, read_tile_layer
from landgis.tiles.layers import ORDINAL, TileLayer

#: The zoom of the blocks a large layer is read by (a tile of about 10 km at Kon Tum)
BLOCK_ZOOM = 12
#: gzip level of every stored or served tile (level 3: a third of level 6's time, 2.5 % larger)
GZIP_LEVEL = 3
#: Metres added around a region read from the store (the datum shift's inverse is not exact)
_MARGIN_M = 10.0


def compress(raw: bytes | None) -> bytes | None:
    """A tile's stored bytes: gzip at :data:`GZIP_LEVEL` with no timestamp (the same bytes for
    the same tile, whenever it is made)."""
    return gzip.compress(raw, compresslevel=GZIP_LEVEL, mtime=0) if raw else None


def pad(z: int) -> float:
    """The clipping buffer of a zoom-``z`` tile, in EPSG:3857 metres."""
    return tile_side_m(z) * BUFFER / EXTENT


def to_storage_box(bounds) -> tuple[float, float, float, float]:
    """An EPSG:9216 box holding the EPSG:3857 ``bounds`` (densified, with a margin)."""
    t = crsmod.transformer(crsmod.STORAGE_CRS, crsmod.WEB_MERCATOR)
    x0, y0, x1, y1 = t.transform_bounds(*bounds, densify_pts=21, direction="INVERSE")
    return x0 - _MARGIN_M, y0 - _MARGIN_M, x1 + _MARGIN_M, y1 + _MARGIN_M


def to_mercator_boxes(boxes: np.ndarray) -> np.ndarray:
    """EPSG:3857 boxes (n, 4) holding EPSG:9216 ``boxes`` (n, 4), with a margin."""
    boxes = np.asarray(boxes, dtype=float).reshape(-1, 4)
    if not len(boxes):
        return boxes
    t = crsmod.transformer(crsmod.STORAGE_CRS, crsmod.WEB_MERCATOR)
    xs = np.concatenate([boxes[:, 0], boxes[:, 2], boxes[:, 0], boxes[:, 2]])
    ys = np.concatenate([boxes[:, 1], boxes[:, 1], boxes[:, 3], boxes[:, 3]])
    mx, my = (np.asarray(v).reshape(4, -1) for v in t.transform(xs, ys))
    margin = 2 * _MARGIN_M  # corners only: a parcel's sides bend by far less than this
    return np.column_stack([mx.min(0) - margin, my.min(0) - margin,
                            mx.max(0) + margin, my.max(0) + margin])


def tiles_meeting(boxes: np.ndarray, z: int) -> set[tuple[int, int]]:
    """The zoom-``z`` tiles whose buffered box meets one of EPSG:3857 ``boxes`` (n, 4)."""
    if not len(boxes):
        return set()
    side, n = tile_side_m(z), (1 << z) - 1
    p = pad(z)
    x0 = np.clip(np.floor((boxes[:, 0] - p + WORLD_HALF) / side), 0, n).astype(np.int64)
    x1 = np.clip(np.floor((boxes[:, 2] + p + WORLD_HALF) / side), 0, n).astype(np.int64)
    y0 = np.clip(np.floor((WORLD_HALF - boxes[:, 3] - p) / side), 0, n).astype(np.int64)
    y1 = np.clip(np.floor((WORLD_HALF - boxes[:, 1] + p) / side), 0, n).astype(np.int64)
    out: set[tuple[int, int]] = set()
    nx, ny = x1 - x0 + 1, y1 - y0 + 1
    for w in np.unique(nx * 1000 + ny):  # boxes of the same tile span, together
        sel = (nx * 1000 + ny) == w
        a, b = divmod(int(w), 1000)
        for dx in range(a):
            for dy in range(b):
                out.update(zip((x0[sel] + dx).tolist(), (y0[sel] + dy).tolist()))
    return out


def read_region(store, spec: TileLayer, bounds=None, token: str = "", *,
                present: bool = False) -> LayerIndex | None:
    """The layer's features meeting EPSG:3857 ``bounds`` (all of them without), in ascending
    ``k`` for a layer with one; None when the store has no such layer (not asked with
    ``present``: the caller knows it has)."""
    bbox = None if bounds is None else to_storage_box(bounds)
    gdf = read_tile_layer(store, spec, bbox=bbox, present=present)
    if gdf is None:
        return None
    if spec.ordinal:
        gdf = gdf.sort_values(ORDINAL, kind="stable").reset_index(drop=True)
    return LayerIndex(spec, gdf, token)


def _note_fields(index: LayerIndex, fields: dict | None) -> None:
    if fields is None:
        return
    for c, values in index.columns.items():
        if c not in fields:
            v = next((v for v in values if v is not None), None)
            if v is not None:
                fields[c] = "String" if isinstance(v, str) else "Number"


def encode_tiles(store, spec: TileLayer, wanted: dict[int, set] | None, put, *,
                 max_zoom: int, token: str = "", fields: dict | None = None) -> int:
    """Encode tiles of layer ``spec`` from ``store`` and hand each to ``put(z, x, y, data)``
    (gzip bytes, or None for a tile left empty). ``wanted``: zoom -> {(x, y)} of the tiles to
    encode; None: every tile holding a feature, minzoom to ``max_zoom``. Returns the number of
    features read (each once); ``fields`` (column -> "String" or "Number") is filled as
    values are seen."""
    zooms = range(spec.minzoom, max_zoom + 1)
    if spec.minzoom < BLOCK_ZOOM:  # a small layer: read whole, once
        index = read_region(store, spec, token=token)
        if index is None:
            return 0
        _note_fields(index, fields)
        for z in zooms:
            todo = wanted.get(z, set()) if wanted is not None else _covered(index, z)
            for x, y in sorted(todo):
                put(z, x, y, compress(encode_tile(index, z, x, y)))
        return len(index)
    if wanted is None:
        blocks = _blocks_of_layer(store, spec)
        wanted_by_block = None
    else:
        wanted_by_block = defaultdict(lambda: defaultdict(set))
        for z, xys in wanted.items():
            for x, y in xys:
                shift = z - BLOCK_ZOOM
                wanted_by_block[(x >> shift, y >> shift)][z].add((x, y))
        blocks = sorted(wanted_by_block)
    read = 0
    if blocks and spec.name not in store.layers():
        return 0
    for bx, by in blocks:
        minx, miny, maxx, maxy = tile_bounds(BLOCK_ZOOM, bx, by)
        p = pad(BLOCK_ZOOM)
        index = read_region(store, spec, (minx - p, miny - p, maxx + p, maxy + p), token,
                            present=True)
        _note_fields(index, fields)
        if len(index):  # count a feature in the block holding its bounding box's top-left
            b = shapely.bounds(index.geoms)
            read += int(((b[:, 0] >= minx) & (b[:, 0] < maxx) & (b[:, 3] > miny)
                         & (b[:, 3] <= maxy)).sum())
        for z in zooms:
            if wanted_by_block is not None:
                todo = wanted_by_block[(bx, by)].get(z, set())
            else:
                shift = z - BLOCK_ZOOM
                todo = {(x, y) for x, y in _covered(index, z)
                        if (x >> shift, y >> shift) == (bx, by)}
            for x, y in sorted(todo):
                put(z, x, y, compress(encode_tile(index, z, x, y)))
    return read


def _covered(index: LayerIndex, z: int) -> set[tuple[int, int]]:
    """The zoom-``z`` tiles whose buffered box meets a feature's bounding box."""
    if not len(index):
        return set()
    return tiles_meeting(shapely.bounds(index.geoms), z)


def _blocks_of_layer(store, spec: TileLayer) -> list[tuple[int, int]]:
    """The blocks covering the layer's extent (an empty block costs one index lookup)."""
    extent = layer_extent(store, spec.name, spec.key)
    if extent is None:
        return []
    boxes = to_mercator_boxes(np.array([extent]))
    return sorted(tiles_meeting(boxes, BLOCK_ZOOM))


def layer_extent(store, name: str, column: str):
    """The EPSG:9216 extent of a layer (a box holding it), or None when it has no feature:
    the store's own ``layer_extent`` when it has one, a GeoPackage's R-tree, PostGIS's
    ``ST_Extent``, else the layer's geometries read with one ``column``."""
    own = getattr(store, "layer_extent", None)
    if own is not None:
        return own(name)
    path = getattr(store, "path", None)
    if path is not None and str(path).endswith(".gpkg"):
        row = _gpkg_extent(path, name)
        if row is not None:
            return row
    if hasattr(store, "_connection") and hasattr(store, "_t"):  # PostGIS: as pg_tiles asks it
        row = _pg_extent(store, name)
        if row is not None:
            return row
    gdf = store.read_layer(name, columns=[column])
    if not len(gdf):
        return None
    return tuple(gdf.total_bounds)


def _gpkg_extent(path, name: str):
    """A GeoPackage layer's extent from its R-tree (kept by triggers on every write)."""
    import sqlite3

    con = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, timeout=10)
    try:
        found = con.execute("SELECT column_name FROM gpkg_extensions WHERE table_name = ? "
                            "AND extension_name = 'gpkg_rtree_index'", (name,)).fetchone()
        if found is None:
            return None
        rtree = f"rtree_{name}_{found[0]}".replace('"', '""')
        row = con.execute(f'SELECT min(minx), min(miny), max(maxx), max(maxy) FROM "{rtree}"'
                          ).fetchone()
    except sqlite3.Error:
        return None
    finally:
        con.close()
    if row is None or None in row or not all(map(math.isfinite, row)):
        return None
    return row


def _pg_extent(store, name: str):
    """A PostGIS layer's extent (``ST_Extent``: one pass over the boxes, not the rows)."""
    from landgis.store.pg_schema import GEOM, sql

    try:
        if name not in store.layers():
            return None
        row = store._connection().execute(sql.SQL(
            "SELECT ST_XMin(e), ST_YMin(e), ST_XMax(e), ST_YMax(e) FROM "
            "(SELECT ST_Extent({g}) AS e FROM {t}) s").format(
                g=sql.Identifier(GEOM), t=store._t(name))).fetchone()
    except Exception:  # noqa: BLE001 - read the layer instead
        return None
    if row is None or None in row:
        return None
    return tuple(float(v) for v in row)

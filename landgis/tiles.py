"""Vector tiles (Mapbox Vector Tile, EPSG:3857 grid, XYZ scheme, extent 4096) of the map layers.

What a tile carries
-------------------
Geometry, the feature key and the attributes that change only on import (:data:`LAYERS`):
parcels from zoom 13 (below it the page shows zones), zones and zoning plots from zoom 8. A
parcel also carries ``k`` (:data:`ORDINAL`), its position in the layer as read for this data
version. Never the clearance or auction status: statuses change daily, and the page takes them
from one compact snapshot indexed by ``k`` (:mod:`landgis.status_snapshot`), so a status edit
neither rebuilds nor invalidates a single tile. For the same reason the tiles' data version (:func:`data_version`, the ETag) is that
of the three tiled layers only, not the store's :meth:`~landgis.store.base.Store.version`, which
also moves on every ledger append: in a GeoPackage it is taken from ``gpkg_contents`` (GDAL
stamps ``last_change`` and the extent when a layer is written), elsewhere from the store's own
version (a store may offer ``layer_version(name)`` to do better).

How a tile is answered, and why
-------------------------------
Measured on the 100,000 bench parcels (2 cores): encoding a z14 tile in Python on request is
about 20 times slower than PostGIS's ``ST_AsMVT`` (29 ms p95), so the tiles are built ahead:

1. **Pyramid** (the normal path). Once per data version, GDAL's MVT writer (the MBTiles driver,
   through pyogrio) writes one MBTiles file per layer, z13-16 for parcels and z8-16 for zones
   and plots, into ``<instance>/tiles/<version>/``. A tile is then one indexed SQLite lookup
   (read-only, ``immutable``), sent as stored: gzip, with ``Content-Encoding: gzip``. GDAL is
   told never to thin a tile: ``MAX_SIZE`` and ``MAX_FEATURES`` are far above the densest tile
   (its defaults, 500 kB and 200,000, would silently degrade the densest z13 parcel tile, which
   is about 380 kB), and ``SIMPLIFICATION`` is 0, so a parcel is only quantised to the tile's
   4096 grid (at most 0.71 of a unit, 0.42 m at z14).
2. **Build in a child process.** pyogrio holds the GIL for the whole write (measured: a 35 s
   stall of every other thread), so the first request after a data change starts
   ``python -c 'landgis.tiles._build_main …'`` at low priority, guarded in-process (one build
   per version) and across processes (a file lock per version); it writes to a hidden temporary
   folder and renames it into place with its ``manifest.json``, then removes older versions.
   A failed build is logged and not retried for that version; tiles keep coming from step 3.
3. **On the fly** while the pyramid is missing, and above zoom 16 (few features per tile):
   an in-memory STRtree of the layer in EPSG:3857 (one per layer and data version),
   ``shapely.clip_by_rect`` with GDAL's 80-unit buffer, coordinates quantised to the tile grid
   with numpy, made valid and oriented in bulk, then encoded with ``mapbox-vector-tile``; the
   gzip bytes are kept in a bounded in-memory LRU (64 MB by default).

Both paths produce the same features with the same properties (null values are omitted), the
same clipping buffer and the same quantisation; the MVT feature ``id`` is not set (GDAL does not
set it from pyogrio): clients key features by the layer's key property (``parcel_id`` …).

All transformations to EPSG:3857 go through :func:`landgis.crs.to_crs`, so the VN-2000 datum
shift is the pinned EPSG:6960 in both paths.

Measured on ``bench-data/parcels-100000.gpkg`` (2 cores; the second figure while the machine
was shared with other test runs, load 5-8)
-------------------------------------------------------------------------------------------
- pyramid build, parcels z13-16 (775 tiles, 13 MB) plus zones and plots: 28 s (50-70 s);
- a tile from the pyramid through Flask: median 0.7-1.0 ms, p95 1.1-1.4 ms over all 775
  parcel tiles, the densest z14 tile (4,221 parcels, 106 kB gzip) 1.2-1.9 ms; 304: 1 ms;
- the first tile after an import (layer read, EPSG:3857, STRtree, encode): 1.8 s (3.6-4.1 s);
- then on the fly: the densest z14 tile 190-250 ms; z14 median 90 ms, p95 300-440 ms (loaded);
  again from the LRU: median 0.6-1.0 ms;
- ``/api/status`` on 0.2 x 0.2 degrees (5,000 parcels, truncated): 16 ms once warm.
"""

from __future__ import annotations

import dataclasses
import fcntl
import gzip
import hashlib
import json
import logging
import math
import os
import shutil
import sqlite3
import subprocess
import sys
import threading
import time
from collections import OrderedDict
from pathlib import Path

import numpy as np
import pandas as pd
import shapely

from landgis import crs as crsmod
from landgis.store.base import mask_url

log = logging.getLogger(__name__)

#: Tile grid: EPSG:3857, XYZ scheme (y = 0 at the top), 4096 units a tile side.
EXTENT = 4096
#: Clipping buffer around a tile, in tile units (GDAL's default for an extent of 4096).
BUFFER = 80
#: Highest zoom answered (GDAL's MVT writer and the usual clients stop there too).
MAX_ZOOM = 22
#: Highest zoom of the pre-built pyramid; tiles above it are encoded on request.
PYRAMID_MAX_ZOOM = 16
#: Half the side of the EPSG:3857 world square, in metres.
WORLD_HALF = 20037508.342789244
#: Changes when what a tile holds changes, so that browsers and pyramids refresh.
TILE_FORMAT = "2"
#: The property holding a feature's position in its layer (layers with ``ordinal``).
ORDINAL = "k"
#: Media type of a tile.
MEDIA_TYPE = "application/vnd.mapbox-vector-tile"


@dataclasses.dataclass(frozen=True)
class TileLayer:
    """A tiled layer: its key, the columns a tile carries (key first) and its first zoom.

    With ``ordinal``, a tile's feature also carries ``k``: the feature's position in the layer
    as read for this data version (:func:`read_tile_layer`). The page looks the parcel's
    status up by it in one compact snapshot (:func:`landgis.service.status_snapshot`).
    """

    name: str
    columns: tuple[str, ...]
    minzoom: int
    ordinal: bool = False

    @property
    def key(self) -> str:
        return self.columns[0]

    @property
    def tile_columns(self) -> tuple[str, ...]:
        return (*self.columns, ORDINAL) if self.ordinal else self.columns


LAYERS: dict[str, TileLayer] = {
    "parcels": TileLayer("parcels", ("parcel_id", "zone_code", "land_use_code", "sheet_no",
                                     "parcel_no"), minzoom=13, ordinal=True),
    "zones": TileLayer("zones", ("zone_code", "kind", "name_vi"), minzoom=8),
    "zoning_plots": TileLayer("zoning_plots", ("plot_code", "zone_code", "function",
                                               "lease_status"), minzoom=8),
}


class TileError(ValueError):
    """A tile address outside the grid (the web answers 400)."""


class UnknownLayer(LookupError):
    """A layer that is not tiled (the web answers 404)."""


class DataChanged(RuntimeError):
    """The store changed while a layer was being read; try again."""


# --------------------------------------------------------------------------- the grid


def check_tile(layer: str, z: int, x: int, y: int) -> TileLayer:
    """The layer's description, once ``layer`` and ``z/x/y`` are known to be valid.

    Raises :class:`UnknownLayer` or :class:`TileError` with a sentence saying what is allowed.
    """
    spec = LAYERS.get(layer)
    if spec is None:
        raise UnknownLayer(f"no tiled layer {layer!r}; layers: {', '.join(LAYERS)}")
    if not 0 <= z <= MAX_ZOOM:
        raise TileError(f"zoom {z} is outside 0-{MAX_ZOOM}")
    n = 1 << z
    if not (0 <= x < n and 0 <= y < n):
        raise TileError(f"tile {z}/{x}/{y} is outside the grid: at zoom {z} x and y run "
                        f"from 0 to {n - 1}")
    return spec


def tile_bounds(z: int, x: int, y: int) -> tuple[float, float, float, float]:
    """The EPSG:3857 bounds (minx, miny, maxx, maxy) of XYZ tile ``z/x/y``."""
    size = 2 * WORLD_HALF / (1 << z)
    minx = -WORLD_HALF + x * size
    maxy = WORLD_HALF - y * size
    return minx, maxy - size, minx + size, maxy


def tile_unit_m(z: int) -> float:
    """The side of one tile unit at zoom ``z``, in EPSG:3857 metres."""
    return 2 * WORLD_HALF / (1 << z) / EXTENT


def tiles_covering(bounds, z: int) -> list[tuple[int, int]]:
    """The (x, y) of the zoom-``z`` tiles meeting EPSG:3857 ``bounds``."""
    minx, miny, maxx, maxy = bounds
    size = 2 * WORLD_HALF / (1 << z)
    n = (1 << z) - 1
    x0 = min(max(int(math.floor((minx + WORLD_HALF) / size)), 0), n)
    x1 = min(max(int(math.floor((maxx + WORLD_HALF) / size)), 0), n)
    y0 = min(max(int(math.floor((WORLD_HALF - maxy) / size)), 0), n)
    y1 = min(max(int(math.floor((WORLD_HALF - miny) / size)), 0), n)
    return [(x, y) for x in range(x0, x1 + 1) for y in range(y0, y1 + 1)]


# --------------------------------------------------------------------------- data version

_token_lock = threading.Lock()
_tokens: OrderedDict = OrderedDict()


def _layer_stamps(store) -> list | None:
    """What identifies the content of the tiled layers, or None if the store cannot say."""
    own = getattr(store, "layer_version", None)
    if callable(own):
        try:
            present = set(store.layers())
            return [[name, own(name)] for name in LAYERS if name in present]
        except Exception:  # noqa: BLE001 - the store's own version still answers
            return None
    path = getattr(store, "path", None)
    if path is None or str(path).lower()[-5:] != ".gpkg":
        return None
    try:
        con = sqlite3.connect(f"{Path(path).resolve().as_uri()}?mode=ro", uri=True, timeout=10)
        try:
            rows = con.execute(
                "SELECT table_name, last_change, min_x, min_y, max_x, max_y FROM gpkg_contents "
                f"WHERE table_name IN ({', '.join('?' * len(LAYERS))}) ORDER BY table_name",
                list(LAYERS)).fetchall()
        finally:
            con.close()
    except sqlite3.Error:
        return None
    return [list(r) for r in rows]


def data_version(store) -> str:
    """A token that changes whenever a tiled layer changes (not when the ledger grows).

    Remembered per :meth:`Store.version`, so asking costs one ``stat`` once it is known.
    """
    key = (store.url, store.version())
    with _token_lock:
        if key in _tokens:
            _tokens.move_to_end(key)
            return _tokens[key]
    stamps = _layer_stamps(store)
    # the token is sent to browsers: nothing in it may come from the password
    basis = json.dumps([mask_url(store.url), TILE_FORMAT,
                        stamps if stamps is not None else key[1]],
                       default=str)
    token = hashlib.sha1(basis.encode()).hexdigest()[:20]
    with _token_lock:
        _tokens[key] = token
        while len(_tokens) > 64:
            _tokens.popitem(last=False)
    return token


# --------------------------------------------------------------------------- reading a layer


def read_tile_layer(store, spec: TileLayer):
    """The columns of ``spec`` and the geometry, in EPSG:3857, empty geometries dropped.

    None when the store has no such layer.
    """
    if spec.name not in store.layers():
        return None
    gdf = store.read_layer(spec.name, columns=list(spec.columns))
    geoms = np.asarray(gdf.geometry.values, dtype=object)
    keep = ~(shapely.is_missing(geoms) | shapely.is_empty(geoms))
    gdf = gdf[keep].reset_index(drop=True)
    gdf = crsmod.to_crs(gdf, crsmod.WEB_MERCATOR)
    if spec.ordinal:  # the store reads in a stable order (fid), so every reader agrees
        gdf[ORDINAL] = np.arange(len(gdf), dtype=np.int32)
    return gdf[[*spec.tile_columns, gdf.geometry.name]]


def _native(values: np.ndarray) -> np.ndarray:
    """An object array of Python values (int, float, str) with None for missing ones."""
    out = np.empty(len(values), dtype=object)
    lst = pd.Series(values).astype(object).tolist()
    for i, v in enumerate(lst):
        if v is None or v is pd.NA or (isinstance(v, float) and math.isnan(v)):
            out[i] = None
        elif isinstance(v, np.generic):
            out[i] = v.item()
        else:
            out[i] = v
    return out


class LayerIndex:
    """One layer in EPSG:3857 with an STRtree, for encoding tiles and box queries."""

    def __init__(self, spec: TileLayer, gdf, token: str):
        self.spec = spec
        self.token = token
        self.geoms = np.asarray(gdf.geometry.values, dtype=object)
        self.tree = shapely.STRtree(self.geoms)
        self.columns = {c: _native(gdf[c].to_numpy()) for c in spec.tile_columns}
        self.keys = self.columns[spec.key]

    def __len__(self) -> int:
        return len(self.geoms)

    def query(self, minx, miny, maxx, maxy, *, exact: bool = True) -> np.ndarray:
        """Indices (ascending) of the features meeting an EPSG:3857 box (with ``exact=False``:
        whose bounding box meets it)."""
        if not len(self.geoms):
            return np.empty(0, dtype=np.intp)
        hits = self.tree.query(shapely.box(minx, miny, maxx, maxy),
                               predicate="intersects" if exact else None)
        return np.sort(hits)

    def properties(self, i: int) -> dict:
        return {c: v[i] for c, v in self.columns.items() if v[i] is not None}


_index_lock = threading.Lock()
_index_cache: OrderedDict = OrderedDict()
_index_loading: dict = {}
_INDEX_CACHE_SIZE = 6


def layer_index(store, layer: str) -> LayerIndex | None:
    """The layer's in-memory index for the store's current data version (None: no such layer).

    Built once per data version and layer (reading the layer and transforming it to EPSG:3857:
    about 1.5 s for 100,000 parcels); concurrent callers wait for the one build.
    """
    spec = LAYERS[layer]
    for _attempt in range(3):
        token = data_version(store)
        key = (store.url, token, layer)
        with _index_lock:
            if key in _index_cache:
                _index_cache.move_to_end(key)
                return _index_cache[key]
            loading = _index_loading.get(key)
            if loading is None:
                loading = _index_loading[key] = threading.Lock()
        with loading:
            with _index_lock:
                if key in _index_cache:
                    return _index_cache[key]
            try:
                gdf = read_tile_layer(store, spec)
                if data_version(store) != token:
                    continue  # changed while reading: read the new version
                index = None if gdf is None else LayerIndex(spec, gdf, token)
                with _index_lock:
                    _index_cache[key] = index
                    while len(_index_cache) > _INDEX_CACHE_SIZE:
                        _index_cache.popitem(last=False)
                return index
            finally:
                with _index_lock:
                    _index_loading.pop(key, None)
    raise DataChanged(f"the layer {layer!r} kept changing while being read")


# --------------------------------------------------------------------------- encoding


def _polygonal(geom):
    """The polygons of a geometry as a Polygon or MultiPolygon (None when there are none)."""
    if geom is None or geom.is_empty:
        return None
    kind = geom.geom_type
    if kind in ("Polygon", "MultiPolygon"):
        return geom
    parts = [p for p in shapely.get_parts(geom)
             if p.geom_type in ("Polygon", "MultiPolygon") and not p.is_empty]
    polys = [q for p in parts for q in (p.geoms if p.geom_type == "MultiPolygon" else [p])]
    if not polys:
        return None
    return polys[0] if len(polys) == 1 else shapely.MultiPolygon(polys)


def encode_tile(index: LayerIndex | None, z: int, x: int, y: int) -> bytes | None:
    """The MVT bytes (not compressed) of tile ``z/x/y`` of ``index``; None when it is empty.

    Features are clipped to the tile plus :data:`BUFFER` units, quantised to the
    :data:`EXTENT` grid (y down), made valid, exterior rings clockwise on screen, never
    simplified or dropped (only a feature that collapses below one unit disappears).
    """
    import mapbox_vector_tile

    if index is None:
        return None
    minx, miny, maxx, maxy = tile_bounds(z, x, y)
    size = maxx - minx
    pad = size * BUFFER / EXTENT
    hits = index.query(minx - pad, miny - pad, maxx + pad, maxy + pad)
    if not len(hits):
        return None
    geoms = shapely.clip_by_rect(index.geoms[hits], minx - pad, miny - pad, maxx + pad,
                                 maxy + pad)
    scale = EXTENT / size

    def to_grid(xy):
        return np.rint(np.column_stack(((xy[:, 0] - minx) * scale, (maxy - xy[:, 1]) * scale)))

    geoms = shapely.transform(geoms, to_grid)
    invalid = ~shapely.is_valid(geoms) & ~shapely.is_empty(geoms)
    if invalid.any():
        fixed = shapely.make_valid(geoms[invalid], method="structure", keep_collapsed=False)
        geoms[invalid] = [_polygonal(g) for g in fixed]
    keep = ~shapely.is_missing(geoms)
    keep[keep] = ~shapely.is_empty(geoms[keep]) & (shapely.area(geoms[keep]) > 0)
    if not keep.any():
        return None
    hits, geoms = hits[keep], geoms[keep]
    # MVT: an exterior ring has a positive area in tile coordinates (y down): clockwise on
    # screen, counter-clockwise in the numbers.
    geoms = shapely.orient_polygons(geoms, exterior_cw=False)
    features = [{"geometry": g, "properties": index.properties(i)}
                for i, g in zip(hits.tolist(), geoms)]
    return mapbox_vector_tile.encode(
        [{"name": index.spec.name, "features": features}],
        default_options={"extents": EXTENT, "y_coord_down": True,
                         "check_winding_order": False})


# --------------------------------------------------------------------------- the pyramid


def _gdal_options(spec: TileLayer, max_zoom: int) -> tuple[dict, dict]:
    dataset = {
        "NAME": spec.name,
        "MINZOOM": spec.minzoom,
        "MAXZOOM": max_zoom,
        "EXTENT": EXTENT,
        "BUFFER": BUFFER,
        # never thin a tile: GDAL's defaults (500 kB, 200,000 features) would lower the
        # precision of, or drop features from, the densest parcel tiles without a word
        "MAX_SIZE": 1_000_000_000,
        "MAX_FEATURES": 100_000_000,
        "SIMPLIFICATION": 0,
        "SIMPLIFICATION_MAX_ZOOM": 0,
        "COMPRESS": "YES",
    }
    layer = {"MINZOOM": spec.minzoom, "MAXZOOM": max_zoom}
    return dataset, layer


def build_pyramid(store, directory, *, max_zoom: int = PYRAMID_MAX_ZOOM,
                  token: str | None = None) -> dict:
    """Write one MBTiles file per tiled layer of ``store`` and ``manifest.json`` into
    ``directory`` (created); return the manifest.

    Raises :class:`DataChanged` when the store changes while it is being read (the token
    taken before reading, or ``token``, no longer holds afterwards).
    """
    import pyogrio

    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    token = token or data_version(store)
    started = time.perf_counter()
    layers = {}
    for spec in LAYERS.values():
        t0 = time.perf_counter()
        gdf = read_tile_layer(store, spec)
        entry = {"file": None, "minzoom": spec.minzoom, "maxzoom": max_zoom, "features": 0}
        if gdf is not None and len(gdf):
            path = directory / f"{spec.name}.mbtiles"
            path.unlink(missing_ok=True)
            dataset, layer = _gdal_options(spec, max_zoom)
            pyogrio.write_dataframe(gdf, path, driver="MBTiles", layer=spec.name,
                                    dataset_options=dataset, layer_options=layer)
            entry.update(file=path.name, features=int(len(gdf)))
        entry["seconds"] = round(time.perf_counter() - t0, 2)
        layers[spec.name] = entry
    if data_version(store) != token:
        raise DataChanged("the store changed while the tile pyramid was being built")
    manifest = {"token": token, "format": TILE_FORMAT, "store": _url_digest(store.url),
                "max_zoom": max_zoom, "layers": layers,
                "seconds": round(time.perf_counter() - started, 2),
                "built_at": time.strftime("%Y-%m-%dT%H:%M:%S%z")}
    (directory / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=1))
    return manifest


def _url_digest(url: str) -> str:
    """Names a store in files without writing its URL (which may hold a password)."""
    return hashlib.sha1(mask_url(url).encode()).hexdigest()[:16]


class PyramidBusy(RuntimeError):
    """Another process is building the same pyramid."""


def install_pyramid(store, tiles_dir, *, max_zoom: int = PYRAMID_MAX_ZOOM) -> Path:
    """Build the pyramid of the store's current data version under ``tiles_dir`` atomically.

    Returns ``tiles_dir/<version>`` (at once if it is already there). Only one process builds a
    version at a time (a file lock; :class:`PyramidBusy` for the others); the build goes to a
    hidden temporary folder renamed into place when complete; older versions are then removed.
    """
    tiles_dir = Path(tiles_dir)
    tiles_dir.mkdir(parents=True, exist_ok=True)
    token = data_version(store)
    final = tiles_dir / token
    if (final / "manifest.json").exists():
        return final
    with open(tiles_dir / f".lock-{token}", "a+") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise PyramidBusy(f"the tile pyramid {token} is being built by another process")
        try:
            if (final / "manifest.json").exists():
                return final
            tmp = tiles_dir / f".build-{token}-{os.getpid()}"
            shutil.rmtree(tmp, ignore_errors=True)
            try:
                build_pyramid(store, tmp, max_zoom=max_zoom, token=token)
                shutil.rmtree(final, ignore_errors=True)  # an incomplete leftover, if any
                os.rename(tmp, final)
            finally:
                shutil.rmtree(tmp, ignore_errors=True)
            _remove_other_versions(tiles_dir, keep=token, store_url=store.url)
            return final
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _remove_other_versions(tiles_dir: Path, keep: str, store_url: str,
                           stale_s: float = 6 * 3600) -> None:
    """Remove the store's pyramids of other versions, and leftovers older than ``stale_s``."""
    now = time.time()
    for entry in tiles_dir.iterdir():
        name = entry.name
        if name == keep or name == f".lock-{keep}":
            continue
        try:
            if name.startswith("."):
                if now - entry.stat().st_mtime > stale_s:
                    shutil.rmtree(entry) if entry.is_dir() else entry.unlink()
            elif entry.is_dir() and (entry / "manifest.json").exists():
                manifest = json.loads((entry / "manifest.json").read_text())
                if manifest.get("store") == _url_digest(store_url):
                    shutil.rmtree(entry, ignore_errors=True)
        except (OSError, ValueError):
            pass


class Pyramid:
    """A built pyramid: its manifest and read-only SQLite connections, one per thread."""

    def __init__(self, directory: Path):
        self.directory = Path(directory)
        self.manifest = json.loads((self.directory / "manifest.json").read_text())
        self.max_zoom = int(self.manifest["max_zoom"])
        self._local = threading.local()

    def _connection(self, name: str) -> sqlite3.Connection:
        conns = getattr(self._local, "conns", None)
        if conns is None:
            conns = self._local.conns = {}
        con = conns.get(name)
        if con is None:
            uri = f"{(self.directory / name).resolve().as_uri()}?mode=ro&immutable=1"
            con = sqlite3.connect(uri, uri=True, check_same_thread=False)
            conns[name] = con
        return con

    def get(self, layer: str, z: int, x: int, y: int) -> bytes | None:
        """The stored tile (gzip-compressed MVT), or None for an empty one."""
        entry = self.manifest["layers"][layer]
        if entry["file"] is None or z < entry["minzoom"]:
            return None
        row = self._connection(entry["file"]).execute(
            "SELECT tile_data FROM tiles WHERE zoom_level = ? AND tile_column = ? "
            "AND tile_row = ?", (z, x, (1 << z) - 1 - y)).fetchone()  # MBTiles rows are TMS
        return bytes(row[0]) if row and row[0] else None


# --------------------------------------------------------------------------- serving


@dataclasses.dataclass(frozen=True)
class Tile:
    """An answer: ``data`` is gzip-compressed MVT, or None for an empty tile."""

    data: bytes | None
    version: str
    source: str  # "minzoom" | "pyramid" | "memory" | "encoded"


class _LRU:
    """Bounded by bytes and entries; values are bytes (b"" for an empty tile)."""

    def __init__(self, max_bytes: int, max_entries: int = 100_000):
        self.max_bytes, self.max_entries = max_bytes, max_entries
        self._items: OrderedDict = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()

    def get(self, key):
        with self._lock:
            value = self._items.get(key)
            if value is not None:
                self._items.move_to_end(key)
            return value

    def put(self, key, value: bytes) -> None:
        with self._lock:
            old = self._items.pop(key, None)
            if old is not None:
                self._bytes -= len(old) + 64
            self._items[key] = value
            self._bytes += len(value) + 64
            while self._items and (self._bytes > self.max_bytes
                                   or len(self._items) > self.max_entries):
                _, dropped = self._items.popitem(last=False)
                self._bytes -= len(dropped) + 64

    def __len__(self) -> int:
        return len(self._items)


#: How a missing pyramid is built: in a child process (the default), in the calling thread
#: (tests, scripts), or not at all (every tile encoded on request).
BUILD_MODES = ("process", "inline", "off")

_BUILD_CODE = ("import sys; sys.path.insert(0, sys.argv[1]); "
               "from landgis.tiles import _build_main; sys.exit(_build_main(sys.stdin.read()))")
_PROJECT_DIR = str(Path(__file__).resolve().parent.parent)


class TileService:
    """Answers tiles for stores, from the pyramid under ``tiles_dir`` when it is built.

    One per web app (thread-safe). ``build`` is one of :data:`BUILD_MODES`.
    """

    def __init__(self, tiles_dir, *, build: str = "process", max_zoom: int = PYRAMID_MAX_ZOOM,
                 memory_bytes: int = 64 << 20, retry_s: float = 15.0):
        if build not in BUILD_MODES:
            raise ValueError(f"build must be one of {', '.join(BUILD_MODES)}, not {build!r}")
        self.tiles_dir = Path(tiles_dir)
        self.build = build
        self.max_zoom = max_zoom
        self.retry_s = retry_s
        self.memory = _LRU(memory_bytes)
        self._lock = threading.Lock()
        self._pyramids: dict[str, Pyramid] = {}
        self._building: dict[str, threading.Thread] = {}
        self._failed: dict[str, str] = {}
        self._retry_at: dict[str, float] = {}

    # ----------------------------------------------------------------- public

    def version(self, store, layer: str, z: int, x: int, y: int) -> str:
        """Check the address and return the data version of the tile (for the ETag)."""
        check_tile(layer, z, x, y)
        return data_version(store)

    def tile(self, store, layer: str, z: int, x: int, y: int) -> Tile:
        """Tile ``layer/z/x/y`` of ``store``; raises UnknownLayer or TileError."""
        spec = check_tile(layer, z, x, y)
        token = data_version(store)
        if z < spec.minzoom:
            return Tile(None, token, "minzoom")
        pyramid = self.pyramid(store, token)
        if pyramid is not None and z <= pyramid.max_zoom:
            if layer not in pyramid.manifest["layers"]:
                return Tile(None, token, "pyramid")
            try:
                return Tile(pyramid.get(layer, z, x, y), token, "pyramid")
            except sqlite3.Error:  # removed or damaged under us: encode, and look again later
                log.exception("tile pyramid %s unreadable", pyramid.directory)
                with self._lock:
                    self._pyramids.pop(token, None)
        key = (store.url, token, layer, z, x, y)
        cached = self.memory.get(key)
        if cached is not None:
            return Tile(cached or None, token, "memory")
        index = layer_index(store, layer)
        raw = encode_tile(index, z, x, y)
        data = gzip.compress(raw, compresslevel=6) if raw else b""
        version = index.token if index is not None else token
        self.memory.put((store.url, version, layer, z, x, y), data)
        return Tile(data or None, version, "encoded")

    def pyramid(self, store, token: str | None = None) -> Pyramid | None:
        """The built pyramid of the store's data version; starts building it when missing."""
        token = token or data_version(store)
        found = self._pyramids.get(token)
        if found is not None:
            return found
        directory = self.tiles_dir / token
        if (directory / "manifest.json").exists():
            return self._remember(token, directory)
        if self.build == "off":
            return None
        if self.build == "inline":
            with self._lock:
                if token in self._failed:
                    return None
            try:
                return self._remember(token, install_pyramid(store, self.tiles_dir,
                                                             max_zoom=self.max_zoom))
            except PyramidBusy:
                return None
            except Exception as exc:  # keep answering tiles on the fly
                log.exception("tile pyramid %s not built", token)
                with self._lock:
                    self._failed[token] = str(exc)
                return None
        self._start_build(store.url, token)
        return None

    def wait(self, timeout: float = 120.0) -> bool:
        """Wait for running builds (tests, scripts); True when none is left running."""
        deadline = time.monotonic() + timeout
        while True:
            with self._lock:
                threads = list(self._building.values())
            if not threads:
                return True
            for t in threads:
                t.join(max(0.0, deadline - time.monotonic()))
            if time.monotonic() >= deadline:
                with self._lock:
                    return not self._building

    def failures(self) -> dict[str, str]:
        with self._lock:
            return dict(self._failed)

    # ----------------------------------------------------------------- internals

    def _remember(self, token: str, directory: Path) -> Pyramid:
        pyramid = Pyramid(directory)
        with self._lock:
            self._pyramids = {token: pyramid}  # older versions are of no more use
        return pyramid

    def _start_build(self, url: str, token: str) -> None:
        with self._lock:
            if (token in self._building or token in self._failed
                    or time.monotonic() < self._retry_at.get(token, 0.0)):
                return
            thread = threading.Thread(target=self._run_build, args=(url, token),
                                      name=f"tile-pyramid-{token}", daemon=True)
            self._building[token] = thread
        thread.start()

    def _run_build(self, url: str, token: str) -> None:
        try:
            # the store URL goes through stdin: a command line is visible to every user
            job = json.dumps({"url": url, "tiles_dir": str(self.tiles_dir),
                              "max_zoom": self.max_zoom})
            t0 = time.perf_counter()
            proc = subprocess.run([sys.executable, "-c", _BUILD_CODE, _PROJECT_DIR], input=job,
                                  capture_output=True, text=True, timeout=3600)
            took = time.perf_counter() - t0
            if proc.returncode == 0:
                log.info("tile pyramid built in %.1f s: %s", took, proc.stdout.strip())
            elif proc.returncode in (_BUSY, _CHANGED):
                with self._lock:
                    self._retry_at[token] = time.monotonic() + self.retry_s
            else:
                message = (proc.stderr or proc.stdout).strip()[-2000:]
                log.error("tile pyramid %s not built (exit %s): %s", token, proc.returncode,
                          message)
                with self._lock:
                    self._failed[token] = message
        except Exception as exc:  # pragma: no cover - subprocess machinery failing
            log.exception("tile pyramid %s not built", token)
            with self._lock:
                self._failed[token] = str(exc)
        finally:
            with self._lock:
                self._building.pop(token, None)


_BUSY, _CHANGED = 3, 4


def _build_main(job: str) -> int:
    """Child-process entry: a JSON job ``{url, tiles_dir, max_zoom}``; prints where it built."""
    from landgis.store import open_store

    try:
        os.nice(10)  # the web server keeps the upper hand on the CPU
    except OSError:
        pass
    job = json.loads(job)
    tiles_dir, max_zoom = job["tiles_dir"], int(job["max_zoom"])
    store = open_store(job["url"])
    try:
        path = install_pyramid(store, tiles_dir, max_zoom=max_zoom)
    except PyramidBusy as exc:
        print(exc, file=sys.stderr)
        return _BUSY
    except DataChanged as exc:
        print(exc, file=sys.stderr)
        return _CHANGED
    finally:
        store.close()
    print(path)
    return 0

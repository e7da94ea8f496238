"""Vector tiles (Mapbox Vector Tile, EPSG:3857 grid, XYZ scheme, extent 4096) of the map layers.

What a tile carries
-------------------
Geometry, the feature key and the attributes that change only on import (:data:`LAYERS`):
parcels from zoom 13 (below it the page shows zones), zones and zoning plots from zoom 8. A
parcel also carries ``k`` (:data:`ORDINAL`), its feature id in the store, which an import keeps
for every parcel it does not cover. Never the clearance or auction status: statuses change daily, and the page takes them
from one compact snapshot indexed by ``k`` (:mod:`landgis.status_snapshot`), so a status edit
neither rebuilds nor invalidates a single tile. For the same reason the tiles' data version
(:func:`data_version`, the ETag) is that of the three tiled layers only
(:meth:`~landgis.store.base.Store.layer_version`), not the store's
:meth:`~landgis.store.base.Store.version`, which also moves on every ledger append.

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
   ``python -m landgis.tiles.build`` at low priority, guarded in-process (one build
   per version) and across processes (a file lock per version); it writes to a hidden temporary
   folder and renames it into place with its ``manifest.json``, then removes older versions.
   A failed build is logged and not retried for that version; tiles keep coming from step 3.
3. **On the fly** while the pyramid is missing, and above zoom 16 (few features per tile):
   an in-memory STRtree of the layer in EPSG:3857 (one per layer and data version),
   ``shapely.clip_by_rect`` with GDAL's 80-unit buffer, coordinates quantised to the tile grid
   with numpy, made valid and oriented in bulk, then encoded with ``mapbox-vector-tile``; the
   gzip bytes are kept in the byte-bounded cache of :mod:`landgis.dataview` (``cache_mb``).

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

The package, one concern a module: :mod:`~landgis.tiles.grid` (the EPSG:3857 tile grid, shared
with :mod:`landgis.raster`), :mod:`~landgis.tiles.layers` (what is tiled),
:mod:`~landgis.tiles.versions` (the data version), :mod:`~landgis.tiles.index` (a layer in
memory), :mod:`~landgis.tiles.encode` (step 3), :mod:`~landgis.tiles.pyramid` (step 1),
:mod:`~landgis.tiles.service` (answering, step 2) and :mod:`~landgis.tiles.build` (the child).
"""

from __future__ import annotations

from landgis.tiles.encode import encode_tile
from landgis.tiles.grid import (
    BUFFER,
    EXTENT,
    MAX_ZOOM,
    WORLD_HALF,
    TileError,
    check_xyz,
    tile_bounds,
    tile_unit_m,
    tiles_covering,
)
from landgis.tiles.index import LayerIndex, layer_index, read_tile_layer
from landgis.tiles.layers import (
    LAYERS,
    MEDIA_TYPE,
    ORDINAL,
    TILE_FORMAT,
    TileLayer,
    UnknownLayer,
    check_tile,
)
from landgis.tiles.pyramid import (
    PYRAMID_MAX_ZOOM,
    Pyramid,
    PyramidBusy,
    build_pyramid,
    install_pyramid,
    installed_pyramid,
    update_pyramid,
)
from landgis.tiles.service import BUILD_MODES, Tile, TileService
from landgis.tiles.versions import DataChanged, data_version

__all__ = [
    "BUFFER", "BUILD_MODES", "EXTENT", "LAYERS", "MAX_ZOOM", "MEDIA_TYPE", "ORDINAL",
    "PYRAMID_MAX_ZOOM", "TILE_FORMAT", "WORLD_HALF", "DataChanged", "LayerIndex", "Pyramid",
    "PyramidBusy", "Tile", "TileError", "TileLayer", "TileService", "UnknownLayer",
    "build_pyramid", "check_tile", "check_xyz", "data_version", "encode_tile",
    "install_pyramid", "installed_pyramid", "layer_index", "read_tile_layer", "tile_bounds", "tile_unit_m",
    "tiles_covering", "update_pyramid",
]

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
One encoder makes every tile (:mod:`~landgis.tiles.mvt`: numpy, protobuf bytes assembled by
hand, deterministic), from the rows meeting the tile plus its clipping buffer, in ascending
``k``: a tile encoded on request, in a full pyramid build or in an incremental update is the
same bytes, stored gzip-compressed at one level with no timestamp
(:func:`~landgis.tiles.blocks.compress`).

1. **Pyramid** (the normal path). One MBTiles file per layer and data version, z13-16 for
   parcels and z8-16 for zones and plots, in ``<instance>/tiles/<version>/``, written by our
   own builder (:mod:`~landgis.tiles.blocks`, :mod:`~landgis.tiles.mbtiles`: the tables and
   metadata GDAL's driver writes, so GDAL and QGIS read it): parcels block by block (the rows
   of one zoom-12 tile and its buffer, a ``bbox`` read: memory stays bounded at 1,000,000
   parcels), zones and plots whole. Nothing is thinned or simplified: a parcel is only
   quantised to the tile's 4096 grid (at most 0.71 of a unit, 0.42 m at z14). A tile is then
   one indexed SQLite lookup (read-only, ``immutable``), sent as stored with
   ``Content-Encoding: gzip``.
2. **Incremental.** The manifest records per layer its ``layer_version`` and the store's
   ``batch_mark()`` taken before reading. The next version starts from it
   (:func:`~landgis.tiles.pyramid.update_pyramid`): an unchanged layer's file is hard-linked;
   a changed one is copied and only the tiles, at every zoom, that the boxes of the rows the
   batches since touched (:meth:`~landgis.store.base.Store.layer_changes`: old and new
   geometries) meet with the zoom's clipping buffer are encoded again, replaced or deleted; a
   layer whose changes are unknown (a whole ``write_layer``) is built whole. A test proves an
   updated pyramid equal to a full rebuild, tile for tile, byte for byte.
3. **In a child process.** The first request after a data change starts
   ``python -m landgis.tiles.build`` at low priority, guarded in-process (one build per
   version) and across processes (a file lock per version); it writes to a hidden temporary
   folder and renames it into place with its ``manifest.json``, then removes older versions.
4. **Meanwhile** (:mod:`~landgis.tiles.service`): a tile the changes do not touch comes from
   the previous pyramid at once (the same bytes); a touched one is encoded on request from a
   ``bbox`` read of its region. With no pyramid at all (the first start), tiles are encoded
   from the layer's in-memory index (an STRtree in EPSG:3857), which warm start and the status
   snapshot build anyway: measured at 100,000 parcels, encoding from it is about twice as fast
   per tile as a ``bbox`` read of the region (most of which is the datum shift and the read);
   above zoom 16, likewise. Tiles encoded on request are kept in the byte-bounded cache of
   :mod:`landgis.dataview` (``cache_mb``).
5. **Or the database** (setting ``tiles_source = "postgis"``, a PostGIS store only): a tile not
   in the pyramid is encoded by PostGIS (:func:`landgis.tiles.pg_tiles.pg_tile`: ``ST_AsMVT``
   with the same properties, ``k`` its ``fid``, each geometry within one unit of ours), so
   several app servers share one tile source.

Every tile carries the same features with the same properties (null values are omitted), the
clipping buffer of GDAL's writer (80 units) and the same quantisation; the MVT feature ``id`` is
not set: clients key features by the layer's key property (``parcel_id`` …).

All transformations to EPSG:3857 go through :func:`landgis.crs.to_crs`, so the VN-2000 datum
shift is the pinned EPSG:6960 everywhere.

Measured by the bench's ``tile_update`` case at 100,000 and 1,000,000 parcels (2 cores, shared)
-----------------------------------------------------------------------------------------------
The last run of each size (load 1.3-3); in brackets an earlier run while other work loaded the
machine (load 3-6).

At 100,000 parcels (``bench-data/parcels-100000.gpkg``):

- the densest z14 tile (4,221 parcels): encoded in 15-25 ms in-process (mapbox-vector-tile
  took 85-145 ms), decoded features identical;
- cold z14 tiles through HTTP (the 39 densest, no pyramid): median 21 ms, p95 42 ms; PostGIS
  ``ST_AsMVT`` on the same tiles 25 ms and 33 ms (19 and 34 ms against 30 and 56 ms). Before
  ``gc.freeze`` (see :func:`~landgis.tiles.index.build_index`) every eighth tile paused
  35-100 ms;
- full pyramid of the three layers: 6.9 s; GDAL's MVT writer on the same layers: 19.6 s;
- a survey sheet of 5,088 parcels (every geometry changed) imported: the 59 tiles z13-16 it
  touches served new 2.1 s after the import's end (2.5 s), the updated pyramid (59 tiles encoded
  again) installed after 2.8 s (6.4 s); the tiles served first equal the pyramid's, byte for
  byte.

A later run on a quieter machine (load 1-2): cold p95 32 ms against ``ST_AsMVT``'s 31 ms
(ratio 1.04; medians 19 and 23 ms), full pyramid 6.4 s against GDAL's 17.4 s, the sheet's 59
tiles served new 0.9 s after the import's end and the pyramid updated after 2.2 s.

At 1,000,000 parcels:

- cold z14 tiles (8,100 parcels each): median 50 ms, p95 69 ms; ``ST_AsMVT`` 74 ms and 78 ms
  (89 and 315 ms against 103 and 203 ms);
- full pyramid: 46 s (75 s); GDAL's writer: 211 s (292 s; 3.6 GB: it reads the layer whole);
- a sheet of 5,310 parcels: its 33 tiles served new after 1.9 s (5.7 s; in-process the patched
  layer index takes 1.3 s and the 33 tiles 0.8 s, the rest is the server's warm-up of the new
  version competing for the two cores), the updated pyramid installed after 6.3 s (12.3 s).

The package, one concern a module: :mod:`~landgis.tiles.grid` (the EPSG:3857 tile grid, shared
with :mod:`landgis.raster`), :mod:`~landgis.tiles.layers` (what is tiled),
:mod:`~landgis.tiles.versions` (the data version), :mod:`~landgis.tiles.index` (a layer in
memory), :mod:`~landgis.tiles.mvt` (the encoder), :mod:`~landgis.tiles.encode` (a tile from an
index), :mod:`~landgis.tiles.blocks` (many tiles from the store, region by region),
:mod:`~landgis.tiles.mbtiles` (the file), :mod:`~landgis.tiles.pyramid` (steps 1-2),
:mod:`~landgis.tiles.service` (answering, step 4) and :mod:`~landgis.tiles.build` (the child).
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

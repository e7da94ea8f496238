"""Rasters: the synthetic demo hillshade (:mod:`landgis.raster.hillshade`), and Web-Mercator
XYZ tiles of any GeoTIFF (:mod:`landgis.raster.xyz`), on the grid of the vector tiles
(:mod:`landgis.tiles.grid`)."""

from landgis.raster.hillshade import (
    DEMO_BOUNDS,
    SYNTHETIC_NOTE,
    demo_elevation,
    hillshade,
    make_demo_hillshade,
)
from landgis.raster.xyz import (
    MAX_ZOOM,
    TILE_CACHE,
    TILE_SIZE,
    WORLD_HALF,
    TileError,
    _TileCache,
    encode_png,
    native_zoom,
    read_xyz_tile,
    tile_bounds,
    warm_tiles,
)

__all__ = ["DEMO_BOUNDS", "MAX_ZOOM", "SYNTHETIC_NOTE", "TILE_CACHE", "TILE_SIZE", "WORLD_HALF",
           "TileError", "demo_elevation", "encode_png", "hillshade", "make_demo_hillshade",
           "native_zoom", "read_xyz_tile", "tile_bounds", "warm_tiles"]

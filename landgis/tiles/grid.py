"""The Web-Mercator tile grid (EPSG:3857, XYZ scheme: y = 0 at the top), shared by the vector
tiles of the layers and the raster tiles of the basemap (:mod:`landgis.raster`).

Only arithmetic: no store, no file, no GDAL.
"""

from __future__ import annotations

import math

#: Half the side of the EPSG:3857 world square, in metres.
WORLD_HALF = 20037508.342789244
#: Units a vector tile's side is divided into (its grid).
EXTENT = 4096
#: Clipping buffer around a vector tile, in tile units (GDAL's default for an extent of 4096).
BUFFER = 80
#: Highest zoom of the vector tiles (GDAL's MVT writer and the usual clients stop there too).
MAX_ZOOM = 22


class TileError(ValueError):
    """A tile address outside the grid (the web answers 400)."""


def check_xyz(z: int, x: int, y: int, max_zoom: int = MAX_ZOOM) -> None:
    """Raise :class:`TileError`, saying what is allowed, unless ``z/x/y`` is a tile of the grid
    at a zoom from 0 to ``max_zoom``."""
    if not (isinstance(z, int) and isinstance(x, int) and isinstance(y, int)):
        raise TileError("z, x and y must be whole numbers")
    if not 0 <= z <= max_zoom:
        raise TileError(f"zoom {z} is outside 0-{max_zoom}")
    n = 1 << z
    if not (0 <= x < n and 0 <= y < n):
        raise TileError(f"tile {z}/{x}/{y} is outside the grid: at zoom {z} x and y run "
                        f"from 0 to {n - 1}")


def tile_side_m(z: int) -> float:
    """The side of a zoom-``z`` tile, in EPSG:3857 metres."""
    return 2 * WORLD_HALF / (1 << z)


def tile_bounds(z: int, x: int, y: int) -> tuple[float, float, float, float]:
    """The EPSG:3857 bounds (minx, miny, maxx, maxy) of XYZ tile ``z/x/y``."""
    size = tile_side_m(z)
    minx = -WORLD_HALF + x * size
    maxy = WORLD_HALF - y * size
    return minx, maxy - size, minx + size, maxy


def tile_unit_m(z: int) -> float:
    """The side of one vector-tile unit (1/:data:`EXTENT` of a tile) at zoom ``z``, in
    EPSG:3857 metres."""
    return tile_side_m(z) / EXTENT


def tiles_covering(bounds, z: int) -> list[tuple[int, int]]:
    """The (x, y) of the zoom-``z`` tiles meeting EPSG:3857 ``bounds``, column by column."""
    minx, miny, maxx, maxy = bounds
    size = tile_side_m(z)
    n = (1 << z) - 1
    x0 = min(max(int(math.floor((minx + WORLD_HALF) / size)), 0), n)
    x1 = min(max(int(math.floor((maxx + WORLD_HALF) / size)), 0), n)
    y0 = min(max(int(math.floor((WORLD_HALF - maxy) / size)), 0), n)
    y1 = min(max(int(math.floor((WORLD_HALF - miny) / size)), 0), n)
    return [(x, y) for x in range(x0, x1 + 1) for y in range(y0, y1 + 1)]

"""One Mapbox Vector Tile encoded on request from a :class:`~landgis.tiles.index.LayerIndex`,
with the same clipping buffer and quantisation as GDAL's MVT writer (the pyramid)."""

from __future__ import annotations

import numpy as np
import shapely

from landgis.tiles.grid import BUFFER, EXTENT, tile_bounds
from landgis.tiles.index import LayerIndex


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

"""One Mapbox Vector Tile of a :class:`~landgis.tiles.index.LayerIndex`: clipped, quantised,
made valid and oriented in bulk with shapely, written by the numpy encoder
(:mod:`landgis.tiles.mvt`). The one path of every tile: on request, in a full pyramid build and
in an incremental update, so all three give the same bytes."""

from __future__ import annotations

import numpy as np
import shapely

from landgis.tiles.grid import BUFFER, EXTENT, tile_bounds
from landgis.tiles.index import LayerIndex
from landgis.tiles.mvt import encode_layer


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
    if index is None:
        return None
    minx, miny, maxx, maxy = tile_bounds(z, x, y)
    size = maxx - minx
    pad = size * BUFFER / EXTENT
    hits = index.query(minx - pad, miny - pad, maxx + pad, maxy + pad)
    if not len(hits):
        return None
    geoms = index.geoms[hits]  # a copy (fancy indexing)
    # a feature strictly inside the clipping box comes out of clip_by_rect as it went in
    b = shapely.bounds(geoms)
    cut = ~((b[:, 0] > minx - pad) & (b[:, 1] > miny - pad) & (b[:, 2] < maxx + pad)
            & (b[:, 3] < maxy + pad))
    if cut.any():
        geoms[cut] = shapely.clip_by_rect(geoms[cut], minx - pad, miny - pad, maxx + pad,
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
    # MVT: an exterior ring has a positive area in tile coordinates (y down), clockwise on
    # screen: the encoder orients the rings (landgis.tiles.mvt)
    odd = ~np.isin(shapely.get_type_id(geoms), (3, 6))  # a collection after clipping
    if odd.any():
        geoms[odd] = [_polygonal(g) for g in geoms[odd]]
        keep = ~shapely.is_missing(geoms)
        hits, geoms = hits[keep], geoms[keep]
    columns = [(c, v[hits]) for c, v in index.columns.items()]
    return encode_layer(index.spec.name, EXTENT, geoms, columns)

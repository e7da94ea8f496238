"""A tiled layer in memory: read once per data version, in EPSG:3857, with an STRtree.

It answers the tiles encoded on request (:mod:`landgis.tiles.encode`) and box queries (the
parcel index, the status snapshot). Reading the layer and transforming it takes about 1.5 s for
100,000 parcels, so the indexes are kept per store, data version and layer (by
:mod:`landgis.dataview`).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import shapely

from landgis import crs as crsmod
from landgis.tiles.layers import LAYERS, ORDINAL, TileLayer


def read_tile_layer(store, spec: TileLayer, bbox=None, *, present: bool = False):
    """The columns of ``spec`` and the geometry, in EPSG:3857, empty geometries dropped;
    with ``bbox`` (EPSG:9216, the store's) only the features whose box meets it.

    A layer with ``spec.ordinal`` also gets ``k``: the row's feature id in the store.
    None when the store has no such layer (not asked with ``present``: the caller knows).
    """
    if not present and spec.name not in store.layers():
        return None
    gdf = store.read_layer(spec.name, columns=list(spec.columns), bbox=bbox,
                           with_fid=spec.ordinal)
    geoms = np.asarray(gdf.geometry.values, dtype=object)
    keep = ~(shapely.is_missing(geoms) | shapely.is_empty(geoms))
    gdf = gdf[keep].reset_index(drop=True)
    gdf = crsmod.to_crs(gdf, crsmod.WEB_MERCATOR)
    if spec.ordinal:  # the feature id: kept by every import for the rows it does not cover
        gdf[ORDINAL] = gdf.pop("fid").to_numpy(dtype=np.int64)
    return gdf[[*spec.tile_columns, gdf.geometry.name]]


def _native(values: np.ndarray) -> np.ndarray:
    """An object array of Python values (int, float, str) with None for missing ones."""
    series = pd.Series(values)
    missing = series.isna().to_numpy()
    if series.dtype == object:
        out = series.to_numpy(dtype=object, copy=True)
        odd = np.flatnonzero(~missing & np.array([isinstance(v, np.generic) for v in out],
                                                 dtype=bool))
        for i in odd:
            out[i] = out[i].item()
    else:  # a typed column: pandas hands out Python ints, floats and strings
        out = series.to_numpy(dtype=object)
    out[missing] = None
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

    @property
    def nbytes(self) -> int:
        """About the memory the index holds (for the byte-bounded cache)."""
        from landgis.cache import estimate_bytes

        return (int(shapely.get_num_coordinates(self.geoms).sum()) * 16
                + sum(estimate_bytes(v) for v in self.columns.values()) + 150 * len(self.geoms))

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


def layer_index(store, layer: str, views=None) -> LayerIndex | None:
    """The layer's in-memory index for the store's current data version (None: no such layer).

    Built once per data version and layer (reading the layer and transforming it to EPSG:3857:
    about 1.5 s for 100,000 parcels) and kept by ``views`` (default: the process's;
    :meth:`landgis.dataview.DataView.layer_index`); concurrent callers wait for the one build.
    """
    from landgis.dataview import views_of

    LAYERS[layer]  # KeyError for an unknown layer, as before
    return views_of(views).current(store).layer_index(layer)

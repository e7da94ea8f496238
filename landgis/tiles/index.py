"""A tiled layer in memory: read once per data version, in EPSG:3857, with an STRtree.

It answers the tiles encoded on request (:mod:`landgis.tiles.encode`) and box queries (the
parcel index, the status snapshot). Reading the layer and transforming it takes about 1.5 s for
100,000 parcels, so the indexes are kept per store, data version and layer (by
:mod:`landgis.dataview`).
"""

from __future__ import annotations

import gc

import numpy as np
import pandas as pd
import shapely

from landgis import crs as crsmod
from landgis.tiles.layers import LAYERS, ORDINAL, TileLayer


def read_tile_layer(store, spec: TileLayer, bbox=None, *, present: bool = False):
    """The columns of ``spec`` and the geometry, in EPSG:3857, empty geometries dropped;
    with ``bbox`` (EPSG:9216, the store's) only the features whose box meets it.

    A layer with ``spec.ordinal`` also gets ``k``: the row's feature id in the store.
    The rows come in ascending feature id, however the store returns them (so a tile lists
    its features in the same order whichever read it came from). None when the store has no
    such layer (not asked with ``present``: the caller knows it has).
    """
    if not present and spec.name not in store.layers():
        return None
    gdf = store.read_layer(spec.name, columns=list(spec.columns), bbox=bbox, with_fid=True)
    geoms = np.asarray(gdf.geometry.values, dtype=object)
    keep = ~(shapely.is_missing(geoms) | shapely.is_empty(geoms))
    fid = gdf["fid"].to_numpy(dtype=np.int64)
    if not keep.all() or (len(fid) > 1 and (np.diff(fid) < 0).any()):
        order = np.flatnonzero(keep)
        order = order[np.argsort(fid[order], kind="stable")]
        gdf = gdf.iloc[order].reset_index(drop=True)
    gdf = crsmod.to_crs(gdf, crsmod.WEB_MERCATOR)
    fid = gdf.pop("fid").to_numpy(dtype=np.int64)
    if spec.ordinal:  # the feature id: kept by every import for the rows it does not cover
        gdf[ORDINAL] = fid
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
        self.mark: int | None = None  # the store's batch_mark() before the read
        self.stamp: str | None = None  # the layer's layer_version() before the read

    @classmethod
    def from_arrays(cls, spec: TileLayer, geoms: np.ndarray, columns: dict,
                    token: str, tree=None) -> "LayerIndex":
        index = cls.__new__(cls)
        index.spec, index.token = spec, token
        index.geoms = geoms
        index.tree = shapely.STRtree(geoms) if tree is None else tree
        index.columns = columns
        index.keys = columns[spec.key]
        index.mark = index.stamp = None
        return index

    @property
    def nbytes(self) -> int:
        """About the memory the index holds (for the byte-bounded cache)."""
        from landgis.cache import estimate_bytes

        return (int(shapely.get_num_coordinates(self.geoms).sum()) * 16
                + sum(estimate_bytes(v) for v in self.columns.values()) + 150 * len(self.geoms))

    def __len__(self) -> int:
        return len(self.geoms)

    def ordinals(self) -> np.ndarray:
        """The features' ``k`` as int64 (a layer with one)."""
        k = getattr(self, "_ordinals", None)
        if k is None:
            k = self._ordinals = self.columns[ORDINAL].astype(np.int64)
        return k

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


def build_index(store, spec: TileLayer, token: str, previous: LayerIndex | None = None):
    """The layer's index for data version ``token``: from ``previous`` (an index of an older
    version) when the store can say what changed since (its own layer version unchanged: the
    same rows; else the rows in the changes' region read again, the others kept), otherwise
    read whole. None when the store has no such layer."""
    from landgis.tiles.pyramid import batch_mark, layer_changes

    mark = batch_mark(store)
    try:
        stamp = store.layer_version(spec.name)
    except Exception:  # noqa: BLE001
        stamp = None
    index = None
    if previous is not None and stamp is not None and previous.stamp == stamp:
        index = LayerIndex.from_arrays(spec, previous.geoms, previous.columns, token,
                                       tree=previous.tree)
    elif previous is not None and spec.ordinal and previous.mark is not None:
        boxes = layer_changes(store, spec.name, previous.mark)
        if boxes is not None and len(boxes):
            index = _patched(store, spec, token, previous, boxes)
    if index is None:
        gdf = read_tile_layer(store, spec)
        if gdf is None:
            return None
        index = LayerIndex(spec, gdf, token)
    index.mark, index.stamp = mark, stamp
    # A layer index lives as long as its data version and holds hundreds of thousands of
    # values in object arrays, which the cyclic garbage collector would traverse again and
    # again: measured at 100,000 parcels, a 35-100 ms pause every eight tiles or so, the p95
    # of tiles encoded on request. Nothing in it forms a cycle (reference counting frees it),
    # so what is alive now is left out of the collector's rounds.
    gc.freeze()
    return index


def _patched(store, spec: TileLayer, token: str, old: LayerIndex, boxes) -> LayerIndex:
    """``old`` with the rows of the changes' regions read again. Every row a change touched
    (removed, replaced or written) has its old and new geometry inside the boxes, so dropping
    the old rows inside a region and those read again, then adding the rows read, gives the
    layer as it is now. The boxes are gathered by the zoom-13 tile of their centre, a region
    each, so that changes far apart do not make one region of everything between them."""
    from landgis.tiles.blocks import to_mercator_boxes, to_storage_box
    from landgis.tiles.grid import tile_side_m

    merc = to_mercator_boxes(boxes)
    side = tile_side_m(13)
    cell = (np.floor((merc[:, 0] + merc[:, 2]) / 2 / side) * 1e7
            + np.floor((merc[:, 1] + merc[:, 3]) / 2 / side))
    inside = np.zeros(len(old.geoms), dtype=bool)
    parts, seen = [], set()
    for group in np.unique(cell):
        m = merc[cell == group]
        region = (m[:, 0].min(), m[:, 1].min(), m[:, 2].max(), m[:, 3].max())
        near = old.query(*region, exact=False)  # the old rows whose box meets the region
        b = shapely.bounds(old.geoms[near])
        inside[near[(b[:, 0] >= region[0]) & (b[:, 1] >= region[1]) & (b[:, 2] <= region[2])
                    & (b[:, 3] <= region[3])]] = True
        gdf = read_tile_layer(store, spec, bbox=to_storage_box(region), present=True)
        if gdf is not None and len(gdf):
            part = LayerIndex(spec, gdf, token)
            k = part.columns[ORDINAL].astype(np.int64)
            fresh = ~np.isin(k, list(seen))  # a row two regions read, once
            seen.update(k.tolist())
            parts.append((part.geoms[fresh], {c: v[fresh] for c, v in part.columns.items()}))
    new_k = np.fromiter(seen, dtype=np.int64, count=len(seen))
    old_k = old.ordinals()
    keep = ~(inside | np.isin(old_k, new_k))
    geoms = np.concatenate([old.geoms[keep], *(g for g, _ in parts)])
    columns = {c: np.concatenate([v[keep], *(cols[c] for _, cols in parts)])
               for c, v in old.columns.items()}
    k = np.concatenate([old_k[keep], *(cols[ORDINAL].astype(np.int64) for _, cols in parts)])
    order = np.argsort(k, kind="stable")
    index = LayerIndex.from_arrays(spec, np.asarray(geoms[order], dtype=object),
                                   {c: v[order] for c, v in columns.items()}, token)
    index._ordinals = k[order]
    return index

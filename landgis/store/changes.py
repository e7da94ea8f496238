"""Feature ids kept across writes, and what each batch touched.

Every store keeps a feature id per row (the GeoPackage fid, the PostGIS ``fid`` column); it is
the parcels' ``k`` in the tiles. An update (:meth:`Store.update_layer`) rewrites the layer
whole, yet keeps the id of every row it does not cover, and gives the rows it writes new ids
above the highest the layer holds, so that what it did not touch stays the same, byte for
byte, wherever it is derived (tiles, status snapshots).

Each update or restore batch records the boxes (storage CRS, EPSG:9216) of what it touched:
the old geometries of the rows it removed or replaced and the new geometries of the rows it
wrote (a restore: of the rows that differ between the layer and the version it puts back).
A whole replacement recorded as a batch records one row with no box: "everything may have
changed". :func:`changes_answer` turns those rows into :meth:`Store.layer_changes`.
"""

from __future__ import annotations

from typing import Iterable

import numpy as np
import pandas as pd

from landgis.store.errors import StoreError

#: The name of the feature-id column (read with ``with_fid``, written to keep the ids).
FID = "fid"
#: The store's table of what each batch touched (not a layer).
CHANGES = "layer_changes"

_NO_BOXES = np.zeros((0, 4), dtype="float64")


def feature_ids(df: pd.DataFrame, name: str) -> np.ndarray | None:
    """The ``fid`` column of a frame about to be written, as int64, or None when it has none.

    Raises StoreError unless every value is a whole number above 0, none repeated.
    """
    if FID not in df.columns:
        return None
    values = df[FID]
    if isinstance(values, pd.DataFrame):
        raise StoreError(f"lớp / layer {name!r}: cột fid xuất hiện hai lần / column fid "
                         "appears twice")
    raw = values.to_numpy()
    try:
        as_float = raw.astype("float64")
    except (TypeError, ValueError):
        as_float = None
    bad = (np.ones(len(raw), bool) if as_float is None else
           ~np.isfinite(as_float) | (as_float < 1) | (as_float != np.floor(as_float)))
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise StoreError(f"lớp / layer {name!r}, dòng / row {i + 1}: mã đối tượng không "
                         f"hợp lệ / not a feature id (a whole number above 0): {raw[i]!r}")
    fids = as_float.astype("int64")
    unique, counts = np.unique(fids, return_counts=True)
    if (counts > 1).any():
        repeated = unique[counts > 1][:5]
        raise StoreError(f"lớp / layer {name!r}: mã đối tượng lặp lại / feature id(s) "
                         "repeated: " + ", ".join(map(str, repeated)))
    return fids


def geometry_boxes(geometries) -> np.ndarray:
    """``(n, 4)`` float64 ``minx, miny, maxx, maxy`` of the geometries that are present and not
    empty (a row with no geometry touches nothing)."""
    import shapely

    arr = np.asarray(getattr(geometries, "values", geometries), dtype=object)
    if not len(arr):
        return _NO_BOXES
    arr = arr[~shapely.is_missing(arr)]
    arr = arr[~shapely.is_empty(arr)]
    if not len(arr):
        return _NO_BOXES
    return np.asarray(shapely.bounds(arr), dtype="float64").reshape(-1, 4)


def _geometries(df: pd.DataFrame):
    """The geometry column of a frame (GeoDataFrame or plain ``geometry``), or None."""
    try:
        return df.geometry
    except AttributeError:
        return df["geometry"] if "geometry" in df.columns else None


def merge_update(old: pd.DataFrame, df: pd.DataFrame, key: str, remove: Iterable[str]
                 ) -> tuple[pd.DataFrame, np.ndarray]:
    """The rows of an update and the boxes it touched.

    ``old`` is the layer read with its feature ids (a ``fid`` column); the result is ``old``
    without the rows keyed in ``remove`` or in ``df``, then the rows of ``df``, with a ``fid``
    column: each kept row its own, the rows of ``df`` new ones above the highest of ``old``
    (a ``fid`` column of ``df`` is not used: the store numbers the rows it writes). The boxes
    are those of the old geometries of the rows left out and of the geometries of ``df``.
    """
    import geopandas as gpd

    drop = set(remove) | set(df[key])
    dropped = old[key].isin(drop).to_numpy()
    kept = old[~dropped]
    new = df.drop(columns=[FID]) if FID in df.columns else df
    parts = [pd.DataFrame(p) for p in (kept, new) if len(p)]  # no empty frame: it sets dtypes
    out = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(new).iloc[0:0]
    top = int(old[FID].max()) if len(old) else 0
    fids = np.concatenate([kept[FID].to_numpy(dtype="int64"),
                           np.arange(top + 1, top + 1 + len(new), dtype="int64")])
    out = out.drop(columns=[FID]) if FID in out.columns else out
    out.insert(0, FID, fids)
    if isinstance(df, gpd.GeoDataFrame):
        out = gpd.GeoDataFrame(out, geometry=df.geometry.name, crs=df.crs)
    old_geoms, new_geoms = _geometries(old), _geometries(new)
    boxes = [geometry_boxes(old_geoms[dropped]) if old_geoms is not None else _NO_BOXES,
             geometry_boxes(new_geoms) if new_geoms is not None else _NO_BOXES]
    return out, np.concatenate(boxes)


def _same(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Element-wise equality of two columns' values, missing equal to missing."""
    missing_a, missing_b = pd.isna(a), pd.isna(b)
    equal = pd.Series(a, dtype=object).eq(pd.Series(b, dtype=object)).to_numpy(dtype=bool) \
        if a.dtype == object or b.dtype == object else (a == b)
    return (equal & ~missing_a & ~missing_b) | (missing_a & missing_b)


def differing_boxes(current: pd.DataFrame, restored: pd.DataFrame) -> np.ndarray:
    """The boxes of the rows that differ between two versions of a layer, both read with their
    feature ids: a row of either whose fid is not in the other, or whose geometry (WKB) or any
    value differs from the row of the same fid, counts with its own geometry."""
    import shapely

    cur_fid = current[FID].to_numpy(dtype="int64")
    new_fid = restored[FID].to_numpy(dtype="int64")
    common, ci, ni = np.intersect1d(cur_fid, new_fid, assume_unique=True, return_indices=True)
    same = np.ones(len(common), dtype=bool)
    cur_geoms, new_geoms = _geometries(current), _geometries(restored)
    geom_names = {getattr(g, "name", None) for g in (cur_geoms, new_geoms)} - {None}
    columns = [c for c in current.columns if c != FID and c not in geom_names]
    if sorted(columns) != sorted(c for c in restored.columns
                                 if c != FID and c not in geom_names):
        same[:] = False  # other columns: every row's values differ
    else:
        for column in columns:
            same &= _same(current[column].to_numpy()[ci], restored[column].to_numpy()[ni])
    if (cur_geoms is None) != (new_geoms is None):
        same[:] = False
    elif cur_geoms is not None and len(common):
        a = shapely.to_wkb(np.asarray(cur_geoms.values, dtype=object)[ci])
        b = shapely.to_wkb(np.asarray(new_geoms.values, dtype=object)[ni])
        same &= np.array([x == y for x, y in zip(a, b)], dtype=bool)
    cur_changed = np.ones(len(current), dtype=bool)
    cur_changed[ci[same]] = False
    new_changed = np.ones(len(restored), dtype=bool)
    new_changed[ni[same]] = False
    boxes = [geometry_boxes(np.asarray(g.values, dtype=object)[m])
             for g, m in ((cur_geoms, cur_changed), (new_geoms, new_changed)) if g is not None]
    return np.concatenate(boxes) if boxes else _NO_BOXES


def change_rows(batch_id: int, layer: str, boxes: np.ndarray | None):
    """The rows of the changes table for one batch: one per box, or one row with no box
    (``boxes`` None) for a whole replacement."""
    if boxes is None:
        return [(int(batch_id), layer, None, None, None, None)]
    return [(int(batch_id), layer, *map(float, box)) for box in np.asarray(boxes)]


def changes_answer(rows, batches_after: int, recorded: bool) -> np.ndarray | None:
    """:meth:`Store.layer_changes` from the change rows ``(minx, miny, maxx, maxy)`` of the
    batches after the mark, given how many batches of the layer came after it and whether
    the store has its changes table (a store written before it records nothing: None)."""
    if not batches_after:
        return _NO_BOXES.copy()
    if not recorded:
        return None
    boxes = np.array([tuple(r) for r in rows], dtype="float64").reshape(-1, 4)
    if np.isnan(boxes).any():
        return None
    return boxes

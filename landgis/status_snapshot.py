"""Today's clearance and auction status of every parcel, in one compact answer for the map.

Why one snapshot rather than statuses per visible box
-----------------------------------------------------
The parcel tiles never carry statuses (a status edit must not rebuild a tile); each parcel
feature carries ``k``, its feature id in the store (:data:`landgis.tiles.ORDINAL`), which an
import keeps for every parcel it does not cover. The page colours the tiles from this snapshot: one byte per
parcel and field, an index into the field's codes. 100,000 parcels make 200 kB of bytes, about
270 kB as base64 and a few kB gzip-compressed (statuses repeat), fetched once and then only
revalidated (the ETag is the store's version, which moves with every ledger append). Asking the
server for the statuses of the visible box on every pan cost a request per move and a repaint of
every parcel that came back.

The bytes are a base64 string rather than a binary body so that the answer stays a JSON
document like the rest of the API:

``{"version": tiles data version, "count": n, "fields": {"clearance_status": {"codes": [null,
"chua_kiem_ke", …], "data": base64}, "auction_status": {…}}}``

``codes[0]`` is null (no status recorded); ``data`` decodes to ``count`` bytes (the highest
``k`` plus one), byte ``k`` being the index in ``codes`` of parcel ``k``'s status (0 for a
``k`` no parcel has: feature ids left by removed parcels).
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import json

import numpy as np

from landgis.contract import STATUS_FIELDS
from landgis.tiles.layers import ORDINAL
from landgis.store.base import mask_url


def _codes(values: np.ndarray, vocabulary) -> tuple[list, bytes]:
    """``values`` (codes or None) as one byte each: 0 for none, i + 1 for ``codes[i]``.

    A code outside the vocabulary (an older store) gets its own index after the known ones.
    """
    codes = [None, *vocabulary.codes]
    extra = sorted({v for v in values if v is not None and v not in vocabulary.codes})
    codes += extra
    lookup = {code: i for i, code in enumerate(codes)}
    if len(codes) > 256:
        raise ValueError(f"more than 255 distinct status codes: {len(codes) - 1}")
    data = np.fromiter((lookup[v] for v in values), dtype=np.uint8, count=len(values))
    return codes, data.tobytes()


def build(store, views=None) -> dict:
    """The snapshot of ``store`` today (see the module's docstring)."""
    from landgis.dataview import views_of

    return _build(views_of(views).current(store))


def _build(view) -> dict:
    index = view.layer_index("parcels")
    if index is None:
        return {"version": view.token, "count": 0,
                "fields": {f: {"codes": [None], "data": ""} for f in STATUS_FIELDS}}
    along = view.statuses_along(index)
    ks = np.asarray(index.columns[ORDINAL], dtype=np.int64)
    count = int(ks.max()) + 1 if len(ks) else 0
    fields = {}
    for field, vocabulary in STATUS_FIELDS.items():
        codes, data = _codes(along[field], vocabulary)
        by_k = np.zeros(count, dtype=np.uint8)  # a feature id no parcel has: no status
        by_k[ks] = np.frombuffer(data, dtype=np.uint8)
        fields[field] = {"codes": codes, "data": base64.b64encode(by_k.tobytes()).decode("ascii")}
    return {"version": index.token, "count": count, "fields": fields}


def build_gzip(view) -> tuple[str, bytes]:
    """``(etag, gzip-compressed JSON)`` of the snapshot of a :class:`~landgis.dataview.DataView`
    (kept by the view, :meth:`~landgis.dataview.DataView.snapshot_gzip`)."""
    body = json.dumps(_build(view), separators=(",", ":")).encode()
    etag = hashlib.sha1(json.dumps([mask_url(view.url), view.version], default=str).encode()
                        ).hexdigest()[:20]  # sent to browsers: nothing from the password
    return etag, gzip.compress(body, compresslevel=6)


def snapshot_gzip(store, views=None) -> tuple[str, bytes]:
    """``(etag, gzip-compressed JSON)`` of :func:`build`, kept per store version by
    ``views`` (default: the process's, :func:`landgis.dataview.default_views`)."""
    from landgis.dataview import views_of

    return views_of(views).current(store).snapshot_gzip()

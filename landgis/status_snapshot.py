"""Today's clearance and auction status of every parcel, in one compact answer for the map.

Why one snapshot rather than statuses per visible box
-----------------------------------------------------
The parcel tiles never carry statuses (a status edit must not rebuild a tile); each parcel
feature carries ``k``, its position in the parcels layer of the tiles' data version
(:data:`landgis.tiles.ORDINAL`). The page colours the tiles from this snapshot: one byte per
parcel and field, an index into the field's codes. 100,000 parcels make 200 kB of bytes, about
270 kB as base64 and a few kB gzip-compressed (statuses repeat), fetched once and then only
revalidated (the ETag is the store's version, which moves with every ledger append). Asking the
server for the statuses of the visible box on every pan cost a request per move and a repaint of
every parcel that came back.

The bytes are a base64 string rather than a binary body so that the answer stays a JSON
document like the rest of the API:

``{"version": tiles data version, "count": n, "fields": {"clearance_status": {"codes": [null,
"chua_kiem_ke", …], "data": base64}, "auction_status": {…}}}``

``codes[0]`` is null (no status recorded); ``data`` decodes to ``count`` bytes, byte ``k``
being the index in ``codes`` of parcel ``k``'s status.
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import json
import threading
from collections import OrderedDict

import numpy as np

from landgis import service, tiles
from landgis.contract import STATUS_FIELDS
from landgis.store.base import mask_url

_lock = threading.Lock()
_cache: OrderedDict = OrderedDict()
_CACHE_SIZE = 4


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


def build(store) -> dict:
    """The snapshot of ``store`` today (see the module's docstring)."""
    index = tiles.layer_index(store, "parcels")
    version = tiles.data_version(store)
    if index is None:
        return {"version": version, "count": 0,
                "fields": {f: {"codes": [None], "data": ""} for f in STATUS_FIELDS}}
    along = service.statuses_along(service.cached_land_fund(store), index)
    fields = {}
    for field, vocabulary in STATUS_FIELDS.items():
        codes, data = _codes(along[field], vocabulary)
        fields[field] = {"codes": codes, "data": base64.b64encode(data).decode("ascii")}
    return {"version": index.token, "count": len(index), "fields": fields}


def snapshot_gzip(store) -> tuple[str, bytes]:
    """``(etag, gzip-compressed JSON)`` of :func:`build`, kept per store version."""
    key = (store.url, store.version())
    with _lock:
        found = _cache.get(key)
        if found is not None:
            _cache.move_to_end(key)
            return found
    body = json.dumps(build(store), separators=(",", ":")).encode()
    etag = hashlib.sha1(json.dumps([mask_url(store.url), key[1]], default=str).encode()
                        ).hexdigest()[:20]  # sent to browsers: nothing from the password
    found = (etag, gzip.compress(body, compresslevel=6))
    with _lock:
        _cache[key] = found
        while len(_cache) > _CACHE_SIZE:
            _cache.popitem(last=False)
    return found

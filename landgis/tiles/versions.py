"""The tiles' data version: a token that moves when a tiled layer is written, not when the
status ledger grows (a status edit neither rebuilds nor invalidates a single tile).

It is built from the store's :meth:`~landgis.store.base.Store.layer_version` of each tiled
layer (a GeoPackage stamps a layer in ``gpkg_contents`` when GDAL writes it, PostGIS keeps a
counter per layer); should a store fail to answer, from its
:meth:`~landgis.store.base.Store.version`, which also moves on every ledger append.
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections import OrderedDict

from landgis.store.base import mask_url
from landgis.tiles.layers import LAYERS, TILE_FORMAT

_token_lock = threading.Lock()
_tokens: OrderedDict = OrderedDict()
_TOKENS_KEPT = 64


class DataChanged(RuntimeError):
    """The store changed while a layer was being read; try again."""


def _layer_stamps(store) -> list | None:
    """What identifies the content of the tiled layers, or None if the store cannot say."""
    try:
        return [[name, store.layer_version(name)] for name in LAYERS]
    except Exception:  # noqa: BLE001 - the store's own version still answers
        return None


def data_version(store) -> str:
    """A token that changes whenever a tiled layer changes (not when the ledger grows).

    Remembered per :meth:`Store.version`, so asking costs one ``stat`` once it is known.
    """
    key = (store.url, store.version())
    with _token_lock:
        if key in _tokens:
            _tokens.move_to_end(key)
            return _tokens[key]
    stamps = _layer_stamps(store)
    # the token is sent to browsers: nothing in it may come from the password
    basis = json.dumps([mask_url(store.url), TILE_FORMAT,
                        stamps if stamps is not None else key[1]],
                       default=str)
    token = hashlib.sha1(basis.encode()).hexdigest()[:20]
    with _token_lock:
        _tokens[key] = token
        while len(_tokens) > _TOKENS_KEPT:
            _tokens.popitem(last=False)
    return token

"""One in-memory cache bounded by bytes, least recently used first out, with single-flight
builds: what several threads ask for at once is built once, the others wait for it.

Sizes are estimates (:func:`estimate_bytes`): what pandas and numpy say their buffers take
(``memory_usage(deep=False)``, ``nbytes``), the length of bytes, and for geometries 16 bytes
a coordinate; an object may say its own size with an ``nbytes`` attribute.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Any, Callable

import numpy as np
import pandas as pd

#: What each entry costs besides its value (the key, the bookkeeping).
ENTRY_OVERHEAD = 64


def estimate_bytes(value: Any, _depth: int = 0) -> int:
    """About how many bytes ``value`` holds in memory (see the module's docstring)."""
    if value is None or _depth > 4:
        return 0
    if isinstance(value, (bytes, bytearray, memoryview)):
        return len(value)
    if isinstance(value, str):
        return len(value)
    if isinstance(value, pd.DataFrame):
        total = int(value.memory_usage(index=True, deep=False).sum())
        return total + sum(_geometry_bytes(value[c].to_numpy()) for c in value.columns
                           if getattr(value[c], "dtype", None) == "geometry")
    if isinstance(value, pd.Series):
        return int(value.memory_usage(index=True, deep=False))
    if isinstance(value, np.ndarray):
        return int(value.nbytes) + (_geometry_bytes(value) if value.dtype == object else 0)
    nbytes = getattr(value, "nbytes", None)
    if isinstance(nbytes, (int, np.integer)):
        return int(nbytes)
    if isinstance(value, dict):
        return sum(estimate_bytes(v, _depth + 1) for v in value.values())
    if isinstance(value, (list, tuple, set, frozenset)):
        return sum(estimate_bytes(v, _depth + 1) for v in value)
    if hasattr(value, "__dict__"):
        return sum(estimate_bytes(v, _depth + 1) for v in vars(value).values())
    return 0


def _geometry_bytes(values) -> int:
    """16 bytes a coordinate for the shapely geometries among ``values`` (0 for other ones)."""
    import shapely

    values = np.asarray(values, dtype=object)
    if not len(values) or not isinstance(values[0], shapely.Geometry):
        return 0
    try:
        return int(shapely.get_num_coordinates(values).sum()) * 16
    except (TypeError, ValueError):
        return 0


_MISSING = object()


class ByteCache:
    """Values by key, at most ``max_bytes`` in all (estimated); thread-safe.

    A value larger than the whole budget is returned to its caller and not kept.
    """

    def __init__(self, max_bytes: int):
        self.max_bytes = int(max_bytes)
        self._items: OrderedDict = OrderedDict()  # key -> (value, nbytes)
        self._bytes = 0
        self._lock = threading.Lock()
        self._building: dict = {}  # key -> the lock its one builder holds

    def get(self, key, default=None):
        with self._lock:
            found = self._items.get(key, _MISSING)
            if found is _MISSING:
                return default
            self._items.move_to_end(key)
            return found[0]

    def put(self, key, value, nbytes: int | None = None) -> None:
        size = (estimate_bytes(value) if nbytes is None else int(nbytes)) + ENTRY_OVERHEAD
        with self._lock:
            old = self._items.pop(key, None)
            if old is not None:
                self._bytes -= old[1]
            if size > self.max_bytes:
                return
            self._items[key] = (value, size)
            self._bytes += size
            while self._bytes > self.max_bytes:
                _, (_, dropped) = self._items.popitem(last=False)
                self._bytes -= dropped

    def get_or_build(self, key, build: Callable[[], Any], *,
                     keep: Callable[[Any], bool] | None = None,
                     nbytes: Callable[[Any], int] | None = None):
        """The value of ``key``, built by ``build()`` once however many threads ask at once;
        kept unless ``keep(value)`` says no (the data moved while it was built). An exception
        of ``build`` reaches every waiting caller's own build attempt, nothing is kept."""
        while True:
            with self._lock:
                found = self._items.get(key, _MISSING)
                if found is not _MISSING:
                    self._items.move_to_end(key)
                    return found[0]
                building = self._building.get(key)
                if building is None:
                    mine = self._building[key] = threading.Lock()
                    mine.acquire()
                    break
            with building:  # wait for the builder, then look again
                pass
        try:
            value = build()
            if keep is None or keep(value):
                self.put(key, value, None if nbytes is None else nbytes(value))
            return value
        finally:
            with self._lock:
                self._building.pop(key, None)
            mine.release()

    @property
    def nbytes(self) -> int:
        with self._lock:
            return self._bytes

    def __len__(self) -> int:
        with self._lock:
            return len(self._items)

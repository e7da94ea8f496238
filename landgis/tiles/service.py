"""Answering tiles: :class:`TileService` serves each tile from the pyramid of the data
version when it is built, and otherwise:

- after a data change, when the previous version's pyramid is installed and the store says
  which rows changed (:meth:`~landgis.store.base.Store.layer_changes`), an untouched tile from
  the previous pyramid at once (it is the same bytes), a touched one encoded on request from
  the store's rows in its region (a ``bbox`` read: no whole layer to reload);
- with no pyramid at all, encoded on request from the layer's in-memory index (built at warm
  start anyway: the status snapshot and box queries use it), which is the fastest per tile.

Meanwhile the pyramid of the new version is built once, in a child process by default
(``python -m landgis.tiles.build``, :mod:`landgis.tiles.build`): from the previous one when it
can be (only the touched tiles encoded again), else whole. The child runs at low priority,
guarded in-process (one build per version) and across processes (a file lock per version,
:func:`~landgis.tiles.pyramid.install_pyramid`). A failed build is logged and not retried for
that version; a busy one (another process) or one overtaken by a data change is tried again
after ``retry_s``.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import os
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

from landgis.config import TILES_BUILD_MODES, TILES_SOURCES
from landgis.tiles.blocks import compress, pad, read_region
from landgis.tiles.encode import encode_tile
from landgis.tiles.grid import tile_bounds
from landgis.tiles.layers import LAYERS, check_tile
from landgis.tiles.pyramid import (
    PYRAMID_MAX_ZOOM,
    Pyramid,
    PyramidBusy,
    install_pyramid,
    installed_pyramid,
    layer_change,
)
from landgis.tiles.versions import data_version

log = logging.getLogger(__name__)

#: The child's module (``python -m``) and its exit codes besides 0 (built) and 1 (failed).
BUILD_MODULE = "landgis.tiles.build"
EXIT_BUSY, EXIT_CHANGED = 3, 4
#: Where the child starts, so that ``-m`` imports this very ``landgis`` (the folder holding it).
_PROJECT_DIR = str(Path(__file__).resolve().parents[2])


@dataclasses.dataclass(frozen=True)
class Tile:
    """An answer: ``data`` is gzip-compressed MVT, or None for an empty tile."""

    data: bytes | None
    version: str
    source: str  # "minzoom" | "pyramid" | "previous" | "memory" | "encoded" | "database"


def _is_postgis(store) -> bool:
    from landgis.store.postgis import PostGISStore

    return isinstance(store, PostGISStore)


class _Since:
    """What changed in the tiled layers since a previous pyramid: per layer None (nothing:
    every tile from it), a set of tiles per zoom (those tiles changed, the others from it) or
    "all" (unknown: every tile encoded on request)."""

    def __init__(self, store, previous: Pyramid, max_zoom: int):
        self.previous = previous
        self.layers: dict = {}
        for name, spec in LAYERS.items():
            how, tiles = layer_change(store, spec, previous.manifest["layers"].get(name),
                                      max_zoom)
            self.layers[name] = {"kept": None, "updated": tiles}.get(how, "all")

    def touched(self, layer: str, z: int, x: int, y: int) -> bool:
        changes = self.layers.get(layer, "all")
        if changes is None:
            return False
        return changes == "all" or (x, y) in changes.get(z, ())

    def known(self, layer: str) -> bool:
        return self.layers.get(layer, "all") != "all"


#: How a missing pyramid is built: in a child process (the default), in the calling thread
#: (tests, scripts), or not at all (every tile encoded on request); the settings' choices.
BUILD_MODES = TILES_BUILD_MODES
#: Who encodes a tile not in the pyramid (see :class:`TileService`); the settings' choices.
SOURCES = TILES_SOURCES


class TileService:
    """Answers tiles for stores, from the pyramid under ``tiles_dir`` when it is built.

    One per web app (thread-safe). ``build`` is one of :data:`BUILD_MODES`. The layers'
    indexes and the tiles encoded on request are kept by ``views`` (the web app's
    :class:`~landgis.dataview.DataViews`; by default the process's), in its one cache.
    """

    def __init__(self, tiles_dir, *, build: str = "process", max_zoom: int = PYRAMID_MAX_ZOOM,
                 views=None, retry_s: float = 15.0, source: str = "landgis"):
        from landgis.dataview import views_of

        if build not in BUILD_MODES:
            raise ValueError(f"build must be one of {', '.join(BUILD_MODES)}, not {build!r}")
        if source not in SOURCES:
            raise ValueError(f"source must be one of {', '.join(SOURCES)}, not {source!r}")
        self.tiles_dir = Path(tiles_dir)
        self.build = build
        self.source = source
        self.max_zoom = max_zoom
        self.retry_s = retry_s
        self.views = views_of(views)
        self._lock = threading.Lock()
        self._pyramids: dict[str, Pyramid] = {}
        self._building: dict[str, threading.Thread] = {}
        self._failed: dict[str, str] = {}
        self._retry_at: dict[str, float] = {}
        self._since: dict[str, _Since | None] = {}

    # ----------------------------------------------------------------- public

    def version(self, store, layer: str, z: int, x: int, y: int) -> str:
        """Check the address and return the data version of the tile (for the ETag)."""
        check_tile(layer, z, x, y)
        return data_version(store)

    def tile(self, store, layer: str, z: int, x: int, y: int) -> Tile:
        """Tile ``layer/z/x/y`` of ``store``; raises UnknownLayer or TileError."""
        spec = check_tile(layer, z, x, y)
        token = data_version(store)
        if z < spec.minzoom:
            return Tile(None, token, "minzoom")
        pyramid = self.pyramid(store, token)
        if pyramid is not None and z <= pyramid.max_zoom:
            if layer not in pyramid.manifest["layers"]:
                return Tile(None, token, "pyramid")
            try:
                return Tile(pyramid.get(layer, z, x, y), token, "pyramid")
            except sqlite3.Error:  # removed or damaged under us: encode, and look again later
                log.exception("tile pyramid %s unreadable", pyramid.directory)
                with self._lock:
                    self._pyramids.pop(token, None)
        since = self.since(store, token) if z <= self.max_zoom else None
        if since is not None and not since.touched(layer, z, x, y):
            try:
                return Tile(since.previous.get(layer, z, x, y), token, "previous")
            except (sqlite3.Error, KeyError):  # removed under us: encode it
                log.warning("previous tile pyramid %s unreadable", since.previous.directory)
        cache = self.views.cache
        cached = cache.get(("tile", store.url, token, layer, z, x, y))
        if cached is not None:
            return Tile(cached or None, token, "memory")
        if self.source == "postgis" and _is_postgis(store):
            # the database encodes it (landgis.tiles.pg_tiles): every app server asks the
            # same source
            from landgis.tiles.pg_tiles import pg_tile

            data = compress(pg_tile(store, layer, z, x, y)) or b""
            if data_version(store) == token:
                cache.put(("tile", store.url, token, layer, z, x, y), data)
            return Tile(data or None, token, "database")
        index = cache.get((store.url, token, "layer_index", layer))
        if (index is None and since is not None and since.known(layer)
                and not self._patchable(store, layer, token)):
            # a touched tile right after an import, with no index of the version before to
            # patch: the rows of its region, not the whole layer
            minx, miny, maxx, maxy = tile_bounds(z, x, y)
            p = pad(z)
            index = read_region(store, spec,
                                (minx - p, miny - p, maxx + p, maxy + p), token)
            if data_version(store) != token:  # changed while reading: not this version's
                index = None
        if index is None:
            index = self.views.current(store).layer_index(layer)
        data = compress(encode_tile(index, z, x, y)) or b""
        version = index.token if index is not None and index.token else token
        cache.put(("tile", store.url, version, layer, z, x, y), data)
        return Tile(data or None, version, "encoded")

    def _patchable(self, store, layer: str, token: str) -> bool:
        """Whether the layer's index of this version can be made from the one before (the
        rows of the changes' region read again: :func:`~landgis.tiles.index.build_index`)."""
        before = self.views.latest_index.get((store.url, layer))
        return (before not in (None, token) and LAYERS[layer].ordinal
                and self.views.cache.get((store.url, before, "layer_index", layer)) is not None)

    def since(self, store, token: str) -> _Since | None:
        """What changed since the newest installed pyramid of the store (None: there is none,
        or it cannot say), for a data version whose own pyramid is not built yet."""
        with self._lock:
            if token in self._since:
                return self._since[token]
        previous = None
        for pyramid in list(self._pyramids.values()):
            if pyramid.manifest.get("token") != token:
                previous = pyramid
        if previous is None:
            directory = installed_pyramid(store, self.tiles_dir, max_zoom=self.max_zoom,
                                          other_than=token)
            if directory is not None:
                try:
                    previous = Pyramid(directory)
                except (OSError, ValueError):
                    previous = None
        found = None
        if previous is not None:
            found = _Since(store, previous, self.max_zoom)
            if data_version(store) != token:
                return found  # not kept: it describes a version already gone
        with self._lock:
            self._since = {token: found}
        return found

    def pyramid(self, store, token: str | None = None) -> Pyramid | None:
        """The built pyramid of the store's data version; starts building it when missing."""
        token = token or data_version(store)
        found = self._pyramids.get(token)
        if found is not None:
            return found
        directory = self.tiles_dir / token
        if (directory / "manifest.json").exists():
            return self._remember(token, directory)
        if self.build == "off":
            return None
        if self.build == "inline":
            with self._lock:
                if token in self._failed:
                    return None
            try:
                return self._remember(token, install_pyramid(store, self.tiles_dir,
                                                             max_zoom=self.max_zoom))
            except PyramidBusy:
                return None
            except Exception as exc:  # keep answering tiles on the fly
                log.exception("tile pyramid %s not built", token)
                with self._lock:
                    self._failed[token] = str(exc)
                return None
        self._start_build(store.url, token)
        return None

    def wait(self, timeout: float = 120.0) -> bool:
        """Wait for running builds (tests, scripts); True when none is left running."""
        deadline = time.monotonic() + timeout
        while True:
            with self._lock:
                threads = list(self._building.values())
            if not threads:
                return True
            for t in threads:
                t.join(max(0.0, deadline - time.monotonic()))
            if time.monotonic() >= deadline:
                with self._lock:
                    return not self._building

    def failures(self) -> dict[str, str]:
        with self._lock:
            return dict(self._failed)

    # ----------------------------------------------------------------- internals

    def _remember(self, token: str, directory: Path) -> Pyramid:
        pyramid = Pyramid(directory)
        with self._lock:
            self._pyramids = {token: pyramid}  # older versions are of no more use
            self._since.pop(token, None)
        return pyramid

    def _start_build(self, url: str, token: str) -> None:
        with self._lock:
            if (token in self._building or token in self._failed
                    or time.monotonic() < self._retry_at.get(token, 0.0)):
                return
            thread = threading.Thread(target=self._run_build, args=(url, token),
                                      name=f"tile-pyramid-{token}", daemon=True)
            self._building[token] = thread
        thread.start()

    def _run_build(self, url: str, token: str) -> None:
        try:
            # the store URL goes through stdin: a command line is visible to every user. The
            # child starts in the project folder (so that -m imports this landgis, not another
            # one installed) and then moves to ours (relative store and tile paths hold).
            job = json.dumps({"url": url, "tiles_dir": str(self.tiles_dir),
                              "max_zoom": self.max_zoom, "cwd": os.getcwd()})
            t0 = time.perf_counter()
            proc = subprocess.run([sys.executable, "-m", BUILD_MODULE], input=job,
                                  cwd=_PROJECT_DIR, capture_output=True, text=True,
                                  timeout=3600)
            took = time.perf_counter() - t0
            if proc.returncode == 0:
                log.info("tile pyramid built in %.1f s: %s", took, proc.stdout.strip())
            elif proc.returncode in (EXIT_BUSY, EXIT_CHANGED):
                with self._lock:
                    self._retry_at[token] = time.monotonic() + self.retry_s
            else:
                message = (proc.stderr or proc.stdout).strip()[-2000:]
                log.error("tile pyramid %s not built (exit %s): %s", token, proc.returncode,
                          message)
                with self._lock:
                    self._failed[token] = message
        except Exception as exc:  # pragma: no cover - subprocess machinery failing
            log.exception("tile pyramid %s not built", token)
            with self._lock:
                self._failed[token] = str(exc)
        finally:
            with self._lock:
                self._building.pop(token, None)

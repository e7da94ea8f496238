"""Answering tiles: :class:`TileService` serves each tile from the pyramid when it is built,
encodes it on request meanwhile, and has the pyramid built once per data version, in a child
process by default (``python -m landgis.tiles.build``, :mod:`landgis.tiles.build`).

pyogrio holds the GIL for the whole pyramid write (measured: a 35 s stall of every other
thread), so the web server never writes a pyramid in its own process: the child runs at low
priority, guarded in-process (one build per version) and across processes (a file lock per
version, :func:`~landgis.tiles.pyramid.install_pyramid`). A failed build is logged and not
retried for that version; a busy one (another process) or one overtaken by a data change is
tried again after ``retry_s``.
"""

from __future__ import annotations

import dataclasses
import gzip
import json
import logging
import os
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

from landgis.tiles.encode import encode_tile
from landgis.tiles.layers import check_tile
from landgis.tiles.pyramid import PYRAMID_MAX_ZOOM, Pyramid, PyramidBusy, install_pyramid
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
    source: str  # "minzoom" | "pyramid" | "memory" | "encoded"


#: How a missing pyramid is built: in a child process (the default), in the calling thread
#: (tests, scripts), or not at all (every tile encoded on request).
BUILD_MODES = ("process", "inline", "off")


class TileService:
    """Answers tiles for stores, from the pyramid under ``tiles_dir`` when it is built.

    One per web app (thread-safe). ``build`` is one of :data:`BUILD_MODES`. The layers'
    indexes and the tiles encoded on request are kept by ``views`` (the web app's
    :class:`~landgis.dataview.DataViews`; by default the process's), in its one cache.
    """

    def __init__(self, tiles_dir, *, build: str = "process", max_zoom: int = PYRAMID_MAX_ZOOM,
                 views=None, retry_s: float = 15.0):
        from landgis.dataview import views_of

        if build not in BUILD_MODES:
            raise ValueError(f"build must be one of {', '.join(BUILD_MODES)}, not {build!r}")
        self.tiles_dir = Path(tiles_dir)
        self.build = build
        self.max_zoom = max_zoom
        self.retry_s = retry_s
        self.views = views_of(views)
        self._lock = threading.Lock()
        self._pyramids: dict[str, Pyramid] = {}
        self._building: dict[str, threading.Thread] = {}
        self._failed: dict[str, str] = {}
        self._retry_at: dict[str, float] = {}

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
        cache = self.views.cache
        cached = cache.get(("tile", store.url, token, layer, z, x, y))
        if cached is not None:
            return Tile(cached or None, token, "memory")
        index = self.views.current(store).layer_index(layer)
        raw = encode_tile(index, z, x, y)
        data = gzip.compress(raw, compresslevel=6) if raw else b""
        version = index.token if index is not None else token
        cache.put(("tile", store.url, version, layer, z, x, y), data)
        return Tile(data or None, version, "encoded")

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

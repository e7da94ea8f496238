"""The tile pyramid: GDAL's MVT writer (the MBTiles driver, through pyogrio) writes one MBTiles
file per tiled layer and data version, installed atomically under ``<instance>/tiles/<version>/``
and read back one indexed SQLite lookup per tile.

GDAL is told never to thin a tile: ``MAX_SIZE`` and ``MAX_FEATURES`` are far above the densest
tile (its defaults, 500 kB and 200,000, would silently degrade the densest z13 parcel tile, about
380 kB), and ``SIMPLIFICATION`` is 0, so a parcel is only quantised to the tile's 4096 grid.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import shutil
import sqlite3
import threading
import time
from pathlib import Path

from landgis.store.base import mask_url
from landgis.tiles.grid import BUFFER, EXTENT
from landgis.tiles.index import read_tile_layer
from landgis.tiles.layers import LAYERS, TILE_FORMAT, TileLayer
from landgis.tiles.versions import DataChanged, data_version

#: Highest zoom of the pre-built pyramid; tiles above it are encoded on request.
PYRAMID_MAX_ZOOM = 16


def _gdal_options(spec: TileLayer, max_zoom: int) -> tuple[dict, dict]:
    dataset = {
        "NAME": spec.name,
        "MINZOOM": spec.minzoom,
        "MAXZOOM": max_zoom,
        "EXTENT": EXTENT,
        "BUFFER": BUFFER,
        # never thin a tile: GDAL's defaults (500 kB, 200,000 features) would lower the
        # precision of, or drop features from, the densest parcel tiles without a word
        "MAX_SIZE": 1_000_000_000,
        "MAX_FEATURES": 100_000_000,
        "SIMPLIFICATION": 0,
        "SIMPLIFICATION_MAX_ZOOM": 0,
        "COMPRESS": "YES",
    }
    layer = {"MINZOOM": spec.minzoom, "MAXZOOM": max_zoom}
    return dataset, layer


def build_pyramid(store, directory, *, max_zoom: int = PYRAMID_MAX_ZOOM,
                  token: str | None = None) -> dict:
    """Write one MBTiles file per tiled layer of ``store`` and ``manifest.json`` into
    ``directory`` (created); return the manifest.

    Raises :class:`DataChanged` when the store changes while it is being read (the token
    taken before reading, or ``token``, no longer holds afterwards).
    """
    import pyogrio

    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    token = token or data_version(store)
    started = time.perf_counter()
    layers = {}
    for spec in LAYERS.values():
        t0 = time.perf_counter()
        gdf = read_tile_layer(store, spec)
        entry = {"file": None, "minzoom": spec.minzoom, "maxzoom": max_zoom, "features": 0}
        if gdf is not None and len(gdf):
            path = directory / f"{spec.name}.mbtiles"
            path.unlink(missing_ok=True)
            dataset, layer = _gdal_options(spec, max_zoom)
            pyogrio.write_dataframe(gdf, path, driver="MBTiles", layer=spec.name,
                                    dataset_options=dataset, layer_options=layer)
            entry.update(file=path.name, features=int(len(gdf)))
        entry["seconds"] = round(time.perf_counter() - t0, 2)
        layers[spec.name] = entry
    if data_version(store) != token:
        raise DataChanged("the store changed while the tile pyramid was being built")
    manifest = {"token": token, "format": TILE_FORMAT, "store": _url_digest(store.url),
                "max_zoom": max_zoom, "layers": layers,
                "seconds": round(time.perf_counter() - started, 2),
                "built_at": time.strftime("%Y-%m-%dT%H:%M:%S%z")}
    (directory / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=1))
    return manifest


def _url_digest(url: str) -> str:
    """Names a store in files without writing its URL (which may hold a password)."""
    return hashlib.sha1(mask_url(url).encode()).hexdigest()[:16]


class PyramidBusy(RuntimeError):
    """Another process is building the same pyramid."""


def install_pyramid(store, tiles_dir, *, max_zoom: int = PYRAMID_MAX_ZOOM) -> Path:
    """Build the pyramid of the store's current data version under ``tiles_dir`` atomically.

    Returns ``tiles_dir/<version>`` (at once if it is already there). Only one process builds a
    version at a time (a file lock; :class:`PyramidBusy` for the others); the build goes to a
    hidden temporary folder renamed into place when complete; older versions are then removed.
    """
    tiles_dir = Path(tiles_dir)
    tiles_dir.mkdir(parents=True, exist_ok=True)
    token = data_version(store)
    final = tiles_dir / token
    if (final / "manifest.json").exists():
        return final
    with open(tiles_dir / f".lock-{token}", "a+") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise PyramidBusy(f"the tile pyramid {token} is being built by another process")
        try:
            if (final / "manifest.json").exists():
                return final
            tmp = tiles_dir / f".build-{token}-{os.getpid()}"
            shutil.rmtree(tmp, ignore_errors=True)
            try:
                build_pyramid(store, tmp, max_zoom=max_zoom, token=token)
                shutil.rmtree(final, ignore_errors=True)  # an incomplete leftover, if any
                os.rename(tmp, final)
            finally:
                shutil.rmtree(tmp, ignore_errors=True)
            _remove_other_versions(tiles_dir, keep=token, store_url=store.url)
            return final
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _remove_other_versions(tiles_dir: Path, keep: str, store_url: str,
                           stale_s: float = 6 * 3600) -> None:
    """Remove the store's pyramids of other versions, and leftovers older than ``stale_s``."""
    now = time.time()
    for entry in tiles_dir.iterdir():
        name = entry.name
        if name == keep or name == f".lock-{keep}":
            continue
        try:
            if name.startswith("."):
                if now - entry.stat().st_mtime > stale_s:
                    shutil.rmtree(entry) if entry.is_dir() else entry.unlink()
            elif entry.is_dir() and (entry / "manifest.json").exists():
                manifest = json.loads((entry / "manifest.json").read_text())
                if manifest.get("store") == _url_digest(store_url):
                    shutil.rmtree(entry, ignore_errors=True)
        except (OSError, ValueError):
            pass


class Pyramid:
    """A built pyramid: its manifest and read-only SQLite connections, one per thread."""

    def __init__(self, directory: Path):
        self.directory = Path(directory)
        self.manifest = json.loads((self.directory / "manifest.json").read_text())
        self.max_zoom = int(self.manifest["max_zoom"])
        self._local = threading.local()

    def _connection(self, name: str) -> sqlite3.Connection:
        conns = getattr(self._local, "conns", None)
        if conns is None:
            conns = self._local.conns = {}
        con = conns.get(name)
        if con is None:
            uri = f"{(self.directory / name).resolve().as_uri()}?mode=ro&immutable=1"
            con = sqlite3.connect(uri, uri=True, check_same_thread=False)
            conns[name] = con
        return con

    def get(self, layer: str, z: int, x: int, y: int) -> bytes | None:
        """The stored tile (gzip-compressed MVT), or None for an empty one."""
        entry = self.manifest["layers"][layer]
        if entry["file"] is None or z < entry["minzoom"]:
            return None
        row = self._connection(entry["file"]).execute(
            "SELECT tile_data FROM tiles WHERE zoom_level = ? AND tile_column = ? "
            "AND tile_row = ?", (z, x, (1 << z) - 1 - y)).fetchone()  # MBTiles rows are TMS
        return bytes(row[0]) if row and row[0] else None

"""The tile pyramid: one MBTiles file per tiled layer and data version, written by our own
encoder (:mod:`landgis.tiles.blocks`, :mod:`landgis.tiles.mbtiles`), installed atomically under
``<instance>/tiles/<version>/`` and read back one indexed SQLite lookup per tile.

A new version is built from the previous one when the store can say what changed
(:func:`update_pyramid`): an unchanged layer's file is carried over as it is (a hard link), a
changed layer's file is copied and only the tiles the changed rows' boxes meet, at every zoom,
are encoded again; a layer whose changes are unknown is built whole. Every tile comes out of the
same encoder from the same rows, so an updated pyramid is byte for byte a full build's.
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
from landgis.tiles.blocks import encode_tiles, tiles_meeting, to_mercator_boxes
from landgis.tiles.layers import LAYERS, TILE_FORMAT, TileLayer
from landgis.tiles.mbtiles import TileWriter
from landgis.tiles.versions import DataChanged, data_version

#: Highest zoom of the pre-built pyramid; tiles above it are encoded on request.
PYRAMID_MAX_ZOOM = 16


def batch_mark(store) -> int | None:
    """The store's highest batch id (None when the store cannot say)."""
    mark = getattr(store, "batch_mark", None)
    try:
        return None if mark is None else int(mark())
    except Exception:  # noqa: BLE001 - then every changed layer is built whole
        return None


def layer_changes(store, name: str, after: int | None):
    """EPSG:9216 boxes (n, 4) of the rows batches after ``after`` touched; None: unknown."""
    changes = getattr(store, "layer_changes", None)
    if changes is None or after is None:
        return None
    try:
        return changes(name, after)
    except Exception:  # noqa: BLE001 - unknown: the layer is built whole
        return None


def _stamp(store, spec: TileLayer) -> str | None:
    try:
        return store.layer_version(spec.name)
    except Exception:  # noqa: BLE001
        return None


def layer_change(store, spec: TileLayer, before: dict | None, max_zoom: int):
    """How a layer's tiles changed since a pyramid whose manifest entry for it is ``before``:
    ``("kept", None)`` (the same layer version: every tile as it was), ``("updated", tiles)``
    (the tiles, ``{zoom: {(x, y)}}`` from the layer's first zoom to ``max_zoom``, that the boxes
    of the rows the batches since touched meet) or ``("built", None)`` (unknown: every tile
    anew). One answer for the pyramid's update and the service's answers meanwhile."""
    stamp = _stamp(store, spec)
    if before is None or stamp is None or before.get("layer_version") is None:
        return "built", None
    if before["layer_version"] == stamp:
        return "kept", None
    boxes = layer_changes(store, spec.name, before.get("batch_mark")) if before.get("file") \
        else None
    if boxes is None or not len(boxes):  # changed with no batch recorded: whole
        return "built", None
    merc = to_mercator_boxes(boxes)
    return "updated", {z: tiles_meeting(merc, z) for z in range(spec.minzoom, max_zoom + 1)}


def _build_layer(store, spec: TileLayer, directory: Path, max_zoom: int, token: str) -> dict:
    """Every tile of one layer, into a new file."""
    if spec.name not in store.layers():
        return {"file": None, "features": 0, "tiles": 0}
    path = directory / f"{spec.name}.mbtiles"
    fields: dict = {}
    writer = TileWriter(path, spec, max_zoom, fields)

    def put(z, x, y, data):
        if data is not None:
            writer.put(z, x, y, data)

    features = encode_tiles(store, spec, None, put, max_zoom=max_zoom, token=token,
                            fields=fields)
    writer.fields = {c: fields.get(c, "String") for c in spec.tile_columns}
    count = writer.close()
    if not count:
        path.unlink()
        return {"file": None, "features": features, "tiles": 0}
    return {"file": path.name, "features": features, "tiles": count}


def _update_layer(store, spec: TileLayer, old: Path, directory: Path, wanted: dict,
                  max_zoom: int, token: str) -> dict:
    """The previous file of a layer with the tiles ``wanted`` (``{zoom: {(x, y)}}``) encoded
    again."""
    path = directory / f"{spec.name}.mbtiles"
    shutil.copyfile(old, path)
    with sqlite3.connect(path) as con:
        doc = json.loads(dict(con.execute("SELECT name, value FROM metadata")).get("json", "{}"))
    fields = (doc.get("vector_layers") or [{}])[0].get("fields", {})
    writer = TileWriter(path, spec, max_zoom, fields, create=False)
    encode_tiles(store, spec, wanted, writer.put, max_zoom=max_zoom, token=token)
    count = writer.close()
    out = {"file": path.name, "features": None, "tiles": count,
           "updated": sum(len(v) for v in wanted.values())}
    if not count:
        path.unlink()
        out["file"] = None
    return out


def build_pyramid(store, directory, *, max_zoom: int = PYRAMID_MAX_ZOOM,
                  token: str | None = None, previous=None) -> dict:
    """Write one MBTiles file per tiled layer of ``store`` and ``manifest.json`` into
    ``directory`` (created); return the manifest.

    With ``previous`` (the folder of an installed pyramid of the same store), a layer it holds
    is carried over when unchanged and updated tile by tile when the store says which rows
    changed (:func:`update_pyramid`); otherwise built whole. Raises :class:`DataChanged` when
    the store changes while it is being read (the token taken before reading, or ``token``, no
    longer holds afterwards).
    """
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    token = token or data_version(store)
    mark = batch_mark(store)  # before reading: a batch after it is in the next update
    started = time.perf_counter()
    old = _previous_manifest(store, previous, max_zoom)
    layers = {}
    for spec in LAYERS.values():
        t0 = time.perf_counter()
        stamp = _stamp(store, spec)
        before = (old or {}).get("layers", {}).get(spec.name)
        how, wanted = layer_change(store, spec, before, max_zoom)
        if how == "kept":
            entry = dict(before)
            entry.pop("updated", None)
            if before.get("file"):
                try:  # the same bytes: a hard link (the file is never written again)
                    os.link(Path(previous) / before["file"], directory / before["file"])
                except OSError:
                    shutil.copyfile(Path(previous) / before["file"], directory / before["file"])
        elif how == "updated":
            entry = _update_layer(store, spec, Path(previous) / before["file"], directory,
                                  wanted, max_zoom, token)
        else:
            entry = _build_layer(store, spec, directory, max_zoom, token)
        entry.update(minzoom=spec.minzoom, maxzoom=max_zoom, layer_version=stamp,
                     batch_mark=mark, how=how, seconds=round(time.perf_counter() - t0, 2))
        layers[spec.name] = entry
    if data_version(store) != token:
        raise DataChanged("the store changed while the tile pyramid was being built")
    manifest = {"token": token, "format": TILE_FORMAT, "store": _url_digest(store.url),
                "max_zoom": max_zoom, "layers": layers,
                "previous": old["token"] if old else None,
                "seconds": round(time.perf_counter() - started, 2),
                "built_at": time.strftime("%Y-%m-%dT%H:%M:%S%z")}
    (directory / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=1))
    return manifest


def update_pyramid(store, previous, directory, *, max_zoom: int = PYRAMID_MAX_ZOOM,
                   token: str | None = None) -> dict:
    """The pyramid of the store's current data version in ``directory``, from the installed
    one in ``previous``: see :func:`build_pyramid`."""
    return build_pyramid(store, directory, max_zoom=max_zoom, token=token, previous=previous)


def _previous_manifest(store, previous, max_zoom: int) -> dict | None:
    """The manifest of ``previous`` when a new version can start from it."""
    if previous is None:
        return None
    try:
        manifest = json.loads((Path(previous) / "manifest.json").read_text())
    except (OSError, ValueError):
        return None
    if (manifest.get("format") != TILE_FORMAT or manifest.get("max_zoom") != max_zoom
            or manifest.get("store") != _url_digest(store.url)):
        return None
    return manifest


def _url_digest(url: str) -> str:
    """Names a store in files without writing its URL (which may hold a password)."""
    return hashlib.sha1(mask_url(url).encode()).hexdigest()[:16]


class PyramidBusy(RuntimeError):
    """Another process is building the same pyramid."""


def installed_pyramid(store, tiles_dir, *, max_zoom: int = PYRAMID_MAX_ZOOM,
                      other_than: str | None = None) -> Path | None:
    """The newest pyramid of ``store`` installed under ``tiles_dir`` (not ``other_than``) that a
    new version can be updated from, or None."""
    tiles_dir = Path(tiles_dir)
    found = []
    try:
        entries = list(tiles_dir.iterdir())
    except OSError:
        return None
    for entry in entries:
        if entry.name.startswith(".") or entry.name == other_than:
            continue
        if _previous_manifest(store, entry, max_zoom) is not None:
            try:
                found.append(((entry / "manifest.json").stat().st_mtime_ns, entry))
            except OSError:
                pass
    return max(found)[1] if found else None


def install_pyramid(store, tiles_dir, *, max_zoom: int = PYRAMID_MAX_ZOOM) -> Path:
    """Build the pyramid of the store's current data version under ``tiles_dir`` atomically.

    Returns ``tiles_dir/<version>`` (at once if it is already there). It is updated from the
    newest installed version of the same store when there is one (:func:`update_pyramid`).
    Only one process builds a version at a time (a file lock; :class:`PyramidBusy` for the
    others); the build goes to a hidden temporary folder renamed into place when complete;
    older versions are then removed.
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
                previous = installed_pyramid(store, tiles_dir, max_zoom=max_zoom,
                                             other_than=token)
                build_pyramid(store, tmp, max_zoom=max_zoom, token=token, previous=previous)
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

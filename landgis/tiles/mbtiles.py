"""An MBTiles 1.3 file of one vector-tile layer, written with sqlite3 as GDAL's MBTiles driver
writes it (the same tables and metadata), so that GDAL, QGIS and every MBTiles reader open it.

Rows are TMS (``tile_row`` counted from the bottom); a tile is gzip-compressed MVT, an empty tile
has no row. The ``bounds`` and ``center`` are those of the tiles at the deepest zoom, so a file
updated in place and one built afresh from the same data say the same.
"""

from __future__ import annotations

import json
import math
import sqlite3
from pathlib import Path

from landgis.tiles.grid import WORLD_HALF, tile_side_m
from landgis.tiles.layers import TileLayer

_SCHEMA = (
    "CREATE TABLE metadata (name text, value text)",
    "CREATE TABLE tiles (zoom_level integer, tile_column integer, tile_row integer, "
    "tile_data blob, UNIQUE (zoom_level, tile_column, tile_row))",
)


def _lonlat(x: float, y: float) -> tuple[float, float]:
    return (x / WORLD_HALF * 180.0,
            math.degrees(math.atan(math.sinh(y / WORLD_HALF * math.pi))))


class TileWriter:
    """Writes the tiles of one layer into an MBTiles file (new, or a copy being updated)."""

    def __init__(self, path, spec: TileLayer, max_zoom: int, fields: dict[str, str],
                 *, create: bool = True):
        self.path = Path(path)
        self.spec, self.max_zoom, self.fields = spec, max_zoom, fields
        if create:
            self.path.unlink(missing_ok=True)
        self.con = sqlite3.connect(self.path, isolation_level=None)
        self.con.execute("PRAGMA journal_mode = OFF")  # a private file, renamed when done
        self.con.execute("PRAGMA synchronous = OFF")
        self.con.execute("BEGIN")
        if create:
            for statement in _SCHEMA:
                self.con.execute(statement)
        self.written = self.removed = 0

    def put(self, z: int, x: int, y: int, data: bytes | None) -> None:
        """Store tile ``z/x/y`` (XYZ) as ``data`` (gzip MVT), or remove it when None."""
        row = (1 << z) - 1 - y
        if data is None:
            self.removed += self.con.execute(
                "DELETE FROM tiles WHERE zoom_level = ? AND tile_column = ? AND tile_row = ?",
                (z, x, row)).rowcount
        else:
            self.con.execute("INSERT OR REPLACE INTO tiles VALUES (?, ?, ?, ?)",
                             (z, x, row, data))
            self.written += 1

    def count(self) -> int:
        return self.con.execute("SELECT count(*) FROM tiles").fetchone()[0]

    def close(self) -> int:
        """Write the metadata, commit and close; returns the number of tiles."""
        con, z = self.con, self.max_zoom
        ext = con.execute("SELECT min(tile_column), max(tile_column), min(tile_row), "
                          "max(tile_row) FROM tiles WHERE zoom_level = ?", (z,)).fetchone()
        if ext[0] is None:
            bounds = (-180.0, -85.0511, 180.0, 85.0511)
        else:
            side = tile_side_m(z)
            west, south = _lonlat(-WORLD_HALF + ext[0] * side, -WORLD_HALF + ext[2] * side)
            east, north = _lonlat(-WORLD_HALF + (ext[1] + 1) * side,
                                  -WORLD_HALF + (ext[3] + 1) * side)
            bounds = (west, south, east, north)
        spec = self.spec
        doc = {"vector_layers": [{"id": spec.name, "description": "", "minzoom": spec.minzoom,
                                  "maxzoom": z, "fields": self.fields}]}
        meta = {"name": spec.name, "description": "", "version": "2",
                "minzoom": str(spec.minzoom), "maxzoom": str(z),
                "center": "%.7f,%.7f,%d" % ((bounds[0] + bounds[2]) / 2,
                                            (bounds[1] + bounds[3]) / 2, spec.minzoom),
                "bounds": ",".join("%.7f" % v for v in bounds),
                "type": "overlay", "format": "pbf", "scheme": "tms",
                "json": json.dumps(doc, ensure_ascii=False)}
        con.execute("DELETE FROM metadata")
        con.executemany("INSERT INTO metadata VALUES (?, ?)", list(meta.items()))
        tiles = self.count()
        con.execute("COMMIT")
        con.close()
        return tiles

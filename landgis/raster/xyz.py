"""Web-Mercator XYZ tiles of any GeoTIFF.

:func:`read_xyz_tile` renders one 256 x 256 PNG tile of the Web-Mercator XYZ grid (EPSG:3857,
y counted from the north, :mod:`landgis.tiles.grid`) from any GeoTIFF rasterio can read, in any
CRS: one band (a hillshade, a DEM, a scanned map) is drawn grey, three or more (an orthophoto) as
RGB; pixels outside the data are transparent. The source overview nearest the tile's resolution
is read and warped bilinearly with a WarpedVRT. A VN-2000 raster is warped through EPSG:6960,
never PROJ's own choice, so it lines up with the vector layers. Rendered tiles are kept in a
bounded LRU cache keyed by (path, the file's mtime and size, tile size, z, x, y): replacing the
file renews its tiles.
"""

from __future__ import annotations

import math
import os
import threading
import warnings
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyproj
import rasterio
from affine import Affine
from pyproj.crs import BoundCRS, CoordinateOperation
from rasterio.crs import CRS as RioCRS
from rasterio.enums import ColorInterp, Resampling
from rasterio.errors import NotGeoreferencedWarning
from rasterio.io import MemoryFile
from rasterio.vrt import WarpedVRT
from rasterio.warp import transform as transform_points, transform_bounds

from landgis.crs import VN2000_TO_WGS84_EPSG, is_vn2000
from landgis.tiles.grid import WORLD_HALF, TileError, check_xyz, tile_bounds, tiles_covering

#: Highest zoom of a basemap tile (the grid is :mod:`landgis.tiles.grid`, the vector tiles').
MAX_ZOOM = 24
TILE_SIZE = 256
_MERCATOR = RioCRS.from_epsg(3857)


@dataclass(frozen=True)
class _RasterInfo:
    """What a tile needs to know of a raster, read once per (path, mtime)."""
    crs: RioCRS                       # the CRS to warp from (VN-2000 bound to EPSG:6960)
    bounds_3857: tuple[float, float, float, float]
    resolution: float                 # the coarser of the source pixel sides, source units
    overviews: tuple[int, ...]        # decimation factors of band 1's overviews
    bands: tuple[int, ...]            # the bands drawn: (grey,) or (r, g, b)
    alpha: int | None                 # the source's alpha band, if any
    nodata: float | None
    stretch: tuple[float, float] | None  # value range mapped to 0..255 (non-byte data)


def _warp_crs(crs: RioCRS) -> RioCRS:
    """The source CRS, bound to WGS 84 by EPSG:6960 when it is on the VN-2000 datum."""
    source = pyproj.CRS.from_wkt(crs.to_wkt())
    if not is_vn2000(source):
        return crs
    bound = BoundCRS(source_crs=source, target_crs=pyproj.CRS.from_epsg(4326),
                     transformation=CoordinateOperation.from_epsg(VN2000_TO_WGS84_EPSG))
    return RioCRS.from_wkt(bound.to_wkt())


def _raster_info(path: str) -> _RasterInfo:
    with rasterio.open(path) as src:
        if src.crs is None:
            raise ValueError(f"{path}: the raster has no CRS; say which one it is in "
                             f"(a .prj or .aux.xml file beside it)")
        crs = _warp_crs(src.crs)
        w, s, e, n = src.bounds
        if src.crs.is_geographic:  # Web Mercator stops short of the poles
            s, n = max(s, -85.06), min(n, 85.06)
        try:
            bounds_3857 = transform_bounds(crs, _MERCATOR, w, s, e, n, densify_pts=21)
        except Exception:
            bounds_3857 = (-WORLD_HALF, -WORLD_HALF, WORLD_HALF, WORLD_HALF)
        interp = src.colorinterp
        alpha = next((i + 1 for i, ci in enumerate(interp) if ci == ColorInterp.alpha), None)
        data_bands = tuple(b for b in src.indexes if b != alpha)
        bands = data_bands[:3] if len(data_bands) >= 3 else data_bands[:1]
        stretch = None
        if src.dtypes[bands[0] - 1] != "uint8":
            stretch = _value_range(src, bands)
        return _RasterInfo(crs=crs, bounds_3857=tuple(bounds_3857),
                           resolution=max(abs(src.res[0]), abs(src.res[1])),
                           overviews=tuple(src.overviews(1)), bands=bands, alpha=alpha,
                           nodata=src.nodata, stretch=stretch)


def _value_range(src, bands) -> tuple[float, float]:
    """The 2nd and 98th percentiles of a non-byte raster, from its coarsest overview (or a
    decimated read), for a linear stretch to 0..255."""
    scale = max(1, max(src.width, src.height) // 1024)
    out_shape = (len(bands), max(1, src.height // scale), max(1, src.width // scale))
    data = src.read(list(bands), out_shape=out_shape, masked=True)
    values = data.compressed().astype(np.float64)
    values = values[np.isfinite(values)]
    if values.size == 0:
        return 0.0, 1.0
    lo, hi = np.percentile(values, [2, 98])
    return float(lo), float(hi if hi > lo else lo + 1)


def _tile_resolution(info: _RasterInfo, west, south, east, north, size: int) -> float:
    """The size of a tile's pixel in the source's units (metres or degrees): the smaller side
    of the tile's footprint in the source CRS over ``size``; 0 when it cannot be told."""
    xs = np.array([west, (west + east) / 2, east] * 3)
    ys = np.repeat([south, (south + north) / 2, north], 3)
    try:
        sx, sy = transform_points(_MERCATOR, info.crs, xs, ys)
    except Exception:
        return 0.0
    sx, sy = np.asarray(sx), np.asarray(sy)
    ok = np.isfinite(sx) & np.isfinite(sy)
    if ok.sum() < 2:
        return 0.0
    return float(min(np.ptp(sx[ok]), np.ptp(sy[ok])) / size)


def _overview_level(info: _RasterInfo, tile_res: float) -> int | None:
    """The index of the coarsest overview still finer than the tile (None: full resolution)."""
    level = None
    for i, factor in enumerate(info.overviews):
        if info.resolution * factor <= tile_res:
            level = i
    return level


def _to_bytes(data: np.ndarray, stretch) -> np.ndarray:
    if stretch is None:
        return data.astype(np.uint8, copy=False)
    lo, hi = stretch
    scaled = (data.astype(np.float64) - lo) * (255.0 / (hi - lo))
    return np.clip(np.nan_to_num(scaled), 0, 255).astype(np.uint8)


def encode_png(bands: np.ndarray, *, zlevel: int = 2) -> bytes:
    """PNG bytes of a (count, height, width) uint8 array: 1 band = grey, 2 = grey + alpha,
    3 = RGB, 4 = RGBA. Written by GDAL's PNG driver in memory. Compression level 2 of 9: the
    tiles are for a local network, where zlib's time counts more than a few kilobytes."""
    count, height, width = bands.shape
    with rasterio.Env(GDAL_PAM_ENABLED="NO"):
        with MemoryFile() as mem:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", NotGeoreferencedWarning)
                with mem.open(driver="PNG", width=width, height=height, count=count,
                              dtype="uint8", ZLEVEL=zlevel) as dst:
                    dst.write(bands)
            return mem.read()


def _render(path: str, info: _RasterInfo, z: int, x: int, y: int, size: int) -> bytes | None:
    west, south, east, north = tile_bounds(z, x, y)
    bw, bs, be, bn = info.bounds_3857
    if west >= be or east <= bw or south >= bn or north <= bs:
        return None
    level = _overview_level(info, _tile_resolution(info, west, south, east, north, size))
    open_kw = {} if level is None else {"overview_level": level}
    transform = Affine((east - west) / size, 0.0, west, 0.0, -(north - south) / size, north)
    vrt_kw = dict(src_crs=info.crs, crs=_MERCATOR, transform=transform, width=size,
                  height=size, resampling=Resampling.bilinear)
    with rasterio.Env(GDAL_PAM_ENABLED="NO"), rasterio.open(path, **open_kw) as src:
        if info.alpha is not None:
            with WarpedVRT(src, **vrt_kw) as vrt:
                data = vrt.read(list(info.bands))
                alpha = vrt.read(info.alpha)
        elif info.nodata is not None:
            with WarpedVRT(src, **vrt_kw) as vrt:
                data = vrt.read(list(info.bands))
                nodata = vrt.nodata
            valid = np.any(data != nodata, axis=0)
            if isinstance(nodata, float) and math.isnan(nodata):
                valid = np.any(~np.isnan(data), axis=0)
            alpha = np.where(valid, 255, 0).astype(np.uint8)
        else:
            with WarpedVRT(src, add_alpha=True, **vrt_kw) as vrt:
                out = vrt.read(list(info.bands) + [vrt.count])
            data, alpha = out[:-1], out[-1]
    if not alpha.any():
        return None
    pixels = _to_bytes(data, info.stretch)
    if alpha.all():  # no transparency: grey or RGB alone, smaller and quicker
        return encode_png(pixels)
    return encode_png(np.concatenate([pixels, alpha.astype(np.uint8)[None]], axis=0))


class _TileCache:
    """A bounded LRU of rendered tiles (PNG bytes or None), thread-safe."""

    def __init__(self, max_items: int = 4096, max_bytes: int = 64 * 2 ** 20):
        self.max_items, self.max_bytes = max_items, max_bytes
        self._items: OrderedDict = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()

    def get(self, key):
        with self._lock:
            if key not in self._items:
                return False, None
            self._items.move_to_end(key)
            return True, self._items[key]

    def put(self, key, value) -> None:
        size = len(value) if value else 0
        with self._lock:
            if key in self._items:
                old = self._items.pop(key)
                self._bytes -= len(old) if old else 0
            self._items[key] = value
            self._bytes += size
            while self._items and (len(self._items) > self.max_items
                                   or self._bytes > self.max_bytes):
                _, old = self._items.popitem(last=False)
                self._bytes -= len(old) if old else 0

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
            self._bytes = 0

    def __len__(self) -> int:
        return len(self._items)


TILE_CACHE = _TileCache()
_INFO: dict[tuple[str, tuple[int, int]], _RasterInfo] = {}
_INFO_LOCK = threading.Lock()


def _info_for(path: str, mtime: tuple[int, int]) -> _RasterInfo:
    key = (path, mtime)
    with _INFO_LOCK:
        info = _INFO.get(key)
    if info is None:
        info = _raster_info(path)
        with _INFO_LOCK:
            for old in [k for k in _INFO if k[0] == path] + list(_INFO)[:-63]:
                _INFO.pop(old, None)
            _INFO[key] = info
    return info


def native_zoom(path, *, size: int = TILE_SIZE, highest: int = 22) -> int:
    """The first zoom whose tile pixels are as fine as the raster's own, on the ground at the
    raster's centre (a 30 m DEM: 13; a 10 cm orthophoto: 21), capped at ``highest``.

    The map asks for no finer tiles and enlarges these instead: finer ones would only be the
    same pixels resampled, rendered and sent again on every pan.
    """
    path = os.fspath(Path(path).resolve())
    stat = os.stat(path)
    info = _info_for(path, (stat.st_mtime_ns, stat.st_size))
    w, s, e, n = info.bounds_3857
    lat = math.degrees(math.atan(math.sinh(((s + n) / 2) / WORLD_HALF * math.pi)))
    # the raster's pixel on the ground: metres, or degrees of latitude in a geographic CRS
    metres = info.resolution * (111_320.0 if info.crs.is_geographic else 1.0)
    if metres <= 0:
        return highest
    ground_z0 = 2 * WORLD_HALF * math.cos(math.radians(lat)) / size
    return max(0, min(highest, math.ceil(math.log2(ground_z0 / metres))))


def read_xyz_tile(path, z: int, x: int, y: int, *, size: int = TILE_SIZE) -> bytes | None:
    """PNG bytes of Web-Mercator XYZ tile z/x/y (``size`` x ``size`` pixels) of the GeoTIFF at
    ``path``, transparent outside its data; None when the tile shows none of it.

    Raises :class:`TileError` for a tile outside the grid, FileNotFoundError for a missing file,
    and rasterio's errors for a file GDAL cannot read. Answers from :data:`TILE_CACHE` when the
    same tile of the same file (path and modification time) was rendered before.
    """
    check_xyz(z, x, y, MAX_ZOOM)
    if not 16 <= int(size) <= 1024:
        raise TileError(f"tile size {size} is outside 16..1024")
    path = os.fspath(Path(path).resolve())
    stat = os.stat(path)
    mtime = (stat.st_mtime_ns, stat.st_size)
    key = (path, mtime, int(size), z, x, y)
    hit, value = TILE_CACHE.get(key)
    if hit:
        return value
    value = _render(path, _info_for(path, mtime), z, x, y, int(size))
    TILE_CACHE.put(key, value)
    return value


def warm_tiles(path, *, max_zoom: int | None = None, limit: int = 2000) -> int:
    """Render into :data:`TILE_CACHE` the tiles of the raster from zoom 0 up to ``max_zoom``
    (its :func:`native_zoom` by default), coarsest first, at most ``limit`` of them; the count
    rendered.

    A server calls it once at start: a map opening on the whole zone asks for a few dozen
    basemap tiles at once, and rendering each on request (about 20 ms) kept the browser's
    few connections busy while the parcel tiles queued behind them.
    """
    path = os.fspath(Path(path).resolve())
    stat = os.stat(path)
    info = _info_for(path, (stat.st_mtime_ns, stat.st_size))
    top = native_zoom(path) if max_zoom is None else max_zoom
    w, s, e, n = info.bounds_3857
    done = 0
    for z in range(0, min(top, MAX_ZOOM) + 1):
        for x, y in tiles_covering((w, s, e, n), z):
            if done >= limit:
                return done
            read_xyz_tile(path, z, x, y)
            done += 1
    return done

"""Rasters: the synthetic demo hillshade, and Web-Mercator XYZ tiles of any GeoTIFF.

:func:`make_demo_hillshade` writes ``layers/hillshade.tif``: a hillshade of a *synthetic*
elevation model (a regional slope, fractal hills and a valley network, all drawn from one seed)
over the demo zones, in EPSG:9216, at 30 m. It is illustrative, not surveyed: a backdrop for the
demo map until an orthophoto or a hillshade of a real DEM takes its place.

:func:`read_xyz_tile` renders one 256 x 256 PNG tile of the Web-Mercator XYZ grid (EPSG:3857,
y counted from the north) from any GeoTIFF rasterio can read, in any CRS: one band (a hillshade,
a DEM, a scanned map) is drawn grey, three or more (an orthophoto) as RGB; pixels outside the data
are transparent. The source overview nearest the tile's resolution is read and warped bilinearly
with a WarpedVRT. A VN-2000 raster is warped through EPSG:6960, never PROJ's own choice, so it
lines up with the vector layers. Rendered tiles are kept in a bounded LRU cache keyed by
(path, the file's mtime and size, tile size, z, x, y): replacing the file renews its tiles.
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

from landgis.contract import STORAGE_EPSG
from landgis.crs import VN2000_TO_WGS84_EPSG, is_vn2000
from landgis.tiles.grid import WORLD_HALF, TileError, check_xyz, tile_bounds, tiles_covering

SYNTHETIC_NOTE = "synthetic hillshade for the demo, illustrative, not surveyed"

#: The extent of the demo zones in EPSG:9216 (west, south, east, north), rounded outwards;
#: used when no zones are given.
DEMO_BOUNDS = (503_000.0, 1_575_000.0, 556_000.0, 1_654_000.0)

#: Highest zoom of a basemap tile (the grid is :mod:`landgis.tiles.grid`, the vector tiles').
MAX_ZOOM = 24
TILE_SIZE = 256
_MERCATOR = RioCRS.from_epsg(3857)


# --------------------------------------------------------------------------- the demo hillshade


def _grid(bounds, resolution: float) -> tuple[Affine, int, int]:
    w, s, e, n = bounds
    width = int(math.ceil((e - w) / resolution))
    height = int(math.ceil((n - s) / resolution))
    return Affine(resolution, 0.0, w, 0.0, -resolution, n), width, height


def _fast_length(n: int) -> int:
    """The smallest 2^a 3^b 5^c >= n: a length the FFT does quickly."""
    best = 1 << max(n - 1, 0).bit_length()
    p5 = 1
    while p5 < best:
        p35 = p5
        while p35 < best:
            m = p35
            while m < n:
                m *= 2
            best = min(best, m)
            p35 *= 3
        p5 *= 5
    return best


def _fractal_noise(height: int, width: int, resolution: float, rng: np.random.Generator, *,
                   beta: float, longest: float, shortest: float) -> np.ndarray:
    """A fractal (fractional-Brownian) surface of unit standard deviation: white noise from
    ``rng`` shaped in the Fourier domain by a power spectrum k^-beta between wavelengths
    ``shortest`` and ``longest`` metres (flat beyond ``longest``, fading below ``shortest``)."""
    rows, cols = _fast_length(height), _fast_length(width)  # padded, then cropped
    spectrum = np.fft.rfft2(rng.standard_normal((rows, cols)))
    ky = np.fft.fftfreq(rows, d=resolution)[:, None]
    kx = np.fft.rfftfreq(cols, d=resolution)[None, :]
    k = np.hypot(kx, ky)
    spectrum *= np.maximum(k, 1.0 / longest) ** (-beta / 2.0) * np.exp(-(k * shortest) ** 2)
    spectrum[0, 0] = 0.0  # zero mean
    surface = np.fft.irfft2(spectrum, s=(rows, cols))[:height, :width]
    surface -= surface.mean()
    return surface / surface.std()


def demo_elevation(bounds=DEMO_BOUNDS, resolution: float = 30.0, *, seed: int = 2019
                   ) -> tuple[np.ndarray, Affine]:
    """A synthetic elevation model (metres, float32, rows from the north) over ``bounds`` in
    EPSG:9216, and its transform. Deterministic: the same arguments give the same bytes.

    A plateau rising from about 520 m in the south-east (Kon Tum town) to about 800 m in the
    north-west (towards the Bờ Y border gate), hills of fractal noise (spectrum k^-4.6,
    wavelengths up to 15 km, none under 60 m), and a drainage-like network of valleys (the
    softened absolute value of a second fractal surface, whose zero lines become valley floors);
    the relief grows from the plateau to the mountains. Illustrative only: none of it is surveyed.
    """
    transform, width, height = _grid(bounds, resolution)
    rng = np.random.default_rng(seed)
    hills = _fractal_noise(height, width, resolution, rng, beta=4.6, longest=15_000.0,
                           shortest=60.0)
    valleys = _fractal_noise(height, width, resolution, rng, beta=4.6, longest=8_000.0,
                             shortest=60.0)
    east = (np.arange(width) + 0.5) / width          # 0 at the west edge, 1 at the east
    south = (np.arange(height) + 0.5) / height       # 0 at the north edge, 1 at the south
    uplift = 0.5 * ((1.0 - east)[None, :] + (1.0 - south)[:, None])  # 1 in the north-west
    relief = 0.35 + 0.9 * uplift
    z = 520.0 + 280.0 * uplift + relief * (160.0 * hills + 120.0 * np.sqrt(valleys ** 2 + 0.01))
    return z.astype(np.float32), transform


def hillshade(elevation: np.ndarray, resolution: float, *, azimuth: float = 315.0,
              altitude: float = 45.0, z_factor: float = 1.0) -> np.ndarray:
    """Horn's hillshade (as ``gdaldem hillshade``) of an elevation grid with square cells,
    rows from the north: values in [0, 1], 1 facing the light. The edges are extrapolated
    linearly (a plane is shaded the same to its border)."""
    zp = np.pad(np.asarray(elevation, dtype=np.float64), 1, mode="reflect", reflect_type="odd")
    a, b, c = zp[:-2, :-2], zp[:-2, 1:-1], zp[:-2, 2:]
    d, f = zp[1:-1, :-2], zp[1:-1, 2:]
    g, h, i = zp[2:, :-2], zp[2:, 1:-1], zp[2:, 2:]
    dzdx = ((c + 2 * f + i) - (a + 2 * d + g)) / (8.0 * resolution) * z_factor
    dzdy = ((a + 2 * b + c) - (g + 2 * h + i)) / (8.0 * resolution) * z_factor  # north positive
    az, alt = math.radians(azimuth), math.radians(altitude)
    # The light's direction as (east, north, up), and the surface normal (-dz/dx, -dz/dy, 1).
    lx, ly, lz = math.sin(az) * math.cos(alt), math.cos(az) * math.cos(alt), math.sin(alt)
    shade = (-dzdx * lx - dzdy * ly + lz) / np.sqrt(1.0 + dzdx ** 2 + dzdy ** 2)
    return np.clip(shade, 0.0, 1.0)


def _target_bounds(zones_gdf, margin: float, resolution: float):
    if zones_gdf is None or len(zones_gdf) == 0:
        return DEMO_BOUNDS
    gdf = zones_gdf
    if gdf.crs is not None and gdf.crs.to_epsg() != STORAGE_EPSG:
        from landgis.crs import to_storage
        gdf = to_storage(gdf)
    w, s, e, n = gdf.total_bounds
    step = resolution * math.ceil(1000.0 / resolution)  # whole kilometres and whole pixels
    return (math.floor((w - margin) / step) * step, math.floor((s - margin) / step) * step,
            math.ceil((e + margin) / step) * step, math.ceil((n + margin) / step) * step)


def make_demo_hillshade(path, zones_gdf=None, *, seed: int = 2019, resolution: float = 30.0,
                        margin: float = 3_000.0, azimuth: float = 315.0, altitude: float = 45.0,
                        z_factor: float = 1.5) -> Path:
    """Write a synthetic hillshade GeoTIFF over the extent of ``zones_gdf`` (plus ``margin``
    metres; the demo zones' extent without it) in EPSG:9216, and return its path.

    One band of bytes (1 = shadow … 255 = lit, 0 = nodata), DEFLATE-compressed, tiled 256 x 256,
    with internal overviews (2 … 32); its metadata (``DESCRIPTION``, ``SOURCE``) says it is
    synthetic and illustrative. The file is written beside ``path`` and moved into place, so an
    interrupted build leaves the previous file as it was. Deterministic for a seed.
    """
    path = Path(path)
    bounds = _target_bounds(zones_gdf, margin, resolution)
    elevation, transform = demo_elevation(bounds, resolution, seed=seed)
    shade = hillshade(elevation, resolution, azimuth=azimuth, altitude=altitude,
                      z_factor=z_factor)
    data = np.clip(np.rint(1.0 + 254.0 * shade), 1, 255).astype(np.uint8)
    height, width = data.shape
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.building-{os.getpid()}.tif")
    profile = dict(driver="GTiff", width=width, height=height, count=1, dtype="uint8",
                   crs=RioCRS.from_epsg(STORAGE_EPSG), transform=transform, nodata=0,
                   tiled=True, blockxsize=256, blockysize=256, compress="deflate",
                   predictor=2, zlevel=6, interleave="band")
    try:
        with rasterio.Env(GDAL_PAM_ENABLED="NO"):
            with rasterio.open(tmp, "w", **profile) as dst:
                dst.write(data, 1)
                dst.update_tags(
                    DESCRIPTION=SYNTHETIC_NOTE, SOURCE=SYNTHETIC_NOTE,
                    TIFFTAG_IMAGEDESCRIPTION=SYNTHETIC_NOTE,
                    TIFFTAG_SOFTWARE="landgis.raster.make_demo_hillshade",
                    METHOD=(f"Horn hillshade, azimuth {azimuth:g}, altitude {altitude:g}, "
                            f"z factor {z_factor:g}, of a synthetic elevation model "
                            f"(regional slope, Gaussian massifs, fractal value noise)"),
                    SEED=str(seed), RESOLUTION_M=f"{resolution:g}", LICENSE="CC0-1.0")
                dst.set_band_description(1, "hillshade (synthetic, illustrative)")
                dst.colorinterp = [ColorInterp.gray]
                dst.build_overviews([2, 4, 8, 16, 32], Resampling.average)
                dst.update_tags(ns="rio_overview", resampling="average")
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    return path


# --------------------------------------------------------------------------- XYZ tiles


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
                             f"(a .prj/.aux.xml or gdal_edit.py -a_srs)")
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

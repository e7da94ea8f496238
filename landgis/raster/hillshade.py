"""The synthetic demo hillshade: :func:`make_demo_hillshade` writes ``layers/hillshade.tif``, a
hillshade of a *synthetic* elevation model (a regional slope, fractal hills and a valley
network, all drawn from one seed) over the demo zones, in EPSG:9216, at 30 m. It is
illustrative, not surveyed: a backdrop for the demo map until an orthophoto or a hillshade of a
real DEM takes its place.
"""

from __future__ import annotations

import math
import os
from pathlib import Path

import numpy as np
import rasterio
from affine import Affine
from rasterio.crs import CRS as RioCRS
from rasterio.enums import ColorInterp, Resampling

from landgis.contract import STORAGE_EPSG

SYNTHETIC_NOTE = "synthetic hillshade for the demo, illustrative, not surveyed"

#: The extent of the demo zones in EPSG:9216 (west, south, east, north), rounded outwards;
#: used when no zones are given.
DEMO_BOUNDS = (503_000.0, 1_575_000.0, 556_000.0, 1_654_000.0)


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

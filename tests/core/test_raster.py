"""The synthetic demo hillshade and XYZ tiles of GeoTIFFs, read back with GDAL (rasterio)."""

from __future__ import annotations

import math
import os
import warnings

import numpy as np
import pytest
import rasterio
from affine import Affine
from rasterio.errors import NotGeoreferencedWarning
from rasterio.io import MemoryFile

from landgis import raster
from landgis.crs import transformer
from tests.conftest import X0, Y0

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def decode_png(data: bytes) -> np.ndarray:
    """A PNG's bands, read by GDAL's PNG driver."""
    assert data[:8] == PNG_SIGNATURE
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", NotGeoreferencedWarning)  # a tile has no geotransform
        with MemoryFile(data) as mem, mem.open() as src:
            assert src.driver == "PNG"
            return src.read()


def tile_of(lon: float, lat: float, z: int) -> tuple[int, int]:
    n = 1 << z
    x = int((lon + 180.0) / 360.0 * n)
    y = int((1.0 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2.0 * n)
    return x, y


@pytest.fixture
def hillshade_tif(tmp_path, zones_gdf):
    return raster.make_demo_hillshade(tmp_path / "hillshade.tif", zones_gdf, seed=7,
                                      resolution=30.0, margin=1500.0)


def test_elevation_is_deterministic_for_a_seed():
    bounds = (X0, Y0, X0 + 3000.0, Y0 + 2400.0)
    a, transform = raster.demo_elevation(bounds, 30.0, seed=11)
    b, _ = raster.demo_elevation(bounds, 30.0, seed=11)
    c, _ = raster.demo_elevation(bounds, 30.0, seed=12)
    assert a.shape == (80, 100) and a.dtype == np.float32
    assert a.tobytes() == b.tobytes()
    assert a.tobytes() != c.tobytes()
    assert transform == Affine(30.0, 0.0, X0, 0.0, -30.0, Y0 + 2400.0)
    assert 200 < a.min() < a.max() < 2000  # metres, a plateau with hills


def test_hillshade_is_horns_formula_on_planes():
    # A plane facing the light (north-west, 45 degrees up) is fully lit; facing away, black;
    # a flat plane gets sin(45 degrees).
    e, n = np.meshgrid(np.arange(5) * 10.0, -np.arange(5) * 10.0)  # rows from the north
    slope = math.sqrt(0.5)
    facing = raster.hillshade(slope * e - slope * n, 10.0)
    away = raster.hillshade(-slope * e + slope * n, 10.0)
    flat = raster.hillshade(np.zeros((5, 5)), 10.0)
    assert facing == pytest.approx(np.ones((5, 5)))
    assert away == pytest.approx(np.zeros((5, 5)), abs=1e-12)
    assert flat == pytest.approx(np.full((5, 5), math.sqrt(0.5)))


def test_demo_hillshade_opens_in_gdal_with_crs_tags_and_overviews(tmp_path, zones_gdf,
                                                                   hillshade_tif):
    with rasterio.open(hillshade_tif) as src:
        assert src.crs.to_epsg() == 9216
        assert (src.count, src.dtypes[0], src.nodata) == (1, "uint8", 0)
        assert src.res == (30.0, 30.0)
        assert src.tags()["DESCRIPTION"] == raster.SYNTHETIC_NOTE
        assert src.tags()["SOURCE"] == raster.SYNTHETIC_NOTE
        assert "synthetic" in src.tags()["TIFFTAG_IMAGEDESCRIPTION"]
        assert src.profile["tiled"] and src.compression.name.lower() == "deflate"
        assert src.overviews(1)[:2] == [2, 4]
        w, s, e, n = zones_gdf.total_bounds
        assert src.bounds.left <= w - 1500 and src.bounds.right >= e + 1500
        assert src.bounds.bottom <= s - 1500 and src.bounds.top >= n + 1500
        data = src.read(1)
    assert data.min() >= 1 and data.std() > 5  # shaded relief, no nodata inside
    again = raster.make_demo_hillshade(tmp_path / "again.tif", zones_gdf, seed=7,
                                       resolution=30.0, margin=1500.0)
    with rasterio.open(again) as src:
        assert src.read(1).tobytes() == data.tobytes()
    assert not list(tmp_path.glob(".*building*"))


def test_tile_over_the_data_is_a_shaded_png(hillshade_tif):
    lon, lat = transformer(9216, 4326).transform(X0 + 100, Y0 + 100)
    x, y = tile_of(lon, lat, 14)
    png = raster.read_xyz_tile(hillshade_tif, 14, x, y)
    bands = decode_png(png)
    assert bands.shape[1:] == (256, 256)
    grey, alpha = bands[0], (bands[-1] if len(bands) == 2 else np.full((256, 256), 255))
    inside = grey[alpha == 255]
    assert inside.size > 10_000 and inside.std() > 2  # opaque and not one flat grey
    assert raster.read_xyz_tile(hillshade_tif, 14, x, y) is png  # from the cache


def test_tile_at_the_edge_is_transparent_outside(hillshade_tif):
    lon, lat = transformer(9216, 4326).transform(X0 + 100, Y0 + 100)
    x, y = tile_of(lon, lat, 11)  # ~19 km across: the 3.2 km raster is a patch of it
    grey, alpha = decode_png(raster.read_xyz_tile(hillshade_tif, 11, x, y))
    assert 0 < (alpha == 255).sum() < 0.2 * alpha.size
    assert (alpha == 0).sum() > 0.5 * alpha.size


def test_tile_far_away_is_none(hillshade_tif):
    assert raster.read_xyz_tile(hillshade_tif, 10, 0, 0) is None
    lon, lat = transformer(9216, 4326).transform(X0 + 100, Y0 + 100)
    x, y = tile_of(lon, lat, 14)
    assert raster.read_xyz_tile(hillshade_tif, 14, x + 5, y) is None


@pytest.mark.parametrize("z,x,y", [(-1, 0, 0), (25, 0, 0), (3, 8, 0), (3, 0, -1)])
def test_tile_outside_the_grid_is_refused(hillshade_tif, z, x, y):
    with pytest.raises(raster.TileError):
        raster.read_xyz_tile(hillshade_tif, z, x, y)


def test_replacing_the_file_renews_its_tiles(tmp_path, zones_gdf, hillshade_tif):
    lon, lat = transformer(9216, 4326).transform(X0 + 100, Y0 + 100)
    x, y = tile_of(lon, lat, 14)
    before = raster.read_xyz_tile(hillshade_tif, 14, x, y)
    other = raster.make_demo_hillshade(tmp_path / "other.tif", zones_gdf, seed=8,
                                       resolution=30.0, margin=1500.0)
    os.replace(other, hillshade_tif)
    after = raster.read_xyz_tile(hillshade_tif, 14, x, y)
    assert after != before


def write_marker_raster(path, epsg: int, centre_lonlat, pixel: float, value=255):
    """A 64 x 64 one-band raster in ``epsg`` of grey 40 with one ``value`` pixel centred on
    ``centre_lonlat``; no nodata, no mask (the tile's transparency comes from the warp)."""
    cx, cy = transformer(4326, epsg).transform(*centre_lonlat)
    data = np.full((64, 64), 40, np.uint8)
    data[32, 32] = value
    transform = Affine(pixel, 0, cx - 32.5 * pixel, 0, -pixel, cy + 32.5 * pixel)
    with rasterio.open(path, "w", driver="GTiff", width=64, height=64, count=1, dtype="uint8",
                       crs=f"EPSG:{epsg}", transform=transform) as dst:
        dst.write(data, 1)
    return path


@pytest.mark.parametrize("epsg,pixel", [(4326, 0.0001), (5898, 10.0), (9216, 10.0)])
def test_a_pixel_of_a_raster_in_another_crs_lands_in_its_tile(tmp_path, epsg, pixel):
    # The centre of tile 17/x/y near Kon Tum, and a bright source pixel drawn there.
    z = 17
    x, y = tile_of(107.95, 14.35, z)
    w, s, e, n = raster.tile_bounds(z, x, y)
    centre = transformer(3857, 4326).transform((w + e) / 2, (s + n) / 2)
    path = write_marker_raster(tmp_path / f"marker-{epsg}.tif", epsg, centre, pixel)
    grey = decode_png(raster.read_xyz_tile(path, z, x, y))[0]  # opaque: one band
    rows, cols = np.nonzero(grey > 150)
    assert 20 < len(rows) < 300  # a ~10 m pixel at ~1.2 m per tile pixel
    assert rows.mean() == pytest.approx(127.5, abs=1.5)
    assert cols.mean() == pytest.approx(127.5, abs=1.5)
    neighbour = decode_png(raster.read_xyz_tile(path, z, x + 1, y))
    assert neighbour[0][neighbour[-1] > 0].max() < 100  # no bright pixel next door


def test_rgb_orthophoto_keeps_its_colours(tmp_path):
    path = tmp_path / "ortho.tif"
    data = np.zeros((3, 32, 32), np.uint8)
    data[0], data[1], data[2] = 200, 100, 50
    transform = Affine(10.0, 0, X0, 0, -10.0, Y0 + 320)
    with rasterio.open(path, "w", driver="GTiff", width=32, height=32, count=3, dtype="uint8",
                       crs="EPSG:9216", transform=transform, photometric="RGB") as dst:
        dst.write(data)
    lon, lat = transformer(9216, 4326).transform(X0 + 160, Y0 + 160)
    x, y = tile_of(lon, lat, 15)
    r, g, b, a = decode_png(raster.read_xyz_tile(path, 15, x, y))
    opaque = a == 255
    assert opaque.any() and (a == 0).any()
    assert (r[opaque].mean(), g[opaque].mean(), b[opaque].mean()) == pytest.approx(
        (200, 100, 50), abs=1)


def test_cached_tiles_are_bounded():
    cache = raster._TileCache(max_items=3, max_bytes=10)
    for i in range(5):
        cache.put(i, b"x" * 4)
    assert len(cache) == 2  # 3 items would be 12 bytes
    assert cache.get(4) == (True, b"xxxx") and cache.get(0) == (False, None)


@pytest.mark.parametrize("epsg,pixel,expected", [(9216, 30.0, 13), (9216, 0.1, 21),
                                                  (4326, 0.0001, 14)])
def test_native_zoom_is_where_tile_pixels_reach_the_rasters(tmp_path, epsg, pixel, expected):
    path = write_marker_raster(tmp_path / f"r-{epsg}-{pixel}.tif", epsg, (107.95, 14.35), pixel)
    z = raster.native_zoom(path)
    assert z == expected
    # the tile pixel on the ground at that zoom is no coarser than the raster's, and one zoom
    # less would be
    ground = 2 * raster.WORLD_HALF * math.cos(math.radians(14.35)) / raster.TILE_SIZE
    metres = pixel * (111_320.0 if epsg == 4326 else 1.0)
    assert ground / 2 ** z <= metres * 1.01 < ground / 2 ** (z - 1)


def test_warming_renders_the_tiles_a_map_would_ask_for(tmp_path, hillshade_tif):
    raster.TILE_CACHE.clear()
    count = raster.warm_tiles(hillshade_tif, max_zoom=12)
    assert count == len(raster.TILE_CACHE) > 0
    # the tile under the raster's centre at zoom 12 is among them, and a far one is not
    with rasterio.open(hillshade_tif) as src:
        cx, cy = (src.bounds.left + src.bounds.right) / 2, (src.bounds.bottom + src.bounds.top) / 2
    lon, lat = transformer(9216, 4326).transform(cx, cy)
    x, y = tile_of(lon, lat, 12)
    path = os.fspath(hillshade_tif.resolve())
    cached = {k[3:] for k in raster.TILE_CACHE._items}
    assert (12, x, y) in cached and (12, x + 40, y) not in cached
    assert {k[0] for k in raster.TILE_CACHE._items} == {path}
    assert raster.warm_tiles(hillshade_tif, max_zoom=12, limit=3) == 3

"""GET /tiles/basemap/<z>/<x>/<y>.png: raster basemap tiles from settings.basemap_raster."""

from __future__ import annotations

import math
import warnings

import pytest
from rasterio.errors import NotGeoreferencedWarning
from rasterio.io import MemoryFile

from landgis import raster
from landgis.crs import transformer
from tests.conftest import X0, Y0
from webmap import create_app


def decode_png(data: bytes):
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", NotGeoreferencedWarning)
        with MemoryFile(data) as mem, mem.open() as src:
            assert src.driver == "PNG"
            return src.read()


def tile_of(lon: float, lat: float, z: int) -> tuple[int, int]:
    n = 1 << z
    y = (1.0 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2.0 * n
    return int((lon + 180.0) / 360.0 * n), int(y)


@pytest.fixture
def hillshade_tif(tmp_path, zones_gdf):
    return raster.make_demo_hillshade(tmp_path / "hillshade.tif", zones_gdf, seed=7,
                                      resolution=30.0, margin=1500.0)


def client_for(tmp_path, basemap_raster):
    app = create_app({"database_url": str(tmp_path / "none.gpkg"),
                      "instance_dir": str(tmp_path / "instance"),
                      "basemap_raster": str(basemap_raster), "TESTING": True})
    return app.test_client()


@pytest.fixture
def client(tmp_path, hillshade_tif):
    return client_for(tmp_path, hillshade_tif)


def zone_tile(z):
    lon, lat = transformer(9216, 4326).transform(X0 + 100, Y0 + 100)
    return tile_of(lon, lat, z)


def test_tile_over_the_raster_is_a_png(client):
    x, y = zone_tile(14)
    resp = client.get(f"/tiles/basemap/14/{x}/{y}.png")
    assert resp.status_code == 200
    assert resp.mimetype == "image/png"
    assert "max-age" in resp.headers["Cache-Control"]
    bands = decode_png(resp.data)
    assert bands.shape[1:] == (256, 256) and bands[0].std() > 2
    again = client.get(f"/tiles/basemap/14/{x}/{y}.png",
                       headers={"If-None-Match": resp.headers["ETag"]})
    assert again.status_code == 304


def test_tile_outside_the_raster_is_204(client):
    resp = client.get("/tiles/basemap/10/0/0.png")
    assert resp.status_code == 204 and resp.data == b""
    assert "max-age" in resp.headers["Cache-Control"]


@pytest.mark.parametrize("path", ["3/8/0", "3/0/8", "25/0/0", "-1/0/0", "4/-1/3"])
def test_tile_outside_the_grid_is_400_json(client, path):
    resp = client.get(f"/tiles/basemap/{path}.png")
    assert resp.status_code == 400
    assert "outside" in resp.get_json()["error"]


def test_no_raster_configured_is_404_json(tmp_path):
    resp = client_for(tmp_path, "").get("/tiles/basemap/0/0/0.png")
    assert resp.status_code == 404
    assert "no basemap raster" in resp.get_json()["error"]


def test_missing_raster_file_is_404_json(tmp_path):
    resp = client_for(tmp_path, tmp_path / "gone.tif").get("/tiles/basemap/0/0/0.png")
    assert resp.status_code == 404
    assert "gone.tif is missing" in resp.get_json()["error"]


def test_unreadable_raster_is_500_json(tmp_path):
    bad = tmp_path / "bad.tif"
    bad.write_bytes(b"not a tiff")
    resp = client_for(tmp_path, bad).get("/tiles/basemap/0/0/0.png")
    assert resp.status_code == 500
    assert "cannot be read" in resp.get_json()["error"]

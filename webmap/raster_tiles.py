"""Raster basemap tiles: ``GET /tiles/basemap/<z>/<x>/<y>.png`` from ``settings.basemap_raster``.

The raster is an orthophoto or a hillshade GeoTIFF (the demo's synthetic ``layers/hillshade.tif``
by default), rendered by :func:`landgis.raster.read_xyz_tile` into Web-Mercator XYZ tiles.
Answers: 200 with a PNG; 204 (no body) for a tile outside the raster; 400 JSON for z/x/y outside
the grid; 404 JSON when no raster is configured or its file is missing; 500 JSON when GDAL cannot
read it. Tiles carry ``Cache-Control`` and an ETag.
"""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint, current_app, jsonify, make_response, request
from rasterio.errors import RasterioError

from landgis.raster import TileError, read_xyz_tile

bp = Blueprint("raster_tiles", __name__, url_prefix="/tiles/basemap")

#: Browsers keep a tile an hour; a replaced raster shows after that, or on a reload.
CACHE_CONTROL = "public, max-age=3600"


@bp.get("/<int(signed=True):z>/<int(signed=True):x>/<int(signed=True):y>.png")
def basemap_tile(z: int, x: int, y: int):
    name = current_app.config["LANDGIS"].basemap_raster
    if not name:
        return jsonify(error="chưa cấu hình nền ảnh / no basemap raster is configured "
                             "(LANDGIS_BASEMAP_RASTER)"), 404
    path = Path(name)
    missing = f"không có tệp nền ảnh / basemap raster {path.name} is missing"
    if not path.is_file():
        return jsonify(error=f"{missing} (make layers builds the demo hillshade)"), 404
    try:
        png = read_xyz_tile(path, z, x, y)
    except TileError as exc:
        return jsonify(error=f"ô ngoài lưới / tile outside the grid: {exc}"), 400
    except FileNotFoundError:  # removed since the check
        return jsonify(error=missing), 404
    except (RasterioError, ValueError) as exc:
        current_app.logger.error("basemap raster %s cannot be read: %s", path, exc)
        return jsonify(error=f"không đọc được nền ảnh / basemap raster {path.name} "
                             f"cannot be read"), 500
    if png is None:
        resp = make_response("", 204)
        resp.headers["Cache-Control"] = CACHE_CONTROL
        return resp
    resp = make_response(png)
    resp.mimetype = "image/png"
    resp.headers["Cache-Control"] = CACHE_CONTROL
    resp.add_etag()
    return resp.make_conditional(request)

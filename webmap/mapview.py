"""The map page: built once per data version, a few hundred kilobytes whatever the parcels."""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint, current_app

from landgis import raster, service, tiles
from webmap.data import get_store
from webmap.pagemap import build_map, page_config

bp = Blueprint("mapview", __name__)


def _basemap_native_zoom() -> int:
    """The zoom the basemap raster's own pixels show at (16 when there is none to read)."""
    name = current_app.config["LANDGIS"].basemap_raster
    try:
        return raster.native_zoom(name) if name and Path(name).is_file() else 16
    except (OSError, ValueError) as exc:  # the tile route reports an unreadable raster
        current_app.logger.warning("basemap raster %s: %s", name, exc)
        return 16


@bp.route("/")
def index():
    store = get_store()
    key = (store.url, store.version())
    cache = current_app.extensions.setdefault("landgis_page", {})
    if cache.get("key") != key:
        layers = service.map_layers(store)
        config = page_config(layers["bounds"], layers["vn2000"],
                             tile_version=tiles.data_version(store),
                             parcel_native_zoom=tiles.PYRAMID_MAX_ZOOM,
                             basemap_native_zoom=_basemap_native_zoom())
        cache.update(key=key, html=build_map(layers, config).get_root().render())
    return cache["html"]


@bp.route("/healthz")
def healthz():
    store = get_store()
    return {"status": "ok", "layers": store.layers()}

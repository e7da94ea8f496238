"""The map page: built once per data version, a few hundred kilobytes whatever the parcels."""

from __future__ import annotations

from flask import Blueprint, current_app

from landgis import service
from webmap.data import get_store
from webmap.pagemap import build_map, page_config

bp = Blueprint("mapview", __name__)


@bp.route("/")
def index():
    store = get_store()
    key = (store.url, store.version())
    cache = current_app.extensions.setdefault("landgis_page", {})
    if cache.get("key") != key:
        layers = service.map_layers(store)
        m = build_map(layers, page_config(layers["bounds"], layers["vn2000"]))
        cache.update(key=key, html=m.get_root().render())
    return cache["html"]


@bp.route("/healthz")
def healthz():
    store = get_store()
    return {"status": "ok", "layers": store.layers()}

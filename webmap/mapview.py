"""The map page."""

from __future__ import annotations

from flask import Blueprint, current_app

from landgis.ledger import with_status
from webmap.data import get_store
from webmap.pagemap import build_map

bp = Blueprint("mapview", __name__)


def _page_html() -> str:
    store = get_store()
    key = (store.url, store.version())
    cache = current_app.extensions.setdefault("landgis_page", {})
    if cache.get("key") != key:
        parcels = with_status(store.read_layer("parcels"), store.read_layer("status_events"))
        m = build_map(store.read_layer("zones"), parcels)
        cache.update(key=key, html=m.get_root().render())
    return cache["html"]


@bp.route("/")
def index():
    return _page_html()


@bp.route("/healthz")
def healthz():
    store = get_store()
    return {"status": "ok", "layers": store.layers()}

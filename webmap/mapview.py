"""The map page: built once per data version, a few hundred kilobytes whatever the parcels.

Folium writes two inline scripts into the page (Leaflet's switches and the map itself, with the
embedded layers); the page's Content-Security-Policy lets exactly those two run, by their
SHA-256 (:func:`inline_script_hashes`), and no other inline script.
"""

from __future__ import annotations

import base64
import hashlib
import re
from pathlib import Path

from flask import Blueprint, Response, current_app

from landgis import raster, service, tiles
from webmap.data import get_store, get_views
from webmap.pagemap import build_map, page_config

bp = Blueprint("mapview", __name__)


def _basemap_native_zoom(app) -> int:
    """The zoom the basemap raster's own pixels show at (16 when there is none to read)."""
    name = app.config["LANDGIS"].basemap_raster
    try:
        return raster.native_zoom(name) if name and Path(name).is_file() else 16
    except (OSError, ValueError) as exc:  # the tile route reports an unreadable raster
        app.logger.warning("basemap raster %s: %s", name, exc)
        return 16


#: an inline script element (one with no attributes: folium writes ``<script src=…>`` for the
#: others)
_INLINE_SCRIPT = re.compile(r"<script>(.*?)</script>", re.S)


def inline_script_hashes(html: str) -> list[str]:
    """``sha256-…`` of each inline script of ``html``, as a Content-Security-Policy names it.
    Data cannot add one: strings from the data are escaped before they reach the page
    (:mod:`webmap.pagemap`)."""
    return [f"sha256-{base64.b64encode(hashlib.sha256(m.group(1).encode()).digest()).decode()}"
            for m in _INLINE_SCRIPT.finditer(html)]


def page(app, store) -> tuple[str, str]:
    """``(html, Content-Security-Policy)`` of the map page for the store's version, built once
    per version and kept by the app's views (:func:`webmap.data.get_views`): one value for the
    page and its policy, so a thread between two versions reads both. A plain function, so that
    the warm-up builds the page as a request would, without a request."""
    from webmap import content_security_policy

    view = get_views(app).current(store)

    def build():
        layers = service.map_layers(store)
        config = page_config(layers["bounds"], layers["vn2000"], tile_version=view.token,
                             parcel_native_zoom=tiles.PYRAMID_MAX_ZOOM,
                             basemap_native_zoom=_basemap_native_zoom(app))
        html = build_map(layers, config).get_root().render()
        return html, content_security_policy(inline_script_hashes(html))

    return view.derived("page", build)


@bp.route("/")
def index():
    html, csp = page(current_app._get_current_object(), get_store())
    response = Response(html, mimetype="text/html")
    response.headers["Content-Security-Policy"] = csp
    return response


@bp.route("/healthz")
def healthz():
    store = get_store()
    return {"status": "ok", "layers": store.layers()}

"""Browser libraries served by the app itself, from the npm packages installed at set-up.

Folium's pages and plugins load Leaflet, jQuery, Bootstrap, Font Awesome, awesome-markers,
Leaflet.draw and the fullscreen and minimap controls from CDNs; on an
office network with no internet such a page draws nothing. :func:`offline` points every asset of
a map and of its plugins at the app's ``/vendor/`` URLs, and refuses (``KeyError``) an asset it
does not know, so that no CDN address can slip into the page. The page's own scripts add pbf
(the protobuf reader the parcel tiles are decoded with), fflate (which inflates them) and
proj4; the dashboard's charts are drawn with Chart.js. The packages are pinned in
``webmap/package.json`` and installed by ``make`` into
``webmap/node_modules`` (not in git).
"""

from __future__ import annotations

import json
from pathlib import Path

from flask import Blueprint, abort, send_from_directory

NODE_MODULES = Path(__file__).resolve().parent / "node_modules"

#: folium's asset name -> file below node_modules, and the style sheets folium asks for that
#: are no npm package and that the map does not use (webmap/assets.json: the bench reads it too)
_TABLE = json.loads((Path(__file__).resolve().parent / "assets.json").read_text("utf-8"))
ASSETS: dict[str, str] = _TABLE["assets"]
DROPPED = set(_TABLE["dropped"])
#: folium's defaults that the landgis page does not use
UNUSED = set(_TABLE["unused"])
#: the packages whose files may be served
PACKAGES = ("leaflet", "jquery", "bootstrap", "@fortawesome", "leaflet.awesome-markers",
            "leaflet-draw", "leaflet.fullscreen", "leaflet-minimap",
            "pbf", "fflate", "proj4", "chart.js")

bp = Blueprint("vendor", __name__, url_prefix="/vendor")


@bp.route("/<path:filename>")
def vendor(filename: str):
    if not filename.startswith(tuple(p + "/" for p in PACKAGES)) or ".." in filename:
        abort(404)
    return send_from_directory(NODE_MODULES, filename, max_age=86400)


def _local(assets, prefix: str, skip: set) -> list[tuple[str, str]]:
    out = []
    for name, _url in assets:
        if name in skip:
            continue
        out.append((name, prefix + ASSETS[name]))  # KeyError: an asset we do not serve
    return out


def offline(m, prefix: str = "/vendor/", *, drop_unused: bool = True):
    """Point map ``m``'s scripts and style sheets, and its plugins', at the app's own copies;
    with ``drop_unused``, leave out folium's defaults the landgis page does not use
    (:data:`UNUSED`: jQuery, Bootstrap, the marker icons: about 480 kB to load and parse)."""
    skip = DROPPED | UNUSED if drop_unused else DROPPED
    stack = [m]
    while stack:
        element = stack.pop()
        for attr in ("default_js", "default_css"):
            assets = getattr(element, attr, None)
            if assets:
                setattr(element, attr, _local(assets, prefix, skip))
        stack.extend(getattr(element, "_children", {}).values())
    return m


def missing() -> list[str]:
    """Asset files not installed (run ``make`` to install them)."""
    return [p for p in ASSETS.values() if not (NODE_MODULES / p).exists()]

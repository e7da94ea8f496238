"""Browser libraries served by the app itself, from the npm packages installed at set-up.

Folium's pages load Leaflet, jQuery, Bootstrap, Font Awesome and awesome-markers from CDNs; on an
office network with no internet that page draws nothing. :func:`offline` points a map's asset
lists at the app's ``/vendor/`` URLs instead. The packages are pinned in ``webmap/package.json``
and installed by ``make`` into ``webmap/node_modules`` (not kept in git).
"""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint, abort, send_from_directory

NODE_MODULES = Path(__file__).resolve().parent / "node_modules"

#: folium asset name -> path below node_modules
JS = {
    "leaflet": "leaflet/dist/leaflet.js",
    "jquery": "jquery/dist/jquery.min.js",
    "bootstrap": "bootstrap/dist/js/bootstrap.bundle.min.js",
    "awesome_markers": "leaflet.awesome-markers/dist/leaflet.awesome-markers.js",
}
CSS = {
    "leaflet_css": "leaflet/dist/leaflet.css",
    "bootstrap_css": "bootstrap/dist/css/bootstrap.min.css",
    "awesome_markers_font_css": "@fortawesome/fontawesome-free/css/all.min.css",
    "awesome_markers_css": "leaflet.awesome-markers/dist/leaflet.awesome-markers.css",
}
#: the packages whose files may be served
PACKAGES = ("leaflet", "jquery", "bootstrap", "@fortawesome", "leaflet.awesome-markers")

bp = Blueprint("vendor", __name__, url_prefix="/vendor")


@bp.route("/<path:filename>")
def vendor(filename: str):
    if not filename.startswith(tuple(p + "/" for p in PACKAGES)):
        abort(404)
    return send_from_directory(NODE_MODULES, filename, max_age=86400)


def offline(m, prefix: str = "/vendor/"):
    """Point folium map ``m``'s scripts and style sheets at the app's own copies.

    Style sheets folium asks for that are no npm package (glyphicons, the marker-rotation
    sheet) are dropped: the map uses neither.
    """
    m.default_js = [(name, prefix + path) for name, path in JS.items()]
    m.default_css = [(name, prefix + path) for name, path in CSS.items()]
    return m


def missing() -> list[str]:
    """Asset files not installed (run ``make`` to install them)."""
    return [p for p in (*JS.values(), *CSS.values()) if not (NODE_MODULES / p).exists()]

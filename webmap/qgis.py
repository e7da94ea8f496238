"""``GET /qgis/landgis.qgz``: a QGIS project whose layers read this server (the OGC API –
Features under ``/ogc`` and the basemap tiles), styled with the web map's colours
(:mod:`landgis.qgis_project`).

The layers' address is the one the request came to (``request.host_url``), so the project works
for whoever downloads it from the address they reach the server at. A read-only API key given
with the request (``?api_key=``) is written into the layers' URLs.
"""

from __future__ import annotations

from flask import Blueprint, Response, request

from landgis.qgis_project import API_KEY_PARAM, MapColours, store_project_qgz
from webmap.data import get_store
from webmap.pagemap import CLEARANCE_COLOURS, FUNCTION_COLOURS, ZONE_COLOURS
from webmap.pagemap_progress import SCHEDULE_COLOURS

bp = Blueprint("qgis", __name__, url_prefix="/qgis")


def map_colours() -> MapColours:
    """The web map's colours, as the project styles its layers."""
    return MapColours(clearance_status=CLEARANCE_COLOURS, function=FUNCTION_COLOURS,
                      kind=ZONE_COLOURS, schedule_state=SCHEDULE_COLOURS)


@bp.get("/landgis.qgz")
def project():
    key = request.args.get(API_KEY_PARAM, "")[:200] or None
    body = store_project_qgz(get_store(), request.host_url, map_colours(), api_key=key)
    resp = Response(body, mimetype="application/zip")
    resp.headers["Content-Disposition"] = "attachment; filename=landgis.qgz"
    resp.headers["Cache-Control"] = "no-store" if key else "private, max-age=60"
    return resp

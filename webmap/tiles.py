"""Vector tiles of the map layers: ``GET /tiles/<layer>/<z>/<x>/<y>.pbf``.

Layers ``parcels`` (zoom 13 and up), ``zones`` and ``zoning_plots`` (zoom 8 and up); Mapbox
Vector Tiles on the EPSG:3857 XYZ grid, extent 4096. 204 for a tile with no features, 400 for
an address outside the grid, 404 for an unknown layer (JSON errors). Tiles are sent gzip-encoded
to clients that accept it. ``ETag`` is the data version of the tiled layers, so a browser
revalidates after an import (304 while nothing changed) and a status edit changes nothing.
For desktop clients (QGIS, MapLibre): ``GET /tiles/<layer>.json`` is the layer's TileJSON 3.0
and ``GET /tiles/style.json`` a Mapbox GL style of every tiled layer, in the page's colours
(:mod:`landgis.tiles.tilejson`); their addresses are absolute, on the host the client asked.
What a tile holds and how it is made fast: :mod:`landgis.tiles`. ``X-Tile-Source`` says where
an answer came from: ``pyramid`` (this data version's), ``previous`` (the version before's, for a
tile the last import did not touch: the same bytes), ``encoded`` (on request), ``memory`` (encoded
earlier), ``database`` (encoded by PostGIS, setting ``tiles_source = "postgis"``) or ``minzoom``
(below the layer's first zoom).

``GET /tiles/<layer>/<z>/batch?xy=x,y;x,y;…`` answers up to :data:`MAX_BATCH` tiles of one zoom
at once (:func:`batch`): the page asks for every tile a pan or a zoom reveals in one request.
Measured on the bench's 100,000 parcels (2 cores, Chromium alongside): twelve tile requests at
once took 100-280 ms through waitress, each a few milliseconds of Python queued behind the
others, while the tiles themselves cost 0.2-0.7 ms each to look up.

Settings (:class:`landgis.config.Settings`): ``tiles_build`` (``process``, the default: build
the pyramid in a child process; ``inline``; ``off``) and ``tiles_max_age`` (seconds a browser
uses a tile before revalidating it, default 60: the longest a tile can look stale after an
import).
"""

from __future__ import annotations

import gzip
import struct
from pathlib import Path

from flask import Blueprint, Response, current_app, jsonify, request

from landgis import tiles
from landgis.tiles.tilejson import mapbox_style, tilejson
from webmap.data import get_store, get_views
from webmap.pagemap import FUNCTION_COLOURS, LAND_USE_GROUPS, ZONE_COLOURS

bp = Blueprint("tiles", __name__, url_prefix="/tiles")

_EXTENSION = "landgis_tiles"


def tile_service() -> tiles.TileService:
    """The app's tile service (one per app, created on first use)."""
    app = current_app._get_current_object()
    service = app.extensions.get(_EXTENSION)
    if service is None:
        settings = app.config["LANDGIS"]
        service = app.extensions.setdefault(_EXTENSION, tiles.TileService(
            Path(settings.instance_dir) / "tiles",
            build=settings.tiles_build, views=get_views(app), source=settings.tiles_source))
    return service


@bp.errorhandler(tiles.TileError)
def _bad_tile(exc):
    return jsonify(error=str(exc)), 400


@bp.errorhandler(tiles.UnknownLayer)
def _unknown_layer(exc):
    return jsonify(error=str(exc)), 404


def _cache_headers(response: Response, version: str) -> Response:
    response.set_etag(version, weak=True)  # gzip or not, pyramid or not: the same features
    if request.args.get("v") == version:
        # the page asks for the data version it was made for: that answer never changes, so
        # zooming back and forth costs no request at all (a new version has a new address)
        response.headers["Cache-Control"] = "public, max-age=31536000, immutable"
    else:
        max_age = current_app.config["LANDGIS"].tiles_max_age
        response.headers["Cache-Control"] = f"public, max-age={max_age}"
    response.vary.add("Accept-Encoding")
    return response


@bp.get("/<layer>/<int(signed=True):z>/<int(signed=True):x>/<int(signed=True):y>.pbf")
def tile(layer: str, z: int, x: int, y: int):
    service = tile_service()
    store = get_store()
    version = service.version(store, layer, z, x, y)
    if request.if_none_match.contains_weak(version):
        return _cache_headers(Response(status=304), version)
    answer = service.tile(store, layer, z, x, y)
    if answer.data is None:
        response = Response(status=204)
    elif "gzip" in request.accept_encodings:
        response = Response(answer.data, mimetype=tiles.MEDIA_TYPE)
        response.headers["Content-Encoding"] = "gzip"
    else:
        response = Response(gzip.decompress(answer.data), mimetype=tiles.MEDIA_TYPE)
    response.headers["X-Tile-Source"] = answer.source
    return _cache_headers(response, answer.version)


#: The most tiles one batch answers (a 1920 x 1080 screen shows about 40 tiles of 256 px).
MAX_BATCH = 64


def _tile_list(text: str | None) -> list[tuple[int, int]]:
    if not text:
        raise tiles.TileError("xy: give the tiles as x,y;x,y;…")
    pairs = []
    for item in text.split(";"):
        parts = item.split(",")
        try:
            x, y = (int(v) for v in parts)
        except ValueError:
            raise tiles.TileError(f"xy: {item!r} is not a pair of whole numbers x,y") from None
        pairs.append((x, y))
    if len(pairs) > MAX_BATCH:
        raise tiles.TileError(f"xy: {len(pairs)} tiles asked for; at most {MAX_BATCH}")
    return pairs


@bp.get("/<layer>/<int(signed=True):z>/batch")
def batch(layer: str, z: int):
    """Several tiles of one zoom in one answer (``application/x-landgis-tiles``): a uint32
    count, then for each tile asked for, in order, uint32 x, y and byte length and the tile's
    bytes, gzip-compressed as the pyramid stores them (length 0: an empty tile); integers
    little-endian. Nothing is compressed or decompressed on the way: the page inflates each
    tile itself (with fflate). Caching as for a single tile."""
    pairs = _tile_list(request.args.get("xy"))
    service, store = tile_service(), get_store()
    for x, y in pairs:  # every address checked before any work
        version = service.version(store, layer, z, x, y)
    parts = [struct.pack("<I", len(pairs))]
    for x, y in pairs:
        data = service.tile(store, layer, z, x, y).data or b""
        parts += [struct.pack("<III", x, y, len(data)), data]
    return _cache_headers(Response(b"".join(parts), mimetype="application/x-landgis-tiles"),
                          version)


# --------------------------------------------------------------------------- desktop clients

#: The page's colours (webmap.pagemap; the parcels' outline and opacities as
#: static/parcel-tiles.js and the zoning plots' as build_map draw them)
PALETTE = {"zone_kind": ZONE_COLOURS, "zone_width": 2.5,
           "function": FUNCTION_COLOURS, "plot_outline": "#555555", "plot_opacity": 0.35,
           "land_use": LAND_USE_GROUPS, "parcel_outline": "#37474f", "parcel_opacity": 0.65,
           "other": "#cccccc"}


def _root() -> str:
    """The app's absolute address as the client asked for it (host, port, script root)."""
    return request.url_root.rstrip("/")


def _json(doc: dict, version: str) -> Response:
    return _cache_headers(jsonify(doc), version)


@bp.get("/<layer>.json")
def layer_tilejson(layer: str):
    """The TileJSON 3.0 document of a tiled layer (404 for another name)."""
    store = get_store()
    doc = tilejson(store, layer, f"{_root()}/tiles/{layer}/{{z}}/{{x}}/{{y}}.pbf",
                   views=get_views())
    return _json(doc, tiles.data_version(store))


@bp.get("/style.json")
def style():
    """A Mapbox GL style of the tiled layers the store holds, over the basemap when one is
    configured."""
    store = get_store()
    present = store.layers()
    urls = {name: f"{_root()}/tiles/{name}.json" for name in tiles.LAYERS if name in present}
    raster = current_app.config["LANDGIS"].basemap_raster
    basemap = f"{_root()}/tiles/basemap/{{z}}/{{x}}/{{y}}.png" \
        if raster and Path(raster).is_file() else None
    doc = mapbox_style(urls, PALETTE, basemap_url=basemap)
    return _json(doc, tiles.data_version(store))

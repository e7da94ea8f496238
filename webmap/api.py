"""The JSON API: the same data the page uses. Each view parses the request and calls
:mod:`landgis.service`; bad parameters answer 400 and unknown ids 404, with a JSON error
(other errors: :mod:`webmap.answers`)."""

from __future__ import annotations

import gzip

from flask import Blueprint, Response, current_app, jsonify, request

from landgis import service
from landgis.progress import geo as progress_geo
from landgis.status_snapshot import snapshot_gzip
from webmap.data import get_store, get_views
from webmap.guards import json_body

bp = Blueprint("api", __name__, url_prefix="/api")


@bp.errorhandler(service.BadRequest)
def _bad_request(exc):
    return jsonify(error=str(exc)), 400


@bp.errorhandler(service.NotFound)
def _not_found(exc):
    return jsonify(error=str(exc)), 404


@bp.get("/summary")
def summary():
    args = request.args
    return jsonify(service.summary(
        get_store(), zones=args.getlist("zone"), communes=args.getlist("commune"),
        statuses=args.getlist("status"), land_uses=args.getlist("land_use"),
        as_of=args.get("as_of"), views=get_views()))


@bp.post("/area")
def area():
    doc = json_body()
    limit = current_app.config["LANDGIS"].max_features
    return jsonify(service.area(get_store(), doc, max_parcels=limit))


@bp.get("/zones")
def zones():
    return jsonify(service.zones(get_store()))


@bp.get("/parcels")
def parcels():
    args = request.args
    filters = {name: args.getlist(name) for name in
               ("clearance_status", "auction_status", "zone_code", "commune_code",
                "land_use_code")}
    limit = current_app.config["LANDGIS"].max_features
    return jsonify(service.parcels_in_bbox(get_store(), args.get("bbox"), filters=filters,
                                           limit=limit, views=get_views()))


@bp.get("/parcels/<parcel_id>")
def parcel(parcel_id):
    response = jsonify(service.parcel_detail(get_store(), parcel_id, views=get_views()))
    response.headers["Cache-Control"] = "no-store"  # its history changes with every edit
    return response


@bp.get("/search")
def search():
    return jsonify(service.search(get_store(), request.args.get("q", ""),
                                  views=get_views()))


@bp.get("/status")
def status():
    """Today's statuses of the parcels in a WGS 84 box, by parcel id, for clients that know
    parcels by id (the page colours its tiles from :func:`status_snapshot` instead)."""
    limit = current_app.config["LANDGIS"].max_features
    response = jsonify(service.parcel_statuses(get_store(), request.args.get("bbox"),
                                               max_parcels=limit, views=get_views()))
    response.headers["Cache-Control"] = "no-cache"  # statuses change any day
    return response


@bp.get("/status/snapshot")
def status_snapshot():
    """Today's statuses of every parcel, one byte per parcel and field, keyed by the tiles'
    ``k`` (:mod:`landgis.status_snapshot`): what the page colours the tiles with. Revalidated
    by ETag, so an unchanged ledger costs a 304."""
    etag, body = snapshot_gzip(get_store(), get_views())
    if request.if_none_match.contains(etag):
        response = Response(status=304)
    elif "gzip" in request.accept_encodings:
        response = Response(body, mimetype="application/json")
        response.headers["Content-Encoding"] = "gzip"
    else:
        response = Response(gzip.decompress(body), mimetype="application/json")
    response.set_etag(etag)
    response.headers["Cache-Control"] = "no-cache"
    response.vary.add("Accept-Encoding")
    return response


def _progress_map(core):
    """A progress layer of the map as of ``as_of`` (dd/mm/yyyy or ISO; today when none), of
    one ``zone``, at most ``max_features`` features (``truncated`` says when there were more)."""
    args, settings = request.args, current_app.config["LANDGIS"]
    response = jsonify(core(get_store(), as_of=args.get("as_of"), zone=args.get("zone"),
                            limit=settings.max_features, views=get_views(),
                            rules_file=settings.schedule_rules))
    response.headers["Cache-Control"] = "no-cache"  # any event recorded changes it
    return response


@bp.get("/map/investments")
def map_investments():
    """Investor projects drawn on their plots and parcels, with their state as of a date."""
    return _progress_map(progress_geo.map_investments)


@bp.get("/map/projects")
def map_projects():
    """Public investment projects with their progress as of a date."""
    return _progress_map(progress_geo.map_projects)

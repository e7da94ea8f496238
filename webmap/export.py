"""Exports for viewers and editors alike: the auction lot dossier as a zip.

    GET /export/dossier.zip?lot=CODE&name=…&parcels=a,b,c   (ids or sheet/parcel pairs)
    GET /export/dossier.zip?lot=CODE&polygon=<GeoJSON, WGS 84>
    GET /export/dossier.zip?lot=CODE&zone=…&status=…&land_use=…   (repeatable)
        [&allow_uncleared=1] [&formats=shp,kml]

The same core and the same files as ``scripts/export_dossier.py``. Refusals answer 400 (404
for a parcel that does not exist) with ``{"error": "…"}``.

A dossier costs about a second per ten parcels, so the lot is bounded once its parcels are
selected, whichever way: at most ``dossier_anonymous_max_parcels`` (200) without a login (a
larger one answers 401: log in), ``dossier_max_parcels`` (2,000) with one (400 beyond). A
request another site's page makes a browser send (an ``<img>`` pointing here) is refused with
403 (:func:`webmap.guards.same_origin_only`); the map's own Export box, an address typed in the
browser and tools such as curl are served.
"""

from __future__ import annotations

import io
import re
import tempfile
import unicodedata
from pathlib import Path

from flask import Blueprint, current_app, jsonify, request, send_file
from flask_login import current_user

from landgis.dossier import DossierError, LotTooLarge, UnknownParcelError, export_dossier
from webmap.data import get_store
from webmap.guards import BodyError, parse_json, same_origin_only

bp = Blueprint("export", __name__, url_prefix="/export")


@bp.errorhandler(UnknownParcelError)
def _unknown(exc):
    return jsonify(error=str(exc)), 404


@bp.errorhandler(LotTooLarge)
def _too_large(exc: LotTooLarge):
    settings = current_app.config["LANDGIS"]
    if not current_user.is_authenticated and exc.count <= settings.dossier_max_parcels:
        return jsonify(error=f"cần đăng nhập / login required: a lot of more than "
                             f"{exc.limit:,} parcels needs a login (this selection holds "
                             f"{exc.count:,})", kind="login", count=exc.count,
                       limit=exc.limit), 401
    return jsonify(error=str(exc), kind=exc.kind, count=exc.count, limit=exc.limit), 400


@bp.errorhandler(DossierError)
def _refused(exc):
    error = str(exc)
    if exc.option == "allow_uncleared":
        error += " (cho phép / allow: allow_uncleared=1)"
    return jsonify(error=error, kind=exc.kind, parcel_ids=exc.parcel_ids[:100]), 400


def _filename(code: str) -> str:
    ascii_code = unicodedata.normalize("NFKD", code.replace("Đ", "D").replace("đ", "d"))
    ascii_code = re.sub(r"[^A-Za-z0-9._-]+", "_", ascii_code.encode("ascii", "ignore").decode())
    return f"ho_so_{ascii_code.strip('_') or 'lo'}.zip"


@bp.get("/dossier.zip")
@same_origin_only
def dossier():
    args = request.args
    settings = current_app.config["LANDGIS"]
    limit = (settings.dossier_max_parcels if current_user.is_authenticated
             else settings.dossier_anonymous_max_parcels)
    parcels = [p.strip() for value in args.getlist("parcels") for p in value.split(",")
               if p.strip()]
    if len(parcels) > settings.dossier_max_parcels:  # refused before anything is read
        raise LotTooLarge(len(parcels), settings.dossier_max_parcels)
    polygon = None
    if args.get("polygon"):
        try:
            polygon = parse_json(args["polygon"], "polygon")
        except BodyError as exc:
            raise DossierError(f"{exc} (GeoJSON)") from None
    user = current_user.id if current_user.is_authenticated else None
    with tempfile.TemporaryDirectory(prefix="landgis-dossier-") as tmp:
        out = Path(tmp) / "dossier.zip"
        export_dossier(get_store(), out, code=args.get("lot", ""), name=args.get("name"),
                       parcels=parcels or None, zones=args.getlist("zone") or None,
                       statuses=args.getlist("status") or None,
                       land_uses=args.getlist("land_use") or None, polygon=polygon,
                       allow_uncleared=args.get("allow_uncleared") in ("1", "true", "yes"),
                       formats=args.get("formats", ""), user=user, max_parcels=limit)
        data = out.read_bytes()
    response = send_file(io.BytesIO(data), mimetype="application/zip",
                         as_attachment=True, download_name=_filename(args.get("lot", "")))
    response.headers["Cache-Control"] = "no-store"
    return response

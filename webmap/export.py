"""Exports for viewers and editors alike: the auction lot dossier as a zip.

    GET /export/dossier.zip?lot=CODE&name=…&parcels=a,b,c   (ids or sheet/parcel pairs)
    GET /export/dossier.zip?lot=CODE&polygon=<GeoJSON, WGS 84>
    GET /export/dossier.zip?lot=CODE&zone=…&status=…&land_use=…   (repeatable)
        [&allow_uncleared=1] [&formats=shp,kml]

The same core and the same files as ``scripts/export_dossier.py``. Refusals answer 400 (404
for a parcel that does not exist) with ``{"error": "…"}``.
"""

from __future__ import annotations

import io
import json
import re
import tempfile
import unicodedata
from pathlib import Path

from flask import Blueprint, jsonify, request, send_file
from flask_login import current_user

from landgis.dossier import DossierError, UnknownParcelError, export_dossier
from webmap.data import get_store

bp = Blueprint("export", __name__, url_prefix="/export")
MAX_PARCELS = 2000  # a 2,000-page PDF takes about a minute; the script has no cap


@bp.errorhandler(UnknownParcelError)
def _unknown(exc):
    return jsonify(error=str(exc)), 404


@bp.errorhandler(DossierError)
def _refused(exc):
    return jsonify(error=str(exc), kind=exc.kind, parcel_ids=exc.parcel_ids[:100]), 400


def _filename(code: str) -> str:
    ascii_code = unicodedata.normalize("NFKD", code.replace("Đ", "D").replace("đ", "d"))
    ascii_code = re.sub(r"[^A-Za-z0-9._-]+", "_", ascii_code.encode("ascii", "ignore").decode())
    return f"ho_so_{ascii_code.strip('_') or 'lo'}.zip"


@bp.get("/dossier.zip")
def dossier():
    args = request.args
    parcels = [p.strip() for value in args.getlist("parcels") for p in value.split(",")
               if p.strip()]
    if len(parcels) > MAX_PARCELS:
        raise DossierError(f"quá nhiều thửa / too many parcels ({len(parcels)}); "
                           f"at most {MAX_PARCELS}")
    polygon = None
    if args.get("polygon"):
        try:
            polygon = json.loads(args["polygon"])
        except ValueError:
            raise DossierError("polygon: không phải GeoJSON / not GeoJSON") from None
    user = current_user.id if current_user.is_authenticated else None
    with tempfile.TemporaryDirectory(prefix="landgis-dossier-") as tmp:
        out = Path(tmp) / "dossier.zip"
        export_dossier(get_store(), out, code=args.get("lot", ""), name=args.get("name"),
                       parcels=parcels or None, zones=args.getlist("zone") or None,
                       statuses=args.getlist("status") or None,
                       land_uses=args.getlist("land_use") or None, polygon=polygon,
                       allow_uncleared=args.get("allow_uncleared") in ("1", "true", "yes"),
                       formats=args.get("formats", ""), user=user)
        data = out.read_bytes()
    response = send_file(io.BytesIO(data), mimetype="application/zip",
                         as_attachment=True, download_name=_filename(args.get("lot", "")))
    response.headers["Cache-Control"] = "no-store"
    return response

"""OGC API – Features under ``/ogc`` (:mod:`landgis.ogc`): read-only, JSON or HTML.

Each view parses the request, calls one core function and writes JSON (``f=json``, or a client
that does not prefer HTML) or a page (``f=html``, or a browser). Links are absolute, and carry
the ``api_key`` the request came with, so a desktop client that was given a key in the URL
follows them. Only GET, HEAD and OPTIONS are routed: any other method is a 405 with ``Allow``.
"""

from __future__ import annotations

import json
from urllib.parse import quote, urlencode

from flask import Blueprint, Response, current_app, jsonify, render_template, request

from landgis import ogc
from landgis.ogc import documents, features
from webmap.data import get_store, get_views

bp = Blueprint("ogc", __name__, url_prefix="/ogc")


@bp.errorhandler(ogc.BadRequest)
def _bad_request(exc):
    return jsonify(error=str(exc)), 400


@bp.errorhandler(ogc.NotFound)
def _not_found(exc):
    return jsonify(error=str(exc)), 404


def _base() -> str:
    return request.url_root.rstrip("/") + "/ogc"


def _html() -> bool:
    f = request.args.get("f")
    if f in ("json", "geojson"):
        return False
    if f == "html":
        return True
    if f:
        raise ogc.BadRequest(f"f {f[:20]!r}: chỉ json hoặc html / json or html")
    best = request.accept_mimetypes.best_match(["application/json", "application/geo+json",
                                                "text/html"], default="application/json")
    return best == "text/html"


def _with_key(doc):
    """Every link of ``doc`` with the request's ``api_key`` (when it came in the URL)."""
    key = request.args.get("api_key")
    if not key:
        return doc
    suffix = urlencode({"api_key": key})
    stack = [doc]
    while stack:
        value = stack.pop()
        if isinstance(value, dict):
            if isinstance(value.get("href"), str):
                href = value["href"]
                value["href"] = href + ("&" if "?" in href else "?") + suffix
            stack.extend(value.values())
        elif isinstance(value, list):
            stack.extend(value)
    return doc


def _answer(doc, kind: str, mimetype: str = "application/json", *, title: str = ""):
    doc = _with_key(doc)
    if _html():
        return Response(render_template(
            "ogc.html", kind=kind, doc=doc, title=title,
            pretty=json.dumps(doc, ensure_ascii=False, indent=1)[:200_000]), mimetype="text/html")
    return Response(json.dumps(doc, ensure_ascii=False, separators=(",", ":")),
                    mimetype=mimetype)


def _view():
    return get_views().current(get_store())


@bp.get("")
@bp.get("/")
def landing():
    return _answer(documents.landing(_base()), "landing", title=documents.TITLE)


@bp.get("/conformance")
def conformance():
    return _answer(documents.conformance(), "conformance", title="Conformance")


@bp.get("/api")
def api():
    doc = documents.openapi(_view(), _base())
    if request.args.get("f") == "html":
        return _answer(doc, "api", title="OpenAPI 3.0")
    return Response(json.dumps(_with_key(doc), ensure_ascii=False),
                    mimetype=documents.OPENAPI.split(";")[0],
                    content_type=documents.OPENAPI)


@bp.get("/collections")
def collections():
    return _answer(documents.collections(_view(), _base()), "collections",
                   title="Các lớp / Collections")


@bp.get("/collections/<name>")
def collection(name):
    doc = documents.collection(_view(), _base(), name)
    return _answer(doc, "collection", title=doc["title"])


@bp.get("/collections/<name>/schema")
def schema(name):
    doc = features.schema(_view(), name, _base())
    return Response(json.dumps(doc, ensure_ascii=False), mimetype="application/schema+json")


def _links(name: str, page: dict) -> list:
    url = f"{_base()}/collections/{name}/items"
    args = {k: v for k, v in request.args.items() if k not in ("offset", "f", "api_key")}

    def href(offset, f="json"):
        query = {**args, "f": f, **({"offset": offset} if offset else {})}
        return f"{url}?{urlencode(query)}"

    links = [{"href": href(page["offset"]), "rel": "self", "type": "application/geo+json",
              "title": "this page"},
             {"href": href(page["offset"], "html"), "rel": "alternate", "type": "text/html",
              "title": "HTML"},
             {"href": f"{_base()}/collections/{name}", "rel": "collection",
              "type": "application/json", "title": name}]
    if page["next"] is not None:
        links.append({"href": href(page["next"]), "rel": "next",
                      "type": "application/geo+json", "title": "next page"})
    if page["prev"] is not None:
        links.append({"href": href(page["prev"]), "rel": "prev",
                      "type": "application/geo+json", "title": "previous page"})
    return links


def _geojson(doc, kind: str, title: str):
    page = doc.pop("_page")
    response = _answer(doc, kind, "application/geo+json", title=title)
    response.headers["Content-Crs"] = f"<{page['crs']}>"
    response.headers["Cache-Control"] = "no-cache"  # statuses change any day
    return response


@bp.get("/collections/<name>/items")
def items(name):
    settings = current_app.config["LANDGIS"]
    doc = features.items(_view(), name, request.args.to_dict(),
                         rules_file=settings.schedule_rules)
    page = doc["_page"]
    doc["links"] = _links(name, page)
    if page["capped"]:
        doc["limit_note"] = (f"limit giới hạn ở {ogc.MAX_LIMIT} / limit capped at "
                             f"{ogc.MAX_LIMIT} features a page")
    return _geojson(doc, "items", f"{features.COLLECTIONS[name][1]} / "
                                  f"{features.COLLECTIONS[name][2]}")


@bp.get("/collections/<name>/items/<path:fid>")
def item(name, fid):
    settings = current_app.config["LANDGIS"]
    doc = features.item(_view(), name, fid, request.args.to_dict(),
                        rules_file=settings.schedule_rules)
    url = f"{_base()}/collections/{name}"
    fid = quote(fid, safe="")
    doc["links"] = [
        {"href": f"{url}/items/{fid}?f=json", "rel": "self", "type": "application/geo+json",
         "title": "this feature"},
        {"href": f"{url}/items/{fid}?f=html", "rel": "alternate", "type": "text/html",
         "title": "HTML"},
        {"href": url, "rel": "collection", "type": "application/json", "title": name}]
    return _geojson(doc, "item", f"{name} {fid}")

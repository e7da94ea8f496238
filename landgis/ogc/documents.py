"""The landing page, conformance, collections and OpenAPI documents, with absolute links
from ``base`` (the ``/ogc`` URL as the client reached it)."""

from __future__ import annotations

from landgis.ogc import CONFORMANCE, CRS84, CRS_LIST, DEFAULT_LIMIT, MAX_LIMIT, STORAGE_CRS_URI
from landgis.ogc.features import COLLECTIONS, DATED, available, frame

JSON, GEOJSON, HTML = "application/json", "application/geo+json", "text/html"
OPENAPI = "application/vnd.oai.openapi+json;version=3.0"
TITLE = "landgis – quỹ đất Khu kinh tế Kon Tum / Kon Tum economic-zone land fund"


def landing(base: str) -> dict:
    return {"title": TITLE,
            "description": "OGC API – Features (Part 1 Core, Part 2 CRS); chỉ đọc / read-only",
            "links": [
                {"href": f"{base}?f=json", "rel": "self", "type": JSON, "title": "this document"},
                {"href": f"{base}?f=html", "rel": "alternate", "type": HTML, "title": "HTML"},
                {"href": f"{base}/api", "rel": "service-desc", "type": OPENAPI,
                 "title": "OpenAPI 3.0"},
                {"href": f"{base}/api?f=html", "rel": "service-doc", "type": HTML,
                 "title": "API (HTML)"},
                {"href": f"{base}/conformance", "rel": "conformance", "type": JSON,
                 "title": "conformance classes"},
                {"href": f"{base}/collections", "rel": "data", "type": JSON,
                 "title": "collections"},
            ]}


def conformance() -> dict:
    return {"conformsTo": list(CONFORMANCE)}


def collection(view, base: str, name: str) -> dict:
    fr = frame(view, name)
    key, vi, en = COLLECTIONS[name]
    url = f"{base}/collections/{name}"
    doc = {"id": name, "title": f"{vi} / {en}",
           "description": f"{vi} / {en}; id = {key}",
           "itemType": "feature", "crs": list(CRS_LIST), "storageCrs": STORAGE_CRS_URI,
           "links": [
               {"href": url, "rel": "self", "type": JSON, "title": name},
               {"href": f"{url}?f=html", "rel": "alternate", "type": HTML, "title": "HTML"},
               {"href": f"{url}/items", "rel": "items", "type": GEOJSON, "title": "GeoJSON"},
               {"href": f"{url}/items?f=html", "rel": "items", "type": HTML, "title": "HTML"},
               {"href": f"{url}/schema", "rel": "describedby", "type": "application/schema+json",
                "title": "JSON Schema of the properties"},
           ]}
    if fr.extent:
        doc["extent"] = {"spatial": {"bbox": [fr.extent], "crs": CRS84}}
    if name in DATED:
        doc["description"] += ("; datetime/as_of: trạng thái tại ngày / the state as of a date "
                               "(an instant)")
    return doc


def collections(view, base: str) -> dict:
    return {"links": [{"href": f"{base}/collections", "rel": "self", "type": JSON,
                       "title": "collections"},
                      {"href": f"{base}/collections?f=html", "rel": "alternate", "type": HTML,
                       "title": "HTML"}],
            "crs": list(CRS_LIST),
            "collections": [collection(view, base, c) for c in available(view.store)]}


def _param(name, where, schema, description, **extra):
    return {"name": name, "in": where, "required": where == "path", "schema": schema,
            "description": description, **extra}


def openapi(view, base: str) -> dict:
    """The OpenAPI 3.0 document; the ``limit`` parameter says its default and maximum (QGIS
    reads its page size from them)."""
    common = [
        _param("f", "query", {"type": "string", "enum": ["json", "html"]}, "format"),
        _param("crs", "query", {"type": "string", "format": "uri", "enum": CRS_LIST},
               "CRS of the answer (Part 2); default CRS84"),
    ]
    listing = [
        _param("limit", "query", {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT,
                                  "default": DEFAULT_LIMIT},
               f"features per page; a larger value is answered with {MAX_LIMIT}",
               style="form", explode=False),
        _param("offset", "query", {"type": "integer", "minimum": 0, "default": 0},
               "features skipped (the next links carry it)"),
        _param("bbox", "query", {"type": "array", "minItems": 4, "maxItems": 4,
                                 "items": {"type": "number"}},
               "minx,miny,maxx,maxy in bbox-crs (default CRS84)", style="form", explode=False),
        _param("bbox-crs", "query", {"type": "string", "format": "uri", "enum": CRS_LIST},
               "CRS of bbox"),
        _param("datetime", "query", {"type": "string"},
               "parcels, investments: the state as of this instant"),
        _param("as_of", "query", {"type": "string"},
               "parcels, investments: the state as of this date (dd/mm/yyyy or yyyy-mm-dd)"),
    ]
    paths = {
        "/": {"get": {"summary": "landing page", "operationId": "getLandingPage",
                      "parameters": common[:1], "responses": {"200": {"description": "ok"}}}},
        "/conformance": {"get": {"summary": "conformance", "operationId": "getConformance",
                                 "parameters": common[:1],
                                 "responses": {"200": {"description": "ok"}}}},
        "/collections": {"get": {"summary": "collections", "operationId": "getCollections",
                                 "parameters": common[:1],
                                 "responses": {"200": {"description": "ok"}}}},
    }
    for name in available(view.store):
        fr = frame(view, name)
        props = sorted(fr.props) + (["clearance_status", "auction_status"]
                                    if name == "parcels" else [])
        filters = [_param(p, "query", {"type": "string"}, f"{p} equals") for p in
                   dict.fromkeys(props)]
        ok = {"200": {"description": "ok"}, "400": {"description": "bad parameter"},
              "404": {"description": "not found"}}
        paths[f"/collections/{name}"] = {"get": {
            "summary": COLLECTIONS[name][2], "operationId": f"describe_{name}",
            "parameters": common[:1], "responses": ok}}
        paths[f"/collections/{name}/items"] = {"get": {
            "summary": f"{COLLECTIONS[name][2]}: items", "operationId": f"get_{name}",
            "parameters": common + listing + filters, "responses": ok}}
        paths[f"/collections/{name}/items/{{featureId}}"] = {"get": {
            "summary": f"{COLLECTIONS[name][2]}: one feature", "operationId": f"get_{name}_one",
            "parameters": common + [_param("featureId", "path", {"type": "string"},
                                           COLLECTIONS[name][0])],
            "responses": ok}}
    return {"openapi": "3.0.3",
            "info": {"title": TITLE, "version": "1.0",
                     "description": "OGC API – Features; read-only"},
            "servers": [{"url": base}], "paths": paths}

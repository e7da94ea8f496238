"""OGC API – Features, Part 1 (Core) and Part 2 (CRS by reference), as plain Python.

The web adapter (:mod:`webmap.ogc`) parses a request into these calls and writes their dicts
as JSON or HTML. The layers are the store's (``zones``, ``zoning_plots``, ``parcels``,
``projects``) and the investments drawn on their plots (:mod:`landgis.progress.geo`); parcels
carry their clearance and auction status from the ledger as of a date. Everything is read
once per store version through :mod:`landgis.dataview`, so a page is cut out of memory.

Coordinates go out in one of :data:`CRS_LIST` through the pinned VN-2000 datum shift
(:mod:`landgis.crs`); EPSG:4326 in its own axis order (latitude first), CRS84 longitude first.
"""

from __future__ import annotations

from landgis.params import BadRequest, NotFound

CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
EPSG_URI = "http://www.opengis.net/def/crs/EPSG/0/{}"
STORAGE_CRS_URI = EPSG_URI.format(9216)
#: the CRSs an answer may be in, CRS84 first (the default)
CRS_LIST = [CRS84, EPSG_URI.format(4326), STORAGE_CRS_URI, EPSG_URI.format(5898)]

CONFORMANCE = [
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/html",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30",
    "http://www.opengis.net/spec/ogcapi-features-2/1.0/conf/crs",
]

#: a page holds this many features unless ``limit`` says otherwise
DEFAULT_LIMIT = 100
#: the most a page holds; a larger ``limit`` is answered with this many (the OpenAPI says so)
MAX_LIMIT = 10_000

__all__ = ["BadRequest", "NotFound", "CRS84", "CRS_LIST", "STORAGE_CRS_URI", "CONFORMANCE",
           "DEFAULT_LIMIT", "MAX_LIMIT"]

"""OGC API – Features Part 2 (CRS by reference): the abstract test suite's assertions (crs list,
storageCrs, crs parameter, Content-Crs, bbox-crs), on both backends."""

from __future__ import annotations

import numpy as np
import shapely

from landgis.ogc import CRS_LIST
from landgis.ogc.crsparams import to_storage

EPSG = "http://www.opengis.net/def/crs/EPSG/0/"
CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"


def test_crs_list_and_storage_crs(client):
    """/conf/crs/fc-md-crs-list, fc-md-storageCrs: every collection lists the four CRSs as
    URIs, the storage CRS among them."""
    for c in client.get("/ogc/collections").get_json()["collections"]:
        assert c["crs"] == [CRS84, EPSG + "4326", EPSG + "9216", EPSG + "5898"]
        assert c["storageCrs"] == EPSG + "9216" and c["storageCrs"] in c["crs"]


def test_crs_parameter_and_content_crs(client, store):
    """/conf/crs/crs-action, fc-crs-valid-value, ogc-crs-header: coordinates in the CRS asked
    for, said by Content-Crs; on the storage plane they are the store's to the millimetre."""
    stored = store.read_layer("parcels").set_index("parcel_id").geometry
    r = client.get("/ogc/collections/parcels/items?crs=" + EPSG + "9216")
    assert r.headers["Content-Crs"] == f"<{EPSG}9216>"
    for f in r.get_json()["features"]:
        got = shapely.geometry.shape(f["geometry"])
        assert got.hausdorff_distance(stored[f["id"]]) < 0.001
    r = client.get("/ogc/collections/parcels/items/23296-1-1")
    assert r.headers["Content-Crs"] == f"<{CRS84}>"


def test_axis_order(client):
    """EPSG:4326 is latitude first, CRS84 longitude first; both go back onto the plane
    within a centimetre of the store's geometry (the pinned VN-2000 shift)."""
    url = "/ogc/collections/parcels/items/23296-1-1?crs="
    lonlat = client.get(url + CRS84).get_json()["geometry"]["coordinates"][0][0]
    latlon = client.get(url + "EPSG:4326").get_json()["geometry"]["coordinates"][0][0]
    assert 107 < lonlat[0] < 109 and 14 < lonlat[1] < 15
    assert latlon == [lonlat[1], lonlat[0]]
    plane = client.get(url + "EPSG:9216").get_json()["geometry"]["coordinates"][0][0]
    back = to_storage([shapely.Point(latlon)], EPSG + "4326")[0]
    assert np.hypot(back.x - plane[0], back.y - plane[1]) < 0.01
    qn = client.get(url + "EPSG:5898").get_json()["geometry"]["coordinates"][0][0]
    assert qn[0] != plane[0] and 400_000 < qn[0] < 700_000  # another central meridian


def test_unknown_crs(client):
    """/conf/crs/fc-crs-valid-value: a CRS not in the list is a 400 naming the list."""
    for param in ("crs", "bbox-crs"):
        url = f"/ogc/collections/parcels/items?{param}=EPSG:3857"
        if param == "bbox-crs":
            url += "&bbox=1,2,3,4"
        r = client.get(url)
        assert r.status_code == 400
        assert all(uri in r.get_json()["error"] for uri in CRS_LIST)


def test_bbox_crs(client, store):
    """/conf/crs/fc-bbox-crs-action: a box on the storage plane, and the same box in
    EPSG:4326 (latitude first), find the same parcel."""
    from tests.conftest import X0, Y0  # the test store's origin on the plane

    box = (X0 + 110, Y0 + 110, X0 + 120, Y0 + 120)  # inside parcel 4 only
    doc = client.get("/ogc/collections/parcels/items?bbox=" + ",".join(map(str, box))
                     + "&bbox-crs=" + EPSG + "9216").get_json()
    assert [f["id"] for f in doc["features"]] == ["23296-1-4"]
    f = client.get("/ogc/collections/parcels/items/23296-1-4?crs=EPSG:4326").get_json()
    lats = [p[0] for p in f["geometry"]["coordinates"][0]]
    lons = [p[1] for p in f["geometry"]["coordinates"][0]]
    mid_lat, mid_lon = (min(lats) + max(lats)) / 2, (min(lons) + max(lons)) / 2
    d = 0.00001
    doc = client.get(f"/ogc/collections/parcels/items?bbox={mid_lat - d},{mid_lon - d},"
                     f"{mid_lat + d},{mid_lon + d}&bbox-crs=EPSG:4326").get_json()
    assert [f["id"] for f in doc["features"]] == ["23296-1-4"]

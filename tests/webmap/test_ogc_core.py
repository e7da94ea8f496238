"""OGC API – Features Part 1 (Core): one test per requirement of the abstract test suite, as
TEAM Engine asserts them (it cannot run here), on both backends; and the bad input of issue 15."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest

from landgis.ogc import DEFAULT_LIMIT, MAX_LIMIT

CORE = "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/"
IDS = ["23296-1-1", "23296-1-2", "23296-1-3", "23296-1-4"]


def rels(doc):
    return {link["rel"]: link for link in doc["links"]}


def get(client, url, status=200):
    r = client.get(url)
    assert r.status_code == status, (url, r.status_code, r.get_data(as_text=True)[:300])
    return r


def test_landing_page_links(client):
    """/conf/core/root-op, root-success: the links a client starts from, absolute."""
    r = get(client, "/ogc")
    doc = r.get_json()
    links = rels(doc)
    for rel in ("self", "service-desc", "service-doc", "conformance", "data"):
        assert links[rel]["href"].startswith("http://localhost/ogc"), rel
    assert links["service-desc"]["type"] == "application/vnd.oai.openapi+json;version=3.0"
    assert get(client, links["data"]["href"]).get_json()["collections"]


def test_api_definition(client):
    """/conf/core/api-definition-op, -success; /conf/oas30: the OpenAPI answers JSON and says
    the limit parameter's default and maximum (QGIS pages by them)."""
    r = get(client, "/ogc/api")
    assert r.headers["Content-Type"].startswith("application/vnd.oai.openapi+json")
    doc = r.get_json()
    assert doc["openapi"].startswith("3.0")
    params = {p["name"]: p for p in doc["paths"]["/collections/parcels/items"]["get"]
              ["parameters"]}
    assert params["limit"]["schema"]["default"] == DEFAULT_LIMIT
    assert params["limit"]["schema"]["maximum"] == MAX_LIMIT
    assert {"bbox", "crs", "bbox-crs", "offset", "datetime", "clearance_status"} <= set(params)
    assert "/collections/parcels/items/{featureId}" in doc["paths"]


def test_conformance(client):
    """/conf/core/conformance-op, -success."""
    got = set(get(client, "/ogc/conformance").get_json()["conformsTo"])
    assert {CORE + "core", CORE + "geojson", CORE + "html", CORE + "oas30",
            "http://www.opengis.net/spec/ogcapi-features-2/1.0/conf/crs"} <= got


def test_collections(client):
    """/conf/core/fc-md-op, -success, -links, -items, -extent."""
    doc = get(client, "/ogc/collections").get_json()
    assert rels(doc)["self"]["href"] == "http://localhost/ogc/collections"
    ids = [c["id"] for c in doc["collections"]]
    assert ids == ["zones", "parcels"]  # what the test store holds
    for c in doc["collections"]:
        items = [link for link in c["links"] if link["rel"] == "items"]
        assert any(link["type"] == "application/geo+json" for link in items)
        w, s, e, n = c["extent"]["spatial"]["bbox"][0]
        assert 107 < w < e < 109 and 14 < s < n < 15


def test_collection(client):
    """/conf/core/sfc-md-op, -success: the same description as in /collections; 404 for an
    unknown one."""
    one = get(client, "/ogc/collections/parcels").get_json()
    listed = {c["id"]: c for c in get(client, "/ogc/collections").get_json()["collections"]}
    assert one == listed["parcels"]
    assert "error" in get(client, "/ogc/collections/nothing", 404).get_json()
    assert "error" in get(client, "/ogc/collections/nothing/items", 404).get_json()


def test_items_response(client):
    """/conf/core/fc-op, fc-response, fc-numberMatched, fc-numberReturned, fc-timeStamp:
    GeoJSON, every feature with its status from the ledger."""
    r = get(client, "/ogc/collections/parcels/items")
    assert r.headers["Content-Type"].startswith("application/geo+json")
    doc = r.get_json()
    assert doc["type"] == "FeatureCollection"
    assert doc["numberMatched"] == doc["numberReturned"] == 4
    assert doc["timeStamp"].endswith("Z")
    byid = {f["id"]: f for f in doc["features"]}
    assert sorted(byid) == IDS
    assert byid["23296-1-1"]["properties"]["clearance_status"] == "compensated"
    assert byid["23296-1-1"]["properties"]["auction_status"] == "planned"
    assert byid["23296-1-4"]["properties"]["clearance_status"] == "not_started"


def test_items_limit_and_next_links(client):
    """/conf/core/fc-limit-definition, -response, fc-links, fc-next: pages of one, followed by
    their next links, give every feature once; the last has no next; prev goes back."""
    url, seen = "/ogc/collections/parcels/items?limit=1", []
    while url:
        doc = get(client, url).get_json()
        assert doc["numberReturned"] == len(doc["features"]) == 1
        assert doc["numberMatched"] == 4
        seen += [f["id"] for f in doc["features"]]
        links = rels(doc)
        assert links["self"]["href"].startswith("http://localhost/")
        url = links.get("next", {}).get("href")
        if seen[-1] != IDS[0]:
            assert parse_qs(urlsplit(links["prev"]["href"]).query).get("offset") in (
                None, [str(len(seen) - 2)])
    assert seen == IDS


def test_limit_bad_and_capped(client):
    """limit=0 is refused; limit=10^9 is answered with at most the maximum, and says so."""
    assert "limit" in get(client, "/ogc/collections/parcels/items?limit=0", 400).get_json()[
        "error"]
    get(client, "/ogc/collections/parcels/items?limit=abc", 400)
    doc = get(client, "/ogc/collections/parcels/items?limit=1000000000").get_json()
    assert doc["numberReturned"] == 4 and str(MAX_LIMIT) in doc["limit_note"]


def test_offset_past_the_end(client):
    doc = get(client, "/ogc/collections/parcels/items?offset=10").get_json()
    assert doc["features"] == [] and doc["numberMatched"] == 4
    assert "next" not in rels(doc)
    get(client, "/ogc/collections/parcels/items?offset=-1", 400)


def _corner_box(client):
    """A CRS84 box around the first parcel's south-west corner only."""
    f = get(client, "/ogc/collections/parcels/items/23296-1-1").get_json()
    ring = f["geometry"]["coordinates"][0]
    lon, lat = min(p[0] for p in ring), min(p[1] for p in ring)
    return lon - 0.0002, lat - 0.0002, lon + 0.0002, lat + 0.0002


def test_items_bbox(client):
    """/conf/core/fc-bbox-definition, -response: only the features meeting the box; bbox with
    3 or 5 numbers is a 400."""
    w, s, e, n = _corner_box(client)
    doc = get(client, f"/ogc/collections/parcels/items?bbox={w},{s},{e},{n}").get_json()
    assert [f["id"] for f in doc["features"]] == ["23296-1-1"]
    far = get(client, "/ogc/collections/parcels/items?bbox=100,10,100.1,10.1").get_json()
    assert far["numberMatched"] == 0
    # boxes far from Vietnam do not wrap round the projection onto the parcels
    assert get(client, "/ogc/collections/parcels/items?bbox=-10,-10,10,10").get_json()[
        "numberMatched"] == 0
    assert get(client, "/ogc/collections/parcels/items?bbox=-180,-90,180,90").get_json()[
        "numberMatched"] == 4
    for bad in ("1,2,3", "1,2,3,4,5", "a,b,c,d", "2,2,1,1"):
        assert "bbox" in get(client, f"/ogc/collections/parcels/items?bbox={bad}",
                             400).get_json()["error"]


def test_items_datetime(client):
    """/conf/core/fc-time-definition, -response: the parcels' statuses as of an instant
    (``datetime``, or ``as_of`` day first); an interval is refused."""
    url = "/ogc/collections/parcels/items/23296-1-1"
    assert get(client, url + "?datetime=2019-02-01").get_json()["properties"][
        "clearance_status"] == "inventoried"
    assert get(client, url + "?datetime=2019-02-01T10:00:00Z").get_json()["properties"][
        "clearance_status"] == "inventoried"
    assert get(client, url + "?as_of=01/01/2019").get_json()["properties"][
        "clearance_status"] == "not_started"
    doc = get(client, "/ogc/collections/parcels/items?datetime=2019-04-01"
                      "&clearance_status=disputed").get_json()
    assert [f["id"] for f in doc["features"]] == ["23296-1-2"]
    get(client, "/ogc/collections/parcels/items?datetime=2019-01-01/2019-02-01", 400)
    get(client, "/ogc/collections/parcels/items?datetime=yesterday", 400)


def test_property_filters(client):
    doc = get(client, "/ogc/collections/parcels/items?zone_code=KCN-T1"
                      "&clearance_status=compensated").get_json()
    assert [f["id"] for f in doc["features"]] == ["23296-1-1"]
    assert "no_such" in get(client, "/ogc/collections/parcels/items?no_such=1",
                            400).get_json()["error"]
    get(client, "/ogc/collections/parcels/items?clearance_status=gone", 400)


def test_feature(client):
    """/conf/core/f-op, f-success, f-links: one feature by its key; 404 for none."""
    r = get(client, "/ogc/collections/parcels/items/23296-1-3")
    doc = r.get_json()
    assert doc["type"] == "Feature" and doc["id"] == "23296-1-3"
    assert {"self", "alternate", "collection"} <= set(rels(doc))
    assert "error" in get(client, "/ogc/collections/parcels/items/nope", 404).get_json()
    zone = get(client, "/ogc/collections/zones/items/KCN-T1").get_json()
    assert zone["properties"]["name_vi"] == "KCN thử"


@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
def test_read_only(client, method):
    """Editing stays with the ledger: other methods are 405 with Allow; OPTIONS says so."""
    r = getattr(client, method)("/ogc/collections/parcels/items")
    assert r.status_code == 405
    assert set(r.headers["Allow"].replace(" ", "").split(",")) == {"GET", "HEAD", "OPTIONS"}
    r = client.options("/ogc/collections/parcels/items/23296-1-1")
    assert set(r.headers["Allow"].replace(" ", "").split(",")) == {"GET", "HEAD", "OPTIONS"}


def test_html_pages_escape(client, store, zones_gdf):
    """/conf/html: real pages, Vietnamese first; an HTML-looking value is shown as text."""
    hostile = "<img src=x onerror=alert(1)>"
    zones = zones_gdf.copy()
    zones["name_vi"] = [hostile]
    store.write_layer("zones", zones)
    for url in ("/ogc/collections/zones/items?f=html", "/ogc/collections/zones/items/KCN-T1"
                "?f=html"):
        r = get(client, url)
        assert r.headers["Content-Type"].startswith("text/html")
        page = r.get_data(as_text=True)
        assert hostile not in page and "&lt;img src=x onerror=alert(1)&gt;" in page
    page = get(client, "/ogc/collections?f=html").get_data(as_text=True)
    assert "Các lớp / Collections" in page and "parcels" in page
    r = client.get("/ogc/collections", headers={"Accept": "text/html"})
    assert r.headers["Content-Type"].startswith("text/html")
    get(client, "/ogc/collections?f=xml", 400)


def test_schema_of_the_properties(client):
    """The collection's describedby link gives a JSON Schema typing each property (the parcel
    id a string, sheet numbers integers, the statuses with their codes)."""
    links = rels(get(client, "/ogc/collections/parcels").get_json())
    doc = get(client, links["describedby"]["href"].replace("http://localhost", "")).get_json()
    props = doc["properties"]
    assert props["parcel_id"]["type"] == "string" and props["sheet_no"]["type"] == "integer"
    assert "compensated" in props["clearance_status"]["enum"]


def test_a_status_recorded_shows_at_once(client, store):
    """The parcels' statuses follow the ledger: an event appended is in the next answer."""
    import pandas as pd

    from tests.conftest import event

    url = "/ogc/collections/parcels/items/23296-1-4"
    assert get(client, url).get_json()["properties"]["clearance_status"] == "not_started"
    store.append_events(pd.DataFrame([event("23296-1-4", "clearance_status", "inventoried",
                                            "2020-01-01", 9)]))
    assert get(client, url).get_json()["properties"]["clearance_status"] == "inventoried"
    assert get(client, url + "?as_of=31/12/2019").get_json()["properties"][
        "clearance_status"] == "not_started"

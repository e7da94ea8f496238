"""GET /tiles/<layer>.json (TileJSON 3.0) and GET /tiles/style.json (Mapbox GL style), the
vector tiles described for desktop clients; QGIS reading them: tests/qgis/test_vector_tiles.py."""

from __future__ import annotations

import gzip

import mapbox_vector_tile

from landgis import crs as crsmod
from landgis.vocabularies import ZONE_KIND
from tests.conftest import X0, Y0
from tests.webmap.test_auth_edit import PASSWORD, login
from tests.webmap.test_tiles import parcel_tile
from webmap import create_app
from webmap.pagemap import LAND_USE_GROUPS, ZONE_COLOURS


def test_a_layers_tilejson_gives_absolute_tile_addresses_zooms_bounds_and_fields(client):
    resp = client.get("/tiles/parcels.json", base_url="http://gis.example.vn:8080")
    assert resp.status_code == 200 and resp.mimetype == "application/json"
    doc = resp.get_json()
    assert doc["tilejson"] == "3.0.0"
    assert doc["tiles"] == ["http://gis.example.vn:8080/tiles/parcels/{z}/{x}/{y}.pbf"]
    assert doc["minzoom"] == 13 and doc["maxzoom"] >= doc["minzoom"]
    # the four parcels' square (0..200 m from the origin) lies inside the bounds, and the
    # bounds are not much larger than it
    w, s, e, n = doc["bounds"]
    lon0, lat0 = crsmod.transformer(9216, 4326).transform(X0, Y0)
    lon1, lat1 = crsmod.transformer(9216, 4326).transform(X0 + 200, Y0 + 200)
    assert w <= lon0 + 1e-5 and s <= lat0 + 1e-5 and e >= lon1 - 1e-5 and n >= lat1 - 1e-5
    assert e - w < 0.01 and n - s < 0.01
    assert w <= doc["center"][0] <= e and s <= doc["center"][1] <= n
    (layer,) = doc["vector_layers"]
    assert layer["id"] == "parcels"
    assert layer["fields"]["parcel_id"] == "String" and layer["fields"]["parcel_no"] == "Number"

    # the fields named are the ones a tile carries, and the tile answers at that address
    x, y = parcel_tile(16)
    tile = client.get(f"/tiles/parcels/16/{x}/{y}.pbf")
    data = gzip.decompress(tile.data) if tile.headers.get("Content-Encoding") else tile.data
    (decoded,) = mapbox_vector_tile.decode(data).items()
    assert decoded[0] == layer["id"]
    assert set(decoded[1]["features"][0]["properties"]) == set(layer["fields"])


def test_an_unknown_layer_has_no_tilejson(client):
    resp = client.get("/tiles/owners.json")
    assert resp.status_code == 404 and "owners" in resp.get_json()["error"]


def test_a_tiled_layer_the_store_lacks_has_a_tilejson_over_the_world(client):
    doc = client.get("/tiles/zoning_plots.json").get_json()  # the fixture has no zoning plots
    assert doc["bounds"][0] == -180 and doc["bounds"][2] == 180
    assert set(doc["vector_layers"][0]["fields"]) == {"plot_code", "zone_code", "function",
                                                      "lease_status"}


def test_the_style_draws_each_tiled_layer_in_the_pages_colours(client):
    style = client.get("/tiles/style.json", base_url="https://gis.example.vn").get_json()
    assert style["version"] == 8
    # the fixture's store holds zones and parcels, no zoning plots: only what is there
    vector = {k: v for k, v in style["sources"].items() if v["type"] == "vector"}
    assert vector == {
        "parcels": {"type": "vector", "url": "https://gis.example.vn/tiles/parcels.json"},
        "zones": {"type": "vector", "url": "https://gis.example.vn/tiles/zones.json"}}
    for source in vector.values():  # every source's TileJSON answers
        assert client.get(source["url"]).get_json()["tilejson"] == "3.0.0"
    layers = style["layers"]
    assert len({la["id"] for la in layers}) == len(layers)  # a client keys style layers by id
    zones = {la["filter"][2]: la for la in layers if la.get("source-layer") == "zones"}
    assert {k: la["paint"]["line-color"] for k, la in zones.items()} == ZONE_COLOURS
    assert zones["kcn"]["id"] == " / ".join(ZONE_KIND.labels["kcn"])
    parcels = [la for la in layers if la.get("source-layer") == "parcels"]
    cln = [la for la in parcels if "CLN" in la["filter"][2:] and la["filter"][0] == "in"]
    assert len(cln) == 1 and cln[0]["paint"]["fill-color"] == LAND_USE_GROUPS["CLN"]
    assert "CLN" in cln[0]["id"]
    # every land-use code has exactly one colour: the "in" filters split the codes
    codes = [c for la in parcels if la["filter"][0] == "in" for c in la["filter"][2:]]
    assert sorted(codes) == sorted(LAND_USE_GROUPS)
    assert all(la["minzoom"] == 13 for la in parcels)


def test_the_style_puts_the_basemap_under_the_layers_when_one_is_configured(store, tmp_path):
    from landgis.raster import make_demo_hillshade

    basemap = make_demo_hillshade(tmp_path / "h.tif", store.read_layer("zones"),
                                  resolution=50.0)
    app = create_app({"database_url": store.url, "instance_dir": str(tmp_path / "i"),
                      "basemap_raster": str(basemap), "tiles_build": "off"})
    client = app.test_client()
    style = client.get("/tiles/style.json").get_json()
    (url,) = style["sources"]["basemap"]["tiles"]
    assert url == "http://localhost/tiles/basemap/{z}/{x}/{y}.png"
    assert style["layers"][0]["source"] == "basemap"
    assert client.get(url.format(z=14, x=0, y=0)).status_code in (200, 204)

    app = create_app({"database_url": store.url, "instance_dir": str(tmp_path / "j"),
                      "basemap_raster": "", "tiles_build": "off"})
    style = app.test_client().get("/tiles/style.json").get_json()
    assert "basemap" not in style["sources"]
    assert all(la.get("source") != "basemap" for la in style["layers"])


def test_tilejson_and_style_need_a_login_when_reading_does(store, tmp_path):
    from landgis.accounts import open_accounts

    app = create_app({"database_url": store.url, "instance_dir": str(tmp_path / "i"),
                      "read_open": False, "tiles_build": "off"})
    anonymous = app.test_client()
    for url in ("/tiles/parcels.json", "/tiles/style.json"):
        assert anonymous.get(url).status_code == 401, url
    open_accounts(store.url, str(tmp_path / "i")).create("xem", PASSWORD)
    client = login(app.test_client(), "xem")
    for url in ("/tiles/parcels.json", "/tiles/style.json"):
        resp = client.get(url)
        assert resp.status_code == 200, url
        assert "public" not in resp.headers["Cache-Control"], url

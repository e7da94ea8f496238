import json
import re

from webmap import assets, create_app


#: the address of a script or a style sheet of the page (not of a link to another page)
ASSET_URL = r'<(?:script|link)\b[^>]*?(?:src|href)="([^"]+)"'


def page_text(resp) -> str:
    """The page with JavaScript's \\uXXXX escapes decoded, as the browser will see the strings."""
    return re.sub(r"\\u([0-9a-fA-F]{4})", lambda m: chr(int(m.group(1), 16)),
                  resp.get_data(as_text=True))


def test_map_page_lists_the_layers_in_vietnamese_first(client):
    page = client.get("/")
    assert page.status_code == 200
    html = page_text(page)
    for name in ("Khu kinh tế / Economic zone", "Khu công nghiệp / Industrial parks",
                 "Cụm công nghiệp / Industrial clusters", "Lô quy hoạch / Zoning plots",
                 "Thửa đất / Parcels", "Dự án đầu tư công / Public projects",
                 "Dự án nhà đầu tư / Investor projects", "Nền địa hình (minh họa) / Hillshade",
                 "OpenStreetMap (cần internet / needs internet)"):
        assert name in html, name
    assert "KCN-T1" in html
    assert "/tiles/parcels/{z}/batch" in html


def test_map_page_links_the_progress_page(client):
    html = page_text(client.get("/"))
    link = re.search(r'<a id="landgis-progress-link"[^>]*href="([^"]+)"[^>]*>([^<]+)</a>', html)
    assert link and link.groups() == ("/progress", "Tiến độ dự án / Progress")
    assert client.get(link.group(1)).status_code == 200


def test_parcels_are_not_embedded_in_the_page(client):
    html = client.get("/").get_data(as_text=True)
    assert "23296-1-1" not in html  # parcels come as tiles, never in the page


def test_page_loads_every_script_and_style_from_the_app(client):
    html = client.get("/").get_data(as_text=True)
    urls = re.findall(ASSET_URL, html)
    assert urls, "the page links no scripts or style sheets"
    assert all(u.startswith(("/vendor/", "/static/")) for u in urls), urls
    for url in urls:
        assert client.get(url).status_code == 200, url


def test_page_leaves_out_the_folium_defaults_it_does_not_use(client):
    html = client.get("/").get_data(as_text=True)
    urls = re.findall(ASSET_URL, html)
    for unused in ("jquery", "bootstrap", "fontawesome", "awesome-markers"):
        assert not [u for u in urls if unused in u], unused
    assert "$(" not in html  # nothing on the page calls jQuery
    # the parcel layer's code loads after Leaflet, whose class it extends
    order = [u.rsplit("/", 1)[-1] for u in urls]
    assert order.index("leaflet.js") < order.index("pbf.js") < order.index("parcel-tiles.js")


def test_parcel_layer_asks_for_the_tiles_of_this_data_version(client, store, tmp_path):
    from landgis import raster, tiles

    html = client.get("/").get_data(as_text=True)
    options = json.loads(re.search(r"L\.landgisParcelTiles\((\{.*?\})\)", html).group(1))
    assert options["version"] == tiles.data_version(store)
    assert options["maxNativeZoom"] == tiles.PYRAMID_MAX_ZOOM
    assert "fitBounds(" in html and "{animate: false}" in html
    # the basemap is asked for down to its own resolution, and enlarged past it
    tif = raster.make_demo_hillshade(tmp_path / "hs.tif", None, resolution=100.0)
    app = create_app({"database_url": store.url, "instance_dir": str(tmp_path / "i"),
                      "basemap_raster": str(tif), "TESTING": True})
    html = app.test_client().get("/").get_data(as_text=True)
    assert f'"maxNativeZoom": {raster.native_zoom(tif)}' in html
    assert raster.native_zoom(tif) == 11  # 100 m pixels


def test_vendor_route_serves_only_the_installed_packages(client):
    assert client.get("/vendor/leaflet/dist/leaflet.js").status_code == 200
    assert client.get("/vendor/../package.json").status_code == 404
    assert client.get("/vendor/left-pad/index.js").status_code == 404


def test_values_from_data_are_escaped(store, tmp_path, zones_gdf):
    hostile = zones_gdf.copy()
    hostile["name_vi"] = "<img src=x onerror=alert(1)>"
    store.write_layer("zones", hostile)
    app = create_app({"database_url": store.url, "instance_dir": str(tmp_path / "i")})
    html = page_text(app.test_client().get("/"))
    assert "<img src=x" not in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html


def test_content_security_policy_lets_only_this_server_run_scripts(client):
    resp = client.get("/")
    csp = resp.headers["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "script-src 'self' 'sha256-" in csp
    assert "connect-src 'self'" in csp and "object-src 'none'" in csp
    assert resp.headers["X-Content-Type-Options"] == "nosniff"


def test_page_script_gets_the_vn2000_plane_with_the_pinned_shift(client):
    html = client.get("/").get_data(as_text=True)
    config = json.loads(re.search(r"landgis\.init\([^,]+,[^,]+,[^,]+,\s*(\{.*\})\);",
                                  html, re.S).group(1))
    # +towgs84 is position-vector: the rotations of EPSG:6960 (coordinate frame) flip sign
    assert config["vn2000"].endswith("+towgs84=-191.90441429,-39.30318279,-111.45032835,"
                                     "0.00928836,-0.01975479,0.00427372,0.252906278")
    assert config["vocab"]["clearance_status"]["disputed"]["vi"] == "đang khiếu nại"


def test_land_use_not_stated_has_its_colour_and_both_labels(client):
    html = client.get("/").get_data(as_text=True)
    config = json.loads(re.search(r"landgis\.init\([^,]+,[^,]+,[^,]+,\s*(\{.*\})\);",
                                  html, re.S).group(1))
    land_use = config["vocab"]["land_use_code"]
    assert land_use["not_stated"]["vi"] == "chưa xác định"
    assert land_use["not_stated"]["en"] == "not stated"
    # a colour of its own, not one of a national land-use family
    others = {v["colour"] for code, v in land_use.items() if code != "not_stated"}
    assert land_use["not_stated"]["colour"] not in others


def test_missing_store_is_a_503_with_a_message(tmp_path):
    app = create_app({"database_url": str(tmp_path / "none.gpkg"),
                      "instance_dir": str(tmp_path / "i")})
    resp = app.test_client().get("/")
    assert resp.status_code == 503
    assert "make layers" in resp.get_json()["error"]


def test_secret_key_is_generated_once_and_kept(tmp_path, store):
    cfg = {"database_url": store.url, "instance_dir": str(tmp_path / "inst")}
    first = create_app(cfg).config["SECRET_KEY"]
    assert len(first) == 64
    assert create_app(cfg).config["SECRET_KEY"] == first
    assert (tmp_path / "inst" / "secret_key").stat().st_mode & 0o077 == 0


def test_assets_are_installed():
    assert assets.missing() == [], "run `make` to install the browser libraries"


def test_warm_start_prepares_the_map_and_follows_an_import(store, parcels_gdf, tmp_path,
                                                           monkeypatch):
    import threading
    import time

    import webmap
    from landgis import tiles
    from tests.conftest import square

    monkeypatch.setattr(webmap, "WATCH_SECONDS", 0.1)
    app = create_app({"database_url": store.url, "instance_dir": str(tmp_path / "i"),
                      "TESTING": True, "tiles_build": "inline"})
    pyramids = tmp_path / "i" / "tiles"

    def built(version: str) -> bool:
        return (pyramids / version / "manifest.json").exists()

    before = tiles.data_version(store)
    watcher = threading.Thread(target=webmap._warm, args=(app,), kwargs={"rounds": 50},
                               daemon=True)
    watcher.start()
    deadline = time.monotonic() + 30
    while not built(before) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert built(before), "no tile pyramid after the warm start"
    from webmap.data import get_views

    html, _csp = get_views(app).current(store).peek("page")  # made before anyone asks
    assert "landgis" in html.lower() or "<html" in html.lower()
    moved = parcels_gdf.copy()
    moved.loc[0, "geometry"] = square(30, 30, 50)
    store.write_layer("parcels", moved)  # an import: a new data version
    after = tiles.data_version(store)
    while not built(after) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert after != before and built(after), "the pyramid was not rebuilt after the import"
    watcher.join(30)

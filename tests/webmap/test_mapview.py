import re

from webmap import assets, create_app


def page_text(resp) -> str:
    """The page with JavaScript's \\uXXXX escapes decoded, as the browser will see the strings."""
    return re.sub(r"\\u([0-9a-fA-F]{4})", lambda m: chr(int(m.group(1), 16)),
                  resp.get_data(as_text=True))


def test_map_page_shows_zones_and_parcels_in_vietnamese(client):
    page = client.get("/")
    assert page.status_code == 200
    html = page_text(page)
    assert "Thửa đất / Parcels" in html
    assert "Khu kinh tế, KCN, CCN / Zones" in html
    assert "23296-1-1" in html and "KCN-T1" in html
    assert "đang khiếu nại" in html  # the disputed parcel's status label


def test_page_loads_every_script_and_style_from_the_app(client):
    html = client.get("/").get_data(as_text=True)
    urls = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert urls, "the page links no scripts or style sheets"
    assert all(u.startswith("/vendor/") for u in urls), urls
    for url in urls:
        assert client.get(url).status_code == 200, url


def test_vendor_route_serves_only_the_installed_packages(client):
    assert client.get("/vendor/leaflet/dist/leaflet.js").status_code == 200
    assert client.get("/vendor/../package.json").status_code == 404
    assert client.get("/vendor/left-pad/index.js").status_code == 404


def test_values_from_data_are_escaped(store, tmp_path, parcels_gdf):
    hostile = parcels_gdf.copy()
    hostile["commune_name"] = "<img src=x onerror=alert(1)>"
    store.write_layer("parcels", hostile)
    app = create_app({"database_url": str(store.path), "instance_dir": str(tmp_path / "i")})
    html = page_text(app.test_client().get("/"))
    assert "<img src=x" not in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html


def test_missing_store_is_a_503_with_a_message(tmp_path):
    app = create_app({"database_url": str(tmp_path / "none.gpkg"),
                      "instance_dir": str(tmp_path / "i")})
    resp = app.test_client().get("/")
    assert resp.status_code == 503
    assert "make layers" in resp.get_json()["error"]


def test_secret_key_is_generated_once_and_kept(tmp_path, store):
    cfg = {"database_url": str(store.path), "instance_dir": str(tmp_path / "inst")}
    first = create_app(cfg).config["SECRET_KEY"]
    assert len(first) == 64
    assert create_app(cfg).config["SECRET_KEY"] == first
    assert (tmp_path / "inst" / "secret_key").stat().st_mode & 0o077 == 0


def test_assets_are_installed():
    assert assets.missing() == [], "run `make` to install the browser libraries"

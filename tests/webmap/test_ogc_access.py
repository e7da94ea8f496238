"""Who reads /ogc: the map's rules (open, or login when reading is closed) plus read-only keys
made by manage_users.py, sent as X-API-Key or api_key=; a key opens /ogc and the tiles, never
the rest of the API nor editing."""

from __future__ import annotations

import re

from webmap import create_app


def closed_app(store, tmp_path):
    return create_app({"database_url": store.url, "instance_dir": str(tmp_path / "instance"),
                       "TESTING": True, "tiles_build": "off", "read_open": False})


def make_key(store, tmp_path, name="qgis-dia-chinh") -> str:
    from tests.scripts.conftest import run_script as script

    env = {"LANDGIS_INSTANCE_DIR": str(tmp_path / "instance")}
    out = script("manage_users.py", "key-add", name, "--db", store.url, env=env)
    assert out.returncode == 0, out.stderr
    return re.search(r"(lgk_\S+)", out.stdout).group(1)


def test_read_closed_needs_a_login_or_a_key(store, tmp_path):
    app = closed_app(store, tmp_path)
    client = app.test_client()
    r = client.get("/ogc/collections/parcels/items")
    assert r.status_code == 401 and "error" in r.get_json()
    key = make_key(store, tmp_path)
    assert client.get("/ogc/collections/parcels/items",
                      headers={"X-API-Key": key}).status_code == 200
    r = client.get(f"/ogc/collections/parcels/items?limit=1&api_key={key}")
    assert r.status_code == 200
    # the links carry the key, so that a client given it in the URL follows them
    nxt = [link["href"] for link in r.get_json()["links"] if link["rel"] == "next"][0]
    assert f"api_key={key}" in nxt
    assert client.get(nxt.replace("http://localhost", "")).status_code == 200
    assert client.get("/ogc/collections/parcels/items",
                      headers={"X-API-Key": key + "x"}).status_code == 401


def test_a_key_opens_only_reading_ogc_and_tiles(store, tmp_path):
    app = closed_app(store, tmp_path)
    client = app.test_client()
    key = make_key(store, tmp_path)
    headers = {"X-API-Key": key}
    assert client.get("/api/parcels?bbox=107,14,107.1,14.1", headers=headers).status_code == 401
    assert client.get("/tiles/zones/10/820/470.pbf", headers=headers).status_code != 401
    r = client.post("/edit/status", headers=headers, json={"events": []})
    assert r.status_code in (400, 401)  # a key is no login (CSRF, then login): refused
    assert client.post("/ogc/collections/parcels/items", headers=headers).status_code == 401


def test_a_key_downloads_the_qgis_project_whose_layers_carry_it(store, tmp_path):
    """On a server closed to reading, a desktop user with a key gets the project, and its
    layers' addresses carry the key (QGIS reads them with no login)."""
    app = closed_app(store, tmp_path)
    client = app.test_client()
    assert client.get("/qgis/landgis.qgz").status_code == 401
    key = make_key(store, tmp_path)
    r = client.get(f"/qgis/landgis.qgz?api_key={key}")
    assert r.status_code == 200
    import io
    import zipfile

    with zipfile.ZipFile(io.BytesIO(r.data)) as z:
        qgs = z.read(next(n for n in z.namelist() if n.endswith(".qgs"))).decode()
    assert f"api_key={key}" in qgs


def test_key_list_and_revoke(store, tmp_path):
    from tests.scripts.conftest import run_script as script

    app = closed_app(store, tmp_path)
    client = app.test_client()
    key = make_key(store, tmp_path)
    env = {"LANDGIS_INSTANCE_DIR": str(tmp_path / "instance")}
    listing = script("manage_users.py", "key-list", "--db", store.url, env=env).stdout
    assert "qgis-dia-chinh" in listing and key not in listing  # the key is never shown again
    out = script("manage_users.py", "key-revoke", "qgis-dia-chinh", "--db", store.url, env=env)
    assert out.returncode == 0, out.stderr
    assert client.get("/ogc", headers={"X-API-Key": key}).status_code == 401
    assert "revoked" in script("manage_users.py", "key-list", "--db", store.url,
                               env=env).stdout
    bad = script("manage_users.py", "key-revoke", "nobody", "--db", store.url, env=env)
    assert bad.returncode != 0 and "nobody" in bad.stderr

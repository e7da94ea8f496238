"""Settings reach the web app from the environment and the TOML file as the README says:
``LANDGIS_READ_OPEN=0`` closes reading, ``LANDGIS_SECURE_COOKIES=1`` marks the session cookie
Secure, ``LANDGIS_TILES_*`` decide how tiles are built and cached."""

import re

import pytest

from landgis.accounts import open_accounts
from landgis.config import variable
from tests.core.test_config import FIELDS
from tests.webmap.test_tiles import parcel_tile
from webmap import create_app

PASSWORD = "mật-khẩu-đủ-dài"
pytestmark = pytest.mark.backends("gpkg")  # settings, not storage: one backend says it


@pytest.fixture
def app_from(store, tmp_path, monkeypatch):
    """An app made as waitress makes it (``create_app()``, no config): its settings come from
    the variables given, over the test's store and instance folder."""
    for f in FIELDS:
        monkeypatch.delenv(variable(f.name), raising=False)
    monkeypatch.delenv("LANDGIS_CONFIG", raising=False)

    def make(**env):
        monkeypatch.setenv("LANDGIS_DATABASE_URL", store.url)
        monkeypatch.setenv("LANDGIS_INSTANCE_DIR", str(tmp_path / "instance"))
        monkeypatch.setenv("LANDGIS_TILES_BUILD", "off")  # no pyramid child outliving the test
        for name, value in env.items():
            monkeypatch.setenv(name, value)
        app = create_app()
        open_accounts(store.url, str(tmp_path / "instance")).create("xem", PASSWORD)
        return app
    return make


def login(client):
    token = re.search(r'name="csrf_token" value="([^"]+)"',
                      client.get("/auth/login").get_data(as_text=True)).group(1)
    return client.post("/auth/login", data={"username": "xem", "password": PASSWORD,
                                            "csrf_token": token})


def test_reading_closed_by_the_environment(app_from):
    client = app_from(LANDGIS_READ_OPEN="0").test_client()
    assert client.get("/api/summary").status_code == 401
    assert client.get("/").status_code == 302
    x, y = parcel_tile(14)
    assert client.get(f"/tiles/parcels/14/{x}/{y}.pbf").status_code == 401
    assert login(client).status_code == 302
    assert client.get("/api/summary").status_code == 200


def test_reading_closed_by_the_toml_file(app_from, tmp_path):
    cfg = tmp_path / "landgis.toml"
    cfg.write_text("[landgis]\nread_open = false\n")
    client = app_from(LANDGIS_CONFIG=str(cfg)).test_client()
    assert client.get("/api/summary").status_code == 401


def test_reading_open_by_default(app_from):
    assert app_from().test_client().get("/api/summary").status_code == 200


@pytest.mark.parametrize("value, secure", [("1", True), ("0", False)])
def test_secure_cookies_from_the_environment(app_from, value, secure):
    client = app_from(LANDGIS_SECURE_COOKIES=value).test_client()
    client.environ_base["wsgi.url_scheme"] = "https"  # as behind the HTTPS proxy
    page = client.get("/auth/login")
    done = login(client)
    assert done.status_code == 302
    for resp in (page, done):
        cookie = next(c for c in resp.headers.getlist("Set-Cookie") if c.startswith("session="))
        assert ("; Secure" in cookie) is secure, cookie


def test_an_explicit_flask_key_still_wins(store, tmp_path, monkeypatch):
    monkeypatch.setenv("LANDGIS_SECURE_COOKIES", "1")
    app = create_app({"database_url": store.url, "instance_dir": str(tmp_path / "i"),
                      "tiles_build": "off", "SESSION_COOKIE_SECURE": False})
    assert app.config["SESSION_COOKIE_SECURE"] is False


def test_tile_settings_from_the_environment(app_from):
    client = app_from(LANDGIS_TILES_MAX_AGE="7", LANDGIS_TILES_BUILD="inline").test_client()
    x, y = parcel_tile(14)
    resp = client.get(f"/tiles/parcels/14/{x}/{y}.pbf")
    assert resp.status_code == 200
    assert resp.headers["Cache-Control"] == "public, max-age=7"
    assert resp.headers["X-Tile-Source"] == "pyramid"  # built in the request, as asked


def test_a_bad_variable_stops_the_app_by_name(app_from):
    with pytest.raises(ValueError, match="LANDGIS_TILES_BUILD = 'sometimes': not one of"):
        app_from(LANDGIS_TILES_BUILD="sometimes")


def test_a_setting_given_as_a_flask_key_is_refused(store, tmp_path):
    with pytest.raises(ValueError, match="LANDGIS_TILES_BUILD: give settings by name"):
        create_app({"database_url": store.url, "instance_dir": str(tmp_path / "i"),
                    "LANDGIS_TILES_BUILD": "off"})

"""The landgis web map: a Flask app factory and one blueprint per feature.

    waitress-serve --call webmap:create_app

Views parse the request, call one core function and render; GIS logic lives in ``landgis``.
"""

from __future__ import annotations

import os
import secrets
import threading
from dataclasses import fields
from pathlib import Path

from flask import Flask

from landgis.config import Settings, load_settings


def _secret_key(settings: Settings) -> str:
    """The configured secret key, or one generated on first run and kept in the instance folder."""
    if settings.secret_key:
        return settings.secret_key
    path = Path(settings.instance_dir) / "secret_key"
    if path.exists():
        return path.read_text().strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(32)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(key)
    return key


def content_security_policy(script_hashes=()) -> str:
    """The page's scripts come from this server (its own and the vendored libraries); the two
    inline scripts folium writes into the map page run only by their SHA-256, given by the page
    (``script_hashes``, ``sha256-…``); no other inline script runs. Images may also come from
    OpenStreetMap when a planner picks that basemap."""
    scripts = " ".join(["'self'", *(f"'{h}'" for h in script_hashes)])
    return "; ".join([
        "default-src 'self'",
        f"script-src {scripts}",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data: blob: https://tile.openstreetmap.org",
        "font-src 'self' data:",
        "connect-src 'self'",
        "worker-src 'self' blob:",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ])


CONTENT_SECURITY_POLICY = content_security_policy()


def _security_headers(response):
    response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    return response


def create_app(config: dict | None = None) -> Flask:
    """Build the app. ``config`` may hold settings by their field names (``database_url``,
    ``read_open`` …: over the TOML file and the ``LANDGIS_*`` variables) and Flask keys."""
    config = dict(config or {})
    names = {f.name for f in fields(Settings)}
    stray = sorted(k for k in config if k.startswith("LANDGIS_"))
    if stray:  # a setting under its variable's name would be silently ignored
        raise ValueError(f"{', '.join(stray)}: give settings by name "
                         f"({', '.join(k[8:].lower() for k in stray)}), not as Flask keys")
    settings = load_settings(overrides={k: config.pop(k) for k in list(config) if k in names})

    from webmap.auth import cookie_config

    app = Flask(__name__, instance_path=str(Path(settings.instance_dir).resolve()))
    app.config.update(
        SECRET_KEY=_secret_key(settings),
        LANDGIS=settings,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        JSON_SORT_KEYS=False,
        # set here, not with setdefault: Flask's own defaults (insecure cookies, 31 days) would
        # win over the settings; the caller's own Flask keys below still win
        **cookie_config(settings),
    )
    app.config.update(config)

    from webmap import answers, api, assets, auth, data, edit, guards, mapview
    from webmap import raster_tiles
    from webmap import tiles

    app.register_blueprint(assets.bp)
    app.register_blueprint(mapview.bp)
    app.register_blueprint(api.bp)
    app.register_blueprint(raster_tiles.bp)
    app.register_blueprint(tiles.bp)
    app.register_blueprint(edit.bp)
    from webmap import export
    app.register_blueprint(export.bp)
    from webmap import qgis
    app.register_blueprint(qgis.bp)  # the QGIS project (issue 15)
    from webmap import progress, progress_page
    app.register_blueprint(progress.bp)
    app.register_blueprint(progress_page.bp)
    from webmap import dashboard
    app.register_blueprint(dashboard.bp)
    from webmap import ogc
    app.register_blueprint(ogc.bp)
    guards.init_app(app)  # first: the CSRF check of auth reads bodies
    auth.init_app(app)
    from webmap import layer_upload
    layer_upload.init_app(app)
    auth.csrf.exempt(api.area)  # read-only: measures a drawn polygon, changes nothing
    answers.init_app(app)
    data.init_app(app)
    app.after_request(_security_headers)
    if settings.warm:
        threading.Thread(target=_warm, args=(app,), name="landgis-warm", daemon=True).start()
    return app


#: Seconds between two looks at the store's version by the warm-up thread.
WATCH_SECONDS = 5.0


def _prepare(app: Flask) -> str:
    """The data's views (land fund, parcels' and layers' indexes, status snapshot:
    :meth:`landgis.dataview.DataViews.warm`), the page, (in a child process) the tile
    pyramid and the dashboard's figures of today for the store's current data; returns the
    store version they are for."""
    from landgis.store import open_store
    from webmap import dashboard, mapview, tiles
    from webmap.data import get_views

    store = open_store(app.config["LANDGIS"].database_url)
    try:
        version = get_views(app).warm(store)
        mapview.page(app, store)
        with app.app_context():  # the tile service is the app's, made on first use
            tiles.tile_service().pyramid(store)
            dashboard.warm(store)  # today's review figures, the dashboard's first answer
    finally:
        store.close()
    return version


def _warm(app: Flask, *, rounds: int | None = None) -> None:
    """Build what the first visitor of the map would otherwise wait for (:func:`_prepare`, and
    the basemap's tiles down to its own resolution), then look at the store every
    :data:`WATCH_SECONDS` and prepare again when an import or a status edit changed it, so that
    the tile pyramid is rebuilt after an import rather than on the first request for a tile.
    ``rounds`` bounds the looks (tests); by default the thread lives as long as the server."""
    import time

    from landgis import raster
    from landgis.store import open_store

    seen = None
    try:
        seen = _prepare(app)
        basemap = app.config["LANDGIS"].basemap_raster
        if basemap and Path(basemap).is_file():
            raster.warm_tiles(basemap)
    except Exception:  # noqa: BLE001 - the first requests build the same and report errors
        app.logger.exception("warming up the map failed")
    url = app.config["LANDGIS"].database_url
    while rounds is None or rounds > 0:
        rounds = None if rounds is None else rounds - 1
        time.sleep(WATCH_SECONDS)
        try:
            store = open_store(url)
            try:
                changed = store.version() != seen
            finally:
                store.close()
            if changed:
                seen = _prepare(app)
        except Exception:  # noqa: BLE001 - looked at again in a few seconds
            app.logger.exception("preparing the map after a data change failed")

"""Settings: defaults, then a TOML config file, then ``LANDGIS_*`` variables, then overrides.

This is the only module of the core that reads the environment. ``create_app`` and every script
build one :class:`Settings` with :func:`load_settings` and pass it (or the values they need) down.

Variables read:

``LANDGIS_CONFIG``        path of a TOML file (default: ``landgis.toml`` in the project folder,
                          if it exists)
``LANDGIS_DATABASE_URL``  a ``.gpkg`` path or a ``postgresql://`` URL (default
                          ``layers/kontum.gpkg``)
``LANDGIS_SECRET_KEY``    the web app's secret key (default: generated once and kept in
                          ``instance/secret_key``)
``LANDGIS_INSTANCE_DIR``  where the app keeps its own files (default ``instance/``)
``LANDGIS_REQUIRE_ALL``   ``1`` makes tests fail instead of skipping when a service is missing
``LANDGIS_READ_OPEN``     ``0`` asks for a login to read the map and the API (default ``1``)
``LANDGIS_SECURE_COOKIES`` ``1`` when the server is reached over HTTPS
``LANDGIS_BASEMAP_RASTER`` the GeoTIFF served as the map's raster basemap at
                          ``/tiles/basemap/{z}/{x}/{y}.png``: an orthophoto or a DEM hillshade,
                          in any CRS GDAL reads (default ``layers/hillshade.tif``, the synthetic
                          demo hillshade; an empty value in the config file serves none)
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import Any, Mapping

PROJECT_DIR = Path(__file__).resolve().parent.parent
DEFAULT_DATABASE = PROJECT_DIR / "layers" / "kontum.gpkg"
DEFAULT_BASEMAP_RASTER = PROJECT_DIR / "layers" / "hillshade.tif"


@dataclass(frozen=True)
class Settings:
    database_url: str = str(DEFAULT_DATABASE)
    instance_dir: str = str(PROJECT_DIR / "instance")
    secret_key: str | None = None
    require_all: bool = False
    #: Largest number of features the JSON API returns for one request.
    max_features: int = 5000
    #: Tolerance (per cent of the legal area) beyond which the legal and plane areas disagree.
    area_tolerance_pct: float = 1.0
    #: Whether the map and the API may be read without logging in (writing always needs an
    #: editor's login).
    read_open: bool = True
    #: Send the session cookie over HTTPS only (set it when the server is behind HTTPS).
    secure_cookies: bool = False
    #: The GeoTIFF served as raster basemap tiles (an orthophoto or a hillshade); "" for none.
    basemap_raster: str = str(DEFAULT_BASEMAP_RASTER)
    #: Prepare at start-up, in the background, what the first visitor would otherwise wait for
    #: (the page, the parcels' index and status snapshot, the tile pyramid). ``make run`` sets
    #: it; tests leave it off so that each app starts cold and quiet.
    warm: bool = False
    #: Failed logins of one user name, within ``login_lockout_minutes``, that lock it for
    #: that long (0: no limit); the lock is kept in the accounts database, seen by every server.
    login_max_failures: int = 5
    #: The same for one client address, whatever the names tried (0: no limit; behind a
    #: reverse proxy every client has the proxy's address).
    login_max_failures_per_address: int = 20
    #: Minutes over which failed logins are counted, and how long a lock lasts.
    login_lockout_minutes: float = 15.0
    #: How long a login lasts (the session cookie and the server-side session), in hours.
    session_hours: float = 8.0
    #: Largest survey file an editor may upload on the map page for import, in megabytes
    #: (a request declaring more is refused before its body is read).
    max_upload_mb: float = 50.0


_ENV = {
    "LANDGIS_DATABASE_URL": "database_url",
    "LANDGIS_INSTANCE_DIR": "instance_dir",
    "LANDGIS_SECRET_KEY": "secret_key",
    "LANDGIS_REQUIRE_ALL": "require_all",
    "LANDGIS_MAX_FEATURES": "max_features",
    "LANDGIS_AREA_TOLERANCE_PCT": "area_tolerance_pct",
    "LANDGIS_BASEMAP_RASTER": "basemap_raster",
    "LANDGIS_WARM": "warm",
}


def _coerce(name: str, value: Any) -> Any:
    kind = {f.name: f.type for f in fields(Settings)}[name]
    if kind == "bool" and isinstance(value, str):
        return value.strip().lower() in ("1", "true", "yes", "on")
    if kind == "int":
        return int(value)
    if kind == "float":
        return float(value)
    return value


def load_settings(
    config_file: str | os.PathLike | None = None,
    overrides: Mapping[str, Any] | None = None,
    environ: Mapping[str, str] | None = None,
) -> Settings:
    """Build the settings: defaults < config file < ``LANDGIS_*`` variables < ``overrides``.

    Raises ValueError naming the file and key for an unknown key or a value of the wrong kind.
    """
    env = os.environ if environ is None else environ
    values: dict[str, Any] = {}
    path = config_file or env.get("LANDGIS_CONFIG")
    if path is None and (PROJECT_DIR / "landgis.toml").exists():
        path = PROJECT_DIR / "landgis.toml"
    known = {f.name for f in fields(Settings)}
    if path is not None:
        with open(path, "rb") as fh:
            data = tomllib.load(fh)
        for key, value in data.get("landgis", data).items():
            if key not in known:
                raise ValueError(f"{path}: unknown setting {key!r}; known: {', '.join(sorted(known))}")
            values[key] = value
    for var, name in _ENV.items():
        if env.get(var):
            values[name] = env[var]
    for key, value in (overrides or {}).items():
        if key not in known:
            raise ValueError(f"unknown setting {key!r}; known: {', '.join(sorted(known))}")
        if value is not None:
            values[key] = value
    try:
        values = {k: _coerce(k, v) for k, v in values.items()}
    except (TypeError, ValueError) as exc:
        raise ValueError(f"bad setting value: {exc}") from None
    return replace(Settings(), **values)

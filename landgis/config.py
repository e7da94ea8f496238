"""Settings: defaults, then a TOML config file, then ``LANDGIS_*`` variables, then overrides.

This is the only module of the core that reads the environment. ``create_app`` and every script
build one :class:`Settings` with :func:`load_settings` and pass it (or the values they need) down.

Every field of :class:`Settings` is a setting, under one name everywhere:

- in the TOML file, the field's name as a key (at the top level or in a ``[landgis]`` table);
  the file is ``LANDGIS_CONFIG``, else ``landgis.toml`` in the project folder if it exists;
- in the environment, ``LANDGIS_`` and the name in capitals (:func:`variable`):
  ``read_open`` is ``LANDGIS_READ_OPEN``; an empty variable counts as unset;
- in ``overrides``, the field's name (a script's setting option, ``create_app``'s
  config).

A field added to :class:`Settings` is therefore read from all three at once. Values are
checked as they are read, whatever their source: yes/no words (``1``/``0``, ``true``/``false``,
``yes``/``no``, ``on``/``off``), whole and decimal numbers with their lower bounds, and the
allowed words of an enumeration; a bad one raises ValueError naming the file and key, or the
variable. README.md ("Settings") has the table of every setting (variable, key, type, default,
meaning); a test checks that it names every field.
"""

from __future__ import annotations

import math
import os
import tomllib
from dataclasses import Field, dataclass, field, fields, replace
from pathlib import Path
from typing import Any, Mapping

PROJECT_DIR = Path(__file__).resolve().parent.parent
DEFAULT_DATABASE = PROJECT_DIR / "layers" / "kontum.gpkg"
DEFAULT_BASEMAP_RASTER = PROJECT_DIR / "layers" / "hillshade.tif"

#: The variable naming the TOML file (not a setting itself: it says where settings are).
CONFIG_VARIABLE = "LANDGIS_CONFIG"
#: How the web app gets its tile pyramid: built in a child process, in the request that first
#: needs it, or never (every tile encoded from the store in its request).
TILES_BUILD_MODES = ("process", "inline", "off")
#: Who encodes a tile that is not in the pyramid: landgis, or the PostGIS database itself.
TILES_SOURCES = ("landgis", "postgis")


@dataclass(frozen=True)
class Settings:
    #: The store: a ``.gpkg`` path or a ``postgresql://`` URL.
    database_url: str = str(DEFAULT_DATABASE)
    #: Where the web app keeps its own files (secret key, accounts of a GeoPackage store, tiles).
    instance_dir: str = str(PROJECT_DIR / "instance")
    #: The web app's secret key; by default one generated once and kept in the instance folder.
    secret_key: str | None = None
    #: Tests fail instead of skipping when a service (PostgreSQL, Chromium) is missing.
    require_all: bool = False
    #: Largest number of features the JSON API returns for one request.
    max_features: int = field(default=5000, metadata={"min": 1})
    #: Tolerance (per cent of the legal area) beyond which the legal and plane areas disagree.
    area_tolerance_pct: float = field(default=1.0, metadata={"min": 0})
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
    #: How the web app builds its tile pyramid: one of :data:`TILES_BUILD_MODES`.
    tiles_build: str = field(default="process", metadata={"choices": TILES_BUILD_MODES})
    #: Who encodes a tile not in the pyramid: one of :data:`TILES_SOURCES`; ``postgis``
    #: (a PostGIS store only) lets the database encode it with ``ST_AsMVT`` (the same
    #: properties and ``k``), so that several app servers share one tile source.
    tiles_source: str = field(default="landgis", metadata={"choices": TILES_SOURCES})
    #: Seconds a browser uses a tile before revalidating it: the longest a tile can look stale
    #: after an import.
    tiles_max_age: int = field(default=60, metadata={"min": 0})
    #: Failed logins of one user name, within ``login_lockout_minutes``, that lock it for
    #: that long (0: no limit); the lock is kept in the accounts database, seen by every server.
    login_max_failures: int = field(default=5, metadata={"min": 0})
    #: The same for one client address, whatever the names tried (0: no limit; behind a
    #: reverse proxy every client has the proxy's address).
    login_max_failures_per_address: int = field(default=20, metadata={"min": 0})
    #: Minutes over which failed logins are counted, and how long a lock lasts.
    login_lockout_minutes: float = field(default=15.0, metadata={"min": 0})
    #: How long a login lasts (the session cookie and the server-side session), in hours.
    session_hours: float = field(default=8.0, metadata={"min": 0})
    #: The earliest date a status may take effect on, for edits and status lists (dd/mm/yyyy
    #: or YYYY-MM-DD); the latest is today. The store knows no survey date to bound it by.
    min_effective_date: str = field(default="2000-01-01", metadata={"date": True})
    #: Most data rows a status list may have; a longer list is refused before it is read to
    #: the end (a list per decision holds hundreds to a few thousand parcels).
    max_list_rows: int = field(default=50_000, metadata={"min": 1})
    #: Largest request body the web app reads (bytes): JSON bodies, forms. Larger bodies are
    #: answered 413 before they are read.
    max_request_bytes: int = field(default=1024 * 1024, metadata={"min": 1})
    #: Largest status-list upload (bytes; ``POST /edit/upload``), the one route with its own
    #: bound.
    max_upload_bytes: int = field(default=20 * 1024 * 1024, metadata={"min": 1})
    #: Most parcels one web dossier export may hold (after the selection: a list, a query or a
    #: polygon); the script has no cap.
    dossier_max_parcels: int = field(default=2000, metadata={"min": 1})
    #: Most parcels of a dossier exported without logging in; larger lots need a login.
    dossier_anonymous_max_parcels: int = field(default=200, metadata={"min": 0})
    #: Largest survey file an editor may upload on the map page for import, in megabytes
    #: (a request declaring more is refused before its body is read).
    max_survey_upload_mb: float = field(default=50.0, metadata={"min": 0})
    #: Memory (megabytes, estimated) the web app keeps for what is costly to build per data
    #: version: land fund, parcels and layers in memory, status snapshot, tiles encoded on
    #: request; the least recently used goes first (:mod:`landgis.dataview`).
    cache_mb: float = field(default=512.0, metadata={"min": 1})
    #: The schedule rules that flag investors (a CSV with the columns of
    #: ``landgis/progress/schedule_rules.csv``, each rule citing its article); none: the
    #: table shipped with landgis.
    schedule_rules: str | None = field(default=None, metadata={"rules": True})


def variable(name: str) -> str:
    """The environment variable of the setting ``name``: ``LANDGIS_`` and the name in capitals."""
    return "LANDGIS_" + name.upper()


_FIELDS: dict[str, Field] = {f.name: f for f in fields(Settings)}
_TRUE = ("1", "true", "yes", "on")
_FALSE = ("0", "false", "no", "off")


class _Bad(ValueError):
    pass


def _bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    if isinstance(value, str) and value.strip().lower() in _TRUE + _FALSE:
        return value.strip().lower() in _TRUE
    raise _Bad("not a yes/no value (1/0, true/false, yes/no, on/off)")


def _int(value: Any) -> int:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str):
        try:
            return int(value.strip())
        except ValueError:
            pass
    raise _Bad("not a whole number")


def _float(value: Any) -> float:
    number = None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        number = float(value)
    elif isinstance(value, str):
        try:
            number = float(value.strip())
        except ValueError:
            pass
    if number is None or not math.isfinite(number):
        raise _Bad("not a number")
    return number


def _text(value: Any) -> str:
    if not isinstance(value, str):
        raise _Bad("not text")
    return value


_PARSERS = {"bool": _bool, "int": _int, "float": _float, "str": _text, "str | None": _text}
for _spec in _FIELDS.values():  # a new kind of setting needs its reader here
    if _spec.type not in _PARSERS:
        raise TypeError(f"Settings.{_spec.name}: no reader for type {_spec.type!r}")


def _parse(name: str, value: Any, source: str) -> Any:
    """``value`` as the setting ``name`` holds it; ``source`` says where it was read."""
    spec = _FIELDS[name]
    try:
        if spec.metadata.get("date"):  # a date as people write it (or a TOML date), kept ISO
            from landgis.dates import DateError, iso_date
            try:
                return iso_date(value if not isinstance(value, str) else value.strip(), name)
            except DateError as exc:
                raise _Bad(str(exc)) from None
        result = _PARSERS[spec.type](value)
        if spec.metadata.get("rules") and result:  # read now: a broken table fails at start
            from landgis.progress.rules import RulesError, load_rules
            try:
                load_rules(result)
            except RulesError as exc:
                raise _Bad(str(exc)) from None
        choices = spec.metadata.get("choices")
        if choices is not None:
            result = result.strip().lower()
            if result not in choices:
                raise _Bad(f"not one of {', '.join(choices)}")
        low = spec.metadata.get("min")
        if low is not None and result < low:
            raise _Bad(f"less than {low}")
    except _Bad as exc:
        raise ValueError(
            f"cài đặt không hợp lệ / bad setting: {source} = {value!r}: {exc}") from None
    return result


def _unknown(key: str) -> str:
    return (f"không có cài đặt / unknown setting {key!r}; "
            f"known: {', '.join(sorted(_FIELDS))}")


def _read_file(path: str | os.PathLike) -> dict[str, Any]:
    with open(path, "rb") as fh:
        try:
            data = tomllib.load(fh)
        except tomllib.TOMLDecodeError as exc:
            raise ValueError(f"{path}: không phải TOML / not valid TOML: {exc}") from None
    table = data.get("landgis", data)
    if not isinstance(table, dict):
        raise ValueError(f"{path}: [landgis] phải là một bảng / must be a table")
    values = {}
    for key, value in table.items():
        if key not in _FIELDS:
            raise ValueError(f"{path}: {_unknown(key)}")
        values[key] = _parse(key, value, f"{path}: {key}")
    return values


def load_settings(
    config_file: str | os.PathLike | None = None,
    overrides: Mapping[str, Any] | None = None,
    environ: Mapping[str, str] | None = None,
) -> Settings:
    """Build the settings: defaults < config file < ``LANDGIS_*`` variables < ``overrides``.

    ``overrides`` maps field names to values (text is read as in a variable; None leaves the
    setting alone). Raises ValueError naming the file and key, or the variable, for an unknown
    key or a bad value.
    """
    env = os.environ if environ is None else environ
    path = config_file or env.get(CONFIG_VARIABLE) or None
    if path is None and (PROJECT_DIR / "landgis.toml").exists():
        path = PROJECT_DIR / "landgis.toml"
    values = _read_file(path) if path is not None else {}
    for name in _FIELDS:
        text = env.get(variable(name))
        if text:
            values[name] = _parse(name, text, variable(name))
    for key, value in (overrides or {}).items():
        if key not in _FIELDS:
            raise ValueError(_unknown(key))
        if value is not None:
            values[key] = _parse(key, value, key)
    return replace(Settings(), **values)

"""The PostGIS store's setting up: its URL, the names of its tables, PostGIS and EPSG:9216 in
the database, the schemas and the store's own tables (see :mod:`landgis.store.postgis`)."""

from __future__ import annotations

import re
import warnings
from urllib.parse import parse_qsl, quote, urlencode, urlsplit

from landgis import contract
from landgis.store.base import StoreError, check_identifier, mask_url

try:  # psycopg is a dependency of the project, but keep the module importable without it
    import psycopg
    from psycopg import sql
except ImportError:  # pragma: no cover
    psycopg = None
    sql = None

SRID = contract.STORAGE_EPSG
EVENTS = contract.STATUS_EVENTS.name
PARCELS = contract.PARCELS.name
META = "landgis_meta"
BATCHES = "import_batches"
CHANGES = "layer_changes"  # what each batch touched (landgis.store.changes)
INTERNAL = frozenset({META, BATCHES, CHANGES})
FID = "fid"
GEOM = "geom"
SCHEMES = ("postgresql://", "postgres://", "postgresql+psycopg://")
#: the longest layer name: the suffixes of the temporary table and of the index names must fit
#: in PostgreSQL's 63-byte identifiers
MAX_LAYER_NAME = 40


def is_postgres_url(url) -> bool:
    return str(url).startswith(SCHEMES)


_SEARCH_PATH = re.compile(r"-c\s*search_path\s*=\s*(\S+)")


def split_url(url: str) -> tuple[str, str]:
    """``(libpq URL, schema)`` from a store URL.

    The schema is the ``schema`` parameter (ours: it is taken out of the libpq URL) or else the
    first schema of a libpq ``options=-csearch_path=NAME[,…]`` (kept: psql and SQLAlchemy
    understand it too; ``public``, where PostGIS lives, is added to that path when missing),
    else ``public``. Several ``options`` parameters are joined into one.
    """
    text = str(url)
    for scheme in SCHEMES:
        if text.startswith(scheme):
            text = "postgresql://" + text[len(scheme):]
            break
    else:
        raise StoreError(f"not a PostgreSQL URL: {mask(url)}")
    parts = urlsplit(text)
    query = parse_qsl(parts.query, keep_blank_values=True)
    schemas = [v for k, v in query if k == "schema"]
    options = " ".join(v for k, v in query if k == "options").strip()
    path = _SEARCH_PATH.search(options)
    entries = [e.strip().strip('"') for e in path.group(1).split(",")] if path else []
    schema = schemas[-1] if schemas else (entries[0] if entries else "public")
    try:
        check_identifier(schema)
    except StoreError:
        raise StoreError(f"schema {schema!r} in the database URL: use letters, digits and _"
                         ) from None
    if len(schema) > 50:
        raise StoreError(f"schema {schema!r} in the database URL: at most 50 characters")
    if path and "public" not in entries:
        options = (options[:path.start(1)] + path.group(1) + ",public"
                   + options[path.end(1):])
    rest = [(k, v) for k, v in query if k not in ("schema", "options")]
    if options:
        rest.append(("options", options))
    rest = urlencode(rest, quote_via=quote)
    # built by hand: urlunsplit drops the "//" of a URL with no host (the local socket)
    return f"postgresql://{parts.netloc}{parts.path}" + (f"?{rest}" if rest else ""), schema


#: the URL with its password hidden, for messages (the one masking function of the store)
mask = mask_url


def _ident(*names: str):
    return sql.Identifier(*names)


def _as_store_errors(method):
    """Turn a database error of a reading method into a StoreError (the web answers 503)."""
    import functools

    @functools.wraps(method)
    def wrapper(self, *args, **kwargs):
        try:
            return method(self, *args, **kwargs)
        except psycopg.Error as exc:
            raise StoreError(f"{mask(self.url)}: {str(exc).strip()}") from exc
    return wrapper


# --------------------------------------------------------------------------- schema


def srid_definition(srid: int = SRID) -> tuple[str, str]:
    """``(srtext, proj4text)`` for ``spatial_ref_sys`` from pyproj's definition of ``srid``.

    PostGIS transforms by the authority code first (its PROJ knows EPSG:9216 and goes to WGS 84
    through EPSG:6960, its one operation, as :mod:`landgis.crs` pins it); the PROJ string of the
    storage plane carries that shift as ``+towgs84`` too, for a PROJ without the EPSG entry."""
    from pyproj import CRS

    crs = CRS.from_epsg(srid)
    if srid == SRID:
        from landgis.crs import vn2000_proj4

        proj4 = vn2000_proj4()
    else:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)  # "you will likely lose information"
            proj4 = crs.to_proj4().replace(" +type=crs", "").strip()
    return crs.to_wkt("WKT1_GDAL"), proj4


def ensure_postgis(conn) -> None:
    """PostGIS in the database, and EPSG:9216 in its ``spatial_ref_sys`` (autocommit conn)."""
    has = conn.execute("SELECT 1 FROM pg_extension WHERE extname = 'postgis'").fetchone()
    if not has:
        try:
            conn.execute("CREATE EXTENSION IF NOT EXISTS postgis")
        except psycopg.Error as exc:
            raise StoreError(
                f"PostGIS is not installed in database {conn.info.dbname!r} and could not be "
                f"added ({exc.__class__.__name__}: {str(exc).strip()}); install the package "
                "postgresql-15-postgis-3 and run CREATE EXTENSION postgis as a superuser"
            ) from None
    if conn.execute("SELECT 1 FROM spatial_ref_sys WHERE srid = %s", (SRID,)).fetchone():
        return
    srtext, proj4 = srid_definition(SRID)
    try:
        conn.execute(
            "INSERT INTO spatial_ref_sys (srid, auth_name, auth_srid, srtext, proj4text) "
            "VALUES (%s, 'EPSG', %s, %s, %s) ON CONFLICT (srid) DO NOTHING",
            (SRID, SRID, srtext, proj4))
    except psycopg.Error as exc:
        raise StoreError(
            f"EPSG:{SRID} is missing from spatial_ref_sys and could not be registered "
            f"({str(exc).strip()}); create the store as the database owner",
            "init_store") from None


def ensure_schema(conn, schema: str) -> None:
    """PostGIS, EPSG:9216, the layer and history schemas, the meta and batch tables.

    Idempotent; ``conn`` must be in autocommit mode.
    """
    ensure_postgis(conn)
    history = f"{schema}_history"
    with conn.transaction():
        conn.execute(sql.SQL("CREATE SCHEMA IF NOT EXISTS {}").format(_ident(schema)))
        conn.execute(sql.SQL("CREATE SCHEMA IF NOT EXISTS {}").format(_ident(history)))
        conn.execute(sql.SQL(
            "CREATE TABLE IF NOT EXISTS {} (key text PRIMARY KEY, value bigint NOT NULL)"
        ).format(_ident(schema, META)))
        conn.execute(sql.SQL(
            "INSERT INTO {} (key, value) VALUES ('version', 0), ('schema_version', 1) "
            "ON CONFLICT (key) DO NOTHING").format(_ident(schema, META)))
        conn.execute(sql.SQL(
            "CREATE TABLE IF NOT EXISTS {} (batch_id bigint PRIMARY KEY, layer text NOT NULL, "
            "action text NOT NULL, source_name text, source_sha256 text, \"user\" text, "
            "recorded_at text NOT NULL, features bigint, counts text, note text, "
            "has_previous boolean NOT NULL)").format(_ident(schema, BATCHES)))
        ensure_changes(conn, schema)


def ensure_changes(conn, schema: str) -> None:
    """The table of what each batch touched (a store made before it gains it on its next
    batch, inside that batch's transaction): one row a box, no box for a whole write."""
    conn.execute(sql.SQL(
        "CREATE TABLE IF NOT EXISTS {} (batch_id bigint NOT NULL, layer text NOT NULL, "
        "minx double precision, miny double precision, maxx double precision, "
        "maxy double precision)").format(_ident(schema, CHANGES)))
    conn.execute(sql.SQL("CREATE INDEX IF NOT EXISTS {} ON {} (layer, batch_id)").format(
        sql.Identifier(f"{CHANGES}_layer_batch"), _ident(schema, CHANGES)))


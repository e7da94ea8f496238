"""The shared store: PostgreSQL with PostGIS, through psycopg 3.

URL
---
``postgresql://[user[:password]@][host][:port]/dbname[?schema=NAME&<libpq parameters>]``
(``postgres://`` and ``postgresql+psycopg://`` are accepted too). ``schema`` (default
``public``) is the schema that holds the layers; libpq's own
``options=-csearch_path%3DNAME`` names it too, in a URL that psql and SQLAlchemy also
understand (see :func:`split_url`). The versions that imports replace go to
``<schema>_history``. Every other query parameter is handed to libpq (``sslmode``,
``application_name``, ``host=/var/run/postgresql`` …). Without a host, libpq uses the local
socket.

Tables
------
Each layer is a table ``<schema>.<layer>`` with ``fid bigint`` (primary key, the order the rows
were written in), one column per DataFrame column and, for a spatial layer,
``geom geometry(Geometry, 9216)`` with a GiST index. Attribute types come from the contract
(str → text, int → bigint, float → double precision, date and datetime → ISO text, as the
GeoPackage store keeps them) and, for extra columns, from the DataFrame's dtypes. Reads give the
same DataFrames as the GeoPackage store: int64 (float64 when a value is missing), float64,
object text, a GeoDataFrame in EPSG:9216 with its geometry in ``geometry``.

``<schema>.landgis_meta`` holds a counter, ``version``, raised by every write: it is what
:meth:`PostGISStore.version` returns, so several app servers see each other's writes. Every
write (layer or ledger) raises it first, in its own transaction, which also makes writers take
turns: the checks a write makes (ledger ids, parcel existence, expected statuses) cannot be
overtaken by another write before it commits. ``<schema>.import_batches`` records the batches.

Atomic writes
-------------
:meth:`PostGISStore.write_layer` validates first, then in ONE transaction: COPY the rows into a
new table, build its indexes, record the batch, move the table it replaces to
``<schema>_history.<layer>__batch_<id>`` (or drop it when no batch is given), rename the new
one into place and commit. A failure, or a client killed midway, rolls the whole transaction
back: readers see the old layer until the commit and the new one after it, never a mix.

EPSG:9216
---------
Debian's PostGIS 3.3 has no EPSG:9216 in ``spatial_ref_sys``; :func:`ensure_schema` registers
it from pyproj's definition (WKT1_GDAL and a PROJ string) when it is missing.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import re
import warnings
from typing import Iterator, Mapping, Sequence
from urllib.parse import parse_qsl, quote, urlencode, urlsplit

import numpy as np
import pandas as pd

from landgis import contract
from landgis.store.base import (
    BATCH_COLUMNS,
    Batch,
    BBox,
    LayerNotFoundError,
    LedgerError,
    Store,
    StoreError,
    Where,
    check_events,
    check_expected,
    check_identifier,
    mask_url,
    normalise_where,
    recorded_no_earlier_than,
)

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
INTERNAL = frozenset({META, BATCHES})
FID = "fid"
GEOM = "geom"
SCHEMES = ("postgresql://", "postgres://", "postgresql+psycopg://")
#: the longest layer name: the suffixes of the temporary table and of the index names must fit
#: in PostgreSQL's 63-byte identifiers
MAX_LAYER_NAME = 40

_KIND_TYPES = {"str": "text", "int": "bigint", "float": "double precision", "date": "text",
               "datetime": "text"}
_INT_TYPES = {"bigint", "integer", "smallint"}
_FLOAT_TYPES = {"double precision", "real", "numeric"}
_TEXT_TYPES = {"text", "character varying", "character", "name"}
_READABLE = _INT_TYPES | _FLOAT_TYPES | _TEXT_TYPES | {
    "boolean", "timestamp without time zone", "timestamp with time zone", "bytea"}


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
    """``(srtext, proj4text)`` for ``spatial_ref_sys`` from pyproj's definition of ``srid``."""
    from pyproj import CRS

    crs = CRS.from_epsg(srid)
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
            f"({str(exc).strip()}); run scripts/init_db.py as the database owner") from None


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


# --------------------------------------------------------------------------- values


def _iso(value, kind: str):
    """A date or datetime as ISO text (as the GeoPackage store keeps them); text stays text."""
    if isinstance(value, pd.Timestamp):
        value = value.to_pydatetime()
    if isinstance(value, dt.datetime):
        if kind == "date" and value.tzinfo is None and value.time() == dt.time(0):
            return value.date().isoformat()
        return value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, np.datetime64):
        return _iso(pd.Timestamp(value), kind)
    return str(value)


def _column_type(name: str, series: pd.Series, layer) -> str:
    if layer is not None and name in layer.column_names:
        return _KIND_TYPES[layer.column(name).kind]
    dtype = series.dtype
    if pd.api.types.is_bool_dtype(dtype):
        return "boolean"
    if pd.api.types.is_integer_dtype(dtype):
        return "bigint"
    if pd.api.types.is_float_dtype(dtype):
        return "double precision"
    if isinstance(dtype, pd.DatetimeTZDtype):
        return "timestamp with time zone"
    if pd.api.types.is_datetime64_dtype(dtype):
        return "timestamp without time zone"
    return "text"


def _to_python(series: pd.Series, pgtype: str, kind: str | None) -> list:
    """The values of a column as Python objects COPY can take, None for missing ones."""
    missing = series.isna().to_numpy()
    if pgtype == "bigint":
        values = []
        for v, m in zip(series.tolist(), missing):
            if m:
                values.append(None)
                continue
            try:
                f = float(v)
                ok = f.is_integer()
            except (TypeError, ValueError, OverflowError):
                ok = False
            if not ok:
                raise StoreError(f"column {series.name!r}: {v!r} is not an integer")
            values.append(int(v) if not isinstance(v, float) else int(f))
        return values
    if pgtype == "double precision":
        return [None if m else float(v) for v, m in zip(series.tolist(), missing)]
    if pgtype == "boolean":
        return [None if m else bool(v) for v, m in zip(series.tolist(), missing)]
    if pgtype.startswith("timestamp"):
        return [None if m else pd.Timestamp(v).to_pydatetime()
                for v, m in zip(series.tolist(), missing)]
    if kind in ("date", "datetime"):
        return [None if m else _iso(v, kind) for v, m in zip(series.tolist(), missing)]
    if series.dtype == object:
        return [None if m else (v if isinstance(v, str) else _iso(v, "datetime"))
                for v, m in zip(series.tolist(), missing)]
    return [None if m else str(v) for v, m in zip(series.tolist(), missing)]


def _geometry_column(df: pd.DataFrame):
    """The active geometry of ``df`` (a GeoSeries) or None for a plain table."""
    try:
        return df.geometry
    except AttributeError:
        return None


def _prepare(name: str, df: pd.DataFrame) -> tuple[list[tuple[str, str]], list[list], bool]:
    """Column names and types, the columns' values, and whether the layer has geometry."""
    import shapely

    layer = contract.LAYERS.get(name)
    geoms = _geometry_column(df)
    geom_name = geoms.name if geoms is not None else None
    if geoms is None and layer is not None and layer.is_spatial and "geometry" in df.columns:
        geoms, geom_name = df["geometry"], "geometry"
    columns, values = [], []
    for col in df.columns:
        if col == geom_name:
            continue
        if not isinstance(col, str) or not col:
            raise StoreError(f"layer {name!r}: column names must be text, not {col!r}")
        if col.lower() in (FID, GEOM):
            raise StoreError(f"layer {name!r}: the column name {col!r} is reserved for the "
                             "PostGIS store's feature id and geometry; rename it")
        if len(col.encode()) > 63:
            raise StoreError(f"layer {name!r}: column name {col!r} is longer than 63 bytes")
        series = df[col]
        if isinstance(series, pd.DataFrame):
            raise StoreError(f"layer {name!r}: column {col!r} appears twice")
        pgtype = _column_type(col, series, layer)
        kind = layer.column(col).kind if layer is not None and col in layer.column_names \
            else None
        columns.append((col, pgtype))
        values.append(_to_python(series, pgtype, kind))
    if geoms is not None:
        arr = np.asarray(geoms.values if hasattr(geoms, "values") else geoms, dtype=object)
        crs = getattr(geoms, "crs", None)
        if crs is not None and crs.to_epsg() != SRID:
            raise StoreError(f"layer {name!r} is in {crs.name}; the store keeps EPSG:{SRID} "
                             "(transform it first)")
        has_z = bool(shapely.has_z(arr[~shapely.is_missing(arr)]).any()) if len(arr) else False
        if has_z:  # a column has one dimension: 2D rows get z = 0 beside 3D ones
            arr = shapely.force_3d(arr)
        arr = shapely.set_srid(arr, SRID)
        wkb = shapely.to_wkb(arr, hex=True, include_srid=True)
        columns.append((GEOM, f"geometry({'GeometryZ' if has_z else 'Geometry'}, {SRID})"))
        values.append(wkb.tolist())
    return columns, values, geoms is not None


def _rows(fid_start: int, values: list[list]) -> Iterator[tuple]:
    """The rows of a COPY: a feature id, then the column values (one place to hook in tests)."""
    n = len(values[0]) if values else 0
    return zip(range(fid_start, fid_start + n), *values)


def _frame(cols: list[tuple[str, str]], rows: list[tuple], *, spatial: bool) -> pd.DataFrame:
    """A DataFrame (GeoDataFrame when ``spatial``) from fetched rows, typed as the GeoPackage
    store types them: ints int64 (float64 with gaps), floats float64, text object."""
    data = list(zip(*rows)) if rows else [()] * (len(cols) + (1 if spatial else 0))
    out = {}
    for (name, pgtype), values in zip(cols, data):
        values = list(values)
        if pgtype in _INT_TYPES:
            out[name] = (np.array(values, dtype="int64") if None not in values
                         else np.array([np.nan if v is None else v for v in values], "float64"))
        elif pgtype in _FLOAT_TYPES:
            out[name] = np.array([np.nan if v is None else v for v in values], "float64")
        elif pgtype == "boolean":
            out[name] = (np.array(values, dtype=bool) if None not in values
                         else np.array(values, dtype=object))
        elif pgtype == "timestamp without time zone":
            out[name] = pd.to_datetime(pd.Series(values, dtype=object)).astype("datetime64[ms]")
        elif pgtype == "timestamp with time zone":
            out[name] = pd.to_datetime(pd.Series(values, dtype=object), utc=True)
        else:
            out[name] = np.array(values, dtype=object)
    df = pd.DataFrame(out, columns=[c for c, _t in cols])
    if not spatial:
        return df
    import geopandas as gpd
    import shapely

    wkb = np.array(list(data[len(cols)]), dtype=object)
    geoms = shapely.from_wkb(wkb) if len(wkb) else np.array([], dtype=object)
    return gpd.GeoDataFrame(df, geometry=gpd.GeoSeries(geoms, crs=SRID, index=df.index),
                            crs=SRID)


class PostGISStore(Store):
    """Layers kept as tables of a PostgreSQL/PostGIS schema.

    Parameters
    ----------
    url : str
        ``postgresql://…/dbname[?schema=NAME]`` (see the module's documentation).
    create : bool
        Create what is missing (PostGIS, EPSG:9216, the schemas, the meta and batch tables);
        without it a database that was never set up is an error that names
        ``scripts/init_db.py``.
    """

    def __init__(self, url: str, *, create: bool = False):
        if psycopg is None:  # pragma: no cover
            raise StoreError("the PostGIS store needs psycopg: pip install 'psycopg[binary]'")
        self.url = str(url)
        self._conninfo, self.schema = split_url(self.url)
        self.history_schema = f"{self.schema}_history"
        self._conn = None
        conn = self._connection()
        if create:
            ensure_schema(conn, self.schema)
        elif not self._table_exists(conn, META):
            self.close()
            raise StoreError(
                f"{mask(self.url)}: schema {self.schema!r} holds no landgis store; create it "
                f"with scripts/init_db.py --db '{mask(self.url)}' [--from layers/kontum.gpkg]")

    def __repr__(self) -> str:
        return f"PostGISStore({mask(self.url)!r})"

    # ------------------------------------------------------------------ connection

    def _connection(self):
        if self._conn is None or self._conn.closed:
            conninfo = self._conninfo
            kwargs = {} if "application_name" in conninfo else {"application_name": "landgis"}
            try:
                self._conn = psycopg.connect(conninfo, autocommit=True, **kwargs)
            except psycopg.Error as exc:
                raise StoreError(f"cannot connect to PostgreSQL at {mask(self.url)}: "
                                 f"{str(exc).strip()}") from None
        return self._conn

    def close(self) -> None:
        if self._conn is not None and not self._conn.closed:
            self._conn.close()
        self._conn = None

    @contextlib.contextmanager
    def transaction(self):
        """One transaction on the store's connection; writes made inside it (write_layer,
        append_events) commit or roll back together. Yields the connection."""
        conn = self._connection()
        try:
            with conn.transaction():
                yield conn
        except (StoreError, ValueError):
            raise
        except psycopg.Error as exc:
            raise StoreError(f"{mask(self.url)}: {str(exc).strip()}") from exc

    def _t(self, name: str):
        return _ident(self.schema, name)

    def _table_exists(self, conn, name: str, schema: str | None = None) -> bool:
        return conn.execute(
            "SELECT 1 FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = %s AND c.relname = %s AND c.relkind IN ('r', 'p')",
            (schema or self.schema, name)).fetchone() is not None

    def _columns(self, conn, name: str, schema: str | None = None, *,
                 with_fid: bool = False) -> list[tuple[str, str]]:
        """``(column, type)`` of a table in order, the feature id left out unless asked."""
        rows = conn.execute(
            "SELECT a.attname, format_type(a.atttypid, NULL) FROM pg_attribute a "
            "JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = %s AND c.relname = %s AND c.relkind IN ('r', 'p') "
            "AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum",
            (schema or self.schema, name)).fetchall()
        return [(n, t) for n, t in rows if with_fid or n != FID]

    def _lock_writers(self, conn) -> int:
        """Raise the version counter; its row lock makes writers take turns until commit."""
        row = conn.execute(sql.SQL("UPDATE {} SET value = value + 1 WHERE key = 'version' "
                                   "RETURNING value").format(self._t(META))).fetchone()
        if row is None:
            raise StoreError(f"{mask(self.url)}: the store's meta table has no version row; "
                             "run scripts/init_db.py")
        return int(row[0])

    def _layer_names(self, conn) -> list[str]:
        rows = conn.execute(
            "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = %s AND c.relkind IN ('r', 'p') AND EXISTS (SELECT 1 FROM "
            "pg_attribute a WHERE a.attrelid = c.oid AND a.attname = %s AND NOT a.attisdropped) "
            "ORDER BY c.relname", (self.schema, FID)).fetchall()
        return [r[0] for r in rows if r[0] not in INTERNAL]

    def _require(self, conn, name: str) -> list[tuple[str, str]]:
        check_identifier(name)
        cols = self._columns(conn, name, with_fid=True) if name not in INTERNAL else []
        if FID not in dict(cols):  # missing, or a table that is not a layer (spatial_ref_sys)
            raise LayerNotFoundError(
                f"{mask(self.url)}: no layer {name!r}; layers: "
                f"{', '.join(self._layer_names(conn)) or 'none'}")
        return [(c, t) for c, t in cols if c != FID]

    # ------------------------------------------------------------------ reading

    @_as_store_errors
    def layers(self) -> list[str]:
        return self._layer_names(self._connection())

    @_as_store_errors
    def version(self) -> str:
        row = self._connection().execute(
            sql.SQL("SELECT value FROM {} WHERE key = 'version'").format(self._t(META))
        ).fetchone()
        return f"pg-{row[0] if row else 0}"

    @_as_store_errors
    def layer_version(self, name: str) -> str | None:
        """A token that changes whenever layer ``name`` is written (not on ledger appends)."""
        row = self._connection().execute(
            sql.SQL("SELECT value FROM {} WHERE key = %s").format(self._t(META)),
            (f"layer:{name}",)).fetchone()
        return None if row is None else f"pg-{row[0]}"

    @_as_store_errors
    def fields(self, name: str) -> list[str]:
        """Column names of a layer (geometry excluded)."""
        return [c for c, t in self._require(self._connection(), name) if c != GEOM]

    @_as_store_errors
    def read_layer(
        self,
        name: str,
        *,
        bbox: BBox | None = None,
        where: Where | None = None,
        columns: Sequence[str] | None = None,
    ) -> pd.DataFrame:
        return self._read(self._connection(), name, bbox=bbox, where=where, columns=columns)

    def _read(self, conn, name, *, bbox=None, where=None, columns=None, schema=None,
              table=None) -> pd.DataFrame:
        if table is None:
            cols = self._require(conn, name)
            table = name
        else:
            cols = self._columns(conn, table, schema)
        types = dict(cols)
        spatial = types.get(GEOM) == "geometry"
        fields = [c for c, _t in cols if not (c == GEOM and spatial)]
        filt = normalise_where(where, fields, name)
        if columns is not None:
            for col in columns:
                check_identifier(col)
                if col not in fields:
                    raise StoreError(f"layer {name!r} has no column {col!r}")
            fields = [c for c in fields if c in set(columns)]  # in the layer's order
        select = [sql.Identifier(c) if types[c] in _READABLE
                  else sql.SQL("{}::text").format(sql.Identifier(c)) for c in fields]
        if spatial:
            select.append(sql.SQL("ST_AsBinary({})").format(sql.Identifier(GEOM)))
        if not select:
            select = [sql.SQL("NULL")]
        conds, params = [], []
        if bbox is not None and spatial:
            xmin, ymin, xmax, ymax = (float(v) for v in bbox)
            conds.append(sql.SQL("{} && ST_MakeEnvelope(%s, %s, %s, %s, {})").format(
                sql.Identifier(GEOM), sql.Literal(SRID)))
            params += [xmin, ymin, xmax, ymax]
        for col, values in filt.items():
            conds.append(self._condition(col, types[col], values, params))
        order = [sql.Identifier(FID)]
        if name == EVENTS and "recorded_at" in fields:
            order = [sql.SQL('{} COLLATE "C"').format(sql.Identifier(c))
                     for c in ("recorded_at", "event_id") if c in types] + order
        query = sql.SQL("SELECT {} FROM {} {} ORDER BY {}").format(
            sql.SQL(", ").join(select), _ident(schema or self.schema, table),
            sql.SQL("WHERE ") + sql.SQL(" AND ").join(conds) if conds else sql.SQL(""),
            sql.SQL(", ").join(order))
        try:
            with conn.cursor(binary=True) as cur:
                rows = cur.execute(query, params).fetchall()
        except psycopg.Error as exc:
            raise StoreError(f"{mask(self.url)}: layer {name!r} not read: "
                             f"{str(exc).strip()}") from None
        if len(select) == 1 and not fields and not spatial:
            rows = [()] * len(rows)
        out_types = [(c, types[c] if types[c] in _READABLE else "text") for c in fields]
        return _frame(out_types, rows, spatial=spatial)

    @staticmethod
    def _condition(col: str, pgtype: str, values: list, params: list):
        """``col = ANY(%s)`` with the values typed for the column; never spliced into SQL."""
        nulls = any(v is None or (isinstance(v, float) and np.isnan(v)) for v in values)
        values = [v for v in values if not (v is None or (isinstance(v, float) and np.isnan(v)))]
        if pgtype in _INT_TYPES:
            cast, typed = "bigint[]", []
            for v in values:
                try:
                    f = float(v)
                except (TypeError, ValueError):
                    continue  # a value that is no number matches no row, as in SQLite
                if f.is_integer():
                    typed.append(int(f))
        elif pgtype in _FLOAT_TYPES:
            cast, typed = "double precision[]", []
            for v in values:
                try:
                    typed.append(float(v))
                except (TypeError, ValueError):
                    continue
        elif pgtype == "boolean":
            cast, typed = "boolean[]", [bool(v) for v in values]
        else:
            cast, typed = "text[]", [v if isinstance(v, str) else str(v) for v in values]
        terms = []
        if typed:
            terms.append(sql.SQL("{} = ANY(%s::" + cast + ")").format(sql.Identifier(col)))
            params.append(typed)
        if nulls:
            terms.append(sql.SQL("{} IS NULL").format(sql.Identifier(col)))
        if not terms:
            return sql.SQL("FALSE")
        return sql.SQL("(") + sql.SQL(" OR ").join(terms) + sql.SQL(")")

    # ------------------------------------------------------------------ writing

    def write_layer(self, name: str, df: pd.DataFrame, *, validate: bool = True,
                    batch: Batch | None = None) -> int | None:
        check_identifier(name)
        if name in INTERNAL:
            raise StoreError(f"{name!r} is the store's own table, not a layer")
        if len(name) > MAX_LAYER_NAME:
            raise StoreError(f"layer name {name!r}: at most {MAX_LAYER_NAME} characters")
        layer = contract.LAYERS.get(name)
        if validate and layer is not None:
            contract.validate_layer(df, layer, crs_epsg=SRID if layer.is_spatial else None)
        columns, values, spatial = _prepare(name, df)
        conn = self._connection()
        try:
            with conn.transaction():
                return self._write(conn, name, columns, values, spatial, batch, len(df))
        except (StoreError, contract.ContractError):
            raise
        except Exception as exc:  # the transaction is rolled back: the old layer stays
            raise StoreError(f"{mask(self.url)}: layer {name!r} not written: "
                             f"{str(exc).strip()}") from exc

    def _write(self, conn, name, columns, values, spatial, batch, features) -> int | None:
        version = self._lock_writers(conn)
        existed = self._table_exists(conn, name)
        if name == EVENTS and existed:
            raise LedgerError(f"{mask(self.url)}: the status ledger is append-only and already "
                              "exists; record changes with append_events")
        tmp = f"{name}__new"
        conn.execute(sql.SQL("DROP TABLE IF EXISTS {}").format(self._t(tmp)))
        conn.execute(sql.SQL("CREATE TABLE {} ({} bigint NOT NULL{})").format(
            self._t(tmp), sql.Identifier(FID),
            sql.SQL("").join(sql.SQL(", {} {}").format(sql.Identifier(c), sql.SQL(t))
                             for c, t in columns)))
        names = [FID] + [c for c, _t in columns]
        copy_sql = sql.SQL("COPY {} ({}) FROM STDIN").format(
            self._t(tmp), sql.SQL(", ").join(map(sql.Identifier, names)))
        with conn.cursor().copy(copy_sql) as copy:
            for row in _rows(1, values):
                copy.write_row(row)
        self._index(conn, tmp, name, [c for c, _t in columns], spatial)
        batch_id = None
        if batch is not None:
            batch_id = self._insert_batch(conn, name, features, batch, existed)
        if existed:
            if batch_id is not None:
                old = f"{name}__batch_{batch_id}"
                self._rename_indexes(conn, self.schema, name, name, f"b{batch_id}_{name}")
                conn.execute(sql.SQL("ALTER TABLE {} RENAME TO {}").format(
                    self._t(name), sql.Identifier(old)))
                conn.execute(sql.SQL("DROP TABLE IF EXISTS {}").format(
                    _ident(self.history_schema, old)))
                conn.execute(sql.SQL("ALTER TABLE {} SET SCHEMA {}").format(
                    self._t(old), sql.Identifier(self.history_schema)))
            else:
                conn.execute(sql.SQL("DROP TABLE {}").format(self._t(name)))
        conn.execute(sql.SQL("ALTER TABLE {} RENAME TO {}").format(
            self._t(tmp), sql.Identifier(name)))
        self._rename_indexes(conn, self.schema, name, tmp, name)
        conn.execute(sql.SQL(
            "INSERT INTO {} (key, value) VALUES (%s, %s) ON CONFLICT (key) DO UPDATE SET "
            "value = EXCLUDED.value").format(self._t(META)), (f"layer:{name}", version))
        return batch_id

    def _index(self, conn, table: str, layer: str, columns: list[str], spatial: bool) -> None:
        conn.execute(sql.SQL("ALTER TABLE {} ADD CONSTRAINT {} PRIMARY KEY ({})").format(
            self._t(table), sql.Identifier(f"{table}_pkey"), sql.Identifier(FID)))
        if spatial:
            conn.execute(sql.SQL("CREATE INDEX {} ON {} USING gist ({})").format(
                sql.Identifier(f"{table}_geom_gist"), self._t(table), sql.Identifier(GEOM)))
        contract_layer = contract.LAYERS.get(layer)
        if layer == EVENTS:
            # the ledger's ids are unique in the database itself: a race cannot duplicate one
            conn.execute(sql.SQL("ALTER TABLE {} ADD CONSTRAINT {} UNIQUE (event_id)").format(
                self._t(table), sql.Identifier(f"{table}_event_id_key")))
            if "parcel_id" in columns:
                conn.execute(sql.SQL("CREATE INDEX {} ON {} (parcel_id)").format(
                    sql.Identifier(f"{table}_parcel_id_idx"), self._t(table)))
        elif contract_layer is not None and contract_layer.key in columns:
            conn.execute(sql.SQL("CREATE INDEX {} ON {} ({})").format(
                sql.Identifier(f"{table}_key_idx"), self._t(table),
                sql.Identifier(contract_layer.key)))
        conn.execute(sql.SQL("ANALYZE {}").format(self._t(table)))

    def _rename_indexes(self, conn, schema: str, table: str, old_prefix: str,
                        new_prefix: str) -> None:
        """Rename the indexes (and so their constraints) of ``table`` from ``old_prefix…`` to
        ``new_prefix…``: index names are unique per schema."""
        rows = conn.execute(
            "SELECT i.relname FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid "
            "JOIN pg_class t ON t.oid = x.indrelid JOIN pg_namespace n ON n.oid = t.relnamespace "
            "WHERE n.nspname = %s AND t.relname = %s", (schema, table)).fetchall()
        for (index,) in rows:
            if index.startswith(old_prefix + "_") and not index.startswith(old_prefix + "__"):
                conn.execute(sql.SQL("ALTER INDEX {} RENAME TO {}").format(
                    _ident(schema, index),
                    sql.Identifier((new_prefix + index[len(old_prefix):])[:63])))

    def _insert_batch(self, conn, layer: str, features: int, batch: Batch,
                      replaced: bool) -> int:
        """Record a batch in the open transaction (writers take turns, so max + 1 is safe)."""
        now = dt.datetime.now(dt.timezone.utc).astimezone().isoformat(timespec="seconds")
        row = conn.execute(sql.SQL(
            "INSERT INTO {t} (batch_id, layer, action, source_name, source_sha256, \"user\", "
            "recorded_at, features, counts, note, has_previous) SELECT "
            "COALESCE(MAX(batch_id), 0) + 1, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s FROM {t} "
            "RETURNING batch_id").format(t=self._t(BATCHES)),
            (layer, batch.action, batch.source_name, batch.source_sha256, batch.user, now,
             int(features), json.dumps(dict(batch.counts), ensure_ascii=False), batch.note,
             bool(replaced))).fetchone()
        return int(row[0])

    # ------------------------------------------------------------------ batches

    @_as_store_errors
    def list_batches(self, layer: str | None = None) -> pd.DataFrame:
        conn = self._connection()
        cols = sql.SQL(", ").join(map(sql.Identifier, BATCH_COLUMNS))
        if layer is None:
            rows = conn.execute(sql.SQL("SELECT {} FROM {} ORDER BY batch_id").format(
                cols, self._t(BATCHES))).fetchall()
        else:
            rows = conn.execute(sql.SQL("SELECT {} FROM {} WHERE layer = %s ORDER BY batch_id"
                                        ).format(cols, self._t(BATCHES)), (layer,)).fetchall()
        if not rows:
            return pd.DataFrame(columns=BATCH_COLUMNS)
        df = pd.DataFrame.from_records(rows, columns=BATCH_COLUMNS, coerce_float=True)
        df["has_previous"] = df["has_previous"].astype(bool)
        return df

    @_as_store_errors
    def read_previous(self, batch_id: int) -> pd.DataFrame:
        batches = self.list_batches()
        row = batches[batches["batch_id"] == batch_id]
        if row.empty:
            raise StoreError(f"{mask(self.url)}: no batch {batch_id}")
        layer = row["layer"].iloc[0]
        if not row["has_previous"].iloc[0]:
            raise StoreError(f"batch {batch_id} created layer {layer!r}; there is no earlier "
                             "version to restore")
        kept = f"{layer}__batch_{int(batch_id)}"
        conn = self._connection()
        if not self._table_exists(conn, kept, self.history_schema):
            raise StoreError(f"the version before batch {batch_id} is no longer kept "
                             f"({self.history_schema}.{kept})")
        return self._read(conn, layer, schema=self.history_schema, table=kept)

    # ------------------------------------------------------------------ the ledger

    def append_events(self, events: pd.DataFrame, *, batch: Batch | None = None,
                      expect: Mapping[tuple[str, str], str] | None = None) -> int:
        if len(events) == 0:
            return 0
        events = events.reset_index(drop=True)
        conn = self._connection()
        try:
            with conn.transaction():
                self._append(conn, events, batch, expect)
        except psycopg.errors.UniqueViolation as exc:  # the database's own guard on event ids
            raise LedgerError(f"status events not recorded: {str(exc).strip()}") from None
        except psycopg.Error as exc:
            raise StoreError(f"{mask(self.url)}: status events not recorded: "
                             f"{str(exc).strip()}") from exc
        return len(events)

    def _append(self, conn, events: pd.DataFrame, batch, expect) -> None:
        self._lock_writers(conn)
        if not self._table_exists(conn, EVENTS):
            raise LedgerError(f"{mask(self.url)}: no status ledger; write the layers first")
        have = dict(self._columns(conn, EVENTS))
        for column in contract.STATUS_EVENTS.column_names:
            if column in events.columns and column not in have:  # the contract grew
                conn.execute(sql.SQL("ALTER TABLE {} ADD COLUMN {} text").format(
                    self._t(EVENTS), sql.Identifier(column)))
        existing = self._present(conn, EVENTS, "event_id", events.get("event_id"))
        targets = self._present(conn, EVENTS, "event_id", events.get("corrects_event_id"))
        parcels = (self._present(conn, PARCELS, "parcel_id", events.get("parcel_id"))
                   if self._table_exists(conn, PARCELS) else set())
        check_events(events, existing, parcels, targets)
        if expect:
            rows = self._read(conn, EVENTS, where={"parcel_id": sorted({p for p, _f in expect})})
            for column in contract.STATUS_EVENTS.column_names:
                if column not in rows.columns:
                    rows[column] = pd.Series(dtype=object)
            check_expected(expect, rows)
            # the database's clock, read under the writer lock: one clock for every app server
            now = conn.execute("SELECT clock_timestamp()").fetchone()[0]
            events = recorded_no_earlier_than(events, now, rows)
        cols = [c for c in contract.STATUS_EVENTS.column_names if c in events.columns]
        values = [_to_python(events[c], "text", contract.STATUS_EVENTS.column(c).kind)
                  for c in cols]
        start = conn.execute(sql.SQL("SELECT COALESCE(MAX({}), 0) + 1 FROM {}").format(
            sql.Identifier(FID), self._t(EVENTS))).fetchone()[0]
        copy_sql = sql.SQL("COPY {} ({}) FROM STDIN").format(
            self._t(EVENTS), sql.SQL(", ").join(map(sql.Identifier, [FID] + cols)))
        with conn.cursor().copy(copy_sql) as copy:
            for row in _rows(int(start), values):
                copy.write_row(row)
        if batch is not None:
            self._insert_batch(conn, EVENTS, len(events), batch, replaced=False)

    def _present(self, conn, table: str, column: str, values) -> set[str]:
        """Which of ``values`` are in ``table.column``, asked in SQL inside the transaction."""
        if values is None:
            return set()
        wanted = sorted({v if isinstance(v, str) else str(v) for v in values
                         if v is not None and not (isinstance(v, float) and np.isnan(v))
                         and (not isinstance(v, str) or v)})
        if not wanted:
            return set()
        rows = conn.execute(sql.SQL("SELECT DISTINCT {c} FROM {t} WHERE {c} = ANY(%s::text[])"
                                    ).format(c=sql.Identifier(column), t=self._t(table)),
                            (wanted,)).fetchall()
        return {r[0] for r in rows}

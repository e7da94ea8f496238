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
Each layer is a table ``<schema>.<layer>`` with ``fid bigint`` (primary key, the feature id:
see :mod:`landgis.store.changes`), one column per DataFrame column and, for a spatial layer,
``geom geometry(Geometry, 9216)`` with a GiST index. Attribute types come from the contract
(str → text, int → bigint, float → double precision, date and datetime → ISO text, as the
GeoPackage store keeps them) and, for extra columns, from the DataFrame's dtypes. Reads give the
same DataFrames as the GeoPackage store: int64 (float64 when a value is missing), float64,
object text, a GeoDataFrame in EPSG:9216 with its geometry in ``geometry``.

``<schema>.landgis_meta`` holds a counter, ``version``, raised by every write: it is what
:meth:`PostGISStore.version` returns, so several app servers see each other's writes. Every
write (layer or ledger) raises it first, in its own transaction, which also makes writers take
turns: the checks a write makes (ledger ids, parcel existence, expected statuses) cannot be
overtaken by another write before it commits. ``<schema>.import_batches`` records the batches,
``<schema>.layer_changes`` the boxes each touched.

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

Modules
-------
This module holds the store itself (connection, reading, writing layers);
:mod:`~landgis.store.pg_schema` the URL, the tables' names and the setting up;
:mod:`~landgis.store.pg_values` the conversions from DataFrames to rows and the filters;
:mod:`~landgis.store.pg_read` the reading, column by column;
:mod:`~landgis.store.pg_ledger` the status ledger and the batches.
"""

from __future__ import annotations

import contextlib
from typing import Sequence

import pandas as pd

from landgis import contract
from landgis.store.base import (
    Batch,
    BBox,
    LayerNotFoundError,
    LedgerError,
    Store,
    StoreError,
    Where,
    check_identifier,
    dates_as_text,
    normalise_where,
)
from landgis.store import pg_views
from landgis.store.changes import differing_boxes, feature_ids
from landgis.store.pg_ledger import LedgerAndBatches
from landgis.store.pg_schema import (  # noqa: F401 - the backend's public names, here as before
    BATCHES,
    EVENTS,
    FID,
    GEOM,
    INTERNAL,
    MAX_LAYER_NAME,
    META,
    PARCELS,
    SCHEMES,
    SRID,
    _as_store_errors,
    _ident,
    ensure_postgis,
    ensure_schema,
    is_postgres_url,
    mask,
    psycopg,
    split_url,
    sql,
    srid_definition,
)
from landgis.store.pg_read import read_frame, select_terms
from landgis.store.pg_values import _condition, _prepare, _rows

__all__ = ["PostGISStore", "ensure_postgis", "ensure_schema", "is_postgres_url", "mask",
           "split_url", "srid_definition"]


class PostGISStore(LedgerAndBatches, Store):
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
                "there first (empty, or from a GeoPackage)", "init_store")

    def __repr__(self) -> str:
        return f"PostGISStore({mask(self.url)!r})"

    # ------------------------------------------------------------------ connection

    def _connection(self):
        if self._conn is None or self._conn.closed:
            conninfo = self._conninfo
            kwargs = {} if "application_name" in conninfo else {"application_name": "landgis"}
            try:
                self._conn = psycopg.connect(conninfo, autocommit=True, **kwargs)
                # floats read back in their shortest exact text (PostgreSQL >= 12)
                self._conn.execute("SET extra_float_digits = 3")
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
                             "create the store again", "init_store")
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
        """A counter in ``landgis_meta`` moved by every write of layer ``name`` (not by ledger
        appends); None when the layer was never written."""
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
        with_fid: bool = False,
    ) -> pd.DataFrame:
        return self._read(self._connection(), name, bbox=bbox, where=where, columns=columns,
                          with_fid=with_fid)

    @_as_store_errors
    def read_table(self, name: str, *, columns: Sequence[str] | None = None) -> pd.DataFrame:
        """:meth:`Store.read_table` without building a GeoDataFrame."""
        return self._read(self._connection(), name, columns=columns, geo=False)

    def _read(self, conn, name, *, bbox=None, where=None, columns=None, schema=None,
              table=None, with_fid=False, geo=True) -> pd.DataFrame:
        """The rows of a layer (or of ``schema.table``, a version kept in the history) in
        the order of their feature ids (the ledger: in the order it was recorded), read
        column by column (:mod:`~landgis.store.pg_read`)."""
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
        types[FID] = "bigint"
        out = [(c, types[c]) for c in [FID, *fields]]  # the fid always: it counts the rows
        conds, params = [], []
        if bbox is not None and spatial:
            xmin, ymin, xmax, ymax = (float(v) for v in bbox)
            conds.append(sql.SQL("{} && ST_MakeEnvelope(%s, %s, %s, %s, {})").format(
                sql.Identifier(GEOM), sql.Literal(SRID)))
            params += [xmin, ymin, xmax, ymax]
        for col, values in filt.items():
            conds.append(_condition(col, types[col], values, params))
        order = [sql.Identifier(FID)]
        if name == EVENTS and "recorded_at" in fields:
            order = [sql.SQL('{} COLLATE "C"').format(sql.Identifier(c))
                     for c in ("recorded_at", "event_id") if c in types] + order
        query = sql.SQL("SELECT {} FROM {} {} ORDER BY {}").format(
            sql.SQL(", ").join(select_terms(out, spatial=spatial)),
            _ident(schema or self.schema, table),
            sql.SQL("WHERE ") + sql.SQL(" AND ").join(conds) if conds else sql.SQL(""),
            sql.SQL(", ").join(order))
        try:
            df = read_frame(conn, query, params, out, spatial=spatial, geo=geo,
                            what=f"layer {name!r}")
        except psycopg.Error as exc:
            raise StoreError(f"{mask(self.url)}: layer {name!r} not read: "
                             f"{str(exc).strip()}") from None
        if not with_fid:
            del df[FID]  # in place: no copy of the frame
        return df

    # ------------------------------------------------------------------ writing

    def write_layer(self, name: str, df: pd.DataFrame, *, validate: bool = True,
                    batch: Batch | None = None) -> int | None:
        check_identifier(name)
        if name in INTERNAL or name in pg_views.VIEWS:
            raise StoreError(f"{name!r} is the store's own table or view, not a layer")
        if len(name) > MAX_LAYER_NAME:
            raise StoreError(f"layer name {name!r}: at most {MAX_LAYER_NAME} characters")
        return self._replace(name, df, validate=validate, batch=batch)

    def _write_restored(self, name: str, df: pd.DataFrame, batch: Batch) -> int:
        return self._replace(name, df, validate=True, batch=batch, restore=True)

    def _replace(self, name: str, df: pd.DataFrame, *, validate: bool, batch: Batch | None,
                 restore: bool = False) -> int | None:
        """:meth:`write_layer`, its ``fid`` column the feature ids; a restore records the boxes
        of the rows that differ from the layer it replaces, read in the same transaction."""
        layer = contract.LAYERS.get(name)
        if validate and layer is not None:
            contract.validate_layer(df, layer, crs_epsg=SRID if layer.is_spatial else None)
        fids = feature_ids(df, name)
        df = dates_as_text(df, name)  # as the GeoPackage store keeps them
        columns, values, spatial = _prepare(name, df.drop(columns=[FID]) if fids is not None
                                            else df)
        conn = self._connection()
        try:
            with conn.transaction():
                boxes = None
                if restore:
                    self._lock_writers(conn)  # the layer is compared under the writer lock
                    if self._table_exists(conn, name):
                        boxes = differing_boxes(self._read(conn, name, with_fid=True), df)
                return self._write(conn, name, columns, values, spatial, batch, len(df),
                                   fids=fids, boxes=boxes)
        except (StoreError, contract.ContractError):
            raise
        except Exception as exc:  # the transaction is rolled back: the old layer stays
            raise StoreError(f"{mask(self.url)}: layer {name!r} not written: "
                             f"{str(exc).strip()}") from exc

    def _write(self, conn, name, columns, values, spatial, batch, features, *, fids=None,
               boxes=None) -> int | None:
        """Replace the layer in the open transaction: rows numbered 1..n or ``fids``; with a
        batch, its changes recorded (``boxes``; None: the whole layer)."""
        version = self._lock_writers(conn)
        existed = self._table_exists(conn, name)
        if name == EVENTS and existed:
            raise LedgerError(f"{mask(self.url)}: the status ledger is append-only and already "
                              "exists; record changes with append_events")
        grants = pg_views.drop_views(conn, self.schema)  # a view would follow the old table
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
            for row in _rows(1 if fids is None else fids, values):
                copy.write_row(row)
        self._index(conn, tmp, name, [c for c, _t in columns], spatial)
        batch_id = None
        if batch is not None:
            batch_id = self._insert_batch(conn, name, features, batch, existed)
            self._insert_changes(conn, batch_id, name, boxes)
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
        pg_views.create_views(conn, self.schema, grants)
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

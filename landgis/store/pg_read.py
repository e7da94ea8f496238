"""Reading a PostGIS layer column by column: ``COPY (SELECT …) TO STDOUT`` as CSV, parsed by
pyarrow in chunks of rows, the geometry sent as hex WKB and decoded by shapely in one call per
chunk.

Fetching rows as tuples made a Python object of every value (at 1,000,000 parcels the land fund
alone grew the process by 1.4 GB). Here the values stay in Arrow buffers until one conversion to
pandas, which makes one Python string per distinct text value of a column (commune names, zone
codes repeat) and none for numbers. The DataFrames are those the store gave when it fetched
tuples (typed as the GeoPackage store types them): int64 (float64 when a value is missing),
float64, bool, object text with None for NULL, timestamps as pandas datetimes, bytea as bytes.

CSV keeps NULL and the empty string apart (an unquoted empty field is NULL, ``""`` the empty
text) and quotes text with commas, quotes or line breaks; PostgreSQL sends each row of a COPY in
one message, so the chunks are cut between rows. Floats are sent in their shortest exact form
(``extra_float_digits``, set by the store's connection).
"""

from __future__ import annotations

import binascii

import numpy as np
import pandas as pd

from landgis.store.base import StoreError
from landgis.store.pg_schema import GEOM, SRID, sql

#: CSV bytes parsed at once: the memory a read holds beyond its result is about this much
CHUNK_BYTES = 32 << 20
_INT = {"bigint", "integer", "smallint"}
_FLOAT = {"double precision"}
_AS_FLOAT = {"real", "numeric"}  # sent as double precision, as psycopg gave them
_TEXT = {"text", "character varying", "character", "name"}
_TIMESTAMPS = {"timestamp without time zone", "timestamp with time zone"}


def _expression(col: str, pgtype: str):
    """The SELECT term that sends column ``col`` in a form the CSV parser types exactly."""
    ident = sql.Identifier(col)
    if pgtype in _INT or pgtype in _FLOAT or pgtype in _TEXT or pgtype == "boolean":
        return ident
    if pgtype in _AS_FLOAT:
        return sql.SQL("{}::double precision").format(ident)
    if pgtype in _TIMESTAMPS:  # microseconds since 1970, whatever the session's DateStyle
        return sql.SQL("(extract(epoch FROM {}) * 1000000)::bigint").format(ident)
    if pgtype == "bytea":
        return sql.SQL("encode({}, 'hex')").format(ident)
    return sql.SQL("{}::text").format(ident)


def _arrow_type(pgtype: str):
    import pyarrow as pa

    if pgtype in _INT or pgtype in _TIMESTAMPS:
        return pa.int64()
    if pgtype in _FLOAT or pgtype in _AS_FLOAT:
        return pa.float64()
    if pgtype == "boolean":
        return pa.bool_()
    return pa.string()


def select_terms(cols: list[tuple[str, str]], *, spatial: bool) -> list:
    """The SELECT list :func:`read_frame` expects for ``cols`` (and the geometry)."""
    terms = [_expression(c, t) for c, t in cols]
    if spatial:
        terms.append(sql.SQL("encode(ST_AsBinary({}), 'hex')").format(sql.Identifier(GEOM)))
    return terms


def _pool():
    """Arrow's buffers from malloc: pyarrow's own allocator (mimalloc) keeps what a read
    frees, so a server would stay as large as its largest read (malloc gives large blocks
    back at once, the rest with :func:`landgis.memory.release_freed_memory`)."""
    import pyarrow as pa

    return pa.system_memory_pool()


def _parse(blob: bytearray, names: list[str], types: list, longest: int):
    import pyarrow as pa
    from pyarrow import csv

    return csv.read_csv(
        pa.py_buffer(blob), memory_pool=_pool(),
        read_options=csv.ReadOptions(column_names=names,
                                     block_size=max(1 << 20, 2 * longest + 1)),
        parse_options=csv.ParseOptions(newlines_in_values=True, ignore_empty_lines=False),
        convert_options=csv.ConvertOptions(
            column_types=dict(zip(names, types)), null_values=[""], strings_can_be_null=True,
            quoted_strings_can_be_null=False, true_values=["t"], false_values=["f"]))


def _geometries(hexes):
    """Shapely geometries (None for NULL) of a chunk's column of hex WKB, decoded in one call,
    without making a Python string of each hex text."""
    import pyarrow as pa
    import shapely

    hexes = hexes.combine_chunks() if isinstance(hexes, pa.ChunkedArray) else hexes
    if len(hexes) == 0:
        return np.array([], dtype=object)
    validity, offsets, data = hexes.buffers()
    offsets = np.frombuffer(offsets, np.int32)[:hexes.offset + len(hexes) + 1]
    raw = binascii.unhexlify(memoryview(data)[offsets[0]:offsets[-1]]) if data else b""
    wkb = pa.BinaryArray.from_buffers(
        pa.binary(), len(hexes),
        [validity, pa.py_buffer(((offsets - offsets[0]) // 2).astype(np.int32)),
         pa.py_buffer(raw)], offset=hexes.offset)
    return shapely.from_wkb(wkb.to_numpy(zero_copy_only=False))


def read_frame(conn, query, params, cols: list[tuple[str, str]], *, spatial: bool,
               geo: bool = True, what: str = "layer") -> pd.DataFrame:
    """Run ``query`` (a SELECT of :func:`select_terms` of ``cols``) through COPY and return
    its rows as a DataFrame with the columns ``cols``; with ``spatial``, a GeoDataFrame in
    EPSG:9216 (``geo``) or a ``geometry`` column of shapely geometries (not ``geo``)."""
    import pyarrow as pa

    names = [f"c{i}" for i in range(len(cols) + spatial)]
    types = [_arrow_type(t) for _c, t in cols] + ([pa.string()] if spatial else [])
    tables, geoms = [], []

    def parse(blob, longest):
        table = _parse(blob, names, types, longest)
        if spatial:
            geoms.append(_geometries(table.column(names[-1])))
            table = table.drop_columns([names[-1]])
        tables.append(table)

    copy_sql = sql.SQL("COPY ({}) TO STDOUT (FORMAT csv, ENCODING 'UTF8')").format(query)
    try:
        with conn.cursor() as cur, cur.copy(copy_sql, params) as copy:
            blob, longest = bytearray(), 0
            for row in copy:  # one message per row
                blob += row
                longest = max(longest, len(row))
                if len(blob) >= CHUNK_BYTES:
                    parse(blob, longest)
                    blob, longest = bytearray(), 0
            if blob:
                parse(blob, longest)
    except pa.ArrowException as exc:
        raise StoreError(f"{what} not read: {exc}") from None
    schema = pa.schema([(n, t) for n, t in zip(names, types)][:len(cols)])
    table = (pa.concat_tables(tables, memory_pool=_pool()) if tables
             else schema.empty_table())
    tables.clear()
    df = table.to_pandas(memory_pool=_pool(), self_destruct=True)
    del table
    df.columns = [c for c, _t in cols]
    for col, pgtype in cols:
        if pgtype == "timestamp without time zone":
            df[col] = pd.to_datetime(df[col], unit="us").astype("datetime64[ms]")
        elif pgtype == "timestamp with time zone":
            df[col] = pd.to_datetime(df[col], unit="us", utc=True)
        elif pgtype == "bytea":
            df[col] = np.array([None if v is None else bytes.fromhex(v) for v in df[col]],
                               dtype=object)
    if not spatial:
        return df
    geometry = np.concatenate(geoms) if geoms else np.array([], dtype=object)
    geoms.clear()
    if not geo:
        df["geometry"] = geometry
        return df
    import geopandas as gpd

    return gpd.GeoDataFrame(df, geometry=gpd.GeoSeries(geometry, crs=SRID, index=df.index),
                            crs=SRID)

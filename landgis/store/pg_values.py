"""Values between DataFrames and PostgreSQL for the PostGIS store: column types, rows for
COPY and filters (reading: :mod:`landgis.store.pg_read`)."""

from __future__ import annotations

import datetime as dt
from typing import Iterator

import numpy as np
import pandas as pd

from landgis import contract
from landgis.store.base import StoreError
from landgis.store.pg_schema import FID, GEOM, SRID, sql

_KIND_TYPES = {"str": "text", "int": "bigint", "float": "double precision", "date": "text",
               "datetime": "text"}
_INT_TYPES = {"bigint", "integer", "smallint"}
_FLOAT_TYPES = {"double precision", "real", "numeric"}


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


def _rows(fids, values: list[list]) -> Iterator[tuple]:
    """The rows of a COPY: a feature id (counted from ``fids`` when it is a number, else taken
    from it in order), then the column values (tests stop a layer write midway by replacing
    ``landgis.store.postgis._rows``, the name the writer calls)."""
    if isinstance(fids, (int, np.integer)):
        n = len(values[0]) if values else 0
        fids = range(int(fids), int(fids) + n)
    else:
        fids = [int(f) for f in fids]
    if not values:
        return ((f,) for f in fids)
    return zip(fids, *values)


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

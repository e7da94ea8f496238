"""A vector tile encoded by PostgreSQL itself (``ST_AsMVT``), for a store on PostGIS.

The same contract as :func:`landgis.tiles.encode_tile`: the features of tiled layer ``layer``
meeting tile ``z/x/y`` plus :data:`~landgis.tiles.BUFFER` units, in EPSG:3857, clipped and
quantised to the :data:`~landgis.tiles.EXTENT` grid, carrying exactly the properties of
``LAYERS[layer].tile_columns`` (``k`` is the store's ``fid``, the feature id), null values
omitted, no feature id, the MVT layer named as ours. So several app servers on one database
share one tile source, and a tile the pyramid lacks costs what ``ST_AsMVT`` costs.

The transformation to EPSG:3857 is the database's ``ST_Transform``: PostGIS asks PROJ for
EPSG:9216 to EPSG:3857, whose one operation across the datum is EPSG:6960, the shift
:mod:`landgis.crs` pins (the store registers EPSG:9216 in ``spatial_ref_sys``, its PROJ string
carrying that shift as ``+towgs84`` for a PROJ without the EPSG entry);
``tests/core/test_pg_tiles.py`` checks that both put a parcel within 0.1 m of each other.

Each feature is clipped to the frame (the tile plus the buffer) before ``ST_AsMVTGeom`` snaps it
to the grid, as ours is: ``ST_AsMVTGeom`` alone snaps first and clips the snapped outline, which
moves the crossing of an edge meeting the frame at a shallow angle by several units (measured:
up to 16 on the bench parcels). So a geometry differs from :func:`~landgis.tiles.encode_tile`'s
by at most one unit, and the properties are the same. One difference is left: a parcel whose
only part in the frame is thinner than a unit at its outer rim (80 units outside the tile,
never drawn) is a half-unit triangle for ours and dropped by ``ST_AsMVTGeom`` (12 of 255,000
features in 60 tiles of the 100,000 bench parcels).

Measured on the 100,000 bench parcels (2 cores shared, load 2-5), against ``ST_AsMVT`` as
``scripts/_postgis.py`` (``mvt_tile``) asks it, alternated on the same tiles: z14 median 33 ms
against 32 ms, p95 80 ms against 70 ms; z16 median 3.0 ms against 2.4 ms. The same query but
for its four more properties (``zone_code``, ``sheet_no``, ``parcel_no``, ``k``: 37 % more
bytes) and the clipping of the features that cross the frame.
"""

from __future__ import annotations

from landgis.tiles.grid import BUFFER, EXTENT
from landgis.tiles.layers import ORDINAL, check_tile

#: The tile's features, selected through the GiST index on the storage CRS: the tile envelope
#: grown by the buffer (``wide``), densified so that its box in EPSG:9216 holds every feature
#: it meets; each feature not inside ``wide`` clipped to it in EPSG:3857 before ST_AsMVTGeom
#: snaps it
_SQL = """
WITH b AS (SELECT ST_TileEnvelope(%(z)s, %(x)s, %(y)s) AS env),
e AS (SELECT b.env, ST_Expand(b.env, (ST_XMax(b.env) - ST_XMin(b.env)) * {buffer} / {extent})
             AS wide FROM b),
q AS (SELECT e.env, e.wide, ST_Transform(ST_Segmentize(e.wide, (ST_XMax(e.env) -
          ST_XMin(e.env)) / 16), {srid}) AS area FROM e),
f AS (SELECT ST_Transform(t.geom, 3857) AS g, {columns}
      FROM {table} t, q WHERE t.geom && q.area OFFSET 0),
mvt AS (SELECT ST_AsMVTGeom(CASE WHEN f.g @ q.wide THEN f.g ELSE ST_ClipByBox2D(f.g, q.wide)
                            END, q.env, {extent}, {buffer}, true) AS geom, {names}
        FROM f, q)
SELECT ST_AsMVT(mvt.*, %(name)s, {extent}, 'geom') FROM mvt
"""
# no "WHERE geom IS NOT NULL": ST_AsMVT skips rows without geometry, and the filter, pushed
# into the inlined CTE, would make PostgreSQL compute ST_AsMVTGeom twice (twice the time)


def tile_sql(store, layer: str):
    """The query of one layer's tiles on ``store`` (a :class:`PostGISStore`), its parameters
    ``z``, ``x``, ``y`` and ``name``; None when the store has no such layer.

    Raises :class:`~landgis.store.errors.StoreError` when the layer lacks a tiled column
    (as reading it for :func:`~landgis.tiles.read_tile_layer` does)."""
    from landgis.store.errors import StoreError
    from landgis.store.pg_schema import FID, GEOM, SRID, sql

    spec = check_tile(layer, 0, 0, 0)
    conn = store._connection()
    if layer not in store.layers():
        return None
    have = {c for c, _t in store._columns(conn, layer)}
    missing = [c for c in (*spec.columns, GEOM) if c not in have]
    if missing:
        raise StoreError(f"layer {layer!r} has no column {missing[0]!r}")
    columns = [sql.SQL("t.{}").format(sql.Identifier(c)) for c in spec.columns]
    if spec.ordinal:
        columns.append(sql.SQL("t.{} AS {}").format(sql.Identifier(FID),
                                                    sql.Identifier(ORDINAL)))
    names = [sql.SQL("f.{}").format(sql.Identifier(c)) for c in spec.tile_columns]
    return sql.SQL(_SQL).format(
        columns=sql.SQL(", ").join(columns), names=sql.SQL(", ").join(names),
        table=store._t(layer),
        srid=sql.Literal(SRID), extent=sql.Literal(EXTENT), buffer=sql.Literal(BUFFER))


def pg_tile(store, layer: str, z: int, x: int, y: int) -> bytes | None:
    """The MVT bytes (not compressed) of tile ``z/x/y`` of tiled layer ``layer``, encoded by
    the database of ``store`` (a :class:`~landgis.store.postgis.PostGISStore`, through its own
    connection, one read-only query); None when the tile is empty or the store has no such
    layer. Any zoom is answered: the layer's first zoom is the caller's to check, as for
    :func:`~landgis.tiles.encode_tile`.

    Raises :class:`~landgis.tiles.UnknownLayer` or :class:`~landgis.tiles.TileError` for an
    address that is not a tile, :class:`~landgis.store.errors.StoreError` when the database
    fails.
    """
    from landgis.store.errors import StoreError
    from landgis.store.pg_schema import mask, psycopg

    spec = check_tile(layer, z, x, y)
    params = {"z": z, "x": x, "y": y, "name": spec.name}
    queries = store.__dict__.setdefault("_pg_tile_sql", {})  # one query a layer and store
    try:
        try:
            query = queries.get(layer) or tile_sql(store, layer)
            if query is None:
                return None
            row = store._connection().execute(query, params).fetchone()
        except (psycopg.errors.UndefinedTable, psycopg.errors.UndefinedColumn):
            queries.pop(layer, None)  # the layer was dropped or written with other columns
            query = tile_sql(store, layer)
            if query is None:
                return None
            row = store._connection().execute(query, params).fetchone()
        queries[layer] = query
    except psycopg.Error as exc:
        raise StoreError(f"{mask(store.url)}: tile {layer}/{z}/{x}/{y} not made: "
                         f"{str(exc).strip()}") from exc
    data = bytes(row[0]) if row and row[0] is not None else b""
    return data or None

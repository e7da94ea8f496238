"""PostgreSQL + PostGIS for the benchmarks, and the local server the tests use.

The tests use only :func:`ensure_cluster` and :func:`ensure_role`, through
``scripts/ensure_postgres.py`` (``make test``); the rest is the bench's.

Starts Debian's default cluster (``pg_ctlcluster 15 main start``) when it is down, makes a
superuser role for the current OS user and the database ``landgis_bench`` with PostGIS and
EPSG:9216, and loads the parcels of a benchmark GeoPackage into ``<schema>.parcels`` (one schema
per data file, e.g. ``parcels_100000``) with ogr2ogr, a GiST index and each parcel's current
clearance and auction status as columns. A marker table, ``public.bench_loaded``, records which
file each schema holds and its modification time: a schema is reloaded only when its file is
newer.
"""

from __future__ import annotations

import getpass
import os
import re
import shlex
import shutil
import subprocess
import warnings
from pathlib import Path

import psycopg
import pyogrio
from pyproj import CRS

from landgis.ledger import current_status

DBNAME = "landgis_bench"
VERSION, CLUSTER = "15", "main"
#: Debian's socket directory (psycopg's bundled libpq would look in /tmp)
SOCKET_DIR = os.environ.get("PGHOST", "/var/run/postgresql")
SRID = 9216
INSTALL = "apt-get update && apt-get install -y postgresql-15-postgis-3 (make bench does it)"

#: the land-fund summary as SQL: parcels and plane area by zone, by zone × clearance status and
#: by zone × auction status (run back to back as one timed unit)
SUMMARY_SQL = (
    "SELECT zone_code, COUNT(*), SUM(ST_Area(geom)) FROM {t} GROUP BY zone_code",
    "SELECT zone_code, clearance_status, COUNT(*), SUM(ST_Area(geom)) FROM {t} "
    "GROUP BY zone_code, clearance_status",
    "SELECT zone_code, auction_status, COUNT(*), SUM(ST_Area(geom)) FROM {t} "
    "GROUP BY zone_code, auction_status",
)


def _run(args, **kw):
    return subprocess.run(args, check=True, capture_output=True, text=True, **kw)


def ensure_cluster() -> None:
    """Start Debian's PostgreSQL 15 cluster if it is down."""
    if shutil.which("pg_lsclusters") is None or not Path(
            f"/usr/share/postgresql/{VERSION}/extension/postgis.control").exists():
        raise SystemExit(f"PostgreSQL {VERSION} with PostGIS 3 is missing: {INSTALL}")
    rows = [line.split() for line in _run(["pg_lsclusters", "--no-header"]).stdout.splitlines()]
    status = next((r[3] for r in rows if r[:2] == [VERSION, CLUSTER]), None)
    if status is None:
        raise SystemExit(f"no PostgreSQL cluster {VERSION}/{CLUSTER}: pg_createcluster "
                         f"{VERSION} {CLUSTER}")
    if not status.startswith("online"):
        print(f"starting PostgreSQL cluster {VERSION}/{CLUSTER} …", flush=True)
        _run(["pg_ctlcluster", VERSION, CLUSTER, "start"])


def _as_postgres(sql: str) -> None:
    """Run one statement as the postgres OS user over the local socket (peer authentication)."""
    _run(["su", "postgres", "-c",
          f"psql -X -q -v ON_ERROR_STOP=1 -d postgres -c {shlex.quote(sql)}"])


def connect(dbname: str = DBNAME, **kw) -> psycopg.Connection:
    return psycopg.connect(host=SOCKET_DIR, dbname=dbname, **kw)


def ensure_role() -> psycopg.Connection:
    """A superuser role for this OS user (made as the postgres OS user when it is missing);
    returns an autocommit connection to the ``postgres`` database."""
    user = getpass.getuser()
    try:
        return connect("postgres", autocommit=True)
    except psycopg.OperationalError:
        _as_postgres(f'CREATE ROLE "{user}" LOGIN SUPERUSER')
        return connect("postgres", autocommit=True)


def ensure_database() -> None:
    """A superuser role for this OS user, the database, PostGIS and EPSG:9216 in it."""
    ensure_cluster()
    admin = ensure_role()
    with admin:
        if admin.execute("SELECT 1 FROM pg_database WHERE datname = %s",
                         (DBNAME,)).fetchone() is None:
            admin.execute(f"CREATE DATABASE {DBNAME}")
    with connect(autocommit=True) as conn:
        conn.execute("CREATE EXTENSION IF NOT EXISTS postgis")
        # Debian's PostGIS 3.3 has no EPSG:9216: without it ogr2ogr stores SRID 900914
        if conn.execute("SELECT 1 FROM spatial_ref_sys WHERE srid = %s",
                        (SRID,)).fetchone() is None:
            crs = CRS.from_epsg(SRID)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", UserWarning)  # "lose information" in proj4
                proj4 = crs.to_proj4().replace(" +type=crs", "")
            conn.execute("INSERT INTO spatial_ref_sys (srid, auth_name, auth_srid, srtext, "
                         "proj4text) VALUES (%s, 'EPSG', %s, %s, %s)",
                         (SRID, SRID, crs.to_wkt("WKT1_GDAL"), proj4))
        conn.execute("CREATE TABLE IF NOT EXISTS public.bench_loaded (schema_name text PRIMARY "
                      "KEY, source text, source_mtime double precision, parcels bigint, "
                      "loaded_at timestamptz DEFAULT now())")


def schema_for(path: Path) -> str:
    return re.sub(r"[^a-z0-9_]", "_", path.stem.lower())


def load_parcels(path: Path) -> str:
    """The parcels of ``path`` in PostGIS, loaded if missing or older than the file; returns
    the qualified table name."""
    ensure_database()
    path = path.resolve()
    schema = schema_for(path)
    table = f"{schema}.parcels"
    mtime = path.stat().st_mtime
    with connect(autocommit=True) as conn:
        marker = conn.execute("SELECT source, source_mtime FROM public.bench_loaded "
                              "WHERE schema_name = %s", (schema,)).fetchone()
        present = conn.execute("SELECT to_regclass(%s)", (table,)).fetchone()[0] is not None
        if present and marker == (str(path), mtime):
            return table
        print(f"loading {path.name} into PostGIS {DBNAME}.{table} …", flush=True)
        conn.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
        conn.execute(f"CREATE SCHEMA {schema}")
        conn.execute("DELETE FROM public.bench_loaded WHERE schema_name = %s", (schema,))
    geom = pyogrio.read_info(path, layer="parcels")["geometry_name"] or "geometry"
    _run(["ogr2ogr", "-f", "PostgreSQL", f"PG:dbname={DBNAME} host={SOCKET_DIR}", str(path),
          "parcels", "-nln", "parcels", "-lco", f"SCHEMA={schema}", "-lco", "GEOMETRY_NAME=geom",
          "-lco", "SPATIAL_INDEX=GIST", "-lco", "FID=fid", "-gt", "unlimited"])
    if geom != "geom":
        print(f"  (GeoPackage geometry column {geom!r} loaded as 'geom')")
    ids = pyogrio.read_dataframe(path, layer="parcels", columns=["parcel_id"],
                                 read_geometry=False)["parcel_id"]
    status = current_status(pyogrio.read_dataframe(path, layer="status_events"), ids)
    with connect(autocommit=True) as conn:
        conn.execute(f"ALTER TABLE {table} ADD COLUMN clearance_status text, "
                     "ADD COLUMN auction_status text")
        with conn.transaction():
            conn.execute("CREATE TEMP TABLE status (parcel_id text PRIMARY KEY, "
                         "clearance_status text, auction_status text) ON COMMIT DROP")
            with conn.cursor().copy("COPY status FROM STDIN") as copy:
                for row in zip(status.index, status["clearance_status"],
                               status["auction_status"]):
                    copy.write_row(row)
            updated = conn.execute(
                f"UPDATE {table} p SET clearance_status = s.clearance_status, "
                "auction_status = s.auction_status FROM status s "
                "WHERE p.parcel_id = s.parcel_id").rowcount
        if updated != len(ids):
            raise SystemExit(f"PostGIS load: {updated:,} of {len(ids):,} parcels got a status")
        conn.execute(f"VACUUM FULL ANALYZE {table}")  # no dead rows left by the UPDATE
        conn.execute("INSERT INTO public.bench_loaded (schema_name, source, source_mtime, "
                     "parcels) VALUES (%s, %s, %s, %s)", (schema, str(path), mtime, len(ids)))
    return table


def summary(conn: psycopg.Connection, table: str) -> list[list[tuple]]:
    """The three summary queries, back to back."""
    return [conn.execute(sql.format(t=table)).fetchall() for sql in SUMMARY_SQL]


def check_same_summary(conn: psycopg.Connection, table: str, tables: dict) -> str:
    """Check PostGIS and landgis give the same summary (SRID, counts, areas to 0.01 m² per
    parcel); returns a line to print, raises SystemExit otherwise."""
    schema = table.split(".")[0]
    srid = conn.execute("SELECT Find_SRID(%s, 'parcels', 'geom')", (schema,)).fetchone()[0]
    if srid != SRID:
        raise SystemExit(f"PostGIS parcels have SRID {srid}, not {SRID}")
    n, total = conn.execute(f"SELECT COUNT(*), SUM(ST_Area(geom)) FROM {table}").fetchone()
    ours_total = tables["by_zone"]["area_ha"].sum() * 10_000
    problems = []
    if abs(total - ours_total) > 0.01 * n:
        problems.append(f"total area {total:.2f} m² against ours {ours_total:.2f} m²")
    ours = [tables["by_zone"].assign(status=None), tables["clearance"], tables["auction"]]
    for name, theirs, frame in zip(("by_zone", "clearance", "auction"),
                                   summary(conn, table), ours):
        mine = {(r.zone_code, r.status): (r.parcels, r.area_ha * 10_000)
                for r in frame.itertuples()}
        got = {(row[0], row[1] if len(row) == 4 else None): (row[-2], row[-1])
               for row in theirs}
        for key in mine.keys() | got.keys():
            (a, x), (b, y) = mine.get(key, (0, 0.0)), got.get(key, (0, 0.0))
            if a != b or abs(x - y) > 0.01 * max(a, b):
                problems.append(f"{name} {key}: ours {a} parcels {x:.2f} m², "
                                f"PostGIS {b} parcels {y:.2f} m²")
    if problems:
        raise SystemExit("PostGIS and landgis disagree:\n  " + "\n  ".join(problems[:10]))
    return (f"check passed: PostGIS SRID {srid}, {n:,} parcels, ST_Area total "
            f"{total:,.2f} m² = ours to {abs(total - ours_total):.4f} m² "
            f"(limit 0.01 m² per parcel); the 3 summaries match group by group")


#: One parcel vector tile as PostGIS makes it: the parcels meeting the z/x/y tile (index on the
#: storage CRS), transformed to EPSG:3857, clipped with a buffer of 80 of 4096 units (GDAL's and
#: ours) and encoded with the tile's columns
MVT_SQL = (
    "WITH b AS (SELECT ST_TileEnvelope(%(z)s, %(x)s, %(y)s) AS env), "
    "mvt AS (SELECT ST_AsMVTGeom(ST_Transform(p.geom, 3857), b.env, 4096, 80, true) AS geom, "
    "p.parcel_id, p.land_use_code FROM {t} p, b "
    "WHERE p.geom && ST_Transform(ST_Expand(b.env, (ST_XMax(b.env) - ST_XMin(b.env)) "
    "* 80 / 4096), {srid})) "
    "SELECT ST_AsMVT(mvt.*, 'parcels', 4096, 'geom') FROM mvt"
)


def mvt_tile(conn: psycopg.Connection, table: str, z: int, x: int, y: int) -> bytes:
    """The parcels of tile z/x/y as a Mapbox Vector Tile made by ``ST_AsMVT``."""
    row = conn.execute(MVT_SQL.format(t=table, srid=SRID), {"z": z, "x": x, "y": y}).fetchone()
    return bytes(row[0] or b"")


#: The parcels in a WGS 84 box as one GeoJSON FeatureCollection (RFC 7946, WGS 84)
GEOJSON_SQL = (
    "SELECT json_build_object('type', 'FeatureCollection', 'features', "
    "coalesce(json_agg(ST_AsGeoJSON(f.*, 'geom', 7)::json), '[]'::json))::text FROM "
    "(SELECT parcel_id, commune_code, commune_name, sheet_no, parcel_no, land_use_code, "
    "legal_area_m2, zone_code, owner_kind, clearance_status, auction_status, "
    "ST_Transform(geom, 4326) AS geom FROM {t} "
    "WHERE geom && ST_Transform(ST_MakeEnvelope(%(w)s, %(s)s, %(e)s, %(n)s, 4326), {srid})) f"
)


def parcels_geojson(conn: psycopg.Connection, table: str, bbox) -> str:
    """The parcels in ``bbox`` (WGS 84 west, south, east, north) as GeoJSON text."""
    w, s, e, n = bbox
    return conn.execute(GEOJSON_SQL.format(t=table, srid=SRID),
                        {"w": w, "s": s, "e": e, "n": n}).fetchone()[0]

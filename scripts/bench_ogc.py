"""The ``ogc`` case of scripts/bench.py (issue 15): desktop clients reading landgis's parcels
through OGC API – Features (``/ogc``) against reading them from PostGIS directly, on the same
data in the same run.

The bench's parcels are copied once into a landgis PostGIS store (the schema
``store_<data file>`` of the database ``landgis_bench``, reloaded when the file is newer), so
both sides read the same rows: the web server (waitress, as ``make run``) serves that store,
and the reference reads its view ``parcels_status`` (every parcel with its current statuses,
what ``/ogc``'s parcels hold).

- ``ogc_ogr2ogr_all``: ``ogr2ogr`` copying every parcel into a GeoPackage from
  ``OAPIF:<server>/ogc`` (pages of 1,000, CRS84) against ``ogr2ogr`` from ``PG:`` (the view,
  EPSG:9216); best of ``repeat``; both files must hold every parcel.
- ``ogc_page_1000``: one page of 1,000 parcels from the middle of the layer, warm, over HTTP
  from a second process (``/ogc/collections/parcels/items?limit=1000&offset=…``) against
  PostGIS building the same 1,000 as a GeoJSON FeatureCollection with ``ST_AsGeoJSON`` in
  CRS84 (psycopg, in-process, ``jit = off`` as for the reader role); median of ``runs`` after
  a warm-up.

While ``/ogc`` is missing from the server (it answers 404), the landgis column shows "—" and
only the PostGIS side is timed.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
import urllib.error
from pathlib import Path
from bench_timing import best_of, median_warm  # noqa: E402

PAGE = 1000


def store_url(path: Path) -> str:
    """A landgis PostGIS store holding the layers of ``path`` (copied if missing or older than
    the file)."""
    import _postgis

    from landgis.store import open_store
    from landgis.store.copy import copy_store
    from landgis.store.postgis import PostGISStore

    _postgis.ensure_database()
    path = path.resolve()
    schema = "store_" + _postgis.schema_for(path)
    url = f"postgresql:///{_postgis.DBNAME}?host={_postgis.SOCKET_DIR}&schema={schema}"
    mtime = path.stat().st_mtime
    with _postgis.connect(autocommit=True) as conn:
        marker = conn.execute("SELECT source, source_mtime FROM public.bench_loaded "
                              "WHERE schema_name = %s", (schema,)).fetchone()
        present = conn.execute("SELECT to_regclass(%s)", (f"{schema}.parcels_status",)
                               ).fetchone()[0] is not None
        if present and marker == (str(path), mtime):
            return url
        print(f"copying {path.name} into the landgis store {_postgis.DBNAME}.{schema} …",
              flush=True)
        conn.execute(f"DROP SCHEMA IF EXISTS {schema}, {schema}_history CASCADE")
        conn.execute("DELETE FROM public.bench_loaded WHERE schema_name = %s", (schema,))
    store = PostGISStore(url, create=True)
    copied = copy_store(open_store(path), store, user="bench", note="bench_ogc")
    parcels = next(n for name, n, _b in copied.layers if name == "parcels")
    store.close()
    with _postgis.connect(autocommit=True) as conn:
        conn.execute(f"VACUUM ANALYZE {schema}.parcels")
        conn.execute(f"VACUUM ANALYZE {schema}.status_events")
        conn.execute("INSERT INTO public.bench_loaded (schema_name, source, source_mtime, "
                     "parcels) VALUES (%s, %s, %s, %s)", (schema, str(path), mtime, parcels))
    return url


def _features(gpkg: Path) -> int:
    import pyogrio

    layers = pyogrio.list_layers(gpkg)
    return int(pyogrio.read_info(gpkg, layer=layers[0][0])["features"])


def _ogr2ogr(args: list[str], out: Path) -> int:
    out.unlink(missing_ok=True)
    env = {**os.environ, "PGOPTIONS": "-c jit=off"}  # as grant_reader sets for its role
    subprocess.run(["ogr2ogr", "-f", "GPKG", str(out), *args], check=True,
                   capture_output=True, text=True, env=env)
    return _features(out)


def page_geojson(conn, schema: str, offset: int, limit: int = PAGE) -> str:
    """``limit`` parcels of the view after the first ``offset`` (in feature order: the store
    numbers ``fid`` 1…n as it writes) as a GeoJSON FeatureCollection in CRS84, built by PostGIS.
    Keyset paging (``fid > offset``): with OFFSET PostgreSQL would compute the statuses of
    every parcel skipped."""
    cols = ", ".join(f'"{c}"' for (c,) in conn.execute(
        "SELECT column_name FROM information_schema.columns WHERE table_schema = %s AND "
        "table_name = 'parcels_status' AND column_name <> 'geom' ORDER BY ordinal_position",
        (schema,)).fetchall())
    return conn.execute(
        "SELECT json_build_object('type', 'FeatureCollection', 'features', "
        f"json_agg(ST_AsGeoJSON(t.*, 'geom', 7)::json))::text FROM (SELECT {cols}, "
        f"ST_Transform(geom, 4326) AS geom FROM {schema}.parcels_status "
        "WHERE fid > %s ORDER BY fid LIMIT %s) t", (offset, limit)).fetchone()[0]


def ogc(path: Path, repeat: int, runs: int):
    """The two rows of the case (see the module's documentation)."""
    import statistics

    import _browser
    import _postgis

    from landgis.store.pg_schema import split_url

    url = store_url(path)
    schema = split_url(url)[1]
    pg = f"PG:dbname={_postgis.DBNAME} host={_postgis.SOCKET_DIR}"
    work = Path(tempfile.mkdtemp(prefix="bench-ogc-"))
    try:
        with _postgis.connect(autocommit=True) as conn:
            conn.execute("SET jit = off")  # as grant_reader sets it for QGIS's role
            n, top = conn.execute(f"SELECT count(*), max(fid) FROM {schema}.parcels").fetchone()
            if top != n:
                raise SystemExit(f"{schema}.parcels: fid not 1…{n:,}; reload the store")
            offset = max(0, n // 2 - PAGE // 2)
            theirs = json.loads(page_geojson(conn, schema, offset))
            ref_page = median_warm(runs, lambda: page_geojson(conn, schema, offset)) * 1000

        def direct():
            got = _ogr2ogr([pg, f"{schema}.parcels_status", "-nln", "parcels"],
                           work / "pg.gpkg")
            assert got == n, f"ogr2ogr PG: copied {got:,} of {n:,} parcels"
        ref_copy = best_of(repeat, direct)

        ours_copy = ours_page = None
        note = ""
        with _browser.Server(url, work / "instance") as srv:
            try:
                status = _browser.get(srv.url + "/ogc/collections/parcels")[0]
            except urllib.error.HTTPError as exc:
                status = exc.code
            if status == 200:
                def oapif():
                    got = _ogr2ogr([f"OAPIF:{srv.url}/ogc", "parcels", "-oo",
                                    f"PAGE_SIZE={PAGE}", "-nln", "parcels"], work / "ogc.gpkg")
                    assert got == n, f"ogr2ogr OAPIF copied {got:,} of {n:,} parcels"
                ours_copy = best_of(repeat, oapif)
                query = f"/ogc/collections/parcels/items?limit={PAGE}&offset={offset}&f=json"
                timed = _browser.fetch([srv.url + query] * (runs + 1))
                ours_page = statistics.median(t["ms"] for t in timed[1:])
                body = json.loads(_browser.get(srv.url + query)[1])
                note = (f"ours {len(body['features']):,} features "
                        f"({timed[1]['bytes'] / 1024:.0f} KB)")
            else:
                note = f"/ogc answered {status}: not on this server"
        print(f"ogc: {n:,} parcels; page at offset {offset:,}: {note}; PostGIS "
              f"{len(theirs['features']):,} features", flush=True)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return [("ogc_ogr2ogr_all", ours_copy, "ogr2ogr PG: parcels_status", ref_copy,
             f"best of {repeat}; OAPIF pages of {PAGE} (CRS84) vs PG: view (9216)", "s"),
            ("ogc_page_1000", ours_page, "PostGIS ST_AsGeoJSON FC (warm)", ref_page,
             f"HTTP, 2nd process, median of {runs}", "ms")]




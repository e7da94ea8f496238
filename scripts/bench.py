#!/usr/bin/env python
"""Speed of landgis side by side with what a user would otherwise use, on the same data.

    python scripts/bench.py                 # 100,000 parcels, every case
    python scripts/bench.py --parcels 1000000 --case read_parcels

Each case times our code and the reference tool in the same run and prints both, their ratio
(ours / reference: below 1 means we are faster) and how they were timed: best of --repeat runs,
or for the warm server-side cases the median of --runs runs after an untimed warm-up. The
benchmark data is built once into bench-data/ (not kept in git) with
scripts/make_demo_layers.py. `summary_server` needs PostgreSQL 15 + PostGIS 3 (scripts/_postgis.py
starts the cluster and loads the parcels into the database landgis_bench), as does
`progress_asof` (scripts/bench_progress.py: its own synthetic data, no parcels file needed).
The data cases live in scripts/bench_store.py; `--store postgis` runs them and the web cases on
a landgis PostGIS store holding a copy of the data. `growth` (scripts/bench_growth.py) measures
import, summary, pyramid and warm start at each of `--sizes`; `server_memory` the web server's
resident set after its warm start.
"""

from __future__ import annotations

import shutil
import statistics
import tempfile
import time
from pathlib import Path

import bench_dashboard
import bench_growth
import bench_ogc
import bench_progress
import bench_report
import bench_tiles
import bench_store
import pyogrio
from bench_store import bench_data, store_for

from landgis_scripts import _cli
from bench_timing import median_warm  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
CASES = {}


def case(fn):
    CASES[fn.__name__] = fn
    return fn


for _fn in (bench_store.read_parcels, bench_store.import_shapefile, bench_store.summary_server,
            bench_store.parcel_area_cold):  # the data cases, in a module of their own
    case(_fn)

# --------------------------------------------------------------------------- the web map
# One production server (waitress, a subprocess) over the bench data; its instance folder,
# bench-data/web-<data>/, keeps the tile pyramid between cases and runs. Rows of these cases:
# (row, ours, reference or target, reference value or None, how, unit).

TARGETS = {"page_html": "target < 0.5 MB", "first_parcels": "target < 1 s",
           "pan": "target < 0.1 s", "zoom": "target < 0.1 s", "cached": "target < 5 ms"}
GZIP = {"Accept-Encoding": "gzip"}
#: Above this many parcels web_page builds no plain folium reference (it embeds every parcel)
PLAIN_FOLIUM_MAX = 200_000
MERCATOR_HALF = 20037508.342789244


def _web_files(path: Path) -> tuple[Path, Path]:
    """The server's instance folder for ``path`` and a coarse demo hillshade basemap."""
    from landgis.raster import make_demo_hillshade

    basemap = ROOT / "bench-data" / "hillshade.tif"
    if not basemap.exists():
        make_demo_hillshade(basemap, pyogrio.read_dataframe(path, layer="zones"),
                            resolution=60.0)
    suffix = "" if bench_store.store_kind() == "gpkg" else f"-{bench_store.store_kind()}"
    return ROOT / "bench-data" / f"web-{path.stem}{suffix}", basemap


def _z14_tiles(path: Path, n: int) -> list[tuple[int, int, int]]:
    """The ``n`` z14 tiles holding the most parcels (by centroid): (x, y, parcels)."""
    import numpy as np
    import shapely

    from landgis import crs as crsmod

    geoms = pyogrio.read_dataframe(path, layer="parcels", columns=[], use_arrow=True).geometry
    c = shapely.centroid(np.asarray(geoms.values))
    mx, my = crsmod.transformer(9216, 3857).transform(shapely.get_x(c), shapely.get_y(c))
    size = 2 * MERCATOR_HALF / 2 ** 14
    tx = np.floor((np.asarray(mx) + MERCATOR_HALF) / size).astype(int)
    ty = np.floor((MERCATOR_HALF - np.asarray(my)) / size).astype(int)
    keys, counts = np.unique(np.stack([tx, ty], axis=1), axis=0, return_counts=True)
    order = np.argsort(-counts)[:n]
    return [(int(keys[i][0]), int(keys[i][1]), int(counts[i])) for i in order]


def _tile_centre(x: int, y: int, z: int) -> tuple[float, float]:
    """Latitude, longitude of the centre of tile z/x/y."""
    import math

    n = 2 ** z
    lon = (x + 0.5) / n * 360 - 180
    lat = math.degrees(math.atan(math.sinh(math.pi * (1 - 2 * (y + 0.5) / n))))
    return lat, lon


def _wait_pyramid(url: str, timeout: float = 900.0) -> float:
    """Seconds until the server answers ``url`` (a tile) from its pyramid."""
    import _browser

    started = time.perf_counter()
    while _browser.fetch([url], headers=GZIP)[0]["source"] != "pyramid":
        if time.perf_counter() - started > timeout:
            raise SystemExit(f"the tile pyramid was not built within {timeout:.0f} s")
        time.sleep(1.0)
    return time.perf_counter() - started


def _ms(results) -> list[float]:
    bad = [r for r in results if r["status"] not in (200, 204)]
    if bad:
        raise SystemExit(f"{len(bad)} requests failed, e.g. HTTP {bad[0]['status']}")
    return [r["ms"] for r in results]


@case
def web_tiles(path: Path, repeat: int, runs: int):
    """z14 parcel tiles from the production server, timed from a second process: on a fresh
    server (encoded on request while the pyramid is built), repeated (in-memory cache), from
    the built pyramid, and throughput (wrk), against PostGIS ``ST_AsMVT`` on the same tiles."""
    import _browser
    import _postgis

    instance, basemap = _web_files(path)
    shutil.rmtree(instance, ignore_errors=True)  # cold: no pyramid, no cache
    tiles = _z14_tiles(path, 40)
    paths = [f"/tiles/parcels/14/{x}/{y}.pbf" for x, y, _ in tiles]
    print(f"web_tiles: {len(tiles)} z14 tiles of {tiles[-1][2]:,}–{tiles[0][2]:,} parcels",
          flush=True)
    with _browser.Server(store_for(path), instance, basemap=basemap) as srv:
        urls = [srv.url + p for p in paths]
        started = time.perf_counter()
        cold = _browser.fetch(urls, headers=GZIP)
        lru = _browser.fetch(urls * 3, headers=GZIP)
        _wait_pyramid(urls[0])
        build_s = time.perf_counter() - started
        pyramid = _browser.fetch(urls * 5, headers=GZIP)
        load = _browser.wrk(srv.url, paths, seconds=10)
        ours_densest = _browser.get(urls[0])[1]
    sources = {r["source"] for r in cold[1:]} | {r["source"] for r in lru}
    print(f"  first tile after start {cold[0]['ms']:.0f} ms (builds the layer index); "
          f"pyramid ready {build_s:.1f} s after it; sources seen before: {sorted(sources)}; "
          f"after: {sorted({r['source'] for r in pyramid})}", flush=True)

    table = _postgis.load_parcels(path)
    with _postgis.connect(autocommit=True) as conn:
        for x, y, _ in tiles:  # warm-up pass
            _postgis.mvt_tile(conn, table, 14, x, y)
        ref = []
        for x, y, _ in tiles * 3:
            t0 = time.perf_counter()
            _postgis.mvt_tile(conn, table, 14, x, y)
            ref.append((time.perf_counter() - t0) * 1000)
        theirs_densest = _postgis.mvt_tile(conn, table, 14, tiles[0][0], tiles[0][1])
    import mapbox_vector_tile

    def count(data):
        layers = mapbox_vector_tile.decode(data) if data else {}
        return len(layers.get("parcels", {}).get("features", []))

    print(f"  densest tile 14/{tiles[0][0]}/{tiles[0][1]}: ours {count(ours_densest):,} "
          f"features, {len(ours_densest) / 1024:.0f} KB; ST_AsMVT {count(theirs_densest):,} "
          f"features, {len(theirs_densest) / 1024:.0f} KB", flush=True)
    cold_ms, lru_ms, pyr_ms = _ms(cold[1:]), _ms(lru), _ms(pyramid)
    med, p95 = statistics.median, (lambda v: _browser.percentile(v, 95))
    pg = "PostGIS ST_AsMVT z14 (warm)"
    how = "HTTP, 2nd process"
    rows = [
        ("tile_z14_cold_med", med(cold_ms), pg, med(ref), f"{how}, median", "ms"),
        ("tile_z14_cold_p95", p95(cold_ms), pg, p95(ref), f"{how}, p95", "ms"),
        ("tile_z14_lru_med", med(lru_ms), TARGETS["cached"], None, f"{how}, repeat", "ms"),
        ("tile_z14_lru_p95", p95(lru_ms), TARGETS["cached"], None, f"{how}, repeat", "ms"),
        ("tile_z14_pyr_med", med(pyr_ms), pg, med(ref), f"{how}, pyramid", "ms"),
        ("tile_z14_pyr_p95", p95(pyr_ms), pg, p95(ref), f"{how}, pyramid; {TARGETS['cached']}",
         "ms"),
        ("tile_pyramid_build", build_s, "—", None, "from the first tile request", "s"),
    ]
    if load is None:
        print("  wrk is missing (apt-get install wrk): no throughput figure", flush=True)
    else:
        lat = load["latency_ms"]
        rows.append(("tile_z14_per_s", load["requests_per_s"], "—", None,
                     f"wrk 8 conn 10 s, p50 {lat.get(50, 0):.1f} ms p99 {lat.get(99, 0):.1f} ms"
                     + (f", {load['non_2xx']} errors" if load["non_2xx"] else ""), "/s"))
    return rows


@case
def web_api_parcels(path: Path, repeat: int, runs: int):
    """``GET /api/parcels`` for a 500 m × 500 m box of dense parcels, from a second process,
    against PostGIS building the same GeoJSON FeatureCollection (warm, in-process)."""
    import json

    import _browser
    import _postgis

    from landgis import crs as crsmod

    instance, basemap = _web_files(path)
    x, y, _ = _z14_tiles(path, 1)[0]
    lat, lon = _tile_centre(x, y, 14)
    cx, cy = crsmod.transformer(4326, 9216).transform(lon, lat)
    xs, ys = crsmod.transformer(9216, 4326).transform([cx - 250, cx + 250, cx - 250, cx + 250],
                                                      [cy - 250, cy - 250, cy + 250, cy + 250])
    bbox = (min(xs), min(ys), max(xs), max(ys))
    query = "/api/parcels?bbox=" + ",".join(f"{v:.6f}" for v in bbox)
    with _browser.Server(store_for(path), instance, basemap=basemap) as srv:
        timed = _browser.fetch([srv.url + query] * (runs + 1))
        body = json.loads(_browser.get(srv.url + query)[1])
    first, warm = timed[0]["ms"], _ms(timed[1:])
    table = _postgis.load_parcels(path)
    with _postgis.connect(autocommit=True) as conn:
        theirs = json.loads(_postgis.parcels_geojson(conn, table, bbox))
        ref = median_warm(runs, lambda: _postgis.parcels_geojson(conn, table, bbox)) * 1000
    print(f"web_api_parcels: bbox {query.split('=')[1]}: ours {len(body['features']):,} "
          f"parcels ({timed[1]['bytes'] / 1024:.0f} KB, first call {first:.0f} ms), PostGIS "
          f"{len(theirs['features']):,}", flush=True)
    return [("api_parcels_500m", statistics.median(warm), "PostGIS ST_AsGeoJSON FC (warm)", ref,
             f"HTTP, 2nd process, median of {runs}", "ms")]


@case
def web_page(path: Path, repeat: int, runs: int):
    """The map page in headless Chromium against a plain folium map with every parcel
    embedded as GeoJSON (its assets from our /vendor/): page weight, build time, time to the
    first parcels drawn at a zoom-15 view of dense parcels, pan and zoom (call to the next
    idle with tiles loaded), JS heap."""
    import _browser

    from landgis import crs as crsmod

    instance, basemap = _web_files(path)
    x, y, _ = _z14_tiles(path, 1)[0]
    lat, lon = _tile_centre(x, y, 14)
    view = {"lat": lat, "lon": lon, "zoom": 15}
    work = Path(tempfile.mkdtemp(prefix="landgis-bench-web-"))
    try:
        with _browser.Server(store_for(path), instance, basemap=basemap) as srv:
            t0 = time.perf_counter()
            status, html, _ = _browser.get(srv.url + "/", timeout=300)
            ours_build = time.perf_counter() - t0
            _wait_pyramid(srv.url + f"/tiles/parcels/14/{x}/{y}.pbf")
            srv.wait_idle()  # a kept pyramid is there before the warm start is over

            n = pyogrio.read_info(path, layer="parcels")["features"]
            plain, plain_build = dict.fromkeys(("html_bytes", "page_bytes", "first_parcels_s",
                                                "pan_s", "zoom_s", "heap_mb", "errors")), None
            if n <= PLAIN_FOLIUM_MAX:
                t0 = time.perf_counter()
                parcels = crsmod.to_wgs84(pyogrio.read_dataframe(path, layer="parcels",
                                                                 use_arrow=True))
                _browser.plain_folium(parcels, work / "plain.html", srv.url + "/vendor/",
                                      [lat, lon], view["zoom"])
                plain_build = time.perf_counter() - t0
                del parcels
            else:
                print(f"web_page: no plain folium reference above {PLAIN_FOLIUM_MAX:,} parcels "
                      f"({n:,}: its HTML would hold every parcel, about {n * 700 >> 20:,} MB, "
                      "more than a browser tab opens)", flush=True)
            with _browser.StaticServer(work) as static, _browser.browser() as b:
                ours = _browser.measure_page(b, srv.url + "/", view=view, ours=True)
                if plain_build is not None:
                    plain = _browser.measure_page(b, static.url + "/plain.html", view=view,
                                                  ours=False)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    for name, m in (("ours", ours), ("plain folium", plain)):
        if m.get("errors"):
            print(f"web_page: {name}: page errors: {m['errors'][:3]}", flush=True)
    ref = "plain folium, GeoJSON embedded"
    mb = 2 ** 20

    def megabytes(value):
        return None if value is None else value / mb

    return [
        ("page_html", ours["html_bytes"] / mb, ref, megabytes(plain["html_bytes"]),
         TARGETS["page_html"], "MB"),
        ("page_with_assets", ours["page_bytes"] / mb, ref, megabytes(plain["page_bytes"]),
         "HTML+JS+CSS+fonts", "MB"),
        ("page_build", ours_build, "folium read+build+save", plain_build,
         "first GET / on a new server (its warm start may have built it already)", "s"),
        ("first_parcels", ours["first_parcels_s"], ref, plain["first_parcels_s"],
         f"from navigation; {TARGETS['first_parcels']}", "s"),
        ("pan", ours["pan_s"], ref, plain["pan_s"], f"median of 5; {TARGETS['pan']}", "s"),
        ("zoom", ours["zoom_s"], ref, plain["zoom_s"], f"median of 5; {TARGETS['zoom']}", "s"),
        ("js_heap", ours["heap_mb"], ref, plain["heap_mb"], "after load and moves", "MB"),
    ]


case(bench_store.dossier)  # the lot's files and the GeoJSON of every parcel
case(bench_growth.server_memory)  # the server's resident set after its warm start (issue 16)
case(bench_progress.progress_asof)  # the progress ledger's case, in a module of its own
case(bench_report.report)  # the review report's files against its tables alone
case(bench_dashboard.dashboard_page)  # the review dashboard's first render (issue 14)
case(bench_ogc.ogc)  # ogr2ogr and a page through /ogc against PostGIS directly (issue 15)
case(bench_growth.growth)  # time and memory at each of --sizes (issue 16)
case(bench_tiles.tile_update)  # an imported sheet on the map, cold tiles (issue 16)
#: cases that make their own data and need no parcels file
OWN_DATA = {"progress_asof", "growth"}
#: cases run only when named (growth builds and measures a data set of every size)
NAMED_ONLY = {"growth"}


def main() -> int:
    p = _cli.parser(__doc__.splitlines()[0])
    p.add_argument("--parcels", type=int, default=100_000, help="parcels in the data (100000)")
    p.add_argument("--repeat", type=int, default=3, help="runs per measurement, best kept (3)")
    p.add_argument("--runs", type=int, default=11,
                   help="warm runs per median measurement, after one warm-up (11)")
    p.add_argument("--case", action="append", choices=sorted(CASES),
                   help="run only this case (repeatable)")
    p.add_argument("--store", choices=bench_store.STORES, default="gpkg",
                   help="the store the server-side cases read: the data file or a PostGIS copy")
    p.add_argument("--sizes", type=bench_growth.parse_sizes, default=bench_growth.SIZES,
                   help="parcels of each data set of the growth case (10000,100000,1000000)")
    args = p.parse_args()
    bench_store.use_store(args.store)
    own = set(args.case or ()) <= OWN_DATA and args.case
    path = Path(args.db) if args.db else None if own else bench_data(args.parcels)
    rows = []
    for name in args.case or [c for c in CASES if c not in NAMED_ONLY]:
        extra = {"sizes": args.sizes} if name == "growth" else {}
        result = CASES[name](path, args.repeat, args.runs, **extra)
        if isinstance(result, list):  # several rows: (row, ours, ref name, ref, how, unit)
            rows.extend(result)
            continue
        ours, ref, ref_name, *how = result
        how = how[0] if how else f"best of {args.repeat}"
        rows.append((name, ours, ref_name, ref, how, "s"))
    if path is not None:
        print(f"\ndata: {path} ({pyogrio.read_info(path, layer='parcels')['features']:,} "
              f"parcels); server-side cases on the {args.store} store")
    print(f"{'case':<20} {'landgis':>11}  {'reference':<30} {'ref time':>11} {'ratio':>7}"
          f"  timing")
    for name, ours, ref_name, ref, how, unit in rows:
        ratio = f"{ours / ref:>7.2f}" if ref and ours is not None else f"{'—':>7}"
        print(f"{name:<20} {_value(ours, unit):>11}  {ref_name:<30} {_value(ref, unit):>11} "
              f"{ratio}  {how}")
    return 0


def _value(value, unit: str) -> str:
    """A figure of the table with its unit (seconds as before: 4 decimals and 's')."""
    if value is None:
        return "—"
    if unit == "s":
        return f"{value:.4f}s"
    if unit == "ms":
        return f"{value:.2f} ms"
    if unit == "MB":
        return f"{value:.3f} MB"
    return f"{value:,.0f} {unit}"


if __name__ == "__main__":
    _cli.run(main)

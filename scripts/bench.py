#!/usr/bin/env python
"""Speed of landgis side by side with what a user would otherwise use, on the same data.

    python scripts/bench.py                 # 100,000 parcels, every case
    python scripts/bench.py --parcels 1000000 --case read_parcels

Each case times our code and the reference tool in the same run and prints both, their ratio
(ours / reference: below 1 means we are faster) and how they were timed: best of --repeat runs,
or for the warm server-side cases the median of --runs runs after an untimed warm-up. The
benchmark data is built once into bench-data/ (not kept in git) with
scripts/make_demo_layers.py. `summary_server` needs PostgreSQL 15 + PostGIS 3 (scripts/_postgis.py
starts the cluster and loads the parcels into the database landgis_bench).
"""

from __future__ import annotations

import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import _cli
import pyogrio

from landgis.ingest.importer import commit_import, prepare_import
from landgis.landfund import load_land_fund
from landgis.store import open_store

ROOT = Path(__file__).resolve().parent.parent
CASES = {}


def case(fn):
    CASES[fn.__name__] = fn
    return fn


def best_of(repeat: int, fn) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return min(times)


def median_warm(runs: int, fn) -> float:
    """Median of ``runs`` timed runs after one untimed warm-up run."""
    fn()
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def bench_data(n: int) -> Path:
    path = ROOT / "bench-data" / f"parcels-{n}.gpkg"
    if not path.exists():
        print(f"building {path} ({n:,} parcels) …", flush=True)
        subprocess.run([sys.executable, str(ROOT / "scripts" / "make_demo_layers.py"),
                        "--parcels", str(n), "--out", str(path)], check=True)
    return path


@case
def read_parcels(path: Path, repeat: int, runs: int):
    """Read every parcel: our store against a plain pyogrio.read_dataframe."""
    store = open_store(path)
    ours = best_of(repeat, lambda: store.read_layer("parcels"))
    ref = best_of(repeat, lambda: pyogrio.read_dataframe(path, layer="parcels"))
    return ours, ref, "pyogrio.read_dataframe"


#: how a survey office names the fields of a cadastral Shapefile
SURVEY_FIELDS = {"commune_code": "MaXa", "commune_name": "TenXa", "sheet_no": "SoTo",
                 "parcel_no": "SoThua", "land_use_code": "LoaiDat", "legal_area_m2": "DienTich",
                 "owner_kind": "DoiTuong", "zone_code": "MaKhu"}


def survey_shapefile(path: Path) -> Path:
    """The benchmark parcels as a survey office's Shapefile (built once, beside the data)."""
    shp = path.with_name(path.stem + "-survey.shp")
    if not shp.exists():
        parcels = pyogrio.read_dataframe(path, layer="parcels", use_arrow=True)
        survey = parcels[[*SURVEY_FIELDS, "geometry"]].rename(columns=SURVEY_FIELDS)
        pyogrio.write_dataframe(survey, shp, encoding="utf-8")
    return shp


@case
def import_shapefile(path: Path, repeat: int, runs: int):
    """Import the parcels from a survey Shapefile (read, map, validate, write a batch) against
    ogr2ogr converting the same Shapefile into a GeoPackage (no validation)."""
    if shutil.which("ogr2ogr") is None:
        raise SystemExit("ogr2ogr is missing: apt-get install gdal-bin")
    shp = survey_shapefile(path)
    zones = pyogrio.read_dataframe(path, layer="zones")
    work = Path(tempfile.mkdtemp(prefix="landgis-bench-"))

    def ours():
        target = work / "store.gpkg"
        target.unlink(missing_ok=True)
        pyogrio.write_dataframe(zones, target, layer="zones")
        store = open_store(target)
        plan = prepare_import(shp, "parcels", zones=zones)
        commit_import(store, plan, user="bench")

    def ogr2ogr():
        subprocess.run(["ogr2ogr", "-f", "GPKG", "-overwrite", "-nlt", "PROMOTE_TO_MULTI",
                        str(work / "ogr.gpkg"), str(shp)], check=True, capture_output=True)

    try:
        return best_of(repeat, ours), best_of(repeat, ogr2ogr), "ogr2ogr Shapefile→GPKG"
    finally:
        shutil.rmtree(work, ignore_errors=True)


@case
def summary_server(path: Path, repeat: int, runs: int):
    """The whole land-fund summary as the web server answers it, data already loaded:
    ``fund.tables()`` against PostGIS computing parcels and ST_Area sums by zone, by zone ×
    clearance status and by zone × auction status (three queries, one unit, warm, psycopg)."""
    import _postgis  # psycopg and a PostgreSQL cluster only for this case

    table = _postgis.load_parcels(path)
    fund = load_land_fund(open_store(str(path)))
    with _postgis.connect(autocommit=True) as conn:
        print(_postgis.check_same_summary(conn, table, fund.tables()), flush=True)
        ours = median_warm(runs, fund.tables)
        ref = median_warm(runs, lambda: _postgis.summary(conn, table))
    return ours, ref, "PostGIS 3 GROUP BY ×3 (warm)", f"median of {runs} warm"


@case
def summary_script(path: Path, repeat: int, runs: int):
    """``scripts/parcel_area.py --db DATA`` start to finish against ogrinfo's SQLite dialect
    summing ST_Area by zone on the GeoPackage, both as processes."""
    if shutil.which("ogrinfo") is None:
        raise SystemExit("ogrinfo is missing: apt-get install gdal-bin")
    geom = pyogrio.read_info(path, layer="parcels")["geometry_name"] or "geometry"
    sql = (f"SELECT zone_code, COUNT(*), SUM(ST_Area({geom})) FROM parcels "
           "GROUP BY zone_code")

    def process(args):
        subprocess.run(args, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)

    ours = best_of(repeat, lambda: process([sys.executable, str(ROOT / "scripts" /
                                                                "parcel_area.py"),
                                            "--db", str(path)]))
    ref = best_of(repeat, lambda: process(["ogrinfo", "-ro", "-q", str(path),
                                           "-dialect", "SQLite", "-sql", sql]))
    return ours, ref, "ogrinfo SQLite ST_Area by zone", f"best of {repeat}"


def main() -> int:
    p = _cli.parser(__doc__.splitlines()[0])
    p.add_argument("--parcels", type=int, default=100_000, help="parcels in the data (100000)")
    p.add_argument("--repeat", type=int, default=3, help="runs per measurement, best kept (3)")
    p.add_argument("--runs", type=int, default=11,
                   help="warm runs per median measurement, after one warm-up (11)")
    p.add_argument("--case", action="append", choices=sorted(CASES),
                   help="run only this case (repeatable)")
    args = p.parse_args()
    path = Path(args.db) if args.db else bench_data(args.parcels)
    rows = []
    for name in args.case or CASES:
        ours, ref, ref_name, *how = CASES[name](path, args.repeat, args.runs)
        how = how[0] if how else f"best of {args.repeat}"
        rows.append((name, ours, ref_name, ref, ours / ref, how))
    print(f"\ndata: {path} ({pyogrio.read_info(path, layer='parcels')['features']:,} parcels)")
    print(f"{'case':<20} {'landgis':>11}  {'reference':<30} {'ref time':>11} {'ratio':>7}"
          f"  timing")
    for name, ours, ref_name, ref, ratio, how in rows:
        print(f"{name:<20} {ours:>10.4f}s  {ref_name:<30} {ref:>10.4f}s {ratio:>7.2f}  {how}")
    return 0


if __name__ == "__main__":
    _cli.run(main)

"""The data cases of scripts/bench.py: read, import, land-fund summary, parcel_area and the
dossier, each against the tool a user would otherwise use, on the same data in the same run.

The benchmark data is built once into bench-data/ with scripts/make_demo_layers.py
(:func:`bench_data`). The store the server-side cases read (read, summary, dossier; and the web
cases of scripts/bench.py through :func:`store_for`) is the GeoPackage itself, or with
``use_store("postgis")`` a landgis PostGIS store holding a copy of its layers (the schema
``store_<data file>`` of the database ``landgis_bench``, made by the project's own
``copy_store``; see scripts/bench_ogc.py). The import is always into a new GeoPackage.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pyogrio

from bench_timing import best_of, median_warm  # noqa: E402
from landgis.ingest.importer import commit_import, prepare_import
from landgis.landfund import load_land_fund
from landgis.store import open_store

ROOT = Path(__file__).resolve().parent.parent
#: the store the server-side cases read: "gpkg" (the data file) or "postgis" (a copy)
STORES = ("gpkg", "postgis")
_store = {"kind": "gpkg"}


def use_store(kind: str) -> None:
    """Make the server-side cases read the data file itself or its PostGIS copy."""
    if kind not in STORES:
        raise SystemExit(f"unknown store {kind!r}: {', '.join(STORES)}")
    _store["kind"] = kind


def store_kind() -> str:
    return _store["kind"]


def store_for(path: Path) -> str:
    """The store the server-side cases read for the data file ``path``: its path, or the URL
    of its PostGIS copy (made once, again when the file is newer)."""
    if _store["kind"] == "gpkg":
        return str(path)
    from bench_ogc import store_url

    return store_url(path)


def _ogr_source(path: Path) -> tuple[str, str]:
    """GDAL's name of the store :func:`store_for` gives (for ogr2ogr: pyogrio's GDAL has no
    PostgreSQL driver), and of its parcels layer."""
    if _store["kind"] == "gpkg":
        return str(path), "parcels"
    import _postgis

    schema = "store_" + _postgis.schema_for(path.resolve())
    return f"PG:dbname={_postgis.DBNAME} host={_postgis.SOCKET_DIR}", f"{schema}.parcels"


def bench_data(n: int, folder: Path | None = None) -> Path:
    """The benchmark GeoPackage of about ``n`` parcels, built once into ``folder``
    (bench-data/)."""
    path = Path(folder or ROOT / "bench-data") / f"parcels-{n}.gpkg"
    if not path.exists():
        print(f"building {path} ({n:,} parcels) …", flush=True)
        subprocess.run([sys.executable, str(ROOT / "scripts" / "make_demo_layers.py"),
                        "--parcels", str(n), "--out", str(path)], check=True)
    return path


def read_parcels(path: Path, repeat: int, runs: int):
    """Read every parcel: our store against a plain pyogrio.read_dataframe of the file (or,
    on PostGIS, geopandas.read_postgis of the same table)."""
    store = open_store(store_for(path))
    ours = best_of(repeat, lambda: store.read_layer("parcels"))
    if store_kind() == "gpkg":
        ref = best_of(repeat, lambda: pyogrio.read_dataframe(path, layer="parcels"))
        return ours, ref, "pyogrio.read_dataframe"
    import warnings

    import _postgis
    import geopandas as gpd

    _, table = _ogr_source(path)
    with _postgis.connect() as conn, warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # pandas on a psycopg connection
        ref = best_of(repeat, lambda: gpd.read_postgis(f"SELECT * FROM {table}", conn,
                                                       geom_col="geom"))
    return ours, ref, "geopandas.read_postgis (psycopg)"


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


def summary_server(path: Path, repeat: int, runs: int):
    """The whole land-fund summary as the web server answers it, data already loaded:
    ``fund.tables()`` against PostGIS computing parcels and ST_Area sums by zone, by zone ×
    clearance status and by zone × auction status (three queries, one unit, warm, psycopg)."""
    import _postgis  # psycopg and a PostgreSQL cluster only for this case

    table = _postgis.load_parcels(path)
    fund = load_land_fund(open_store(store_for(path)))
    with _postgis.connect(autocommit=True) as conn:
        print(_postgis.check_same_summary(conn, table, fund.tables()), flush=True)
        ours = median_warm(runs, fund.tables)
        ref = median_warm(runs, lambda: _postgis.summary(conn, table))
    return ours, ref, "PostGIS 3 GROUP BY ×3 (warm)", f"median of {runs} warm"


def parcel_area_cold(path: Path, repeat: int, runs: int):
    """``scripts/parcel_area.py --db DATA`` (every land-fund table, a new process each time:
    imports, reads, overlay of the plots, statuses) against ogrinfo's SQLite dialect summing
    ST_Area by zone on the same GeoPackage, both as processes."""
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
    return ours, ref, "ogrinfo SQLite ST_Area by zone", f"best of {repeat}; target < 1 s"


def dossier(path: Path, repeat: int, runs: int):
    """An auction lot of 500 neighbouring parcels exported with every file (GeoJSON,
    GeoPackage, coordinate tables, PDF, manifest, Shapefile, KML) to a zip; and the RFC 7946
    GeoJSON of every parcel (landgis.dossier.parcels_geojson, with statuses) against
    `ogr2ogr -f GeoJSON -t_srs EPSG:4326 -lco RFC7946=YES` from the same store."""
    import numpy as np
    import shapely

    from landgis.dossier import export_dossier, parcels_geojson
    from landgis.ledger import current_status

    if shutil.which("ogr2ogr") is None:
        raise SystemExit("ogr2ogr is missing: apt-get install gdal-bin")
    store = open_store(store_for(path))
    source, layer = _ogr_source(path)
    parcels = store.read_layer("parcels", columns=["parcel_id", "zone_code"])
    status = current_status(store.read_layer("status_events"), parcels["parcel_id"])
    free = parcels[(status["auction_status"] != "sold").to_numpy()]
    zone = free[free["zone_code"] == free["zone_code"].value_counts().index[0]]
    b = shapely.bounds(zone.geometry.values)
    centre = shapely.points(np.median((b[:, 0] + b[:, 2]) / 2), np.median((b[:, 1] + b[:, 3]) / 2))
    nearest = np.argsort(shapely.distance(zone.geometry.values, centre))[:500]
    ids = zone["parcel_id"].to_numpy()[nearest].tolist()
    work = Path(tempfile.mkdtemp(prefix="landgis-bench-dossier-"))
    try:
        lot = best_of(repeat, lambda: export_dossier(
            store, work / "lot.zip", code="BENCH-500", name="Lô 500 thửa", parcels=ids,
            allow_uncleared=True, formats=["shp", "kml"]))
        ours = best_of(repeat, lambda: parcels_geojson(store, work / "ours.geojson"))

        def ogr2ogr():
            (work / "ogr.geojson").unlink(missing_ok=True)
            subprocess.run(["ogr2ogr", "-f", "GeoJSON", "-t_srs", "EPSG:4326", "-lco",
                            "RFC7946=YES", str(work / "ogr.geojson"), source, layer],
                           check=True, capture_output=True)

        ref = best_of(repeat, ogr2ogr)
        size = (work / "ours.geojson").stat().st_size / 2**20
        ref_size = (work / "ogr.geojson").stat().st_size / 2**20
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return [("dossier_500", lot, "— (drawn by hand today)", None,
             f"best of {repeat}; 500 parcels, all files + shp, kml, zipped", "s"),
            ("geojson_all", ours, f"ogr2ogr GeoJSON RFC7946=YES ({store_kind()})", ref,
             f"best of {repeat}; {size:.0f} MB vs {ref_size:.0f} MB; target ≤ 1.5", "s")]


"""Import a survey or a plan into a layer of the store, validated, as one atomic batch.

    python scripts/import_layer.py survey.zip --layer parcels
    python scripts/import_layer.py ban_do.shp --layer parcels --crs "VN-2000 Kon Tum" \\
        --encoding tcvn3 --map SH_THUA=parcel_no --set owner_kind=household --dry-run
    python scripts/import_layer.py thua.dxf --layer parcels --crs 9216 --set commune_code=23296 \\
        --set sheet_no=12 --report report.html

Reads Shapefile (also zipped), GeoPackage, GeoJSON, KML, DXF, DGN v7, FlatGeobuf and CSV with a
WKT column or X/Y columns. Exit code 0 when written (or a clean dry run), 1 when the file or
its rows are refused (nothing is written), 2 for bad arguments.
"""

from __future__ import annotations

import getpass
import sys
from pathlib import Path

from tqdm import tqdm

from landgis.contract import LAYERS, RECORDS
from landgis.ingest.derive import MissingColumns
from landgis.ingest.encodings import ENCODINGS
from landgis.ingest.fields import parse_pairs
from landgis.ingest.importer import ImportOptions, run_import
from landgis.ingest.readers import SourceError
from landgis.store import open_store
from landgis_scripts import _cli

STAGES = 4
#: the option of each kind of refusal the core names (SourceError.option)
FLAGS = {"crs": "--crs 'VN-2000 Kon Tum' (or an EPSG code)", "encoding": "--encoding",
         "field_map": "--map SOURCE=column", "constants": "--set column=VALUE",
         "source_layer": "--source-layer",
         "confirm_removed": "--confirm-removed (the removed parcels' events stay in the "
                            "history, listed in the batch)"}


def main() -> int:
    p = _cli.parser(__doc__.splitlines()[0])
    p.add_argument("source", help="the file to import")
    p.add_argument("--layer", required=True, choices=[n for n in LAYERS if n not in RECORDS])
    p.add_argument("--crs", help="CRS of a file with no .prj: EPSG code or a name such as "
                                 "'VN-2000 Kon Tum', 'VN-2000 107.30', 'UTM 48N'")
    p.add_argument("--encoding", choices=ENCODINGS, help="text encoding of a .dbf with no .cpg")
    p.add_argument("--map", action="append", metavar="SOURCE=COLUMN",
                   help="take contract COLUMN from SOURCE field (repeatable)")
    p.add_argument("--set", action="append", metavar="COLUMN=VALUE",
                   help="give every feature this value (repeatable)")
    p.add_argument("--source-layer", help="layer or CAD level to read from the file")
    p.add_argument("--repair", action="store_true", help="repair invalid geometries")
    p.add_argument("--strict", action="store_true", help="refuse the import on warnings too")
    p.add_argument("--tolerance", type=float, help="legal vs plane area tolerance, per cent")
    p.add_argument("--replace-layer", action="store_true",
                   help="replace the whole layer (parcels: by default only the sheets of "
                        "communes the file covers are replaced)")
    p.add_argument("--confirm-removed", action="store_true",
                   help="remove parcels with status history that no new parcel succeeds")
    p.add_argument("--dry-run", action="store_true", help="report only; write nothing")
    p.add_argument("--report", help="also write the report to FILE.html or FILE.json")
    p.add_argument("--user", default=None, help="who imports (default: the login name)")
    args = p.parse_args()
    settings = _cli.settings(args)
    if args.report and Path(args.report).suffix.lower() not in (".html", ".json"):
        p.error("--report must end in .html or .json")

    store = open_store(settings.database_url)
    bar = tqdm(total=STAGES, delay=1.0, file=sys.stderr, leave=False,
               bar_format="{desc:<32} {bar} {elapsed}")

    def step(name):
        bar.set_description_str(name)
        bar.update(1)

    options = ImportOptions(
        crs=args.crs, encoding=args.encoding, field_map=parse_pairs(args.map, "--map"),
        constants=parse_pairs(args.set, "--set"), source_layer=args.source_layer,
        repair=args.repair, strict=args.strict, tolerance_pct=args.tolerance,
        mode="replace" if args.replace_layer else "update",
        confirm_removed=args.confirm_removed)
    try:
        result = run_import(store, args.source, args.layer, options,
                            user=args.user or getpass.getuser(), write=not args.dry_run,
                            area_tolerance_pct=settings.area_tolerance_pct, progress=step)
    except SourceError as exc:
        bar.close()
        if not isinstance(exc, MissingColumns):
            raise  # the message, then the flag of its option (FLAGS), from _cli.run
        print(f"lỗi / error: {exc}", file=sys.stderr)
        for column in exc.missing:
            print(f"  cách sửa / to fix: --map SOURCE={column} (SOURCE: the file's column "
                  f"that holds it) or --set {column}=VALUE (one value for every feature)",
                  file=sys.stderr)
        return 1
    bar.close()
    plan = result.plan
    report = plan.report
    print(report.to_text())
    if args.report:
        out = Path(args.report)
        out.write_text(report.to_html() if out.suffix.lower() == ".html" else report.to_json(),
                       encoding="utf-8")
        print(f"báo cáo / report: {out}")
    if result.refused:
        print(f"{args.source}: không ghi / nothing written ({result.refused})", file=sys.stderr)
        if result.option:
            print(f"  cách sửa / to fix: {FLAGS[result.option]}", file=sys.stderr)
        return 1
    if result.batch is None:
        print("chạy thử / dry run: nothing written")
        return 0
    print(f"đã ghi / written: {len(plan.frame):,} {args.layer} as batch {result.batch} "
          f"(sha256 {plan.sha256[:12]}…)")
    return 0


def cli() -> None:
    """The ``landgis-import`` command."""
    _cli.run(main, FLAGS)


if __name__ == "__main__":
    cli()

"""Land-fund tables and parcel areas, in the terminal or as CSV, XLSX or JSON.

    python scripts/parcel_area.py                              # every land-fund table
    python scripts/parcel_area.py --zone KCN-HB2 --as-of 2018-12-31
    python scripts/parcel_area.py --parcels --out dien_tich.xlsx   # and each parcel's areas
    python scripts/parcel_area.py --polygon ranh_gioi.kml         # areas of any polygons
    python scripts/parcel_area.py --polygon ve_tay.shp --crs "VN-2000 Kon Tum"

Areas are plane areas on VN-2000 / TM-3 107-30 (the legal figure) with the ellipsoidal area
beside them; the terminal writes 1.234,56 ha, the files keep dot decimals.
"""

from __future__ import annotations

from landgis import areas, tables
from landgis.contract import AUCTION_STATUS, CLEARANCE_STATUS
from landgis.dates import iso_date
from landgis.landfund import load_land_fund
from landgis.store import mask_url, open_store
from landgis_scripts import _cli


def main() -> int:
    p = _cli.parser(__doc__.splitlines()[0])
    p.add_argument("--zone", action="append", help="only this zone (repeatable)")
    p.add_argument("--commune", action="append", help="only this commune code (repeatable)")
    p.add_argument("--status", action="append",
                   choices=sorted({*CLEARANCE_STATUS.codes, *AUCTION_STATUS.codes}),
                   help="only parcels with this clearance or auction status (repeatable)")
    p.add_argument("--land-use", action="append", help="only this land-use code (repeatable)")
    p.add_argument("--as-of", help="statuses as they stood on this date (dd/mm/yyyy, day "
                                   "first, or YYYY-MM-DD)")
    p.add_argument("--parcels", action="store_true",
                   help="also the table of every parcel's plane, ellipsoidal and legal areas")
    p.add_argument("--tolerance", type=float, metavar="PCT",
                   help="flag legal vs plane differences above PCT %% (default: the cadastral "
                        "rule 0.0004·M·√P)")
    p.add_argument("--map-scale", type=float, default=areas.DEFAULT_MAP_SCALE, metavar="M",
                   help="map-scale denominator M of that rule (default 2000)")
    p.add_argument("--polygon", metavar="FILE",
                   help="areas of the polygons in FILE and the parcels each touches")
    p.add_argument("--crs", help="CRS of a --polygon file that has none")
    p.add_argument("--plane", help="compute the --polygon areas on this plane (EPSG code or "
                                   "name; default VN-2000 / TM-3 107-30); never on degrees "
                                   "or Web Mercator")
    p.add_argument("--out", help="write the tables to FILE.csv, FILE.xlsx or FILE.json")
    args = p.parse_args()
    if args.out and not args.out.lower().endswith((".csv", ".xlsx", ".json")):
        p.error("--out must end in .csv, .xlsx or .json")
    try:
        as_of = iso_date(args.as_of, "--as-of", required=False)
    except ValueError as exc:
        p.error(str(exc))
    store = open_store(_cli.settings(args).database_url)

    if args.polygon:
        from landgis.ingest.readers import read_source

        source = read_source(args.polygon, crs=args.crs)
        if source.crs is None:
            p.error(f"{args.polygon} has no CRS: give --crs")
        polygon_table, touched = areas.polygon_report(store, source.frame, plane=args.plane)
        result = {"polygons": polygon_table, "touched": touched}
        meta = {"source": str(args.polygon), "plane": args.plane or "EPSG:9216"}
    else:
        fund = load_land_fund(store, as_of=as_of).filtered(
            zone=args.zone, commune=args.commune, land_use=args.land_use, status=args.status)
        result = fund.tables()
        if args.parcels:
            ids = fund.parcels["parcel_id"]
            parcels = store.read_layer("parcels")
            parcels = parcels[parcels["parcel_id"].isin(ids)]
            result["parcel_areas"] = areas.parcel_areas(
                parcels, map_scale=args.map_scale, tolerance_pct=args.tolerance)
        meta = {"as_of": fund.as_of or "today", "store": mask_url(store.url),
                "crs": "EPSG:9216 VN-2000 / TM-3 107-30"}

    for name, table in result.items():
        print(tables.to_text(name, table))
        print()
    if args.out:
        for written in tables.write_tables(result, args.out, meta=meta):
            print(f"đã ghi / written: {written}")
    return 0


def cli() -> None:
    """The ``landgis-area`` command."""
    _cli.run(main)


if __name__ == "__main__":
    cli()

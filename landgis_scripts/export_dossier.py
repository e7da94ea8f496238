"""Export an auction lot's dossier: GeoJSON, GeoPackage, coordinate tables, PDF sheet, manifest.

    python scripts/export_dossier.py --lot BOY-01 --name "Lô dịch vụ" \
        --parcels 23296-12-345 12/346 --out ho_so_BOY-01/
    python scripts/export_dossier.py --lot HB2-03 --zone KCN-HB2 --status handed_over \
        --status planned --land-use SKK --formats shp,kml --out HB2-03.zip
    python scripts/export_dossier.py --lot SM-02 --polygon ranh_lo.kml --out SM-02.zip

Parcels are refused when they do not exist, are not yet handed over (unless
--allow-uncleared) or are already sold; nothing is written then (exit 1).
"""

from __future__ import annotations

import getpass

from landgis.contract import AUCTION_STATUS, CLEARANCE_STATUS
from landgis.dossier import FORMATS, DossierError, check_formats, export_dossier
from landgis.numbers import vn_area_ha, vn_area_m2
from landgis.store import open_store
from landgis_scripts import _cli


def main() -> int:
    p = _cli.parser(__doc__.splitlines()[0])
    p.add_argument("--lot", required=True, metavar="CODE", help="the lot's code (mã lô)")
    p.add_argument("--name", default="", help="the lot's name (tên lô)")
    p.add_argument("--parcels", nargs="+", metavar="ID|SHEET/PARCEL",
                   help="the parcels: ids (23296-12-345) or sheet/parcel pairs (12/345)")
    p.add_argument("--zone", action="append", help="parcels of this zone (repeatable)")
    p.add_argument("--status", action="append",
                   choices=sorted({*CLEARANCE_STATUS.codes, *AUCTION_STATUS.codes}),
                   help="parcels with this clearance or auction status (repeatable; the "
                        "clearance and the auction statuses given must both hold)")
    p.add_argument("--land-use", action="append", help="parcels of this land-use code "
                                                       "(repeatable)")
    p.add_argument("--polygon", metavar="FILE", help="parcels at least half inside the "
                   "polygons of FILE (GeoJSON, KML, Shapefile, GeoPackage, DXF …)")
    p.add_argument("--crs", help="CRS of a --polygon file that has none")
    p.add_argument("--allow-uncleared", action="store_true",
                   help="export parcels whose site is not yet handed over")
    p.add_argument("--formats", default="", metavar="shp,kml",
                   help=f"also these formats: {', '.join(FORMATS)}")
    p.add_argument("--user", default=None, help="who exports (default: the login name)")
    p.add_argument("--out", required=True, metavar="DIR|FILE.zip",
                   help="a folder (new, empty, or an earlier dossier) or a .zip file")
    args = p.parse_args()
    ways = sum([bool(args.parcels), bool(args.zone or args.status or args.land_use),
                bool(args.polygon)])
    if ways != 1:
        p.error("choose the parcels one way: --parcels, a query (--zone/--status/--land-use) "
                "or --polygon")
    if args.crs and not args.polygon:
        p.error("--crs goes with --polygon")
    if not args.lot.strip():
        p.error("--lot: the lot code is empty")
    try:
        formats = check_formats(args.formats)
    except DossierError as exc:
        p.error(f"--formats: {exc}")
    polygon = None
    if args.polygon:
        from landgis.ingest.readers import read_source

        source = read_source(args.polygon, crs=args.crs)
        if source.crs is None:
            p.error(f"{args.polygon} has no CRS: give --crs")
        polygon = source.frame
    store = open_store(_cli.settings(args).database_url)
    try:
        user = args.user or getpass.getuser()
    except (KeyError, OSError):
        user = None
    dossier = export_dossier(store, args.out, code=args.lot, name=args.name,
                             parcels=args.parcels, zones=args.zone, statuses=args.status,
                             land_uses=args.land_use, polygon=polygon,
                             allow_uncleared=args.allow_uncleared, formats=formats, user=user)
    totals = dossier.manifest["totals"]
    print(f"lô / lot {dossier.lot.code}: {totals['parcel_count']} thửa / parcels, "
          f"{vn_area_m2(totals['plane_area_m2'], 2)} ({vn_area_ha(totals['plane_area_ha'], 4)}) "
          "mặt phẳng VN-2000 / VN-2000 plane")
    for name in dossier.files:
        print(f"  {name}")
    print(f"đã ghi / written: {dossier.path}")
    return 0


def cli() -> None:
    """The ``landgis-dossier`` command."""
    _cli.run(main)


if __name__ == "__main__":
    cli()

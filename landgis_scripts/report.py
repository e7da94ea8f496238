"""The half-year or annual review report of a period, written as Word, Excel and PDF files.

    python scripts/report.py --period 2019-H1 --out bao-cao-2019-h1
    python scripts/report.py --period 2019 --zone KCN-HB1 --out bao-cao-2019-hb1
    python scripts/report.py --period 01/01/2019:30/09/2019 --lang en --out report-2019
    python scripts/report.py --period 2019-Q3 --out bao-cao --force   # replace an earlier one

Periods: 2019-H1 / 2019-H2 (half years), 2019-Q3 (a quarter), 2019 (a year), FROM:TO (day
first, dd/mm/yyyy, or ISO). The figures are as of the period's last day, compared with the
period of the same length just before. The folder gets bao_cao.docx (a Vietnamese
administrative report), bao_cao.xlsx (every table, native charts), bao_cao.pdf, the charts and
park maps (charts/) and manifest.json (data version, SHA-256 of each file). An existing folder
is refused unless --force; the PDF needs LibreOffice and a font with the Vietnamese letters
(`make report-tools` or `make test` installs both).
"""

from __future__ import annotations

from landgis.dates import display_date
from landgis.report.write import LANGS, write_report
from landgis.store import open_store
from landgis_scripts import _cli


def main() -> int:
    p = _cli.parser(__doc__.splitlines()[0])
    p.add_argument("--period", required=True,
                   help="2019-H1, 2019-H2, 2019-Q3, 2019 or FROM:TO (dd/mm/yyyy or ISO)")
    p.add_argument("--zone", help="only this zone (its code, e.g. KCN-HB1)")
    p.add_argument("--lang", choices=LANGS, default="vi",
                   help="the report's language: vi (default) or en")
    p.add_argument("--out", required=True, help="the folder to write (must not exist)")
    p.add_argument("--force", action="store_true",
                   help="replace the folder when it holds an earlier report")
    args = p.parse_args()
    settings = _cli.settings(args)
    store = open_store(settings.database_url)
    # the core's refusals (OutputError, PdfError, a bad period or zone) are ValueErrors:
    # _cli.run prints them and exits 1, with --force named for an existing folder
    manifest = write_report(store, args.period, zone=args.zone, lang=args.lang,
                            out_dir=args.out, force=args.force, settings=settings)
    print(f"Báo cáo / report {manifest['period']['label']}"
          + (f", khu / zone {args.zone}" if args.zone else "")
          + f", số liệu đến ngày / as of {display_date(manifest['as_of'])}")
    for entry in manifest["files"]:
        print(f"đã ghi / written: {args.out}/{entry['path']}")
    print(f"đã ghi / written: {args.out}/manifest.json")
    return 0


def cli() -> None:
    """The ``landgis-report`` command."""
    _cli.run(main, hints={"force": "--force"})


if __name__ == "__main__":
    cli()

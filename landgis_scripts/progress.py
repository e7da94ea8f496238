"""The progress of projects, investors and auction lots as of a date, printed or written out.

    python scripts/progress.py                                  # as of today, every zone
    python scripts/progress.py --as-of 31/12/2019 --zone KKT-BOY --money ty
    python scripts/progress.py --out tien-do.xlsx               # one sheet per table
    python scripts/progress.py --out tien-do.csv                # tien-do-projects.csv, …
    python scripts/progress.py --out du-an.csv --table projects # that table alone
    python scripts/progress.py --out tien-do.json

Three tables and the revenue: public investment projects (plan of the year, disbursed, % of
the plan, milestones late), investor projects (on schedule, behind or revocable, each flag with
the rule and the article that raised it), auction lots (won, collected, outstanding), and the
auction revenue by zone and by the project it funds. The terminal writes money as
1.234.567.890 đồng (--money ty: 1,23 tỷ) and dates dd/mm/yyyy.
"""

from __future__ import annotations

from landgis.dates import display_date, iso_date
from landgis.progress import as_of_date, load_book, progress_tables
from landgis.progress.present import TABLES, to_text, write_progress
from landgis.store import mask_url, open_store
from landgis_scripts import _cli


def main() -> int:
    p = _cli.parser(__doc__.splitlines()[0])
    p.add_argument("--as-of", help="the tables as they stood on this date (dd/mm/yyyy, day "
                                   "first, or YYYY-MM-DD; default today)")
    p.add_argument("--zone", help="only this zone (its code, e.g. KKT-BOY)")
    p.add_argument("--table", choices=TABLES, help="only this table (a .csv --out holds it)")
    p.add_argument("--money", choices=("dong", "ty"), default="dong",
                   help="money in the terminal: whole đồng (1.234.567.890) or tỷ (1,23 tỷ)")
    p.add_argument("--out", help="write the tables to FILE.xlsx (one sheet each), FILE.csv "
                                 "(FILE-<table>.csv each, or FILE.csv with --table) or "
                                 "FILE.json")
    args = p.parse_args()
    if args.out and not args.out.lower().endswith((".csv", ".xlsx", ".json")):
        p.error("--out: tệp phải là / must end in .csv, .xlsx or .json")
    try:
        as_of = iso_date(args.as_of, "--as-of", required=False)
    except ValueError as exc:
        p.error(str(exc))
    settings = _cli.settings(args)
    store = open_store(settings.database_url)
    book = load_book(store, rules_file=settings.schedule_rules)
    tables = progress_tables(book, as_of=as_of, zone=args.zone)
    if args.zone and args.zone not in set(book.projects_register["zone_code"].dropna()) | \
            set(book.investments_register["zone_code"].dropna()) | \
            set(book.lots_register["zone_code"].dropna()):
        print(f"lưu ý / note: không có dự án, nhà đầu tư hay lô nào ở khu / nothing is "
              f"registered in zone {args.zone!r}")
    shown = {args.table: tables[args.table]} if args.table else tables
    day = as_of_date(as_of)
    print(f"Tiến độ đến ngày / progress as of {display_date(day)}"
          + (f", khu / zone {args.zone}" if args.zone else ""))
    print()
    for name, table in shown.items():
        print(to_text(name, table, money=args.money))
        print()
    if args.out:
        meta = {"as_of": day, "zone": args.zone or "", "store": mask_url(store.url)}
        for written in write_progress(tables, args.out, meta=meta, one_table=args.table):
            print(f"đã ghi / written: {written}")
    return 0


def cli() -> None:
    """The ``landgis-progress`` command."""
    _cli.run(main)


if __name__ == "__main__":
    cli()

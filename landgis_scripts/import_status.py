"""Import a status list (.xlsx or .csv) from the compensation council or the auction unit.

    python scripts/import_status.py ds-gpmb.xlsx --field clearance_status \\
        --document-no "123/QĐ-UBND" --document-date 30/06/2019 [--effective-date 2019-07-01] \\
        [--sheet NAME] [--skip-bad-rows] [--dry-run] [--user NAME] [--db FILE.gpkg]
    python scripts/import_status.py ket-qua-gpmb.xlsx --field clearance_status \\
        --map "Tình trạng GPMB=status"         # the rows carry "Số QĐ" and "Ngày QĐ"

A list whose rows carry their own decision ("Số quyết định", "Ngày quyết định", "Số QĐ",
"Ngày QĐ") needs no --document-no/--document-date; given, they fill the rows without one.

Every row is checked before anything is written: the parcel must exist, appear once, and its
status must be a known value that does not go backwards from the parcel's status on the
effective date. Rows that repeat the current status are reported as unchanged. While any row is
in error nothing is written (exit 1), unless --skip-bad-rows writes the good rows; the events
are appended in one transaction. --dry-run prints the same report and writes nothing. A list
of more rows than the setting max_list_rows (default 50,000) is refused, nothing written.
"""

from __future__ import annotations

import sys

from landgis.contract import STATUS_FIELDS
from landgis.dates import iso_date
from landgis.ingest.fields import parse_pairs
from landgis.ingest.status_import import import_status_list
from landgis.ingest.status_read import MAP_ROLES
from landgis.ingest.status_report import row_list
from landgis.store import open_store
from landgis_scripts import _cli


#: the option of each kind of refusal the core names (StatusListError.option)
FLAGS = {"field_map": "--map 'TIÊU ĐỀ / HEADER=status' (or another column: "
                      + ", ".join(MAP_ROLES) + ")",
         "sheet": "--sheet NAME",
         "document": "--document-no SỐ/NUMBER --document-date dd/mm/yyyy (for the rows "
                     "without their own)"}


def main() -> int:
    p = _cli.parser(__doc__.splitlines()[0])
    p.add_argument("file", help="the status list, .xlsx or .csv")
    p.add_argument("--field", required=True, choices=list(STATUS_FIELDS),
                   help="which status the list sets")
    p.add_argument("--document-no",
                   help='the decision or minutes it comes with, e.g. "123/QĐ-UBND", for the '
                        "rows without a number of their own (required if a row has none)")
    p.add_argument("--document-date", help="dd/mm/yyyy (day first) or YYYY-MM-DD, for the "
                                           "rows without a date of their own")
    p.add_argument("--effective-date",
                   help="dd/mm/yyyy (day first) or YYYY-MM-DD (default: document date)")
    p.add_argument("--sheet", help="the sheet of an .xlsx workbook (default: the first)")
    p.add_argument("--map", action="append", metavar="HEADER=COLUMN",
                   help="the list's column HEADER holds COLUMN, one of "
                        f"{', '.join(MAP_ROLES)} (repeatable)")
    p.add_argument("--skip-bad-rows", action="store_true",
                   help="write the good rows and skip those in error")
    p.add_argument("--dry-run", action="store_true", help="print the report, write nothing")
    p.add_argument("--user", help="who records the events (default: the login name)")
    args = p.parse_args()

    if args.document_no is not None and not args.document_no.strip():
        p.error("--document-no: thiếu số văn bản / the document number is empty")
    try:
        document_date = iso_date(args.document_date, "--document-date", required=False)
        effective_date = iso_date(args.effective_date, "--effective-date", required=False)
        field_map = parse_pairs(args.map, "--map")
    except ValueError as exc:
        p.error(str(exc))
    user = _cli.recording_user(p, args)

    settings = _cli.settings(args)
    result = import_status_list(
        open_store(settings.database_url), args.file, args.field,
        document_no=args.document_no, document_date=document_date,
        effective_date=effective_date, recorded_by=user, sheet=args.sheet,
        write=not args.dry_run, skip_bad_rows=args.skip_bad_rows,
        max_rows=settings.max_list_rows, earliest=settings.min_effective_date,
        field_map=field_map)
    plan = result.plan
    print(plan.report())
    print()

    bad = row_list(result.error_rows)
    n_bad = len(plan.errors)
    if n_bad and not args.skip_bad_rows:
        lead = "Chạy thử / dry run. " if args.dry_run else ""
        print(f"{lead}Không ghi gì: {n_bad} dòng lỗi (dòng {bad}); sửa tệp hoặc "
              f"dùng --skip-bad-rows / Nothing written: {n_bad} row(s) in error "
              f"(rows {bad}); fix the file or use --skip-bad-rows", file=sys.stderr)
        return 1
    skipped = (f"; bỏ qua {n_bad} dòng lỗi / skipped {n_bad} row(s) in error: {bad}"
               if n_bad else "")
    if args.dry_run:
        print(f"Chạy thử, không ghi gì: sẽ ghi {result.would_write} sự kiện / dry run, nothing "
              f"written: would write {result.would_write} event(s){skipped}")
        return 0
    if result.written == 0:
        print(f"Không có gì thay đổi / nothing to change{skipped}")
        return 0
    print(f"Đã ghi {result.written} sự kiện (lô {plan.batch_id}) / {result.written} event(s) "
          f"written (batch {plan.batch_id}){skipped}")
    return 0


def cli() -> None:
    """The ``landgis-status`` command."""
    _cli.run(main, FLAGS)


if __name__ == "__main__":
    cli()

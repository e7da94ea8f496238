"""Import a status list (.xlsx or .csv) from the compensation council or the auction unit.

    python scripts/import_status.py ds-gpmb.xlsx --field clearance_status \\
        --document-no "123/QĐ-UBND" --document-date 30/06/2019 [--effective-date 2019-07-01] \\
        [--sheet NAME] [--skip-bad-rows] [--dry-run] [--user NAME] [--db FILE.gpkg]

Every row is checked before anything is written: the parcel must exist, appear once, and its
status must be a known value that does not go backwards from the parcel's status on the
effective date. Rows that repeat the current status are reported as unchanged. While any row is
in error nothing is written (exit 1), unless --skip-bad-rows writes the good rows; the events
are appended in one transaction. --dry-run prints the same report and writes nothing.
"""

from __future__ import annotations

import getpass
import sys
from pathlib import Path

from landgis.contract import STATUS_FIELDS
from landgis.ingest.status_list import (
    now_vn,
    parse_date,
    plan_status_import,
    read_status_list,
)
from landgis.ingest.importer import file_sha256
from landgis.store import open_store
from landgis.store.base import Batch
from landgis_scripts import _cli


def main() -> int:
    p = _cli.parser(__doc__.splitlines()[0])
    p.add_argument("file", help="the status list, .xlsx or .csv")
    p.add_argument("--field", required=True, choices=list(STATUS_FIELDS),
                   help="which status the list sets")
    p.add_argument("--document-no", required=True,
                   help='the decision or minutes it comes with, e.g. "123/QĐ-UBND"')
    p.add_argument("--document-date", required=True, help="YYYY-MM-DD or dd/mm/yyyy")
    p.add_argument("--effective-date", help="YYYY-MM-DD or dd/mm/yyyy (default: document date)")
    p.add_argument("--sheet", help="the sheet of an .xlsx workbook (default: the first)")
    p.add_argument("--skip-bad-rows", action="store_true",
                   help="write the good rows and skip those in error")
    p.add_argument("--dry-run", action="store_true", help="print the report, write nothing")
    p.add_argument("--user", help="who records the events (default: the login name)")
    args = p.parse_args()

    if not args.document_no.strip():
        p.error("--document-no: thiếu số văn bản / the document number is required")
    try:
        document_date = parse_date(args.document_date, "--document-date")
        effective_date = (parse_date(args.effective_date, "--effective-date")
                          if args.effective_date else document_date)
    except ValueError as exc:
        p.error(str(exc))
    user = args.user
    if user is None:
        try:
            user = getpass.getuser()
        except Exception:  # no login name in this environment
            p.error("không biết người dùng / cannot tell who you are: give --user NAME")
    if not user.strip():
        p.error("--user: thiếu tên / a name is required")

    store = open_store(_cli.settings(args).database_url)
    rows = read_status_list(args.file, args.sheet)
    plan = plan_status_import(
        rows, args.field,
        store.read_layer("parcels", columns=["parcel_id", "commune_code", "commune_name"]),
        store.read_layer("status_events"),
        document_no=args.document_no, document_date=document_date,
        effective_date=effective_date, recorded_by=user, recorded_at=now_vn(),
    )
    print(plan.report())
    print()

    bad = [str(r.row) for r in plan.errors]
    if bad and not args.skip_bad_rows:
        lead = "Chạy thử / dry run. " if args.dry_run else ""
        print(f"{lead}Không ghi gì: {len(bad)} dòng lỗi (dòng {', '.join(bad)}); sửa tệp hoặc "
              f"dùng --skip-bad-rows / Nothing written: {len(bad)} row(s) in error "
              f"(rows {', '.join(bad)}); fix the file or use --skip-bad-rows", file=sys.stderr)
        return 1
    events = plan.events_to_write(args.skip_bad_rows)
    n_events = len(events)
    skipped = (f"; bỏ qua {len(bad)} dòng lỗi / skipped {len(bad)} row(s) in error: "
               f"{', '.join(bad)}" if bad else "")
    if args.dry_run:
        print(f"Chạy thử, không ghi gì: sẽ ghi {len(events)} sự kiện / dry run, nothing written: "
              f"would write {len(events)} event(s){skipped}")
        return 0
    if len(events) == 0:
        print(f"Không có gì thay đổi / nothing to change{skipped}")
        return 0
    n = store.append_events(events, batch=Batch(
        source_name=Path(args.file).name, user=user, source_sha256=file_sha256(args.file),
        action="status_list", counts={"events": n_events, "skipped_rows": len(bad)},
        note=f"{args.field} {args.document_no}; event ids {plan.batch_id}-<row>"))
    print(f"Đã ghi {n} sự kiện (lô {plan.batch_id}) / {n} event(s) written "
          f"(batch {plan.batch_id}){skipped}")
    return 0


def cli() -> None:
    """The ``landgis-status`` command."""
    _cli.run(main)


if __name__ == "__main__":
    cli()

"""Import the Board's progress workbook (.xlsx or .csv) into the registers and the ledger.

Project finance, investor milestones, auction results, and the investments and auction lots
registers:

    python scripts/import_progress.py tien-do-2019.xlsx [--dry-run] [--user NAME] [--db URL]

Each sheet is recognised by its header row (Vietnamese or English; see README.md, "Progress
workbooks"): an events sheet ("Mã dự án" / "Mã dự án đầu tư" / "Mã lô", "Loại sự kiện",
"Ngày", …), an investments register or an auction lots register. Everything is checked before
anything is written and the report lists, per sheet, what would be added and every problem;
while there is one, nothing is written (exit 1). Rows the store already holds (a sheet brought
in again with new rows at the bottom) are counted and left out. --dry-run prints the same
report and writes nothing. A workbook of more data rows than the setting max_list_rows, or
larger than max_upload_bytes, is refused.
"""

from __future__ import annotations

import sys

from landgis.progress.importer import import_progress
from landgis.store import open_store
from landgis_scripts import _cli


def main() -> int:
    p = _cli.parser(__doc__.splitlines()[0])
    p.add_argument("file", help="the workbook, .xlsx (every sheet) or .csv")
    p.add_argument("--dry-run", action="store_true", help="print the report, write nothing")
    p.add_argument("--user", help="who records the events (default: the login name)")
    args = p.parse_args()
    user = _cli.recording_user(p, args)

    settings = _cli.settings(args)
    result = import_progress(
        open_store(settings.database_url), args.file, user=user, dry_run=args.dry_run,
        max_rows=settings.max_list_rows, max_bytes=settings.max_upload_bytes,
        min_date=settings.min_effective_date, rules_file=settings.schedule_rules)
    print(result.report())
    print()
    if result.problems:
        lead = "Chạy thử / dry run. " if args.dry_run else ""
        print(f"{lead}Không ghi gì: {len(result.problems)} lỗi; sửa tệp rồi nhập lại / Nothing "
              f"written: {len(result.problems)} problem(s); fix the workbook and import it "
              "again", file=sys.stderr)
        return 1
    if args.dry_run:
        print("Chạy thử, không ghi gì / dry run, nothing written")
        return 0
    if not result.batches:
        print("Không có gì thay đổi / nothing to change")
        return 0
    batches = ", ".join(f"{name} {batch}" for name, batch in result.batches.items())
    print(f"Đã ghi (lô / batches: {batches}) / recorded")
    return 0


def cli() -> None:
    """The ``landgis-import-progress`` command."""
    _cli.run(main)


if __name__ == "__main__":
    cli()

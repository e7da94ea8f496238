"""The report of a status list's import, bounded whatever the list's length.

A table of the first rows (what each row would do, and why not), then the problems of the rows
the table leaves out (the first of them, and how many more), then the totals of every row. A
duplicated parcel is one problem, told on its first row; every message names its row.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from landgis.contract import STATUS_FIELDS
from landgis.ingest.status_read import accepted_values

if TYPE_CHECKING:  # pragma: no cover
    from landgis.ingest.status_list import StatusImportPlan

#: Rows shown in the report's table.
REPORT_ROWS = 500
#: Problems listed for the rows the table leaves out.
REPORT_PROBLEMS = 100
#: Width of a table column (the last, the detail, is as long as its problems).
COLUMN_WIDTH = 40


def _label(vocab, code: str | None) -> str:
    return vocab.label(code) if code else "-"


def render_report(plan: StatusImportPlan, *, max_rows: int | None = None,
                  max_problems: int | None = None) -> str:
    """The report of ``plan`` as plain text: at most ``max_rows`` rows in the table (default
    :data:`REPORT_ROWS`) and ``max_problems`` problems below it (:data:`REPORT_PROBLEMS`)."""
    from landgis.ingest.status_list import KINDS

    max_rows = REPORT_ROWS if max_rows is None else max_rows
    max_problems = REPORT_PROBLEMS if max_problems is None else max_problems
    vocab = STATUS_FIELDS[plan.field]
    lines = [
        f"Danh sách / list: {plan.source or '-'}; trường / field: {plan.field}; "
        f"văn bản / document: {plan.document_no} ({plan.document_date}); "
        f"hiệu lực / effective: {plan.effective_date}",
        *plan.notes, "",
    ]
    header = ("Dòng/Row", "Thửa/Parcel", "Trong tệp/In file", "Hiện tại/Current",
              "Mới/New", "Kết quả/Result", "Chi tiết/Detail")
    table = [header]
    shown, hidden = plan.rows[:max_rows], plan.rows[max_rows:]
    for r in shown:
        vi, en = KINDS[r.outcome]
        detail = "; ".join(filter(None, ["; ".join(str(i) for i in r.issues), r.info]))
        table.append((str(r.row), r.parcel_id or "-", r.text or "-",
                      _label(vocab, r.current), _label(vocab, r.value), f"{vi} / {en}",
                      detail))
    widths = [min(max(len(row[c]) for row in table), COLUMN_WIDTH)
              for c in range(len(header) - 1)]
    for n, row in enumerate(table):
        cells = [row[c][:COLUMN_WIDTH].ljust(widths[c]) for c in range(len(widths))]
        lines.append("  ".join(cells + [row[-1]]).rstrip())
        if n == 0:
            lines.append("  ".join("-" * w for w in widths) + "  " + "-" * 16)
    if hidden:
        lines.append(f"… {len(hidden)} dòng nữa không hiện trong bảng / {len(hidden)} more "
                     f"row(s) not shown in the table")
        later = (m for r in hidden if r.is_error for m in r.messages())
        listed = [m for _, m in zip(range(max_problems), later)]
        if listed:
            rest = sum(1 for _ in later)
            lines.append("Lỗi ở các dòng không hiện / problems on the rows not shown:")
            lines += [f"  {m}" for m in listed]
            if rest:
                lines.append(f"  … và {rest} lỗi nữa / and {rest} more problem(s)")
    lines.append("")
    counts = plan.counts()
    lines.append("Tổng / totals: " + ", ".join(
        f"{KINDS[k][0]} / {KINDS[k][1]}: {n}" for k, n in counts.items())
        + f"; dòng lỗi / rows in error: {len(plan.errors)}")
    if any(i.kind == "unknown_status" for r in plan.errors for i in r.issues):
        lines.append("Giá trị được nhận / accepted values: " + accepted_values(plan.field)
                     + " (không dấu cũng được / diacritics optional)")
    return "\n".join(lines)


def row_list(rows: list[int], limit: int = 20) -> str:
    """``"5, 6, 7"``, or the first ``limit`` and ``"(và N dòng khác / and N more)"``."""
    text = ", ".join(str(n) for n in rows[:limit])
    if len(rows) > limit:
        text += f" (và {len(rows) - limit} dòng khác / and {len(rows) - limit} more)"
    return text

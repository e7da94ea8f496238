"""What each row of a status list would do (:class:`StatusImportPlan`), and its report, bounded
whatever the list's length.

A table of the first rows (what each row would do, and why not), then the problems of the rows
the table leaves out (the first of them, and how many more), then the totals of every row. A
duplicated parcel is one problem, told on its first row; every message names its row.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from landgis.contract import STATUS_FIELDS
from landgis.ingest.status_read import accepted_values

#: Problem kinds, with their labels for the report (Vietnamese, English).
KINDS = {
    "change": ("thay đổi", "change"),
    "unchanged": ("không đổi", "unchanged"),
    "missing_key": ("thiếu mã thửa", "no parcel key"),
    "unmatched": ("không tìm thấy thửa", "parcel not found"),
    "duplicate": ("trùng thửa", "duplicate parcel"),
    "missing_status": ("thiếu trạng thái", "no status"),
    "unknown_status": ("trạng thái lạ", "unknown status"),
    "backwards": ("lùi trạng thái", "status goes backwards"),
    "bad_date": ("ngày quyết định sai", "bad decision date"),
}


@dataclass(frozen=True)
class Issue:
    """One thing wrong with a row, said in both languages.

    ``listed`` is False for a problem told once elsewhere (the later rows of a duplicated
    parcel: the first row names them all); such a row is still in error.
    """

    kind: str
    vi: str
    en: str
    listed: bool = True

    def __str__(self) -> str:
        return f"{self.vi} / {self.en}"


@dataclass(frozen=True)
class RowResult:
    """What happens to one row of the list."""

    row: int
    parcel_id: str | None
    text: str  # the status cell as written
    value: str | None  # its code, when recognised
    current: str | None  # the parcel's status as of the effective date, when matched
    issues: tuple[Issue, ...] = ()
    info: str | None = None  # a remark that is not an error

    @property
    def is_error(self) -> bool:
        return bool(self.issues)

    @property
    def outcome(self) -> str:
        """``change``, ``unchanged`` or the kind of the row's first problem."""
        if self.issues:
            return self.issues[0].kind
        return "unchanged" if self.value == self.current else "change"

    def messages(self) -> list[str]:
        """``"dòng 5: … / row 5: …"`` for each problem (those told once elsewhere left out)."""
        return [f"dòng {self.row}: {i.vi} / row {self.row}: {i.en}" for i in self.issues
                if i.listed]


@dataclass
class StatusImportPlan:
    """The events a status list would append, and what happens to each of its rows.

    ``events`` holds one event per good row that changes a status; rows in error are never in
    it. Whether to write them while other rows are in error is the caller's choice
    (``skip_bad_rows``): see :meth:`events_to_write`.
    """

    field: str
    document_no: str  # the list's; "" when each row carries its own
    document_date: str | None
    effective_date: str | None
    batch_id: str
    rows: list[RowResult]
    events: pd.DataFrame
    source: str | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def errors(self) -> list[RowResult]:
        return [r for r in self.rows if r.is_error]

    @property
    def unchanged(self) -> list[RowResult]:
        return [r for r in self.rows if r.outcome == "unchanged"]

    @property
    def changes(self) -> list[RowResult]:
        return [r for r in self.rows if r.outcome == "change"]

    @property
    def ok(self) -> bool:
        """No row is in error."""
        return not self.errors

    def events_to_write(self, skip_bad_rows: bool = False) -> pd.DataFrame:
        """The events to append: all of them when no row is in error or bad rows are skipped,
        none otherwise."""
        if self.ok or skip_bad_rows:
            return self.events
        return self.events.iloc[0:0]

    def counts(self) -> dict[str, int]:
        """Rows per outcome (``change``, ``unchanged``, and each problem kind)."""
        out: dict[str, int] = {}
        for r in self.rows:
            out[r.outcome] = out.get(r.outcome, 0) + 1
        return {k: out[k] for k in KINDS if k in out}

    def problems(self) -> list[str]:
        """Every problem as ``"dòng N: … / row N: …"``, in row order; a duplicated parcel is
        one problem, on its first row."""
        return [m for r in self.rows for m in r.messages()]

    def report(self, max_rows: int | None = None, max_problems: int | None = None) -> str:
        """A plain-text table of the rows, the problems of the rows it leaves out, then the
        totals; bounded whatever the list's length (:func:`render_report`)."""
        return render_report(self, max_rows=max_rows, max_problems=max_problems)


#: Rows shown in the report's table.
REPORT_ROWS = 500
#: Problems listed for the rows the table leaves out.
REPORT_PROBLEMS = 100
#: Width of a table column (the last, the detail, is as long as its problems).
COLUMN_WIDTH = 40


#: What the report says where the list-level document gives way to each row's own.
PER_ROW = "theo từng dòng / per row"


def _label(vocab, code: str | None) -> str:
    return vocab.label(code) if code else "-"


def render_report(plan: StatusImportPlan, *, max_rows: int | None = None,
                  max_problems: int | None = None) -> str:
    """The report of ``plan`` as plain text: at most ``max_rows`` rows in the table (default
    :data:`REPORT_ROWS`) and ``max_problems`` problems below it (:data:`REPORT_PROBLEMS`)."""
    max_rows = REPORT_ROWS if max_rows is None else max_rows
    max_problems = REPORT_PROBLEMS if max_problems is None else max_problems
    vocab = STATUS_FIELDS[plan.field]
    lines = [
        f"Danh sách / list: {plan.source or '-'}; trường / field: {plan.field}; "
        f"văn bản / document: {plan.document_no or PER_ROW} ({plan.document_date or PER_ROW}); "
        f"hiệu lực / effective: {plan.effective_date or PER_ROW}",
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

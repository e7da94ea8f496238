"""Reading the Board's progress workbook (``.xlsx``, every sheet) or one ``.csv`` sheet.

Each sheet is recognised by its header row, found among the first
:data:`~landgis.ingest.status_read.HEADER_SEARCH_ROWS` rows (title lines above it are fine):
progress events, the investments register or the auction lots register
(:mod:`landgis.progress.sheet_headers`). An empty sheet is skipped; a sheet recognised as
nothing, a header row with merged cells (or merged cells among the data rows), two columns for
one thing, a file larger than allowed or more data rows than allowed are refused
(:class:`ProgressSheetError`, naming the file, the sheet and the cells), before any value is
read. The values are then read by :mod:`landgis.progress.sheet_values`, which lists every cell
it cannot read.

Rows are streamed: reading stops at the first data row beyond the cap, and the sheet's XML is
scanned for merged cells as bytes, so that neither a long sheet nor a small file claiming a
million rows holds the reader.
"""

from __future__ import annotations

import csv
import itertools
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from landgis.config import Settings
from landgis.ingest.status_files import MAX_COLUMNS, MAX_SHEET_ROWS, _check_packed_sizes
from landgis.ingest.status_read import HEADER_SEARCH_ROWS, _cell_text, _column_letter
from landgis.progress.sheet_headers import KIND_LABELS, expected_text, match_headers, recognise

#: The largest workbook read (bytes) unless the caller says otherwise: ``max_upload_bytes``.
DEFAULT_MAX_BYTES = Settings.max_upload_bytes
#: The most a workbook's parts may unpack to, in bytes (a small file may unpack to gigabytes).
MAX_UNPACKED = 512 * 1024 * 1024
_MERGE = re.compile(rb'<(?:\w+:)?mergeCell\b[^>]*?\bref="(([A-Z]+)(\d+)(?::([A-Z]+)(\d+))?)"')


class ProgressSheetError(ValueError):
    """A workbook or sheet that cannot be read as progress data; the message names the file,
    the sheet and the cells. Nothing is written."""


@dataclass
class RawSheet:
    """One recognised sheet: its kind, header and data rows as read (values untouched)."""

    name: str  # the sheet's title (a CSV file: its name)
    where: str  # "file [sheet]" for messages
    kind: str  # "events" | "investments" | "auction_lots"
    header_row: int  # 1-based
    columns: dict[str, int]  # role -> 0-based column
    headers: dict[str, str]  # role -> the header as written
    ignored: list[str] = field(default_factory=list)  # headers not recognised
    rows: list[tuple[int, list]] = field(default_factory=list)  # (row number, cells)

    def cell(self, role: str, row: int) -> str:
        """``C5 ('Số tiền')``: the cell of ``role`` in sheet row ``row``, for messages."""
        return f"ô / cell {_column_letter(self.columns[role])}{row} ({self.headers[role]!r})"


def _column_number(letters: bytes) -> int:
    n = 0
    for ch in letters.decode():
        n = n * 26 + ord(ch) - 64
    return n


def _merged_ranges(source) -> list[tuple[int, int, int, int, str]]:
    """(min_col, min_row, max_col, max_row, "A1:B2") of every merged range of a sheet's XML,
    scanned in chunks (the ranges come after the rows)."""
    found, tail = [], b""
    while True:
        chunk = source.read(1 << 20)
        data = tail + chunk
        end = len(data) if not chunk else max(0, data.rfind(b"<"))
        for m in _MERGE.finditer(data, 0, end):
            ref, c1, r1, c2, r2 = m.groups()
            found.append((_column_number(c1), int(r1), _column_number(c2 or c1),
                          int(r2 or r1), ref.decode()))
        if not chunk:
            return found
        tail = data[end:]


def _find_header(top: list[list[str]]) -> tuple[int, str] | None:
    for i, cells in enumerate(top):
        kind = recognise(cells)
        if kind:
            return i, kind
    return None


def _read_rows(rows, where: str, name: str, budget: list[int], merges=()) -> RawSheet | None:
    """Find the header of one sheet's ``rows`` and keep its data rows; None for an empty
    sheet. ``budget`` ([rows left]) is shared by the workbook's sheets."""
    top = [list(cells) for cells in itertools.islice(rows, HEADER_SEARCH_ROWS)]
    text = [[_cell_text(v) for v in cells] for cells in top]
    found = _find_header(text)
    if found is None:
        if not any(any(c for c in cells) for cells in text):
            return None
        first = next(i for i, cells in enumerate(text) if any(cells))
        shown = ", ".join(repr(c) for c in text[first] if c)
        merged = [m[4] for m in merges if m[1] <= len(top)]
        hint = (f" Ô gộp / merged cells {', '.join(merged)}: mỗi cột một tiêu đề, không gộp "
                "ô / one header per column, no merged cells.") if merged else ""
        raise ProgressSheetError(
            f"{where}: không nhận ra trang tính này / this sheet is not recognised: no header "
            f"row in its first {HEADER_SEARCH_ROWS} rows. Tiêu đề đã thấy / headers found "
            f"(dòng / row {first + 1}): {shown}. Cần / expected: {expected_text()}.{hint}")
    index, kind = found
    header = index + 1
    cells = text[index]
    for c1, r1, c2, r2, ref in merges:
        if r1 <= header <= r2:
            raise ProgressSheetError(
                f"{where}: dòng tiêu đề {header} có ô gộp {ref}; bỏ gộp ô, mỗi cột một tiêu đề "
                f"/ the header row {header} has merged cells {ref}; unmerge them and give "
                "each column its own header")
        if r2 > header:
            raise ProgressSheetError(
                f"{where}: ô gộp {ref} trong các dòng dữ liệu; bỏ gộp ô, mỗi dòng ghi đủ giá "
                f"trị / merged cells {ref} among the data rows; unmerge them so that each row "
                "holds its own values")
    roles, unknown = match_headers(kind, cells)
    twice = {r: cols for r, cols in roles.items() if len(cols) > 1}
    if twice:
        role, cols = next(iter(twice.items()))
        names = ", ".join(f"{cells[c]!r} (cột / column {_column_letter(c)})" for c in cols)
        raise ProgressSheetError(
            f"{where}: dòng {header} có {len(cols)} cột cùng nghĩa / row {header} has "
            f"{len(cols)} columns for the same thing ({role}): {names}; giữ một / keep one")
    columns = {r: cols[0] for r, cols in roles.items()}
    sheet = RawSheet(name, where, kind, header, columns,
                     {r: cells[c] for r, c in columns.items()},
                     [cells[c] for c in unknown])
    number = header
    for raw in itertools.chain(top[index + 1:], rows):
        number += 1
        if number > MAX_SHEET_ROWS:
            raise ProgressSheetError(f"{where}: quá {MAX_SHEET_ROWS} dòng / more than "
                                     f"{MAX_SHEET_ROWS} rows")
        values = [raw[c] if c < len(raw) else None for c in range(MAX_COLUMNS)]
        if not any(_cell_text(values[c]) for c in columns.values()):
            continue
        if budget[0] == 0:
            raise ProgressSheetError(
                f"{where}: quá {budget[1]} dòng dữ liệu, đã dừng đọc ở dòng {number}; chia "
                f"thành nhiều tệp / more than {budget[1]} data rows (reading stopped at row "
                f"{number}); split the workbook. Giới hạn / limit: max_list_rows")
        budget[0] -= 1
        sheet.rows.append((number, values))
    return sheet


def _read_xlsx(path: Path, budget: list[int]) -> tuple[list[RawSheet], list[str]]:
    import openpyxl

    _check_packed_sizes(path)
    try:
        with zipfile.ZipFile(path) as zf:
            unpacked = sum(i.file_size for i in zf.infolist())
    except (zipfile.BadZipFile, OSError) as exc:
        raise ProgressSheetError(f"{path.name}: không đọc được tệp Excel / not a readable .xlsx "
                                 f"file ({type(exc).__name__}: {exc})") from None
    if unpacked > MAX_UNPACKED:
        raise ProgressSheetError(f"{path.name}: tệp Excel giải nén ra {unpacked} byte / the "
                                 f"workbook unpacks to {unpacked} bytes; at most {MAX_UNPACKED}")
    try:
        wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # BadZipFile, KeyError, InvalidFileException, ...
        raise ProgressSheetError(f"{path.name}: không đọc được tệp Excel / not a readable .xlsx "
                                 f"file ({type(exc).__name__}: {exc})") from None
    sheets, empty = [], []
    try:
        for ws in wb.worksheets:
            where = f"{path.name} [{ws.title}]"
            if not hasattr(ws, "_get_source"):  # a chart sheet
                continue
            try:
                with ws._get_source() as src:
                    merges = _merged_ranges(src)
                ws.reset_dimensions()
                rows = ws.iter_rows(min_row=1, max_col=MAX_COLUMNS, values_only=True)
                try:
                    sheet = _read_rows(rows, where, ws.title, budget, merges)
                finally:
                    rows.close()
            except ProgressSheetError:
                raise
            except Exception as exc:  # a damaged sheet
                raise ProgressSheetError(f"{where}: không đọc được trang tính / the sheet "
                                         f"cannot be read ({type(exc).__name__}: "
                                         f"{str(exc)[:200]})") from None
            (sheets.append(sheet) if sheet else empty.append(ws.title))
    finally:
        wb.close()
    return sheets, empty


def _read_csv(path: Path, budget: list[int]) -> RawSheet | None:
    for encoding, errors in (("utf-8-sig", "strict"), ("cp1258", "replace")):
        try:
            delimiter = ","
            for candidate in (",", ";", "\t"):
                with open(path, encoding=encoding, errors=errors, newline="") as fh:
                    top = [[_cell_text(c) for c in row[:MAX_COLUMNS]] for row in
                           itertools.islice(csv.reader(fh, delimiter=candidate),
                                            HEADER_SEARCH_ROWS)]
                if _find_header(top):
                    delimiter = candidate
                    break
            with open(path, encoding=encoding, errors=errors, newline="") as fh:
                rows = (row[:MAX_COLUMNS] for row in csv.reader(fh, delimiter=delimiter))
                return _read_rows(rows, path.name, path.name, budget)
        except UnicodeDecodeError:
            continue
        except csv.Error as exc:
            raise ProgressSheetError(f"{path.name}: không đọc được tệp CSV / not a readable CSV "
                                     f"file ({exc})") from None
    raise AssertionError("cp1258 with errors='replace' decodes any byte")  # pragma: no cover


def read_sheets(path, *, max_rows: int = Settings.max_list_rows,
                max_bytes: int = DEFAULT_MAX_BYTES) -> tuple[list[RawSheet], list[str]]:
    """The recognised sheets of the workbook (or CSV file) at ``path``, in order, and the
    names of the empty sheets skipped. At most ``max_rows`` data rows in all and
    ``max_bytes`` bytes of file; :class:`ProgressSheetError` otherwise."""
    path = Path(path)
    if not path.is_file():
        raise ProgressSheetError(f"{path.name}: không có tệp này / no such file")
    size = path.stat().st_size
    if size > max_bytes:
        raise ProgressSheetError(f"{path.name}: tệp {size} byte, quá giới hạn {max_bytes} / the "
                                 f"file has {size} bytes, more than the limit of {max_bytes} "
                                 "(max_upload_bytes)")
    budget = [max_rows, max_rows]
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        sheets, empty = _read_xlsx(path, budget)
    elif suffix == ".csv":
        sheet = _read_csv(path, budget)
        sheets, empty = ([sheet], []) if sheet else ([], [path.name])
    else:
        raise ProgressSheetError(f"{path.name}: chỉ nhận / only .xlsx or .csv files are read "
                                 "(Excel: Lưu thành .xlsx / Save As .xlsx)")
    if not any(s.rows for s in sheets):
        raise ProgressSheetError(f"{path.name}: không có dòng dữ liệu nào / no data rows"
                                 + (f" (các trang / sheets: {', '.join(s.name for s in sheets)})"
                                    if sheets else "; cần / expected: " + expected_text()))
    return sheets, empty


def describe(sheet: RawSheet) -> str:
    """``'Giải ngân' (sự kiện tiến độ / progress events, dòng 3-9)`` for reports."""
    vi, en = KIND_LABELS[sheet.kind]
    rows = [n for n, _ in sheet.rows]
    span = f"{rows[0]}-{rows[-1]}" if rows else "-"
    return f"{sheet.name!r} ({vi} / {en}, dòng / rows {span})"


__all__ = ["DEFAULT_MAX_BYTES", "MAX_UNPACKED", "ProgressSheetError", "RawSheet", "describe",
           "read_sheets"]

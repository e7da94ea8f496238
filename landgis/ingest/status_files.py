"""Reading a status list file (``.xlsx`` or ``.csv``) row by row, up to a number of rows.

:func:`read_status_list` finds the header among the first rows (see
:mod:`landgis.ingest.status_read` for the header names and the values), then keeps the data
rows as it reads them: a list longer than allowed stops being read at the first row beyond the
cap, whatever follows, so that neither a long list nor a small file claiming a million rows
holds the server.
"""

from __future__ import annotations

import csv
import itertools
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator, Sequence

import pandas as pd

from landgis.config import Settings
from landgis.ingest.status_read import (HEADER_SEARCH_ROWS, ROW_COLUMNS, _TRIPLE, StatusListError,
                                        StatusListTooLong, _cell_text, _complete, _find_header,
                                        _match_header, check_field_map)

#: Data rows a list may have unless the caller says otherwise (the setting ``max_list_rows``).
DEFAULT_MAX_ROWS = Settings.max_list_rows
#: Rows read in any case: the most an Excel sheet holds; a file claiming more stops there.
MAX_SHEET_ROWS = 1_048_576
#: Columns read from each row: a status list has a handful; the rest of a wide sheet is ignored.
MAX_COLUMNS = 100
#: The most an .xlsx's table of text (read whole, unlike its rows) may unpack to, in bytes.
MAX_SHARED_STRINGS = 64 * 1024 * 1024

@dataclass
class _Read:
    """What :func:`_collect` found in a sheet's rows."""

    header: int  # 0-based index of the header row
    roles: dict[str, int]
    headers: list[str]  # the header row's cells
    records: list[dict]


def _too_long(where: str, max_rows: int, row: int) -> StatusListTooLong:
    return StatusListTooLong(
        f"{where}: danh sách quá {max_rows} dòng dữ liệu, đã dừng đọc ở dòng {row}; chia thành "
        f"nhiều danh sách / the list has more than {max_rows} data rows (reading stopped at "
        f"row {row}); split it into several lists. Giới hạn / limit: {max_rows} dòng / rows "
        f"per list (max_list_rows)")


def _collect(rows: Iterator[Sequence], where: str, max_rows: int, field_map=None) -> _Read:
    """Find the header among the first rows of ``rows`` (raw cells), then keep the data rows.

    Reading stops at the first data row beyond ``max_rows`` (StatusListTooLong), and at the
    first row beyond :data:`MAX_SHEET_ROWS` whatever the rows hold: the rest is never read.
    """
    top = [[_cell_text(v) for v in cells]
           for cells in itertools.islice(rows, HEADER_SEARCH_ROWS)]
    header, roles = _find_header(top, where, field_map)
    wanted = [(role, roles.get(role)) for role in ROW_COLUMNS[1:]]
    keys = ("parcel_id", *_TRIPLE, "status")
    records: list[dict] = []
    number = header + 1  # 1-based number of the row just read
    for cells in itertools.chain(top[header + 1:], rows):
        number += 1
        if number > MAX_SHEET_ROWS:
            raise StatusListTooLong(
                f"{where}: quá {MAX_SHEET_ROWS} dòng / more than {MAX_SHEET_ROWS} rows (the "
                "most a spreadsheet holds)")
        rec = {"row": number}
        for role, col in wanted:
            rec[role] = _cell_text(cells[col]) if col is not None and col < len(cells) else ""
        if any(rec[r] for r in keys):
            if len(records) == max_rows:
                raise _too_long(where, max_rows, number)
            records.append(rec)
    return _Read(header, roles, top[header], records)


def _read_xlsx(path: Path, sheet: str | None, max_rows: int,
               field_map=None) -> tuple[_Read, str]:
    try:
        import openpyxl
    except ImportError:  # pragma: no cover - a set-up problem
        raise StatusListError("đọc .xlsx cần gói openpyxl / reading .xlsx needs the openpyxl "
                              "package: pip install openpyxl") from None
    _check_packed_sizes(path)
    try:
        wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # zipfile.BadZipFile, KeyError, InvalidFileException, ...
        raise StatusListError(f"{path}: không đọc được tệp Excel / not a readable .xlsx "
                              f"file ({type(exc).__name__}: {exc})") from None
    try:
        names = wb.sheetnames
        if sheet is None:
            ws = wb.worksheets[0]
        elif sheet in names:
            ws = wb[sheet]
        else:
            raise StatusListError(f"{path}: không có trang tính / no sheet {sheet!r}; "
                                  f"các trang / sheets: {', '.join(map(repr, names))}", "sheet")
        ws.reset_dimensions()  # some writers record wrong dimensions; read every row
        # streamed: rows are parsed as they are asked for, and only the first columns
        rows = ws.iter_rows(min_row=1, max_col=MAX_COLUMNS, values_only=True)
        try:
            return _collect(rows, f"{path} [{ws.title}]", max_rows, field_map), ws.title
        except StatusListError:
            raise
        except Exception as exc:  # a damaged sheet: a cell openpyxl cannot parse, bad XML
            raise StatusListError(f"{path} [{ws.title}]: không đọc được trang tính / the sheet "
                                  f"cannot be read ({type(exc).__name__}: "
                                  f"{str(exc)[:200]})") from None
        finally:
            rows.close()
    finally:
        wb.close()


def _check_packed_sizes(path: Path) -> None:
    """Refuse an .xlsx whose shared strings (read whole by openpyxl) unpack to too much."""
    try:
        with zipfile.ZipFile(path) as zf:
            big = [i for i in zf.infolist() if i.filename.lower().endswith("sharedstrings.xml")
                   and i.file_size > MAX_SHARED_STRINGS]
    except (zipfile.BadZipFile, OSError):
        return  # openpyxl says what is wrong with it
    if big:
        raise StatusListError(
            f"{path}: bảng chuỗi của tệp Excel quá lớn ({big[0].file_size} byte khi giải nén) / "
            f"the workbook's text table unpacks to {big[0].file_size} bytes; at most "
            f"{MAX_SHARED_STRINGS}")


def _csv_rows(fh, delimiter: str) -> Iterator[list[str]]:
    """A CSV file's rows, each cut to :data:`MAX_COLUMNS` cells."""
    for row in csv.reader(fh, delimiter=delimiter):
        yield row[:MAX_COLUMNS]


def _csv_delimiter(path: Path, encoding: str, errors: str, field_map=None) -> str:
    """Excel writes ";" where the decimal separator is ",": the first delimiter whose first
    rows hold a recognisable header, else ","."""
    for delimiter in (",", ";", "\t"):
        with open(path, encoding=encoding, errors=errors, newline="") as fh:
            top = [[_cell_text(c) for c in row] for row in
                   itertools.islice(_csv_rows(fh, delimiter), HEADER_SEARCH_ROWS)]
        if any(_complete(_match_header(r, field_map)) for r in top):
            return delimiter
    return ","


def _read_csv(path: Path, max_rows: int, field_map=None) -> tuple[_Read, str]:
    # UTF-8 (with or without a BOM) if the whole file is; else Windows-1258, which Excel's
    # "CSV" (not "CSV UTF-8") writes on a Vietnamese Windows. Rows are read as they are
    # needed: a too long list stops being read at its cap.
    for encoding, errors in (("utf-8-sig", "strict"), ("cp1258", "replace")):
        try:
            delimiter = _csv_delimiter(path, encoding, errors, field_map)
            with open(path, encoding=encoding, errors=errors, newline="") as fh:
                found = _collect(_csv_rows(fh, delimiter), str(path), max_rows, field_map)
            return found, "utf-8" if encoding == "utf-8-sig" else encoding
        except UnicodeDecodeError:
            continue
        except csv.Error as exc:  # a field larger than the csv module's limit, …
            raise StatusListError(f"{path}: không đọc được tệp CSV / not a readable CSV "
                                  f"file ({exc})") from None
    raise AssertionError("cp1258 with errors='replace' decodes any byte")  # pragma: no cover


def read_status_list(path, sheet: str | None = None, *, max_rows: int = DEFAULT_MAX_ROWS,
                     field_map=None) -> pd.DataFrame:
    """Read a status list (``.xlsx`` or ``.csv``) into one row per data line.

    Parameters
    ----------
    path : str or Path
    sheet : str, optional
        The sheet of an ``.xlsx`` workbook (default: the first one).
    max_rows : int
        The most data rows the list may have (the setting ``max_list_rows``). The file is
        read row by row and reading stops at the first row beyond it.
    field_map : mapping, optional
        ``{header as written: role}`` (a role of :data:`MAP_ROLES`, e.g. ``status``,
        ``document_date``), compared without case or diacritics; it wins over the headers
        recognised by name.

    Returns
    -------
    DataFrame
        Columns :data:`ROW_COLUMNS` as text (``""`` where the file has no such column or an
        empty cell); ``row`` is the spreadsheet row number. Blank lines are left out.
        ``attrs`` holds ``source`` (the file name), ``sheet``, ``header_row``, ``headers``
        (role -> the header as written) and ``encoding`` (CSV).

    Raises
    ------
    StatusListError
        No such file, an unreadable file, a missing sheet, no recognisable header row (the
        message lists the headers found and those expected), two columns that could both be
        the status (or the decision number or date), a field map naming an unknown role or a
        header the file lacks, or no data under the header. ``option`` says what would put it
        right.
    StatusListTooLong
        More than ``max_rows`` data rows (a StatusListError too); the message says the limit.
    """
    field_map = check_field_map(field_map)
    path = Path(path)
    if not path.is_file():
        raise StatusListError(f"{path}: không có tệp này / no such file")
    suffix = path.suffix.lower()
    encoding = None
    if suffix in (".xlsx", ".xlsm"):
        found, sheet_name = _read_xlsx(path, sheet, max_rows, field_map)
        where = f"{path} [{sheet_name}]"
    elif suffix == ".csv":
        if sheet is not None:
            raise StatusListError(f"{path}: tệp CSV không có trang tính / a CSV file has no "
                                  f"sheets (trang tính / sheet {sheet!r})", "sheet")
        found, encoding = _read_csv(path, max_rows, field_map)
        sheet_name, where = None, str(path)
    else:
        raise StatusListError(f"{path}: chỉ nhận / only .xlsx or .csv files are read "
                              "(Excel: Lưu thành .xlsx / Save As .xlsx)")
    header = found.header
    if not found.records:
        raise StatusListError(f"{where}: không có dòng dữ liệu dưới tiêu đề (dòng {header + 1}) / "
                              f"no data rows under the header (row {header + 1})")
    rows = pd.DataFrame.from_records(found.records, columns=list(ROW_COLUMNS))
    rows.attrs.update(source=path.name, sheet=sheet_name, header_row=header + 1,
                      headers={role: found.headers[col] for role, col in found.roles.items()},
                      encoding=encoding)
    return rows


__all__ = ["DEFAULT_MAX_ROWS", "MAX_COLUMNS", "MAX_SHEET_ROWS", "read_status_list"]

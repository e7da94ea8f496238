"""Reading a status list: finding its header row and normalising its values.

:func:`read_status_list` reads an ``.xlsx`` or ``.csv`` file into rows (I/O only). The header row
is found among the first :data:`HEADER_SEARCH_ROWS` rows, its names recognised in Vietnamese or
English, with or without diacritics. The helpers here also read the values the rows hold: dates
(:func:`parse_date`), parcel ids (:func:`normalise_parcel_id`) and status labels
(:func:`lookup_status`). Planning the import is :mod:`landgis.ingest.status_list`'s job.
"""

from __future__ import annotations

import csv
import datetime as dt
import itertools
import re
import unicodedata
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator, Sequence

import pandas as pd

from landgis.config import Settings
from landgis.contract import STATUS_FIELDS, Vocabulary
from landgis.ingest.fields import fold, strip_marks

#: How many rows from the top of a sheet are searched for the header row.
HEADER_SEARCH_ROWS = 10

#: Data rows a list may have unless the caller says otherwise (the setting ``max_list_rows``).
DEFAULT_MAX_ROWS = Settings.max_list_rows
#: Rows read in any case: the most an Excel sheet holds; a file claiming more stops there.
MAX_SHEET_ROWS = 1_048_576
#: Columns read from each row: a status list has a handful; the rest of a wide sheet is ignored.
MAX_COLUMNS = 100
#: The most an .xlsx's table of text (read whole, unlike its rows) may unpack to, in bytes.
MAX_SHARED_STRINGS = 64 * 1024 * 1024

#: Row columns after reading, whatever the file called them.
ROW_COLUMNS = ("row", "parcel_id", "commune_code", "sheet_no", "parcel_no", "status", "note")

#: role -> header spellings (compared after :func:`fold`), in order of preference
HEADER_ALIASES: dict[str, tuple[str, ...]] = {
    "commune_code": ("maxa", "communecode", "maxaphuong", "maphuongxa", "madvhc", "xa",
                     "commune", "phuongxa", "xaphuong", "tenxa"),
    "sheet_no": ("to", "tobando", "soto", "sotobando", "toso", "tobd", "sotobd", "sheetno",
                 "sheet", "mapsheet"),
    "parcel_no": ("thua", "sothua", "thuaso", "thuadat", "sothuadat", "parcelno", "parcel"),
    "parcel_id": ("parcelid", "mathua", "mathuadat"),
    "status": ("trangthai", "tinhtrang", "status", "value", "giatri"),
    "note": ("ghichu", "note", "notes"),
}

#: What the header must hold, for messages: role -> (Vietnamese, English, examples)
_EXPECTED = {
    "commune_code": ("mã xã", "commune code", "Mã xã, ma_xa, commune_code, Xã"),
    "sheet_no": ("tờ bản đồ", "map sheet", "Tờ, Tờ bản đồ, So_to, SoTo, sheet_no"),
    "parcel_no": ("số thửa", "parcel number", "Thửa, Số thửa, So_thua, SoThua, parcel_no"),
    "parcel_id": ("mã thửa", "parcel id", "parcel_id, Mã thửa"),
    "status": ("trạng thái", "status", "Trạng thái, Tình trạng, status, value"),
    "note": ("ghi chú", "note", "Ghi chú, note"),
}
_TRIPLE = ("commune_code", "sheet_no", "parcel_no")

EXPECTED_HEADERS = (
    "mã xã + tờ + thửa / commune + sheet + parcel ("
    + "; ".join(_EXPECTED[r][2] for r in _TRIPLE)
    + f") hoặc / or mã thửa / parcel id ({_EXPECTED['parcel_id'][2]}); "
    f"và / and trạng thái / status ({_EXPECTED['status'][2]}); "
    f"tùy chọn / optional: ghi chú / note ({_EXPECTED['note'][2]})"
)


class StatusListError(ValueError):
    """A status list that cannot be read; the message names the file and what is wrong."""


class StatusListTooLong(StatusListError):
    """A status list with more rows than allowed; the message says the limit."""


# --------------------------------------------------------------------------- values


_DMY = re.compile(r"^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})$")
_YMD = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")


def parse_date(value, what: str = "ngày / date") -> str:
    """``YYYY-MM-DD`` text for ISO text, ``dd/mm/yyyy`` (also with ``-`` or ``.``) or a date.

    Raises ValueError naming ``what`` and the text for anything else or an impossible date.
    """
    if isinstance(value, (dt.date, pd.Timestamp)):
        return pd.Timestamp(value).strftime("%Y-%m-%d")
    text = str(value or "").strip()
    if m := _YMD.match(text):
        y, mo, d = m.groups()
    elif m := _DMY.match(text):
        d, mo, y = m.groups()
    else:
        raise ValueError(f"{what}: {text!r} không phải ngày / is not a date "
                         "(YYYY-MM-DD hoặc / or dd/mm/yyyy)")
    try:
        return dt.date(int(y), int(mo), int(d)).isoformat()
    except ValueError:
        raise ValueError(f"{what}: {text!r} không có trong lịch / is not a real date") from None


def _cell_text(value) -> str:
    """A cell as text: Excel's 12.0 as ``"12"``, dates as ISO, empty as ``""``, NFC."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float):
        if value != value:  # NaN
            return ""
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, (dt.datetime, dt.date)):
        return value.isoformat()[:10]
    return unicodedata.normalize("NFC", " ".join(str(value).split()))


_INT_TEXT = re.compile(r"^0*(\d+)(?:[.,]0+)?$")


def _int_text(text: str) -> str:
    """``"12.0"``, ``"012"`` -> ``"12"``; anything not an integer is returned as it is."""
    m = _INT_TEXT.match(text.strip())
    return str(int(m.group(1))) if m else text.strip()


def _commune_text(text: str) -> str:
    """Commune codes are 5-digit statistics codes: a number Excel lost the zeros of is padded."""
    text = _int_text(text)
    return text.zfill(5) if text.isdigit() else text


def normalise_parcel_id(text: str) -> str:
    """``"23296-01-12.0"`` -> ``"23296-1-12"``; other text is only trimmed."""
    parts = str(text).strip().split("-")
    if len(parts) == 3 and all(_INT_TEXT.match(p.strip()) for p in parts[1:]):
        return "-".join([_commune_text(parts[0]), _int_text(parts[1]), _int_text(parts[2])])
    return str(text).strip()


def _fold_label(text: str) -> str:
    """A status label compared without case, diacritics, spacing or underscores."""
    plain = strip_marks(text).casefold()
    return " ".join(plain.replace("_", " ").split())


def _label_index(vocab: Vocabulary) -> dict[str, str]:
    index: dict[str, str] = {}
    for code, (vi, en) in vocab.labels.items():
        for spelling in (code, vi, en):
            key = _fold_label(spelling)
            if index.setdefault(key, code) != code:  # pragma: no cover - vocabulary bug
                raise AssertionError(f"{vocab.name}: {spelling!r} names two codes")
    return index


_LABELS = {name: _label_index(vocab) for name, vocab in STATUS_FIELDS.items()}


def lookup_status(field: str, text: str) -> str | None:
    """The code of ``field`` that ``text`` names (code, Vietnamese or English label, with or
    without diacritics), or None."""
    vocab = STATUS_FIELDS[field]
    return vocab.lookup(text) or _LABELS[field].get(_fold_label(text))


def accepted_values(field: str) -> str:
    """The accepted values of ``field``, one ``code (vi / en)`` each, for messages."""
    vocab = STATUS_FIELDS[field]
    return ", ".join(f"{code} ({vi} / {en})" for code, (vi, en) in vocab.labels.items())


# --------------------------------------------------------------------------- reading


def _match_header(cells: list[str]) -> dict[str, int]:
    """role -> column index for the recognisable names in one row (best alias wins)."""
    found: dict[str, tuple[int, int]] = {}
    for col, cell in enumerate(cells):
        key = fold(cell) if cell else ""
        if not key:
            continue
        for role, aliases in HEADER_ALIASES.items():
            if key in aliases:
                rank = aliases.index(key)
                if role not in found or rank < found[role][0]:
                    found[role] = (rank, col)
                break
    return {role: col for role, (_rank, col) in found.items()}


def _complete(roles: dict[str, int]) -> bool:
    return "status" in roles and ("parcel_id" in roles or all(r in roles for r in _TRIPLE))


def _missing_roles(roles: dict[str, int]) -> list[str]:
    missing = []
    if "parcel_id" not in roles and not all(r in roles for r in _TRIPLE):
        absent = [r for r in _TRIPLE if r not in roles]
        missing.append(" + ".join(f"{_EXPECTED[r][0]} / {_EXPECTED[r][1]}" for r in absent)
                       + " (hoặc / or mã thửa / parcel id)")
    if "status" not in roles:
        missing.append("trạng thái / status")
    return missing


def _find_header(table: list[list[str]], where: str) -> tuple[int, dict[str, int]]:
    """The 0-based index of the header row and its roles, or StatusListError."""
    best: tuple[int, dict[str, int]] | None = None
    for i, cells in enumerate(table[:HEADER_SEARCH_ROWS]):
        roles = _match_header(cells)
        if _complete(roles):
            return i, roles
        if roles and (best is None or len(roles) > len(best[1])):
            best = (i, roles)
    if best is not None:
        i, roles = best
        seen = [c for c in table[i] if c]
        raise StatusListError(
            f"{where}: dòng {i + 1} có tiêu đề nhưng thiếu cột / row {i + 1} has headers but "
            f"lacks: {'; '.join(_missing_roles(roles))}. Tiêu đề đã thấy / headers found: "
            f"{', '.join(map(repr, seen))}. Cần / expected: {EXPECTED_HEADERS}")
    first = next(((i, [c for c in cells if c]) for i, cells in
                  enumerate(table[:HEADER_SEARCH_ROWS]) if any(cells)), None)
    if first is None:
        raise StatusListError(f"{where}: {HEADER_SEARCH_ROWS} dòng đầu trống / the first "
                              f"{HEADER_SEARCH_ROWS} rows are empty; cần / expected a header "
                              f"row with: {EXPECTED_HEADERS}")
    raise StatusListError(
        f"{where}: không tìm thấy dòng tiêu đề trong {HEADER_SEARCH_ROWS} dòng đầu / no header "
        f"row in the first {HEADER_SEARCH_ROWS} rows. Tiêu đề đã thấy / headers found "
        f"(dòng / row {first[0] + 1}): {', '.join(map(repr, first[1]))}. "
        f"Cần / expected: {EXPECTED_HEADERS}")


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


def _collect(rows: Iterator[Sequence], where: str, max_rows: int) -> _Read:
    """Find the header among the first rows of ``rows`` (raw cells), then keep the data rows.

    Reading stops at the first data row beyond ``max_rows`` (StatusListTooLong), and at the
    first row beyond :data:`MAX_SHEET_ROWS` whatever the rows hold: the rest is never read.
    """
    top = [[_cell_text(v) for v in cells]
           for cells in itertools.islice(rows, HEADER_SEARCH_ROWS)]
    header, roles = _find_header(top, where)
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


def _read_xlsx(path: Path, sheet: str | None, max_rows: int) -> tuple[_Read, str]:
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
                                  f"các trang / sheets: {', '.join(map(repr, names))}")
        ws.reset_dimensions()  # some writers record wrong dimensions; read every row
        # streamed: rows are parsed as they are asked for, and only the first columns
        rows = ws.iter_rows(min_row=1, max_col=MAX_COLUMNS, values_only=True)
        try:
            return _collect(rows, f"{path} [{ws.title}]", max_rows), ws.title
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


def _csv_delimiter(path: Path, encoding: str, errors: str) -> str:
    """Excel writes ";" where the decimal separator is ",": the first delimiter whose first
    rows hold a recognisable header, else ","."""
    for delimiter in (",", ";", "\t"):
        with open(path, encoding=encoding, errors=errors, newline="") as fh:
            top = [[_cell_text(c) for c in row] for row in
                   itertools.islice(_csv_rows(fh, delimiter), HEADER_SEARCH_ROWS)]
        if any(_complete(_match_header(r)) for r in top):
            return delimiter
    return ","


def _read_csv(path: Path, max_rows: int) -> tuple[_Read, str]:
    # UTF-8 (with or without a BOM) if the whole file is; else Windows-1258, which Excel's
    # "CSV" (not "CSV UTF-8") writes on a Vietnamese Windows. Rows are read as they are
    # needed: a too long list stops being read at its cap.
    for encoding, errors in (("utf-8-sig", "strict"), ("cp1258", "replace")):
        try:
            delimiter = _csv_delimiter(path, encoding, errors)
            with open(path, encoding=encoding, errors=errors, newline="") as fh:
                found = _collect(_csv_rows(fh, delimiter), str(path), max_rows)
            return found, "utf-8" if encoding == "utf-8-sig" else encoding
        except UnicodeDecodeError:
            continue
        except csv.Error as exc:  # a field larger than the csv module's limit, …
            raise StatusListError(f"{path}: không đọc được tệp CSV / not a readable CSV "
                                  f"file ({exc})") from None
    raise AssertionError("cp1258 with errors='replace' decodes any byte")  # pragma: no cover


def read_status_list(path, sheet: str | None = None, *,
                     max_rows: int = DEFAULT_MAX_ROWS) -> pd.DataFrame:
    """Read a status list (``.xlsx`` or ``.csv``) into one row per data line.

    Parameters
    ----------
    path : str or Path
    sheet : str, optional
        The sheet of an ``.xlsx`` workbook (default: the first one).
    max_rows : int
        The most data rows the list may have (the setting ``max_list_rows``). The file is
        read row by row and reading stops at the first row beyond it.

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
        message lists the headers found and those expected), or no data under the header.
    StatusListTooLong
        More than ``max_rows`` data rows (a StatusListError too); the message says the limit.
    """
    path = Path(path)
    if not path.is_file():
        raise StatusListError(f"{path}: không có tệp này / no such file")
    suffix = path.suffix.lower()
    encoding = None
    if suffix in (".xlsx", ".xlsm"):
        found, sheet_name = _read_xlsx(path, sheet, max_rows)
        where = f"{path} [{sheet_name}]"
    elif suffix == ".csv":
        if sheet is not None:
            raise StatusListError(f"{path}: tệp CSV không có trang tính / a CSV file has no "
                                  f"sheets (--sheet {sheet!r})")
        found, encoding = _read_csv(path, max_rows)
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


__all__ = [
    "EXPECTED_HEADERS", "HEADER_ALIASES", "HEADER_SEARCH_ROWS", "ROW_COLUMNS", "StatusListError",
    "StatusListTooLong",
    "accepted_values", "lookup_status", "normalise_parcel_id", "parse_date", "read_status_list",
]

"""Reading a status list: finding its header row and normalising its values.

:func:`read_status_list` reads an ``.xlsx`` or ``.csv`` file into rows (I/O only). The header row
is found among the first :data:`HEADER_SEARCH_ROWS` rows, its names recognised in Vietnamese or
English, with or without diacritics. The helpers here also read the values the rows hold: date
cells (through :mod:`landgis.dates`, day first), parcel ids (:func:`normalise_parcel_id`) and
status labels (:func:`lookup_status`). Planning the import is
:mod:`landgis.ingest.status_list`'s job.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata

import pandas as pd

from landgis.contract import STATUS_FIELDS, Vocabulary
from landgis.dates import iso_date
from landgis.ingest.fields import fold, strip_marks

#: How many rows from the top of a sheet are searched for the header row.
HEADER_SEARCH_ROWS = 10

#: Row columns after reading, whatever the file called them.
ROW_COLUMNS = ("row", "parcel_id", "commune_code", "sheet_no", "parcel_no", "status", "note",
               "document_no", "document_date")

#: The roles a field map (``{header: role}``) may name: every column but the row number.
MAP_ROLES = ROW_COLUMNS[1:]

#: role -> header spellings (compared after :func:`fold`), in order of preference
HEADER_ALIASES: dict[str, tuple[str, ...]] = {
    "commune_code": ("maxa", "communecode", "maxaphuong", "maphuongxa", "madvhc", "xa",
                     "commune", "phuongxa", "xaphuong", "tenxa"),
    "sheet_no": ("to", "tobando", "soto", "sotobando", "toso", "tobd", "sotobd", "sheetno",
                 "sheet", "mapsheet"),
    "parcel_no": ("thua", "sothua", "thuaso", "thuadat", "sothuadat", "parcelno", "parcel"),
    "parcel_id": ("parcelid", "mathua", "mathuadat"),
    "status": ("trangthai", "tinhtrang", "status", "value", "giatri", "tinhtranggpmb",
               "tinhtrangdat", "tinhtrangthuadat", "trangthaithuadat", "trangthaigpmb",
               "ketqua"),
    "note": ("ghichu", "note", "notes"),
    # a council's list often carries each row's own decision
    "document_no": ("soquyetdinh", "soqd", "sovanban", "quyetdinhso", "documentno",
                    "decisionno"),
    "document_date": ("ngayquyetdinh", "ngayqd", "ngayvanban", "ngaybanhanh", "documentdate",
                      "decisiondate"),
}
#: Roles one column at most may hold: two candidates are refused, asking which.
UNIQUE_ROLES = ("status", "document_no", "document_date")
#: Aliases at least this long also match a header that goes on with more words
#: ("Tình trạng GPMB (đến 30/6)"); shorter ones ("to", "xa") only match the whole header.
PREFIX_MIN = 6

#: What the header must hold, for messages: role -> (Vietnamese, English, examples)
_EXPECTED = {
    "commune_code": ("mã xã", "commune code", "Mã xã, ma_xa, commune_code, Xã"),
    "sheet_no": ("tờ bản đồ", "map sheet", "Tờ, Tờ bản đồ, So_to, SoTo, sheet_no"),
    "parcel_no": ("số thửa", "parcel number", "Thửa, Số thửa, So_thua, SoThua, parcel_no"),
    "parcel_id": ("mã thửa", "parcel id", "parcel_id, Mã thửa"),
    "status": ("trạng thái", "status", "Trạng thái, Tình trạng, status, value"),
    "note": ("ghi chú", "note", "Ghi chú, note"),
    "document_no": ("số quyết định", "decision number", "Số quyết định, Số QĐ"),
    "document_date": ("ngày quyết định", "decision date", "Ngày quyết định, Ngày QĐ"),
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
    """A status list that cannot be read; the message names the file and what is wrong.

    ``option`` names what the caller could give to put it right, for the script to name its
    flag and the web page its field: ``"field_map"`` (which column holds what), ``"sheet"``
    (another sheet of the workbook), ``"document"`` (a decision number and date for the rows
    without their own), or None.
    """

    OPTIONS = ("field_map", "sheet", "document")

    def __init__(self, message: str, option: str | None = None):
        super().__init__(message)
        assert option is None or option in self.OPTIONS, option
        self.option = option


class StatusListTooLong(StatusListError):
    """A status list with more rows than allowed; the message says the limit."""


# --------------------------------------------------------------------------- values


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
    if isinstance(value, (dt.datetime, dt.date)):  # a date cell: the day, as every date is read
        return iso_date(value)
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


def _header_match(cell: str) -> tuple[str, int] | None:
    """(role, rank) of one header cell: the whole header or, for the longer aliases, its
    first words ("Tình trạng GPMB (đến 30/6)"); rank orders whole headers before first words,
    then the aliases in their order of preference."""
    words = cell.replace("(", " (").split()
    for k in range(len(words), 0, -1):
        key = fold(" ".join(words[:k]))
        if not key:
            continue
        for role, aliases in HEADER_ALIASES.items():
            if key in aliases and (k == len(words) or len(key) >= PREFIX_MIN):
                return role, aliases.index(key) + (0 if k == len(words) else 1000)
    return None


def _fold_map(field_map) -> dict[str, str]:
    """``{header: role}`` with its headers folded."""
    return {fold(src): role for src, role in (field_map or {}).items()}


def _header_candidates(cells: list[str], field_map=None) -> dict[str, list[tuple[int, int]]]:
    """role -> [(rank, column)] of every cell that could hold it, best first; a mapped header
    takes its role (rank -1) and the role is no one else's."""
    explicit = _fold_map(field_map)
    found: dict[str, list[tuple[int, int]]] = {}
    for col, cell in enumerate(cells):
        key = fold(cell) if cell else ""
        if not key:
            continue
        if key in explicit:
            found[explicit[key]] = [(-1, col)]
            continue
        match = _header_match(cell)
        if match:
            found.setdefault(match[0], []).append((match[1], col))
    for role in set(explicit.values()):
        if role in found and found[role][0][0] == -1:
            found[role] = found[role][:1]
    return {role: sorted(c) for role, c in found.items()}


def _match_header(cells: list[str], field_map=None) -> dict[str, int]:
    """role -> column index for the recognisable names in one row (best alias wins)."""
    return {role: c[0][1] for role, c in _header_candidates(cells, field_map).items()}


def _clash(cells: list[str], field_map, where: str, row: int) -> StatusListError | None:
    """The error for a role of :data:`UNIQUE_ROLES` that two columns of the header could
    hold ("Tình trạng" and "Tình trạng GPMB"), or None."""
    for role, cands in _header_candidates(cells, field_map).items():
        if role in UNIQUE_ROLES and len(cands) > 1:
            vi, en, _ = _EXPECTED[role]
            names = ", ".join(f"{cells[col]!r} (cột / column {_column_letter(col)})"
                              for _rank, col in cands)
            return StatusListError(
                f"{where}: dòng {row} có {len(cands)} cột có thể là {vi}: {names}; cho biết "
                f"cột nào là {vi} (ánh xạ TIÊU_ĐỀ={role}) / row {row} has {len(cands)} columns "
                f"that could be the {en}: {names}; say which one holds it (map "
                f"HEADER={role})", "field_map")
    return None


def _column_letter(col: int) -> str:
    """0 -> "A", 26 -> "AA": the column as a spreadsheet names it."""
    letters = ""
    col += 1
    while col:
        col, rest = divmod(col - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def check_field_map(field_map) -> dict[str, str]:
    """A field map ``{header: role}`` whose roles are known; StatusListError otherwise."""
    out = {}
    for src, role in (field_map or {}).items():
        if role not in MAP_ROLES:
            raise StatusListError(
                f"ánh xạ trường / field map {src}={role}: không có cột {role!r} / no such "
                f"column; chọn / choose: {', '.join(MAP_ROLES)}", "field_map")
        out[str(src)] = role
    return out


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


def _find_header(table: list[list[str]], where: str,
                 field_map=None) -> tuple[int, dict[str, int]]:
    """The 0-based index of the header row and its roles, or StatusListError."""
    best: tuple[int, dict[str, int]] | None = None
    for i, cells in enumerate(table[:HEADER_SEARCH_ROWS]):
        roles = _match_header(cells, field_map)
        if _complete(roles):
            clash = _clash(cells, field_map, where, i + 1)
            if clash is not None:
                raise clash
            missing = [src for src in (field_map or {}) if fold(src) not in
                       {fold(c) for c in cells if c}]
            if missing:
                raise StatusListError(
                    f"{where}: ánh xạ trường / field map: dòng tiêu đề {i + 1} không có cột / "
                    f"header row {i + 1} has no column {', '.join(map(repr, missing))}; "
                    f"tiêu đề / headers: {', '.join(repr(c) for c in cells if c)}",
                    "field_map")
            return i, roles
        if roles and (best is None or len(roles) > len(best[1])):
            best = (i, roles)
    if best is not None:
        i, roles = best
        seen = [c for c in table[i] if c]
        raise StatusListError(
            f"{where}: dòng {i + 1} có tiêu đề nhưng thiếu cột / row {i + 1} has headers but "
            f"lacks: {'; '.join(_missing_roles(roles))}. Tiêu đề đã thấy / headers found: "
            f"{', '.join(map(repr, seen))}. Cần / expected: {EXPECTED_HEADERS}", "field_map")
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
        f"Cần / expected: {EXPECTED_HEADERS}", "field_map")


__all__ = [
    "EXPECTED_HEADERS", "HEADER_ALIASES", "HEADER_SEARCH_ROWS", "MAP_ROLES", "ROW_COLUMNS",
    "StatusListError", "StatusListTooLong", "check_field_map", "accepted_values", "lookup_status", "normalise_parcel_id",
]

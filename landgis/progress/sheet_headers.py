"""The headers of the Board's progress sheets: which column holds what, in Vietnamese or English.

Three kinds of sheet are recognised by their header row (compared without case, diacritics,
spaces or punctuation, a trailing ``(…)`` such as ``(đồng)`` or ``(dd/mm/yyyy)`` optional):

``events``
    one row one event of the progress ledger: a subject column (:data:`SUBJECT_ROLES`), the
    event kind and its date, then whatever the kind needs (:data:`EVENT_HEADERS`);
``investments`` and ``auction_lots``
    the registers, one row per investment or lot, the contract's columns under their names or
    their Vietnamese / English labels (``Column.label_vi`` / ``label_en``), plus the few
    other spellings of :data:`REGISTER_EXTRA`.

The first alias of each role is the header the README documents.
"""

from __future__ import annotations

import re

from landgis import contract
from landgis.text import fold

#: role -> header spellings of an events sheet; the first is the documented header.
EVENT_HEADERS: dict[str, tuple[str, ...]] = {
    "project": ("Mã dự án", "project code", "project", "project_code"),
    "investment": ("Mã dự án đầu tư", "Mã nhà đầu tư", "investment id", "investment",
                   "investment_id"),
    "lot": ("Mã lô", "Mã lô đấu giá", "lot code", "lot", "lot_code"),
    "subject_kind": ("Đối tượng", "subject", "subject_kind"),
    "subject_id": ("Mã đối tượng", "subject id", "subject_id"),
    "kind": ("Loại sự kiện", "event kind", "kind", "event"),
    "effective_date": ("Ngày", "date", "Ngày hiệu lực", "effective date", "effective_date"),
    "year": ("Năm kế hoạch", "plan year", "year"),
    "source": ("Nguồn vốn", "capital source", "source"),
    "milestone": ("Mốc", "Mốc tiến độ", "milestone"),
    "planned_date": ("Ngày kế hoạch", "planned date", "planned_date", "Hạn", "due date"),
    "amount_vnd": ("Số tiền", "amount", "amount_vnd"),
    "base_vnd": ("Giá khởi điểm", "starting price", "base_vnd"),
    "winning_vnd": ("Giá trúng", "Giá trúng đấu giá", "winning price"),
    "party": ("Người trúng", "Người trúng đấu giá", "winner", "party"),
    "result": ("Kết quả", "Kết quả đấu giá", "result"),
    "over_plan": ("Vượt kế hoạch", "over plan", "over_plan"),
    "document_no": ("Số văn bản", "document no", "document number", "document_no",
                    "Số quyết định", "Số QĐ"),
    "document_date": ("Ngày văn bản", "document date", "document_date", "Ngày quyết định",
                      "Ngày QĐ"),
    "note": ("Ghi chú", "note", "notes"),
    "corrects_event_id": ("Đính chính sự kiện", "corrects event", "corrects_event_id"),
    "event_id": ("Mã sự kiện", "event id", "event_id"),
}

#: The columns naming an event's subject: a row fills exactly one (or subject + its id).
SUBJECT_ROLES = {"project": "project", "investment": "investment", "lot": "lot"}

#: Register headers beyond the contract's names and labels.
REGISTER_EXTRA: dict[str, dict[str, tuple[str, ...]]] = {
    contract.INVESTMENTS.name: {
        "investment_id": ("Mã nhà đầu tư",),
        "certificate_no": ("Số quyết định", "Số GCN", "Số GCNĐKĐT", "Số văn bản"),
        "certificate_date": ("Ngày quyết định", "Ngày GCN", "Ngày văn bản"),
        "plot_codes": ("Mã lô quy hoạch", "Lô"),
        "parcel_ids": ("Mã thửa",),
        "committed_capital_vnd": ("Vốn đăng ký", "Vốn đầu tư đăng ký"),
        "leased_area_m2": ("Diện tích thuê",),
    },
    contract.AUCTION_LOTS.name: {
        "lot_code": ("Mã lô",),
        "parcel_ids": ("Mã thửa", "Các thửa"),
        "area_m2": ("Diện tích",),
        "funds_project_code": ("Dự án được đầu tư", "Mã dự án"),
    },
}

#: What makes a header row one of each kind (roles that must all be there).
RECOGNISED_BY = {
    "events": ("kind", "effective_date"),
    contract.INVESTMENTS.name: ("investment_id", "investor"),
    contract.AUCTION_LOTS.name: ("lot_code", "parcel_ids"),
}
KINDS = tuple(RECOGNISED_BY)
KIND_LABELS = {"events": ("sự kiện tiến độ", "progress events"),
               contract.INVESTMENTS.name: ("danh mục dự án đầu tư", "investments register"),
               contract.AUCTION_LOTS.name: ("danh mục lô đấu giá", "auction lots register")}

_PAREN = re.compile(r"\s*\([^)]*\)\s*$")


def _register_headers(layer: contract.Layer) -> dict[str, tuple[str, ...]]:
    extra = REGISTER_EXTRA.get(layer.name, {})
    out = {}
    for c in layer.columns:
        names = [c.label_vi[:1].upper() + c.label_vi[1:], c.label_en, c.name,
                 *extra.get(c.name, ())]
        out[c.name] = tuple(n for n in names if n)
    return out


HEADERS: dict[str, dict[str, tuple[str, ...]]] = {
    "events": EVENT_HEADERS,
    contract.INVESTMENTS.name: _register_headers(contract.INVESTMENTS),
    contract.AUCTION_LOTS.name: _register_headers(contract.AUCTION_LOTS),
}


def _keys(text: str) -> set[str]:
    """A header folded whole and without a trailing ``(…)``."""
    text = str(text or "")
    return {k for k in (fold(text), fold(_PAREN.sub("", text))) if k}


_INDEX: dict[str, dict[str, str]] = {}
for _kind, _roles in HEADERS.items():
    index: dict[str, str] = {}
    for _role, _aliases in _roles.items():
        for _alias in _aliases:
            for _key in _keys(_alias):
                index.setdefault(_key, _role)
    _INDEX[_kind] = index


def match_headers(kind: str, cells: list[str]) -> tuple[dict[str, list[int]], list[int]]:
    """role -> the columns (0-based) whose header names it, and the columns named but not
    recognised, in one header row read as ``kind``."""
    index = _INDEX[kind]
    found: dict[str, list[int]] = {}
    unknown = []
    for col, cell in enumerate(cells):
        if not cell:
            continue
        keys = _keys(cell)
        role = next((index[k] for k in sorted(keys, key=len, reverse=True) if k in index), None)
        if role is None:
            unknown.append(col)
        else:
            found.setdefault(role, []).append(col)
    return found, unknown


def recognise(cells: list[str]) -> str | None:
    """The kind of sheet a header row is (``events`` first), or None."""
    for kind in KINDS:
        roles, _ = match_headers(kind, cells)
        if all(r in roles for r in RECOGNISED_BY[kind]):
            if kind == "events" and not (set(roles) & {*SUBJECT_ROLES, "subject_id"}):
                continue
            return kind
    return None


def expected_text() -> str:
    """What a header row must hold, for messages."""
    ev = HEADERS["events"]
    inv, lots = HEADERS[contract.INVESTMENTS.name], HEADERS[contract.AUCTION_LOTS.name]
    return (f"sự kiện / events: '{ev['kind'][0]}', '{ev['effective_date'][0]}' và / and "
            f"'{ev['project'][0]}', '{ev['investment'][0]}' hoặc / or '{ev['lot'][0]}'; "
            f"dự án đầu tư / investments: '{inv['investment_id'][0]}', "
            f"'{inv['investor'][0]}'; lô đấu giá / auction lots: '{lots['lot_code'][0]}', "
            f"'{lots['parcel_ids'][0]}'")


__all__ = ["EVENT_HEADERS", "HEADERS", "KINDS", "KIND_LABELS", "RECOGNISED_BY",
           "REGISTER_EXTRA", "SUBJECT_ROLES", "expected_text", "match_headers", "recognise"]

"""Amounts of money as the Board's sheets write them, read into whole đồng (VND).

Every amount is whole đồng (there is no smaller coin): :func:`parse_vnd` reads

- numbers from a spreadsheet cell (``1234567890``, ``1234567890.0``); an empty cell (None,
  NaN, blank text) is None;
- whole đồng written out, digits grouped in threes by dots, commas or spaces, one kind
  throughout (``1.234.567.890``, ``1,234,567,890``, ``1 234 567 890``), with or without
  ``đồng``, ``đ``, ``VND`` or ``VNĐ`` after it (``1.234.567.890 đ``). A single group is a
  thousands group too: ``1.234`` and ``1,234`` are 1 234 đồng, never one point two, as a
  fraction of a đồng means nothing. A zero fraction from a spreadsheet is dropped
  (``1.234.567.890,00``); any other (``1,5``, ``1234,5``) is refused: not whole đồng;
- a number with a unit, ``tỷ`` (tỉ, ty: 10⁹), ``triệu`` (tr: 10⁶) or ``nghìn`` (ngàn: 10³),
  written the Vietnamese way: the comma is the decimal mark and the dot groups thousands
  (``1,2 tỷ`` = 1 200 000 000; ``1.500 tỷ`` = 1 500 000 000 000; ``1.234,5 triệu``), and a dot
  followed by other than three digits is a decimal point (``1.2 tỷ``, ``12.5 nghìn``). So with
  a unit ``1,500 tỷ`` is one and a half tỷ, as a Vietnamese reader reads it;
- several units in decreasing order, as people say amounts (``2 tỷ 500 triệu`` =
  2 500 000 000; ``1 tỷ 250 triệu 500 nghìn``). A bare number after the last unit
  (``1 triệu 500``: 1 500 000 or 1 000 500?) is refused.

``0`` is read as 0 (a zero plan is a plan); whether an amount may be zero is for the caller.
Refused with :class:`AmountError`, the message saying what was read (Vietnamese first): text
that is not an amount (``abc``), negative amounts (``-5``, ``(5)``), fractions of a đồng.

Examples
--------
>>> parse_vnd("1.234.567.890")
1234567890
>>> parse_vnd("1,2 tỷ")
1200000000
>>> parse_vnd("2 tỷ 500 triệu")
2500000000
>>> format_vnd(1200000000)
'1.200.000.000'
"""

from __future__ import annotations

import math
import re
import unicodedata
from decimal import Decimal

import numpy as np

__all__ = ["AmountError", "parse_vnd", "format_vnd", "format_billion"]

_UNITS = {
    "tỷ": 10**9, "tỉ": 10**9, "ty": 10**9, "ti": 10**9,
    "triệu": 10**6, "trieu": 10**6, "tr": 10**6,
    "nghìn": 10**3, "ngàn": 10**3, "nghin": 10**3, "ngan": 10**3,
}
_UNIT_RE = "|".join(sorted(map(re.escape, _UNITS), key=len, reverse=True))
#: one "number unit" part of an amount: digits with separators, then a unit word
_PART = re.compile(rf"\s*(\d[\d.,\s]*?)\s*({_UNIT_RE})(?![^\W\d_])", re.IGNORECASE)
_CURRENCY = re.compile(r"\s*(đồng|dong|vnđ|vnd|đ)\s*$", re.IGNORECASE)
_GROUPED = re.compile(r"\d{1,3}([., ])\d{3}(?:\1\d{3})*")
_PLAIN = re.compile(r"\d+")
_FRACTION = re.compile(r"(\d+|\d{1,3}(?:([., ])\d{3})+)([.,])(\d+)")


class AmountError(ValueError):
    """An amount that cannot be read as whole đồng; the message says what was read and why."""


def _missing(value) -> bool:
    if value is None:
        return True
    try:
        return bool(value != value)  # NaN, NaT
    except TypeError:  # pandas.NA refuses to be a bool
        return True


def parse_vnd(value, what: str = "số tiền / amount") -> int | None:
    """``value`` as whole đồng; None for an empty cell. :class:`AmountError` otherwise.

    ``what`` names the value in the message (a column, a sheet cell)."""
    if isinstance(value, bool):
        raise AmountError(f"{what}: {value!r} không phải số tiền / {value!r} is not an amount of "
                          "money")
    if not isinstance(value, (str, int, float, np.integer, np.floating)) and _missing(value):
        return None
    if isinstance(value, (int, np.integer)):
        amount = Decimal(int(value))
    elif isinstance(value, (float, np.floating)):
        if math.isnan(value):
            return None
        if math.isinf(value):
            raise AmountError(f"{what}: {value!r} không phải số tiền / {value!r} is not an amount "
                              "of money")
        amount = Decimal(repr(float(value)))
    else:
        amount = _parse_text(str(value), what)
        if amount is None:
            return None
    if amount < 0:
        raise AmountError(f"{what}: {value!r} là số âm / {value!r} is negative")
    if amount != amount.to_integral_value():
        raise AmountError(f"{what}: {value!r} có phần lẻ dưới một đồng / {value!r} is not a "
                          "whole number of đồng")
    return int(amount)


def _number(text: str, with_unit: bool) -> Decimal | None:
    """Digits with separators as a number, the module's way; None when it is not one."""
    text = text.strip()
    if _PLAIN.fullmatch(text):
        return Decimal(text)
    grouped = _GROUPED.fullmatch(text)
    # with a unit a single comma is the decimal comma ("1,500 tỷ"); otherwise groups of three
    if grouped and not (with_unit and grouped.group(1) == "," and text.count(",") == 1):
        return Decimal(re.sub(r"[., ]", "", text))
    fraction = _FRACTION.fullmatch(text)
    if fraction and fraction.group(2) != fraction.group(3):
        whole = re.sub(r"[., ]", "", fraction.group(1))
        return Decimal(f"{whole}.{fraction.group(4)}")
    return None


def _parse_text(raw: str, what: str) -> Decimal | None:
    text = unicodedata.normalize("NFC", raw)
    text = re.sub(r"[\s\u00a0\u202f\u2009]+", " ", text).strip()
    if not text:
        return None
    text = _CURRENCY.sub("", text).strip()
    negative = text.startswith(("-", "−")) or (text.startswith("(") and text.endswith(")"))
    if negative:
        raise AmountError(f"{what}: {raw!r} là số âm / {raw!r} is negative")
    bad = AmountError(
        f"{what}: {raw!r} không phải số tiền / {raw!r} is not an amount of money; viết / write "
        "whole đồng (1.234.567.890) or a number with a unit (1,2 tỷ; 850 triệu; 2 tỷ 500 triệu)")
    number = _number(text, with_unit=False)
    if number is not None:
        return number
    total, pos, last = Decimal(0), 0, None
    for m in _PART.finditer(text):
        if m.start() != pos:
            break
        factor = _UNITS[m.group(2).casefold()]
        part = _number(m.group(1), with_unit=True)
        if part is None or (last is not None and factor >= last):
            raise bad
        total += part * factor
        pos, last = m.end(), factor
    if last is None or text[pos:].strip():
        raise bad
    return total


def format_vnd(value) -> str:
    """Whole đồng for people: ``1.234.567.890``; empty text for a missing value."""
    if _missing(value):
        return ""
    return f"{int(value):,}".replace(",", ".")


def format_billion(value, decimals: int = 2) -> str:
    """Đồng as billions for people: ``1,23 tỷ``."""
    if _missing(value):
        return ""
    text = f"{value / 1e9:,.{decimals}f}"
    return text.replace(",", "\u2009").replace(".", ",").replace("\u2009", ".") + " tỷ"

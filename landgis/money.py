"""Amounts of money as the Board's sheets write them, read into whole đồng (VND).

Accepted: numbers (``1234567890``, ``1234567890.0``), digits grouped by dots, spaces or commas
in threes (``1.234.567.890``, ``1 234 567 890``, ``1,234,567,890``), and a number with a unit
(``1,2 tỷ``, ``850 triệu``, ``12.5 nghìn``; comma or dot decimal) with or without ``đồng``,
``đ`` or ``VND``. Refused, with a message saying what was read: text that is not an amount
(``abc``), negative amounts, and fractions of a đồng (``1.234,5`` without a unit).

Examples
--------
>>> parse_vnd("1.234.567.890")
1234567890
>>> parse_vnd("1,2 tỷ")
1200000000
>>> format_vnd(1200000000)
'1.200.000.000'
"""

from __future__ import annotations

import math
import re
import unicodedata
from decimal import Decimal, InvalidOperation

__all__ = ["AmountError", "parse_vnd", "format_vnd", "format_billion"]

_UNITS = {
    "tỷ": 10**9, "tỉ": 10**9, "ty": 10**9, "ti": 10**9, "tỷ đồng": 10**9,
    "triệu": 10**6, "trieu": 10**6, "tr": 10**6,
    "nghìn": 10**3, "ngàn": 10**3, "nghin": 10**3, "ngan": 10**3,
}
_CURRENCY = re.compile(r"\s*(đồng|dong|vnđ|vnd|đ)\s*$", re.IGNORECASE)
_GROUPED = re.compile(r"^\d{1,3}(?:([.,\s])\d{3})(?:\1\d{3})*$")
_DECIMAL = re.compile(r"^\d+(?:[.,]\d+)?$")


class AmountError(ValueError):
    """An amount that cannot be read as whole đồng; the message says what was read and why."""


def parse_vnd(value, what: str = "amount") -> int | None:
    """``value`` as whole đồng; None for an empty cell. :class:`AmountError` otherwise."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    if isinstance(value, bool):
        raise AmountError(f"{what}: {value!r} is not an amount of money")
    if isinstance(value, int):
        amount = Decimal(value)
    elif isinstance(value, float):
        amount = Decimal(repr(value))
    else:
        amount = _parse_text(str(value), what)
        if amount is None:
            return None
    if amount < 0:
        raise AmountError(f"{what}: {value!r} is negative")
    if amount != amount.to_integral_value():
        raise AmountError(f"{what}: {value!r} is not a whole number of đồng")
    return int(amount)


def _parse_text(raw: str, what: str) -> Decimal | None:
    text = unicodedata.normalize("NFC", raw).strip().replace("\u00a0", " ")
    if not text:
        return None
    text = _CURRENCY.sub("", text).strip()
    negative = text.startswith("-")
    text = text.lstrip("-").strip()
    factor = 1
    low = text.casefold()
    for unit in sorted(_UNITS, key=len, reverse=True):
        if low.endswith(unit) and (len(low) == len(unit) or not low[-len(unit) - 1].isalpha()):
            factor = _UNITS[unit]
            text = text[: len(text) - len(unit)].strip()
            break
    bad = AmountError(
        f"{what}: {raw!r} is not an amount of money; write whole đồng (1.234.567.890) or a "
        "number with a unit (1,2 tỷ; 850 triệu)")
    if not text:
        raise bad
    zero_cents = re.match(r"^(.*\d{3})[.,]0{1,2}$", text)  # "1.234.567.890,00"
    if factor == 1 and zero_cents and _GROUPED.match(zero_cents.group(1)):
        text = zero_cents.group(1)
    if factor == 1 and _GROUPED.match(text):
        number = Decimal(re.sub(r"[.,\s]", "", text))
    elif factor == 1 and re.fullmatch(r"\d+", text):
        number = Decimal(text)
    elif factor == 1 and re.fullmatch(r"\d+[.,]\d+", text):
        # "1234,5": a fraction of a đồng unless it is ".0" from a spreadsheet
        number = Decimal(text.replace(",", "."))
    elif factor > 1 and _DECIMAL.match(text):
        number = Decimal(text.replace(",", "."))
    elif factor > 1 and _GROUPED.match(text):
        number = Decimal(re.sub(r"[.,\s]", "", text))
    else:
        raise bad
    try:
        value = number * factor
    except InvalidOperation:  # pragma: no cover - Decimal of digits always multiplies
        raise bad from None
    return -value if negative else value


def format_vnd(value) -> str:
    """Whole đồng for people: ``1.234.567.890``; empty text for a missing value."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    return f"{int(value):,}".replace(",", ".")


def format_billion(value, decimals: int = 2) -> str:
    """Đồng as billions for people: ``1,23 tỷ``."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    text = f"{value / 1e9:,.{decimals}f}"
    return text.replace(",", "\u2009").replace(".", ",").replace("\u2009", ".") + " tỷ"

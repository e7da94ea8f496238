"""Parcel labels of CAD drawings: parcel number, land-use code, legal area, and the sheet.

:func:`parse_label` reads one label; ``_label_reading`` reads the texts found inside one parcel
polygon (one label, a label drawn twice, a label split into lines, or several labels) for
:func:`landgis.ingest.cad.polygonize_drawing`.

Examples
--------
>>> parse_label("T12-345 CLN 1.234,5")
{'sheet_no': 12, 'parcel_no': 345, 'land_use_code': 'CLN', 'legal_area_m2': 1234.5}
"""

from __future__ import annotations

import re
import unicodedata

from landgis.contract import LAND_USE
from landgis.ingest.cad_report import BAD_LABEL, SEVERAL_LABELS

__all__ = ["parse_label"]

_MTEXT_CODES = re.compile(r"\\[ACcFfHQTWp][^;\\]*;|\\[LlOoKk]|[{}]")
_SHEET_PARCEL = re.compile(
    r"(?<![\w.,])(?:t(?:ờ|o)?\s*\.?\s*)?(\d+)\s*[-–]\s*(\d+)(?![\w.,])", re.IGNORECASE)
_CODE = re.compile(r"^[A-Za-z]{2,4}(?:\+[A-Za-z]{2,4})*$")
_NUMBER = re.compile(r"^\d[\d.,]*$")
_UNIT = re.compile(r"(?i)(m2|m²)$")
_EXAMPLE = "e.g. '345 CLN 1234.5', '345/CLN/1.234,5' or 'T12-345 CLN 1234.5'"


def _area(token: str, text: str) -> float:
    """Read an area written ``1234.5``, ``1234,5``, ``1.234,5`` or ``1,234.5``."""
    dots, commas = token.count("."), token.count(",")
    if dots and commas:
        dec, thousands = ("," , ".") if token.rfind(",") > token.rfind(".") else (".", ",")
        if token.count(dec) > 1:
            raise ValueError(f"cannot read the area {token!r} in label {text!r}")
        whole, frac = token.split(dec)
        groups = whole.split(thousands)
    elif dots + commas == 0:
        whole, frac, groups = token, "", [token]
    elif dots + commas == 1:
        sep = "." if dots else ","
        whole, frac = token.split(sep)
        if len(frac) == 3 and 1 <= len(whole) <= 3:
            raise ValueError(
                f"the area {token!r} in label {text!r} is ambiguous (thousands or decimals?); "
                f"write it as {whole}{frac} or {whole}{frac},0"
            )
        groups = [whole]
    else:  # several of one separator: thousands grouping only
        sep = "." if dots else ","
        whole, frac, groups = token.replace(sep, ""), "", token.split(sep)
    if (not groups[0] or len(groups[0]) > 3 and len(groups) > 1
            or any(len(g) != 3 for g in groups[1:]) or (frac == "" and token[-1] in ".,")):
        raise ValueError(f"cannot read the area {token!r} in label {text!r}")
    value = float("".join(groups) + ("." + frac if frac else ""))
    if value <= 0:
        raise ValueError(f"the area in label {text!r} is zero")
    return value


#: Lines a label may be split into (a polygon holding more texts has no label).
MAX_LABEL_LINES = 8
#: Texts quoted in one message, and characters of each.
TEXTS_SHOWN, TEXT_SHOWN = 5, 80


def _quoted(text: str) -> str:
    """``repr(text)``, cut to :data:`TEXT_SHOWN` characters."""
    return repr(text if len(text) <= TEXT_SHOWN else text[:TEXT_SHOWN - 1] + "…")


def _some(texts: list[str]) -> str:
    """The first :data:`TEXTS_SHOWN` texts quoted, and how many more."""
    out = ", ".join(_quoted(t) for t in texts[:TEXTS_SHOWN])
    return out + (f" and {len(texts) - TEXTS_SHOWN} more" if len(texts) > TEXTS_SHOWN else "")


def parse_label(text: str) -> dict:
    """Read a parcel label: parcel number, land-use code, legal area, and the sheet if given.

    Accepted: the three parts separated by spaces, new lines, ``/``, ``;`` or ``|`` (``"345 CLN
    1234,5"``, ``"345\\nCLN\\n1234.5"``, ``"345/CLN/1234.5"``), the parcel number first and the
    code and area in either order; the area with a decimal point or a Vietnamese decimal comma and
    optional thousands separators (``"1.234,5"``), optionally followed by ``m2``; the sheet in
    front of the parcel number as ``"T12-345"``, ``"Tờ 12-345"`` or ``"12-345"``. MTEXT
    formatting codes are ignored.

    Parameters
    ----------
    text : str
        The label as the drawing holds it.

    Returns
    -------
    dict
        ``sheet_no`` (int, or None when the label does not give it), ``parcel_no`` (int),
        ``land_use_code`` (str, upper case, a code of :data:`landgis.contract.LAND_USE`) and
        ``legal_area_m2`` (float).

    Raises
    ------
    ValueError
        When the label cannot be read or its land-use code is unknown; the message quotes it.
    """
    raw = str(text)
    shown = _quoted(raw)
    s = unicodedata.normalize("NFC", raw).replace("\\P", "\n")
    s = _MTEXT_CODES.sub("", s)
    s = re.sub(r"(?i)\bS\s*=\s*", " ", s)  # "S=1234.5"
    sheet = parcel = None
    match = _SHEET_PARCEL.search(s)
    if match:
        sheet, parcel = int(match.group(1)), int(match.group(2))
        s = s[:match.start()] + " " + s[match.end():]
    # separators: white space, / ; | and commas that are not decimal commas
    s = re.sub(r"[/;|]", " ", s)
    s = re.sub(r",(?=\s|$|[^\W\d_])|(?<=[^\W\d_]),", " ", s)
    tokens = [_UNIT.sub("", t) for t in s.split()]
    tokens = [t for t in tokens if t]
    codes = [t for t in tokens if _CODE.match(t)]
    numbers = [t for t in tokens if _NUMBER.match(t)]
    other = [t for t in tokens if t not in codes and t not in numbers]
    if other:
        raise ValueError(f"cannot read label {shown}: unexpected {' '.join(other)!r}; {_EXAMPLE}")
    if len(codes) != 1:
        what = "no land-use code" if not codes else f"several codes ({', '.join(codes)})"
        raise ValueError(f"cannot read label {shown}: {what}; {_EXAMPLE}")
    if parcel is None:
        plain = [t for t in numbers if t.isdigit()]
        if len(numbers) != 2 or not plain:
            raise ValueError(
                f"cannot read label {shown}: expected a parcel number and an area; {_EXAMPLE}")
        parcel_token = plain[0]
        numbers.remove(parcel_token)
        parcel = int(parcel_token)
    elif len(numbers) != 1:
        raise ValueError(f"cannot read label {shown}: expected one area; {_EXAMPLE}")
    if parcel <= 0:
        raise ValueError(f"cannot read label {shown}: parcel number 0")
    code = codes[0].upper()
    if "+" in code:
        raise ValueError(f"label {shown} has several land-use codes ({code}); "
                         f"a parcel takes one: split it or keep the main use")
    if code not in LAND_USE:
        raise ValueError(f"label {shown}: unknown land-use code {code!r}")
    return {"sheet_no": sheet, "parcel_no": parcel, "land_use_code": code,
            "legal_area_m2": _area(numbers[0], raw)}


def _label_reading(texts: list[str]):
    """Attributes for a polygon holding ``texts`` (top line first): (attrs, used, problems).

    ``problems`` is a list of (kind, message, i) where ``i`` is the index of the text the problem
    is about, or None when it is about the polygon. ``attrs`` is None when the polygon cannot
    become a parcel.
    """
    parsed, errors = [], []
    for i, t in enumerate(texts):
        try:
            parsed.append((t, parse_label(t)))
        except ValueError as exc:
            errors.append((i, str(exc)))
    distinct = {tuple(sorted(p.items())): (t, p) for t, p in parsed}
    if len(distinct) == 1:
        t, attrs = next(iter(distinct.values()))
        return attrs, t, [(BAD_LABEL, f"{msg}; the parcel takes its attributes from {t!r}", i)
                          for i, msg in errors]
    if len(distinct) > 1:
        labels = _some([t for t, _ in distinct.values()])
        extra = (f" and unreadable text {_some([texts[i] for i, _ in errors])}"
                 if errors else "")
        return None, None, [(SEVERAL_LABELS, f"{len(distinct)} labels: {labels}{extra}", None)]
    if len(texts) > MAX_LABEL_LINES:
        return None, None, [(BAD_LABEL, f"{len(texts)} texts in one parcel, none a label "
                                        f"({_some(texts)}); a label has at most "
                                        f"{MAX_LABEL_LINES} lines", None)]
    if len(texts) > 1:  # a label split into one text per line: read them together
        joined = "\n".join(texts)
        try:
            return parse_label(joined), joined, []
        except ValueError as exc:
            return None, None, [(BAD_LABEL, f"the texts {_some(texts)} in one parcel do not "
                                            f"read as a label, alone or together: {exc}", None)]
    return None, None, [(BAD_LABEL, msg, i) for i, msg in errors]

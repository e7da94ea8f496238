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
from landgis.ingest.cad_report import BAD_LABEL, NO_NUMBER, SEVERAL_LABELS

__all__ = ["parse_label", "read_text"]

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


def _shown(text: str) -> str:
    """``repr(text)``, cut to :data:`TEXT_SHOWN` characters."""
    return repr(text if len(text) <= TEXT_SHOWN else text[:TEXT_SHOWN - 1] + "…")


def _some(texts: list[str]) -> str:
    """The first :data:`TEXTS_SHOWN` texts quoted, and how many more."""
    out = ", ".join(_shown(t) for t in texts[:TEXTS_SHOWN])
    return out + (f" and {len(texts) - TEXTS_SHOWN} more" if len(texts) > TEXTS_SHOWN else "")


def read_text(text: str) -> dict:
    """Read one text of a parcel: whatever it gives of sheet, parcel number, land use and area.

    A parcel's label may hold all of them (``"345 CLN 1234,5"``, ``"T12-345/ONT/1.200,0"``),
    the parcel number alone (``"345"``, ``"T12-345"``), the number and the land use
    (``"255/CLN"``), or only the land use and the area: a second text beside the number
    (``"CLN"``, ``"1234,5"``, ``"CLN 1234,5"``). The parts are separated by spaces, new lines,
    ``/``, ``;`` or ``|``; MTEXT formatting codes are ignored. The parcel number is the first
    whole number unless a land-use code comes before it (``"CLN 1234"`` is a code and an area);
    with two numbers it is the whole one, the other is the area. An area is written with a
    decimal point or a Vietnamese decimal comma and optional thousands separators
    (``"1.234,5"``), optionally followed by ``m2``.

    Parameters
    ----------
    text : str
        The text as the drawing holds it.

    Returns
    -------
    dict
        ``sheet_no`` (int), ``parcel_no`` (int), ``land_use_code`` (str, a code of
        :data:`landgis.contract.LAND_USE`) and ``legal_area_m2`` (float), each None when the
        text does not give it.

    Raises
    ------
    ValueError
        When the text cannot be read, holds an unknown land-use code or several, or too many
        numbers; the message quotes it.
    """
    raw = str(text)
    shown = _shown(raw)
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
    if len(codes) > 1:
        raise ValueError(f"cannot read label {shown}: several codes ({', '.join(codes)}); "
                         f"{_EXAMPLE}")
    if parcel is None and not codes and not numbers:
        raise ValueError(f"cannot read label {shown}: it is empty; {_EXAMPLE}")
    if parcel is None:
        if len(numbers) > 2:
            raise ValueError(f"cannot read label {shown}: {len(numbers)} numbers, expected a "
                             f"parcel number and an area; {_EXAMPLE}")
        if len(numbers) == 2:
            plain = [t for t in numbers if t.isdigit()]
            if not plain:
                raise ValueError(f"cannot read label {shown}: expected a parcel number and an "
                                 f"area; {_EXAMPLE}")
            parcel = int(plain[0])
            numbers.remove(plain[0])
        elif numbers and numbers[0].isdigit() and not (
                codes and tokens.index(codes[0]) < tokens.index(numbers[0])):
            parcel = int(numbers.pop(0))
    elif len(numbers) > 1:
        raise ValueError(f"cannot read label {shown}: expected one area; {_EXAMPLE}")
    if parcel == 0:
        raise ValueError(f"cannot read label {shown}: parcel number 0")
    code = codes[0].upper() if codes else None
    if code and "+" in code:
        raise ValueError(f"label {shown} has several land-use codes ({code}); "
                         f"a parcel takes one: split it or keep the main use")
    if code and code not in LAND_USE:
        raise ValueError(f"label {shown}: unknown land-use code {code!r}")
    return {"sheet_no": sheet, "parcel_no": parcel, "land_use_code": code,
            "legal_area_m2": _area(numbers[0], raw) if numbers else None}


def parse_label(text: str) -> dict:
    """Read a parcel label: the parcel number, and the sheet, land use and area it gives.

    The formats of :func:`read_text`; a label must give the parcel number.

    Returns
    -------
    dict
        ``sheet_no``, ``parcel_no`` (int), ``land_use_code`` and ``legal_area_m2``; the sheet,
        land use and area are None when the label does not give them.

    Raises
    ------
    ValueError
        As :func:`read_text`, and when the label gives no parcel number.
    """
    got = read_text(text)
    if got["parcel_no"] is None:
        raise ValueError(f"cannot read label {str(text)!r}: no parcel number; {_EXAMPLE}")
    return got


def _quoted(items) -> str:
    """The texts quoted, at most :data:`TEXTS_SHOWN` of them, each cut short."""
    return _some(list(items))


def _label_reading(texts: list[str]):
    """Attributes for a polygon holding ``texts`` (top line first): (attrs, used, problems).

    One text with the parcel number gives the parcel; other texts may add the land use and the
    area (``"255"`` above ``"CLN 1234,5"``); identical texts count once. Two parcel numbers, or
    two different land uses or areas, are a problem of the polygon; texts that cannot be read
    are reported where they are and the parcel is still built.

    ``problems`` is a list of (kind, message, i) where ``i`` is the index of the text the problem
    is about, or None when it is about the polygon. ``attrs`` is None when the polygon cannot
    become a parcel.
    """
    readings, errors = {}, []
    for i, t in enumerate(texts):
        try:
            got = read_text(t)
        except ValueError as exc:
            errors.append((i, str(exc)))
            continue
        readings.setdefault(tuple(got.items()), (t, got))  # a text drawn twice counts once
    numbered = [(t, r) for t, r in readings.values() if r["parcel_no"] is not None]
    if not numbered:
        if 1 < len(texts) <= MAX_LABEL_LINES:  # one label as one text per part: read together
            joined = "\n".join(texts)
            try:
                got = read_text(joined)
                if got["parcel_no"] is not None:
                    return got, joined, []
            except ValueError:
                pass
        if not readings:
            if len(texts) > MAX_LABEL_LINES:
                return None, None, [(BAD_LABEL, f"{len(texts)} texts in one parcel, none a label "
                                                f"({_some(texts)}); a label has at most "
                                                f"{MAX_LABEL_LINES} lines", None)]
            if len(texts) > 1:
                return None, None, [(BAD_LABEL, f"the texts {_quoted(texts)} in one parcel do "
                                                f"not read as a label, alone or together: "
                                                f"{errors[0][1]}", None)]
            return None, None, [(BAD_LABEL, msg, i) for i, msg in errors]
        found = _quoted(t for t, _ in readings.values())
        return None, None, [(NO_NUMBER, f"the parcel's text {found} gives no parcel number", None)]

    def distinct(key, among):
        return {r[key]: t for t, r in among if r[key] is not None}

    clash = []
    for key, what in (("parcel_no", "parcel numbers"), ("sheet_no", "sheets")):
        values = distinct(key, numbered)
        if len(values) > 1:
            clash.append(f"{len(values)} {what} in one parcel: "
                         + ", ".join(f"{v} ({_shown(t)})" for v, t in values.items()))
    if clash:
        hint = ("; an area beside the number is written with its decimals (1200,0) or after "
                "its land use (CLN 1200)")
        return None, None, [(SEVERAL_LABELS, "; ".join(clash) + _unread(texts, errors) + hint,
                             None)]
    attrs = dict(numbered[0][1])
    for key, what in (("land_use_code", "land uses"), ("legal_area_m2", "areas")):
        values = distinct(key, readings.values())
        if len(values) > 1:
            clash.append(f"{len(values)} {what}: "
                         + ", ".join(f"{v} ({_shown(t)})" for v, t in values.items()))
        attrs[key] = next(iter(values), None)
    attrs["sheet_no"] = next(iter(distinct("sheet_no", numbered)), None)
    if clash:
        return None, None, [(SEVERAL_LABELS, f"parcel {attrs['parcel_no']} has "
                             + "; ".join(clash) + _unread(texts, errors), None)]
    used = "\n".join(t for t, _ in readings.values())
    return attrs, used, [(BAD_LABEL, f"{msg}; the parcel takes its attributes from {used!r}", i)
                         for i, msg in errors]


def _unread(texts, errors) -> str:
    return (f" and unreadable text {_quoted(texts[i] for i, _ in errors)}" if errors else "")


def _lost(text: str) -> str:
    """For a text outside every parcel that holds a parcel number: what it means."""
    try:
        number = read_text(text)["parcel_no"]
    except ValueError:
        return ""
    if number is None:
        return ""
    return (f": parcel {number} has no polygon (its boundary may not close) and would be "
            f"missing from the import")

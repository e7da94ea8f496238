"""Numbers as Vietnamese documents write them: ``1.234,56`` (dot for thousands, comma decimal).

Machine formats (CSV, JSON) keep dot decimals; this is for people: the terminal and the page.
"""

from __future__ import annotations

import math


def vn_number(value, decimals: int = 2) -> str:
    """``1234.5`` -> ``"1.234,50"``; empty text for a missing value."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    value = round(float(value), decimals) + 0.0  # no "-0,00"
    text = f"{value:,.{decimals}f}"
    return text.replace(",", "\u2009").replace(".", ",").replace("\u2009", ".")


def vn_area_ha(value, decimals: int = 2) -> str:
    """Hectares for people: ``"1.234,56 ha"``."""
    text = vn_number(value, decimals)
    return f"{text} ha" if text else ""


def vn_area_m2(value, decimals: int = 1) -> str:
    """Square metres for people: ``"1.234,5 m²"``."""
    text = vn_number(value, decimals)
    return f"{text} m²" if text else ""

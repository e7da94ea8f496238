"""Comparing Vietnamese words the way people type them: with or without diacritics."""

from __future__ import annotations

import re
import unicodedata


def strip_marks(text: str) -> str:
    """``text`` without diacritics, ``đ`` as ``d``; case, spacing and punctuation kept:
    ``"Số_Thửa"`` -> ``"So_Thua"``."""
    plain = unicodedata.normalize("NFD", str(text)).replace("đ", "d").replace("Đ", "D")
    return "".join(c for c in plain if not unicodedata.combining(c))


def fold(name: str) -> str:
    """Lower-case ASCII letters and digits only: ``"Số_Thửa"`` -> ``"sothua"``."""
    return re.sub(r"[^0-9a-z]", "", strip_marks(name).casefold())

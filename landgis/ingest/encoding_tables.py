"""The code pages of :mod:`landgis.ingest.encodings`: pure data, built once at import.

The Vietnamese letters and tone marks, the TCVN3 (VN3) byte table, the VNI-Windows modifier
bytes and the tables built from them, and the encoding aliases. The names are private to
:mod:`landgis.ingest.encoding_codecs` and :mod:`landgis.ingest.encoding_detect`, which hold
every function that uses them.
"""

from __future__ import annotations

import unicodedata

#: encoding name (lower case, without spaces, ``-``, ``_`` or ``:``) -> canonical name
_ALIASES = {
    "utf8": "utf-8", "utf-8": "utf-8", "65001": "utf-8",
    "cp1258": "cp1258", "1258": "cp1258", "windows1258": "cp1258", "win1258": "cp1258",
    "tcvn3": "tcvn3", "tcvn": "tcvn3", "tcvn5712": "tcvn3", "vn3": "tcvn3", "abc": "tcvn3",
    "vscii3": "tcvn3", "vni": "vni", "vniwindows": "vni", "vniwin": "vni",
    "ascii": "ascii", "usascii": "ascii",
}


# --------------------------------------------------------------------------------------------
# The letters
# --------------------------------------------------------------------------------------------

# Tone marks as combining characters, in the order: sắc, huyền, hỏi, ngã, nặng.
_ACUTE, _GRAVE, _HOOK, _TILDE, _DOT = "\u0301", "\u0300", "\u0309", "\u0303", "\u0323"
_TONES = (_ACUTE, _GRAVE, _HOOK, _TILDE, _DOT)
_VOWELS = "aăâeêioôơuưy"


def _toned(base: str, tone: str) -> str:
    return unicodedata.normalize("NFC", base + tone)


#: toned letter -> (letter without tone, tone mark), both cases
_TONE_OF: dict[str, tuple[str, str]] = {
    _toned(v, t): (v, t) for base in _VOWELS for v in (base, base.upper()) for t in _TONES
}
#: every letter of Vietnamese, both cases (ASCII letters included, f j w z for loan words)
_VIET_LETTERS = frozenset(
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
    + _VOWELS + _VOWELS.upper() + "đĐ" + "".join(_TONE_OF)
)

# --------------------------------------------------------------------------------------------
# TCVN3 (TCVN 5712:1993, VN3)
# --------------------------------------------------------------------------------------------

#: byte -> letter; bytes 0x00-0x7F are ASCII, the bytes not listed are unassigned in VN3
_TCVN3_TABLE: dict[int, str] = {
    0xA0: "\u00a0",
    0xA1: "Ă", 0xA2: "Â", 0xA3: "Ê", 0xA4: "Ô", 0xA5: "Ơ", 0xA6: "Ư", 0xA7: "Đ",
    0xA8: "ă", 0xA9: "â", 0xAA: "ê", 0xAB: "ô", 0xAC: "ơ", 0xAD: "ư", 0xAE: "đ",
    # a: huyền, hỏi, ngã, sắc, nặng
    0xB5: "à", 0xB6: "ả", 0xB7: "ã", 0xB8: "á", 0xB9: "ạ",
    0xBB: "ằ", 0xBC: "ẳ", 0xBD: "ẵ", 0xBE: "ắ", 0xC6: "ặ",
    0xC7: "ầ", 0xC8: "ẩ", 0xC9: "ẫ", 0xCA: "ấ", 0xCB: "ậ",
    0xCC: "è", 0xCE: "ẻ", 0xCF: "ẽ", 0xD0: "é", 0xD1: "ẹ",
    0xD2: "ề", 0xD3: "ể", 0xD4: "ễ", 0xD5: "ế", 0xD6: "ệ",
    0xD7: "ì", 0xD8: "ỉ", 0xDC: "ĩ", 0xDD: "í", 0xDE: "ị",
    0xDF: "ò", 0xE1: "ỏ", 0xE2: "õ", 0xE3: "ó", 0xE4: "ọ",
    0xE5: "ồ", 0xE6: "ổ", 0xE7: "ỗ", 0xE8: "ố", 0xE9: "ộ",
    0xEA: "ờ", 0xEB: "ở", 0xEC: "ỡ", 0xED: "ớ", 0xEE: "ợ",
    0xEF: "ù", 0xF1: "ủ", 0xF2: "ũ", 0xF3: "ú", 0xF4: "ụ",
    0xF5: "ừ", 0xF6: "ử", 0xF7: "ữ", 0xF8: "ứ", 0xF9: "ự",
    0xFA: "ỳ", 0xFB: "ỷ", 0xFC: "ỹ", 0xFD: "ý", 0xFE: "ỵ",
}
_TCVN3_ENCODE = {ch: bytes([b]) for b, ch in _TCVN3_TABLE.items()}
_TCVN3_CAPITALS = frozenset(b for b, ch in _TCVN3_TABLE.items() if ch.isupper())
_TCVN3_TONED = frozenset(b for b, ch in _TCVN3_TABLE.items() if ch in _TONE_OF)


# --------------------------------------------------------------------------------------------
# VNI-Windows
# --------------------------------------------------------------------------------------------

#: lower-case modifier byte -> tone mark, after a e o u y ơ ư
_VNI_TONE_BYTES = {0xF9: _ACUTE, 0xF8: _GRAVE, 0xFB: _HOOK, 0xF5: _TILDE, 0xEF: _DOT}
#: lower-case modifier byte -> tone mark ("" for none), with a circumflex, after a e o
_VNI_CIRCUMFLEX_BYTES = {0xE2: "", 0xE1: _ACUTE, 0xE0: _GRAVE, 0xE5: _HOOK, 0xE3: _TILDE,
                         0xE4: _DOT}
#: lower-case modifier byte -> tone mark ("" for none), with a breve, after a
_VNI_BREVE_BYTES = {0xEA: "", 0xE9: _ACUTE, 0xE8: _GRAVE, 0xFA: _HOOK, 0xFC: _TILDE, 0xEB: _DOT}
#: lower-case letters written as one byte
_VNI_SINGLE_BYTES = {0xF1: "đ", 0xF4: "ơ", 0xF6: "ư", 0xED: "í", 0xEC: "ì", 0xE6: "ỉ", 0xF3: "ĩ",
                     0xF2: "ị", 0xEE: "ỵ"}
_VNI_UPPER = 0x20  # an upper-case byte is the lower-case one minus 0x20


def _vni_tables() -> tuple[dict[tuple[str, int], str], dict[int, str], dict[str, bytes]]:
    pairs: dict[tuple[str, int], str] = {}
    for upper in (False, True):
        def case(s: str) -> str:
            return s.upper() if upper else s

        shift = _VNI_UPPER if upper else 0
        for base in ("a", "e", "o", "u", "y", "ơ", "ư"):
            for b, tone in _VNI_TONE_BYTES.items():
                if (base, tone) != ("y", _DOT):  # ỵ is a single byte
                    pairs[case(base), b - shift] = case(_toned(base, tone))
        for base, mark in (("a", "\u0302"), ("e", "\u0302"), ("o", "\u0302")):
            for b, tone in _VNI_CIRCUMFLEX_BYTES.items():
                pairs[case(base), b - shift] = case(_toned(base + mark, tone))
        for b, tone in _VNI_BREVE_BYTES.items():
            pairs[case("a"), b - shift] = case(_toned("a\u0306", tone))
    singles = {b: ch for b, ch in _VNI_SINGLE_BYTES.items()}
    singles.update({b - _VNI_UPPER: ch.upper() for b, ch in _VNI_SINGLE_BYTES.items()})
    encode = {ch: bytes([b]) for b, ch in singles.items()}
    for (base, b), ch in pairs.items():
        base_bytes = encode[base] if base in encode else base.encode("ascii")
        encode[ch] = base_bytes + bytes([b])
    return pairs, singles, encode


_VNI_PAIRS, _VNI_SINGLES, _VNI_ENCODE = _vni_tables()
_VNI_MODIFIERS = frozenset(b for _, b in _VNI_PAIRS)

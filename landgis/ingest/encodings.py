"""Vietnamese legacy text encodings of Shapefile attribute tables: decode, repair, detect.

Offices still write .dbf text in 8-bit encodings of the 1990s, usually without a .cpg file:

``tcvn3``
    TCVN 5712:1993 VN3 ("ABC", fonts ``.VnTime``): one byte per letter. It defines the 67 lower-case
    letters, the 7 upper-case letters without a tone mark (Ă Â Đ Ê Ô Ơ Ư) and the no-break space.
    Upper-case letters *with* a tone mark do not exist: typists switch to a capital font
    (``.VnTimeH``) and type the lower-case codes. :func:`decode_bytes` therefore upper-cases a
    value that is written in capitals (see :func:`decode_bytes`), and :func:`encode_text` writes a
    toned capital as its lower-case code, as such a typist would.
``vni``
    VNI-Windows (fonts ``VNI-Times``): a base letter followed by one modifier byte for the
    circumflex, breve or tone (``"a" + 0xF8`` is "à", ``"a" + 0xE1`` is "ấ"); đ, ơ, ư and the
    toned i and ỵ are single bytes. Upper-case modifiers are the lower-case ones minus 0x20;
    when decoding, the base letter decides the case (``"Vie\\xc4t"`` is "Việt").
``cp1258``
    Windows-1258: precomposed Latin-1 letters plus combining tone marks.
``utf-8``

GDAL reads a .dbf without a .cpg as ISO-8859-1, so all of these arrive as mojibake
(``"Ph\\xadêng"``, ``"Phöôøng"``). :func:`repair_text` undoes that, :func:`read_dbf_strings` and
:func:`detect_encoding` find the encoding from the raw bytes. Every function returns NFC text.
"""

from __future__ import annotations

import codecs
import io
import os
import re
import struct
import unicodedata

__all__ = [
    "ENCODINGS",
    "UnknownEncodingError",
    "decode_bytes",
    "detect_encoding",
    "encode_text",
    "read_dbf_strings",
    "repair_text",
]

#: The encodings :func:`decode_bytes` and :func:`encode_text` accept (their canonical names).
ENCODINGS = ("utf-8", "cp1258", "tcvn3", "vni")

_ALIASES = {
    "utf8": "utf-8", "utf-8": "utf-8", "65001": "utf-8",
    "cp1258": "cp1258", "1258": "cp1258", "windows1258": "cp1258", "win1258": "cp1258",
    "tcvn3": "tcvn3", "tcvn": "tcvn3", "tcvn5712": "tcvn3", "vn3": "tcvn3", "abc": "tcvn3",
    "vscii3": "tcvn3", "vni": "vni", "vniwindows": "vni", "vniwin": "vni",
    "ascii": "ascii", "usascii": "ascii",
}


class UnknownEncodingError(ValueError, LookupError):
    """An encoding name that is not one of :data:`ENCODINGS` (or a known alias of one)."""


def _canonical(encoding: str) -> str:
    key = re.sub(r"[\s_\-:]", "", str(encoding).lower())
    try:
        return _ALIASES[key]
    except KeyError:
        raise UnknownEncodingError(
            f"unknown text encoding {encoding!r}; accepted: {', '.join(ENCODINGS)}") from None


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


def _tcvn3_decode(raw: bytes, errors: str) -> str:
    out = []
    for i, b in enumerate(raw):
        if b < 0x80:
            out.append(chr(b))
        elif b in _TCVN3_TABLE:
            out.append(_TCVN3_TABLE[b])
        else:
            out.append(_undecodable("tcvn3", raw, i, "byte is not assigned in TCVN3 (VN3)", errors))
    text = "".join(out)
    if _tcvn3_in_capitals(raw):
        text = text.upper()
    return text


def _tcvn3_in_capitals(raw: bytes) -> bool:
    """A value typed in a TCVN3 capital font: no ASCII lower-case letter anywhere, and a word
    with a (lower-case coded) toned letter and at least two other letters, all capitals."""
    if not any(b in _TCVN3_TONED for b in raw) or re.search(rb"[a-z]", raw):
        return False
    for word in raw.split():
        if any(b in _TCVN3_TONED for b in word):
            capitals = sum(1 for b in word if 0x41 <= b <= 0x5A or b in _TCVN3_CAPITALS)
            if capitals >= 2:
                return True
    return False


def _tcvn3_encode(text: str, errors: str) -> bytes:
    out = []
    for i, ch in enumerate(text):
        if ord(ch) < 0x80:
            out.append(ch.encode("ascii"))
        elif ch in _TCVN3_ENCODE:
            out.append(_TCVN3_ENCODE[ch])
        elif ch in _TONE_OF and ch.lower() in _TCVN3_ENCODE:
            out.append(_TCVN3_ENCODE[ch.lower()])  # a toned capital: its code in a capital font
        else:
            out.append(_unencodable("tcvn3", text, i, errors))
    return b"".join(out)


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


def _vni_decode(raw: bytes, errors: str) -> str:
    out = []
    i, n = 0, len(raw)
    while i < n:
        b = raw[i]
        if b < 0x80:
            ch = chr(b)
        elif b in _VNI_SINGLES:
            ch = _VNI_SINGLES[b]
        else:
            reason = ("modifier byte without a letter before it" if b in _VNI_MODIFIERS
                      else "byte is not used by VNI")
            out.append(_undecodable("vni", raw, i, reason, errors))
            i += 1
            continue
        if i + 1 < n:
            # a modifier byte may come in either case; the base letter decides the case
            nxt = raw[i + 1]
            combined = _VNI_PAIRS.get((ch, nxt))
            if combined is None and nxt in _VNI_MODIFIERS:
                flipped = nxt + _VNI_UPPER if ch.islower() else nxt - _VNI_UPPER
                combined = _VNI_PAIRS.get((ch, flipped))
            if combined is not None:
                out.append(combined)
                i += 2
                continue
        out.append(ch)
        i += 1
    return "".join(out)


def _vni_encode(text: str, errors: str) -> bytes:
    out = []
    for i, ch in enumerate(text):
        if ord(ch) < 0x80:
            out.append(ch.encode("ascii"))
        elif ch in _VNI_ENCODE:
            out.append(_VNI_ENCODE[ch])
        else:
            out.append(_unencodable("vni", text, i, errors))
    return b"".join(out)


# --------------------------------------------------------------------------------------------
# Windows-1258
# --------------------------------------------------------------------------------------------

def _cp1258_encode(text: str, errors: str) -> bytes:
    out = []
    for i, ch in enumerate(text):
        try:
            out.append(ch.encode("cp1258"))
            continue
        except UnicodeEncodeError:
            pass
        # a letter with a tone mark that cp1258 has no precomposed code for: letter + tone
        decomposed = unicodedata.normalize("NFD", ch)
        tones = "".join(c for c in decomposed if c in _TONES)
        base = unicodedata.normalize("NFC", "".join(c for c in decomposed if c not in _TONES))
        try:
            out.append((base + tones).encode("cp1258"))
        except UnicodeEncodeError:
            out.append(_unencodable("cp1258", text, i, errors))
    return b"".join(out)


# --------------------------------------------------------------------------------------------
# Errors
# --------------------------------------------------------------------------------------------

def _check_errors(errors: str) -> None:
    if errors not in ("strict", "replace"):
        raise ValueError(f"errors must be 'strict' or 'replace', not {errors!r}")


def _undecodable(encoding: str, raw: bytes, i: int, reason: str, errors: str) -> str:
    if errors == "replace":
        return "\ufffd"
    raise UnicodeDecodeError(encoding, bytes(raw), i, i + 1, reason)


def _unencodable(encoding: str, text: str, i: int, errors: str) -> bytes:
    if errors == "replace":
        return b"?"
    raise UnicodeEncodeError(encoding, text, i, i + 1, f"{text[i]!r} has no code in {encoding}")


# --------------------------------------------------------------------------------------------
# Public functions
# --------------------------------------------------------------------------------------------

def decode_bytes(raw: bytes, encoding: str, errors: str = "strict") -> str:
    """Decode one attribute value and return NFC text.

    Parameters
    ----------
    raw : bytes
        The value as stored in the .dbf.
    encoding : str
        One of :data:`ENCODINGS` (``"utf-8"``, ``"cp1258"``, ``"tcvn3"``, ``"vni"``), or an alias
        such as ``"windows-1258"``, ``"abc"``, ``"vni-windows"``; ``"ascii"`` is accepted too.
    errors : {"strict", "replace"}
        What to do with a byte the encoding does not define: raise, or write U+FFFD.

    Returns
    -------
    str
        The text, NFC-normalised. For ``tcvn3``, a value with no ASCII lower-case letter whose
        toned letters sit in a word of capitals (``"H\\xdfA B\\xd7NH"``, typed in a capital font)
        is upper-cased: ``"HÒA BÌNH"``.

    Raises
    ------
    UnknownEncodingError
        (a ``ValueError``) for an encoding name not in :data:`ENCODINGS`.
    UnicodeDecodeError
        For a byte the encoding does not define, when ``errors="strict"``.

    Examples
    --------
    >>> decode_bytes(b"Ph\\xad\\xeang Ng\\xab M\\xa9y", "tcvn3")
    'Phường Ngô Mây'
    >>> decode_bytes(b"Xa\\xf5 \\xd1a\\xe9k Ca\\xe1m", "vni")
    'Xã Đắk Cấm'
    """
    _check_errors(errors)
    enc = _canonical(encoding)
    raw = bytes(raw)
    if enc == "tcvn3":
        text = _tcvn3_decode(raw, errors)
    elif enc == "vni":
        text = _vni_decode(raw, errors)
    else:
        text = raw.decode(enc, errors)
    return unicodedata.normalize("NFC", text)


def encode_text(text: str, encoding: str, errors: str = "strict") -> bytes:
    """Encode text the way a program of the 1990s-2000s would have stored it: the inverse of
    :func:`decode_bytes`.

    Parameters
    ----------
    text : str
        Any normalisation form; it is brought to NFC first.
    encoding : str
        One of :data:`ENCODINGS` or an alias (see :func:`decode_bytes`).
    errors : {"strict", "replace"}
        What to do with a character the encoding cannot write: raise, or write ``?``.

    Returns
    -------
    bytes
        For ``cp1258``, letters with a tone mark that have no precomposed code are written as
        letter + combining tone mark (as Windows does). For ``tcvn3``, an upper-case letter with
        a tone mark is written with its lower-case code, as typed in a capital font.

    Raises
    ------
    UnknownEncodingError
        (a ``ValueError``) for an encoding name not in :data:`ENCODINGS`.
    UnicodeEncodeError
        For a character the encoding cannot write, when ``errors="strict"``.
    """
    _check_errors(errors)
    enc = _canonical(encoding)
    text = unicodedata.normalize("NFC", text)
    if enc == "tcvn3":
        return _tcvn3_encode(text, errors)
    if enc == "vni":
        return _vni_encode(text, errors)
    if enc == "cp1258":
        return _cp1258_encode(text, errors)
    return text.encode(enc, errors)


def repair_text(text: str, encoding: str) -> str:
    """Repair a value that GDAL decoded as ISO-8859-1 (or a tool as Windows-1252).

    The text is turned back into the bytes of the file (each character as Latin-1, or as
    Windows-1252 where Latin-1 has no code for it) and decoded with :func:`decode_bytes`.

    Parameters
    ----------
    text : str
        The mojibake, e.g. ``"Ph\\xadêng Ng« M©y"`` from a TCVN3 file.
    encoding : str
        The real encoding of the file, one of :data:`ENCODINGS`.

    Returns
    -------
    str
        The repaired NFC text, e.g. ``"Phường Ngô Mây"``.

    Raises
    ------
    ValueError
        For an unknown encoding, or text holding a character neither Latin-1 nor Windows-1252
        can write (it was not read as Latin-1: maybe it is already correct).
    UnicodeDecodeError
        When the bytes are not valid in ``encoding``.
    """
    _canonical(encoding)
    out = bytearray()
    for i, ch in enumerate(text):
        try:
            out += ch.encode("latin-1")
        except UnicodeEncodeError:
            try:
                out += ch.encode("cp1252")
            except UnicodeEncodeError:
                raise ValueError(
                    f"{text!r}: character {ch!r} at {i} is neither Latin-1 nor Windows-1252; "
                    "this text was not read as Latin-1 (is it already decoded?)") from None
    return decode_bytes(bytes(out), encoding)


# --------------------------------------------------------------------------------------------
# Detection
# --------------------------------------------------------------------------------------------

_ONSETS = ("ngh", "ng", "nh", "ch", "gh", "gi", "kh", "ph", "qu", "th", "tr",
           # onsets of Bahnar, Sedang, Jarai... place names: Plei, Kon Plông, Đắk Glei, Kơ Krông
           "pl", "gl", "kl", "kr", "bl", "br", "dr", "hr",
           "b", "c", "d", "đ", "g", "h", "k", "l", "m", "n", "p", "r", "s", "t", "v", "x")
_NUCLEI = tuple("""
    iêu oai oao oay oeo uây uôi uya uyê uyu ươi ươu yêu
    ai ao au ay âu ây eo êu ia iê iu oa oă oe oi oo ôi ơi ua uâ uê ui uô uơ uy ưa ưi ươ ưu yê
    a ă â e ê i o ô ơ u ư y
""".split())  # longest first
_CODAS = ("ng", "nh", "ch", "c", "k", "m", "n", "p", "t")
_SYLLABLE = re.compile(
    f"(?:{'|'.join(_ONSETS)})?(?P<nucleus>{'|'.join(_NUCLEI)})(?P<coda>{'|'.join(_CODAS)})?")
_WORD_SPLIT = re.compile(r"[\s!-/:-@\[-`{-~]+")
_COMMON_WORDS = frozenset("""
    xã phường thị trấn huyện tỉnh thôn làng buôn tổ đường số thửa tờ bản đồ diện tích đất ở
    trồng cây lâu năm hàng lúa nước rừng sản xuất phòng hộ nông nghiệp công khu cụm kinh tế cửa
    khẩu quy hoạch mục đích sử dụng chủ hộ ông bà nguyễn trần lê phạm hoàng võ đặng bùi đỗ hồ
    ngô dương lý đắk đăk tô hà mây cấm kần bờ hòa bình hoà ngọc hồi sa thầy tu mơ rông kơ rờ
    plông glei thành phố việt nam quảng ngãi đông tây bắc giao thông thủy lợi chưa đã được
""".split())


def _is_syllable(word: str) -> bool:
    """Letters of Vietnamese forming onset + rhyme, with at most one tone mark, placed on a
    vowel that can carry it (never on the closing i, y, o, u of ``ai``, ``ây``, ``ao``, ``êu``
    ...; ``uý`` is allowed, as the new orthography writes it)."""
    if any(ch not in _VIET_LETTERS for ch in word):
        return False
    tone_at = -1
    base = []
    for i, ch in enumerate(word.lower()):
        if ch in _TONE_OF:
            if tone_at >= 0:
                return False
            ch, tone_at = _TONE_OF[ch][0], i
        base.append(ch)
    match = _SYLLABLE.fullmatch("".join(base))
    if match is None:
        return False
    nucleus = match.group("nucleus")
    if (tone_at == match.end("nucleus") - 1 and not match.group("coda") and len(nucleus) > 1
            and nucleus[-1] in "iyou" and nucleus != "uy"):
        return False
    return True


def _vietnamese_score(text: str) -> tuple[float, int]:
    """How Vietnamese ``text`` looks, 0..1, and the number of words with non-ASCII letters."""
    words = [w for w in _WORD_SPLIT.split(text) if any(ord(c) > 0x7F for c in w)]
    if not words:
        return 0.0, 0
    foreign = [c for w in words for c in w if ord(c) > 0x7F]
    stray = sum(1 for c in foreign if c not in _VIET_LETTERS)
    valid = sum(1 for w in words if _is_syllable(w))
    common = sum(1 for w in words if w.lower() in _COMMON_WORDS)
    share = valid / len(words) * (0.9 + 0.1 * common / len(words))
    return share * (1.0 - stray / len(foreign)), len(words)


def _is_utf8(samples: list[bytes]) -> bool:
    """Every sample is UTF-8 (a sequence cut at the end, by the field width, is allowed) and
    at least one holds a complete multi-byte sequence."""
    multibyte = False
    for raw in samples:
        try:
            text = codecs.getincrementaldecoder("utf-8")().decode(raw, final=False)
        except UnicodeDecodeError:
            return False
        multibyte = multibyte or any(ord(c) > 0x7F for c in text)
    return multibyte


def detect_encoding(samples: list[bytes], max_bytes: int = 200_000) -> tuple[str, float]:
    """Guess the encoding of raw .dbf text values.

    Parameters
    ----------
    samples : list of bytes
        Values read with :func:`read_dbf_strings` (any order, any fields).
    max_bytes : int
        Only values holding a byte of 0x80 or more are looked at, up to about this many bytes.

    Returns
    -------
    encoding : str
        ``"ascii"`` when no byte is 0x80 or more (any encoding reads it), ``"utf-8"`` when the
        text is valid UTF-8 with multi-byte sequences, else the best of ``"tcvn3"``, ``"vni"``,
        ``"cp1258"``: each is decoded and scored by the share of words that are Vietnamese
        syllables (letters, onset, rhyme and at most one tone mark), with a bonus for common
        words (xã, thửa, đất, Đắk ...) and a penalty for symbols and stray marks.
    confidence : float
        0..1: the score of the winner, lowered when the runner-up scores close to it and when
        there are few words to judge by.

    Examples
    --------
    >>> detect_encoding([b"Ph\\xad\\xeang Ng\\xab M\\xa9y", b"X\\xb7 \\xa7\\xbek C\\xcam"])[0]
    'tcvn3'
    """
    high = []
    size = 0
    for raw in samples:
        raw = bytes(raw)
        if any(b >= 0x80 for b in raw):
            high.append(raw)
            size += len(raw)
            if size >= max_bytes:
                break
    if not high:
        return "ascii", 1.0
    scores: dict[str, tuple[float, int]] = {}
    for enc in ("tcvn3", "vni", "cp1258"):
        text = "\n".join(decode_bytes(raw, enc, errors="replace") for raw in high)
        scores[enc] = _vietnamese_score(text)
    if _is_utf8(high):
        # Legacy text is almost never valid UTF-8 by chance: validity alone is strong evidence.
        text = "\n".join(decode_bytes(raw, "utf-8", errors="replace") for raw in high)
        score, _ = _vietnamese_score(text)
        rival = max(s for s, _ in scores.values())
        confidence = 0.7 + 0.3 * score if score >= rival else 0.5 + 0.3 * score
        return "utf-8", round(confidence, 3)
    ranked = sorted(scores.items(), key=lambda item: -item[1][0])  # stable: tcvn3, vni, cp1258
    (best, (score, words)), (_, (second, _)) = ranked[0], ranked[1]
    if score <= 0.0:
        return best, 0.0
    confidence = score * (1.0 - 0.5 * second / score) * (1.0 - 0.5 ** words)
    return best, round(max(0.0, min(1.0, confidence)), 3)


# --------------------------------------------------------------------------------------------
# The .dbf file
# --------------------------------------------------------------------------------------------

def read_dbf_strings(dbf, max_records: int = 2000) -> dict[str, list[bytes]]:
    """The raw bytes of the character (``C``) fields of a dBASE III .dbf, undecoded.

    Parameters
    ----------
    dbf : str, os.PathLike or bytes
        The .dbf file, or its content.
    max_records : int
        Read at most this many records (deleted records are skipped and not counted).

    Returns
    -------
    dict of str to list of bytes
        Field name (read as Latin-1) -> one value per record, with the padding (trailing spaces
        and NULs) removed. Fields of other types are left out.

    Raises
    ------
    ValueError
        When the header is truncated or its field descriptors do not fit the record length.
    """
    if isinstance(dbf, (bytes, bytearray, memoryview)):
        name = "the .dbf"
        with io.BytesIO(bytes(dbf)) as fh:
            return _read_dbf(fh, name, max_records)
    name = os.fspath(dbf)
    with open(name, "rb") as fh:
        return _read_dbf(fh, name, max_records)


def _read_dbf(fh, name, max_records: int) -> dict[str, list[bytes]]:
    head = fh.read(32)
    if len(head) < 32:
        raise ValueError(f"{name}: not a .dbf file (only {len(head)} bytes)")
    n_records, header_len, record_len = struct.unpack_from("<IHH", head, 4)
    descriptors = fh.read(header_len - 32) if header_len > 32 else b""
    if header_len < 33 or len(descriptors) < header_len - 32:
        raise ValueError(f"{name}: the header is truncated or damaged "
                         f"(header length {header_len})")

    fields: list[tuple[str, int, int]] = []  # (name, offset in the record, width)
    offset = 1  # byte 0 of a record is the deletion flag
    for pos in range(0, len(descriptors) - 31, 32):
        desc = descriptors[pos:pos + 32]
        if desc[0] == 0x0D:
            break
        kind, width, decimals = chr(desc[11]), desc[16], desc[17]
        if kind == "C":
            width += 256 * decimals  # character fields wider than 255 (Clipper, shapelib)
            field = desc[:11].split(b"\0", 1)[0].decode("latin-1").strip()
            unique, k = field, 2
            while any(unique == f for f, _, _ in fields):
                unique, k = f"{field}_{k}", k + 1
            fields.append((unique, offset, width))
        offset += width
    if offset > record_len:
        raise ValueError(f"{name}: the fields ({offset} bytes) do not fit the record length "
                         f"({record_len} bytes)")

    out: dict[str, list[bytes]] = {f: [] for f, _, _ in fields}
    read = 0
    for _ in range(n_records):
        if read >= max_records:
            break
        record = fh.read(record_len)
        if len(record) < record_len:
            break  # a truncated file: keep what is complete
        if record[:1] == b"*":
            continue
        for field, at, width in fields:
            out[field].append(record[at:at + width].rstrip(b" \0"))
        read += 1
    return out

"""The Vietnamese legacy codecs: :func:`decode_bytes` and :func:`encode_text` for ``utf-8``,
``cp1258``, ``tcvn3`` and ``vni`` (described in :mod:`landgis.ingest.encodings`, which is where
to import them from).

A module of its own so that :mod:`landgis.ingest.encoding_detect`, which decodes samples with
each encoding, and :mod:`landgis.ingest.encodings`, which re-exports the detection, both import
it without importing each other.
"""

from __future__ import annotations

import re
import unicodedata

from landgis.ingest.encoding_tables import (
    _ALIASES, _TCVN3_CAPITALS, _TCVN3_ENCODE, _TCVN3_TABLE, _TCVN3_TONED, _TONE_OF, _TONES,
    _VNI_ENCODE, _VNI_MODIFIERS, _VNI_PAIRS, _VNI_SINGLES, _VNI_UPPER,
)

__all__ = ["ENCODINGS", "UnknownEncodingError", "decode_bytes", "encode_text"]

#: The encodings :func:`decode_bytes` and :func:`encode_text` accept (their canonical names).
ENCODINGS = ("utf-8", "cp1258", "tcvn3", "vni")


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
# TCVN3 (TCVN 5712:1993, VN3)
# --------------------------------------------------------------------------------------------

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

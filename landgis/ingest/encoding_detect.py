"""Finding the encoding of a .dbf: its raw text bytes, and a guess at how they are encoded.

GDAL decodes a .dbf without a .cpg as ISO-8859-1. :func:`read_dbf_strings` reads the bytes of
its text fields as they are in the file; :func:`detect_encoding` decodes them with each legacy
encoding of :mod:`landgis.ingest.encodings` and keeps the one that reads most like Vietnamese.
Both are importable from :mod:`landgis.ingest.encodings` too.
"""

from __future__ import annotations

import codecs
import io
import os
import re
import struct

from landgis.ingest.encoding_codecs import decode_bytes
from landgis.ingest.encoding_tables import _TONE_OF, _VIET_LETTERS

__all__ = ["detect_encoding", "read_dbf_strings"]


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

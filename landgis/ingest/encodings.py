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

# The codecs, the detection and the tables live in their own modules; the public names are
# importable here.
from landgis.ingest.encoding_codecs import (
    ENCODINGS, UnknownEncodingError, _canonical, decode_bytes, encode_text,
)
from landgis.ingest.encoding_detect import detect_encoding, read_dbf_strings

__all__ = [
    "ENCODINGS",
    "UnknownEncodingError",
    "decode_bytes",
    "detect_encoding",
    "encode_text",
    "read_dbf_strings",
    "repair_text",
]


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


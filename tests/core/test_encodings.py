"""Legacy Vietnamese .dbf text: TCVN3, VNI, Windows-1258 and UTF-8 decoding, repair, detection."""

from __future__ import annotations

import json
import os
import struct
import subprocess
import sys
import textwrap
import unicodedata
from pathlib import Path

import geopandas as gpd
import pyogrio
import pytest
import shapely

from landgis.ingest import encoding_tables
from landgis.ingest.encodings import (
    ENCODINGS,
    decode_bytes,
    detect_encoding,
    encode_text,
    read_dbf_strings,
    repair_text,
)

REAL = [
    "Phường Ngô Mây",
    "Xã Đắk Cấm",
    "Thị trấn Plei Kần",
    "Xã Bờ Y",
    "đất trồng cây lâu năm",
    "Nguyễn Thị Hương",
    "KHU CÔNG NGHIỆP HÒA BÌNH",
]

PLACE_LISTS = {
    "wards": ["Phường Ngô Mây", "Phường Thống Nhất", "Phường Quyết Thắng", "Xã Đắk Cấm",
              "Xã Ia Chim", "Xã Đắk Rơ Wa", "Xã Vinh Quang", "Xã Hòa Bình"],
    "towns": ["Thị trấn Plei Kần", "Thị trấn Đắk Hà", "Thị trấn Đắk Glei", "Thị trấn Sa Thầy",
              "Huyện Ngọc Hồi", "Huyện Kon Plông", "Huyện Tu Mơ Rông", "Huyện Ia H'Drai"],
    "land_use": ["Đất trồng cây lâu năm", "Đất trồng lúa nước", "Đất ở tại nông thôn",
                 "Đất rừng sản xuất", "Đất khu công nghiệp", "Đất giao thông", "Đất thủy lợi",
                 "Đất chưa sử dụng"],
    "owners": ["Nguyễn Thị Hương", "Trần Văn Hùng", "Lê Thị Mỹ Dung", "Phạm Đức Thắng",
               "A Thuận", "Y Bliêng", "Hoàng Văn Tú", "Võ Thị Ánh"],
    "zones": ["Khu kinh tế cửa khẩu quốc tế Bờ Y", "Khu công nghiệp Hòa Bình",
              "Cụm công nghiệp Đăk La", "Khu công nghiệp Sao Mai", "Cửa khẩu Bờ Y",
              "Thôn Kon Klor", "Làng Plei Đôn", "Bản đồ địa chính tờ số 12"],
}

VOWELS = "aăâeêioôơuưy"
TONES = ("", "\u0301", "\u0300", "\u0309", "\u0303", "\u0323")
ALL_LETTERS = sorted(
    {unicodedata.normalize("NFC", v + t) for v in VOWELS + VOWELS.upper() for t in TONES}
    | set("đĐ"))


def nfc(s: str) -> bool:
    return unicodedata.is_normalized("NFC", s)


# --------------------------------------------------------------------------------------------
# Names
# --------------------------------------------------------------------------------------------

def test_the_four_encodings():
    assert ENCODINGS == ("utf-8", "cp1258", "tcvn3", "vni")


@pytest.mark.parametrize("call", [
    lambda: decode_bytes(b"abc", "viscii"),
    lambda: encode_text("abc", "latin-9"),
    lambda: repair_text("abc", "tcvn-5"),
])
def test_an_unknown_encoding_is_refused_naming_the_accepted_ones(call):
    with pytest.raises(ValueError, match="utf-8, cp1258, tcvn3, vni"):
        call()


@pytest.mark.parametrize("alias, name", [
    ("UTF8", "utf-8"), ("windows-1258", "cp1258"), ("TCVN3", "tcvn3"), ("ABC", "tcvn3"),
    ("VNI-Windows", "vni"),
])
def test_aliases_decode_like_the_canonical_name(alias, name):
    raw = encode_text("Xã Đắk Cấm", name)
    assert decode_bytes(raw, alias) == "Xã Đắk Cấm"


# --------------------------------------------------------------------------------------------
# Bytes known independently of our tables
# --------------------------------------------------------------------------------------------

@pytest.mark.parametrize("raw, text", [
    (b"\xae", "đ"),
    (b"\xa7", "Đ"),
    (b"\xa8\xa9\xaa\xab\xac\xad", "ăâêôơư"),
    (b"\xa1\xa2\xa3\xa4\xa5\xa6", "ĂÂÊÔƠƯ"),
    (b"Ph\xad\xeang", "Phường"),
    (b"Vi\xd6t Nam", "Việt Nam"),
    (b"H\xb5 N\xe9i", "Hà Nội"),
    (b"\xa7\xbek L\xbek", "Đắk Lắk"),
])
def test_tcvn3_known_codes(raw, text):
    assert decode_bytes(raw, "tcvn3") == text


@pytest.mark.parametrize("raw, text", [
    (b"\xf1", "đ"),
    (b"\xd1", "Đ"),
    (b"\xf4\xf6", "ơư"),
    (b"Vie\xe4t Nam", "Việt Nam"),
    (b"VIE\xc4T NAM", "VIỆT NAM"),
    (b"Ph\xf6\xf4\xf8ng", "Phường"),
    (b"ngh\xf3a", "nghĩa"),
    (b"\xd1a\xe9k La\xe9k", "Đắk Lắk"),
])
def test_vni_known_codes(raw, text):
    assert decode_bytes(raw, "vni") == text


@pytest.mark.parametrize("raw, text", [
    (b"\xd0\xe3\xeck", "Đắk"),            # Đ, ă + combining acute
    (b"Vi\xea\xf2t Nam", "Việt Nam"),      # ê + combining dot below
    (b"H\xe0 N\xf4\xf2i", "Hà Nội"),       # precomposed à
    (b"\xfd\xf5\xcc", "ườ"),               # ư, ơ + combining grave
])
def test_cp1258_known_codes_come_out_nfc(raw, text):
    out = decode_bytes(raw, "cp1258")
    assert out == text
    assert len(out) == len(text)  # composed, not letter + combining mark


@pytest.mark.parametrize("mojibake, encoding, text", [
    # The national motto as every Vietnamese office has seen it in a wrong font.
    ("Céng hoµ x· héi chñ nghÜa ViÖt Nam", "tcvn3", "Cộng hoà xã hội chủ nghĩa Việt Nam"),
    ("§éc lËp - Tù do - H¹nh phóc", "tcvn3", "Độc lập - Tự do - Hạnh phúc"),
    ("Coäng hoøa xaõ hoäi chuû nghóa Vieät Nam", "vni", "Cộng hòa xã hội chủ nghĩa Việt Nam"),
    ("Ñoäc laäp - Töï do - Haïnh phuùc", "vni", "Độc lập - Tự do - Hạnh phúc"),
    ("Thaønh phoá Hoà Chí Minh", "vni", "Thành phố Hồ Chí Minh"),
    ("Uû ban nh©n d©n tØnh Kon Tum", "tcvn3", "Uỷ ban nhân dân tỉnh Kon Tum"),
    ("QuyÕt ®Þnh cña Thñ t\xadíng ChÝnh phñ", "tcvn3", "Quyết định của Thủ tướng Chính phủ"),
    ("Së Tµi nguyªn vµ M«i tr\xadêng", "tcvn3", "Sở Tài nguyên và Môi trường"),
    ("UÛy ban nhaân daân tænh Kon Tum", "vni", "Ủy ban nhân dân tỉnh Kon Tum"),
    ("Quyeát ñònh cuûa Thuû töôùng Chính phuû", "vni", "Quyết định của Thủ tướng Chính phủ"),
    ("Sôû Taøi nguyeân vaø Moâi tröôøng", "vni", "Sở Tài nguyên và Môi trường"),
    ("PhÆ°á»\x9dng NgÃ´ MÃ¢y", "utf-8", "Phường Ngô Mây"),
])
def test_repair_known_mojibake(mojibake, encoding, text):
    assert repair_text(mojibake, encoding) == text


# --------------------------------------------------------------------------------------------
# Round trips through our own encoder
# --------------------------------------------------------------------------------------------

@pytest.mark.parametrize("encoding", ENCODINGS)
@pytest.mark.parametrize("text", REAL)
def test_real_names_round_trip(text, encoding):
    raw = encode_text(text, encoding)
    out = decode_bytes(raw, encoding)
    assert out == text
    assert nfc(out)


@pytest.mark.parametrize("encoding", ENCODINGS)
def test_decomposed_input_encodes_like_composed(encoding):
    text = "Nguyễn Thị Hương"
    assert encode_text(unicodedata.normalize("NFD", text), encoding) == encode_text(text, encoding)


@pytest.mark.parametrize("encoding", ["utf-8", "cp1258", "vni"])
def test_every_vietnamese_letter_round_trips(encoding):
    for letter in ALL_LETTERS:
        assert decode_bytes(encode_text(letter, encoding), encoding) == letter, letter


def test_tcvn3_table_is_vn3_and_one_to_one():
    table = encoding_tables._TCVN3_TABLE
    lower = [c for c in table.values() if c.islower()]
    upper = [c for c in table.values() if c.isupper()]
    assert (len(table), len(lower), len(upper)) == (75, 67, 7)
    assert len(set(table.values())) == 75
    assert all(len(c) == 1 and nfc(c) for c in table.values())
    assert sorted(lower) == sorted(c for c in ALL_LETTERS if c.islower() and ord(c) > 0x7F)
    assert decode_bytes(bytes(range(0x80)), "tcvn3") == bytes(range(0x80)).decode("ascii")


def test_tcvn3_every_lower_case_letter_and_plain_capital_round_trips():
    for letter in ALL_LETTERS:
        if letter.islower() or letter in "ĂÂÊÔƠƯĐ":
            assert decode_bytes(encode_text(letter, "tcvn3"), "tcvn3") == letter, letter


def test_tcvn3_toned_capitals_are_written_as_in_a_capital_font():
    # TCVN3 has no code for "Ò": a .VnTimeH typist types the code of "ò" (0xDF).
    assert encode_text("HÒA BÌNH", "tcvn3") == b"H\xdfA B\xd7NH"
    assert decode_bytes(b"H\xdfA B\xd7NH", "tcvn3") == "HÒA BÌNH"
    assert decode_bytes(b"X\xb7 \xa7\xbeK C\xcaM", "tcvn3") == "XÃ ĐẮK CẤM"
    # Mixed case stays as coded: no word of capitals around the toned letters.
    assert decode_bytes(b"TP H\xb5", "tcvn3") == "TP Hà"
    assert decode_bytes(b"X\xb7 B\xea Y", "tcvn3") == "Xã Bờ Y"
    # A toned capital in mixed-case text cannot be told apart: it comes back lower-case.
    assert decode_bytes(encode_text("Ủy ban", "tcvn3"), "tcvn3") == "ủy ban"


def test_vni_modifier_case_follows_the_base_letter():
    assert decode_bytes(b"Vie\xc4t", "vni") == "Việt"
    assert decode_bytes(b"VIE\xe4T", "vni") == "VIỆT"


# --------------------------------------------------------------------------------------------
# Bytes an encoding does not define
# --------------------------------------------------------------------------------------------

@pytest.mark.parametrize("raw, encoding", [
    (b"ab\xb0c", "tcvn3"),     # 0xB0 is unassigned in VN3
    (b"\xf9abc", "vni"),       # a tone byte with no letter before it
    (b"ab\xa7c", "vni"),       # 0xA7 is not used by VNI
    (b"\xc3(", "utf-8"),
])
def test_undefined_bytes_raise_or_are_replaced(raw, encoding):
    with pytest.raises(UnicodeDecodeError):
        decode_bytes(raw, encoding)
    assert "\ufffd" in decode_bytes(raw, encoding, errors="replace")


def test_unwritable_characters_raise_or_are_replaced():
    with pytest.raises(UnicodeEncodeError):
        encode_text("m² €", "tcvn3")
    assert encode_text("5 m²", "vni", errors="replace") == b"5 m?"


# --------------------------------------------------------------------------------------------
# Repairing what GDAL read as ISO-8859-1
# --------------------------------------------------------------------------------------------

@pytest.mark.parametrize("encoding", ENCODINGS)
@pytest.mark.parametrize("text", REAL)
def test_repair_undoes_gdal_latin1(text, encoding):
    seen = encode_text(text, encoding).decode("latin-1")  # what GDAL hands over without .cpg
    assert seen != text
    assert repair_text(seen, encoding) == text


def test_repair_falls_back_to_cp1252_for_what_a_windows_tool_decoded():
    raw = encode_text("Đắk – Kon Tum", "cp1258")  # the en dash is 0x96 in both code pages
    seen = raw.decode("cp1252")
    assert "–" in seen
    assert repair_text(seen, "cp1258") == "Đắk – Kon Tum"


def test_repair_refuses_text_that_is_already_decoded():
    with pytest.raises(ValueError, match="already decoded"):
        repair_text("Phường Ngô Mây", "tcvn3")


# --------------------------------------------------------------------------------------------
# Detection
# --------------------------------------------------------------------------------------------

@pytest.mark.parametrize("encoding", ENCODINGS)
@pytest.mark.parametrize("kind", sorted(PLACE_LISTS))
def test_detection_finds_the_encoding_of_a_column(kind, encoding):
    samples = [encode_text(s, encoding) for s in PLACE_LISTS[kind]]
    found, confidence = detect_encoding(samples)
    assert found == encoding
    assert 0.6 <= confidence <= 1.0


@pytest.mark.parametrize("encoding", ENCODINGS)
def test_detection_of_a_column_in_capitals(encoding):
    samples = [encode_text(s.upper(), encoding) for s in PLACE_LISTS["zones"]]
    assert detect_encoding(samples)[0] == encoding


@pytest.mark.parametrize("encoding", ENCODINGS)
def test_detection_of_single_values(encoding):
    for text in REAL:
        assert detect_encoding([encode_text(text, encoding)])[0] == encoding, text


def test_detection_of_plain_ascii():
    assert detect_encoding([b"Kon Tum", b"Plei Kan", b""]) == ("ascii", 1.0)
    assert detect_encoding([]) == ("ascii", 1.0)


def test_detection_of_utf8_cut_by_the_field_width():
    cut = "Khu công nghiệp".encode("utf-8")[:-4] + "ệ".encode("utf-8")[:2]  # "Khu công nghi" + 2/3
    samples = [cut, "Xã Đắk Cấm".encode("utf-8"), b"Kon Tum"]
    assert detect_encoding(samples)[0] == "utf-8"


def test_a_mixed_up_column_gives_low_confidence():
    clean = detect_encoding([encode_text(s, "vni") for s in PLACE_LISTS["wards"]])[1]
    samples = [encode_text(s, "vni") for s in PLACE_LISTS["wards"][:4]]
    samples += [encode_text(s, "tcvn3") for s in PLACE_LISTS["wards"][4:]]
    assert detect_encoding(samples)[1] < clean


# --------------------------------------------------------------------------------------------
# Reading the .dbf ourselves
# --------------------------------------------------------------------------------------------

def write_dbf(path, fields, records, deleted=()):
    """A minimal dBASE III writer: fields are (name, type, width, decimals), records tuples of
    bytes already padded or not."""
    record_len = 1 + sum(w + (256 * d if t == "C" else 0) for _, t, w, d in fields)
    header_len = 32 + 32 * len(fields) + 1
    out = bytearray(struct.pack("<B3BIHH20x", 0x03, 125, 7, 1, len(records), header_len,
                                record_len))
    for name, kind, width, decimals in fields:
        out += struct.pack("<11sc4xBB14x", name.encode("ascii"), kind.encode("ascii"),
                           width, decimals)
    out += b"\x0d"
    for i, values in enumerate(records):
        out += b"*" if i in deleted else b" "
        for (_, kind, width, decimals), value in zip(fields, values):
            size = width + (256 * decimals if kind == "C" else 0)
            assert len(value) <= size
            out += value.ljust(size, b" ") if kind == "C" else value.rjust(size, b" ")
    out += b"\x1a"
    path.write_bytes(bytes(out))
    return path


def test_read_dbf_strings_returns_raw_bytes_of_text_fields(tmp_path):
    names = [encode_text(s, "tcvn3") for s in REAL]
    long_note = encode_text("Đất trồng cây lâu năm " * 11, "vni").rstrip()  # > 255 bytes
    fields = [("TEN", "C", 40, 0), ("DIENTICH", "N", 12, 2), ("GHICHU", "C", 144, 1)]
    records = [(n, b"1234.50", long_note if i == 0 else b"") for i, n in enumerate(names)]
    path = write_dbf(tmp_path / "thua.dbf", fields, records, deleted={1})
    out = read_dbf_strings(path)
    assert list(out) == ["TEN", "GHICHU"]
    assert out["TEN"] == [n for i, n in enumerate(names) if i != 1]
    assert len(long_note) > 255 and out["GHICHU"][0] == long_note
    assert read_dbf_strings(path.read_bytes()) == out
    assert read_dbf_strings(str(path), max_records=2)["TEN"] == [names[0], names[2]]
    assert detect_encoding(out["TEN"])[0] == "tcvn3"


def test_read_dbf_strings_keeps_what_a_truncated_file_holds(tmp_path):
    fields = [("TEN", "C", 20, 0)]
    path = write_dbf(tmp_path / "a.dbf", fields, [(b"Ph\xad\xeang",), (b"X\xb7",)])
    data = path.read_bytes()
    assert read_dbf_strings(data[:-10])["TEN"] == [b"Ph\xad\xeang"]
    with pytest.raises(ValueError, match="truncated"):
        read_dbf_strings(data[:40])
    with pytest.raises(ValueError):
        read_dbf_strings(b"\x03abc")


@pytest.mark.parametrize("encoding", ["tcvn3", "vni", "cp1258"])
def test_shapefile_written_by_gdal_without_cpg(tmp_path, encoding):
    names = PLACE_LISTS["wards"]
    raw = [encode_text(s, encoding) for s in names]
    gdf = gpd.GeoDataFrame(
        {"TEN_XA": [r.decode("latin-1") for r in raw], "SO": list(range(len(raw)))},
        geometry=[shapely.Point(552_000 + i, 1_590_000) for i in range(len(raw))], crs=9216)
    shp = tmp_path / "xa.shp"
    pyogrio.write_dataframe(gdf, shp, encoding="latin1")
    shp.with_suffix(".cpg").unlink(missing_ok=True)  # as offices send them: no .cpg

    strings = read_dbf_strings(shp.with_suffix(".dbf"))
    assert list(strings) == ["TEN_XA"]
    assert strings["TEN_XA"] == raw
    assert detect_encoding(strings["TEN_XA"])[0] == encoding

    seen = pyogrio.read_dataframe(shp)["TEN_XA"].tolist()  # GDAL reads it as ISO-8859-1
    assert seen != names
    assert [repair_text(v, encoding) for v in seen] == names


ROOT = Path(__file__).resolve().parents[2]
ENCODING_MODULES = ["encoding_tables", "encoding_codecs", "encoding_detect", "encodings"]


@pytest.mark.parametrize("module", ENCODING_MODULES)
def test_each_encoding_module_imports_and_works_alone(module):
    """In a fresh interpreter, each module imports by itself, detection and decoding work, and
    nothing imports the modules that import it (the cycle encodings <-> encoding_detect)."""
    code = textwrap.dedent(f"""
        import json, sys
        import landgis.ingest.{module} as m
        if hasattr(m, "detect_encoding"):
            assert m.detect_encoding([b"Ph\\xad\\xeang Ng\\xab M\\xa9y"])[0] == "tcvn3"
        if hasattr(m, "decode_bytes"):
            assert m.decode_bytes(b"Xa\\xf5", "vni") == "Xã"
        print(json.dumps(sorted(n for n in sys.modules if n.startswith("landgis.ingest."))))
    """)
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)}, timeout=120)
    assert done.returncode == 0, done.stderr
    loaded = {n.rsplit(".", 1)[1] for n in json.loads(done.stdout)}
    below = set(ENCODING_MODULES[:ENCODING_MODULES.index(module) + 1])
    assert loaded & set(ENCODING_MODULES) <= below, f"{module} imported {sorted(loaded)}"

"""Parcels from cadastral CAD drawings: DXF written with ezdxf, DGN v7 written with GDAL (fiona),
both read back through GDAL's own drivers by :func:`landgis.ingest.cad.read_cad`."""

from __future__ import annotations

import fiona
import numpy as np
import pandas as pd
import pyogrio
import pytest
import shapely

from landgis.ingest.cad import (
    BAD_LABEL,
    DUPLICATE_PARCEL,
    LABEL_OUTSIDE,
    NO_LABEL,
    NO_NUMBER,
    SEVERAL_LABELS,
    UNCLOSED,
    CadReport,
    cad_to_parcels,
    parse_label,
    read_cad,
)
from landgis.ingest.cad_labels import read_text
from tests.conftest import X0, Y0

import ezdxf  # noqa: E402  (a test dependency: missing, the tests must fail, not skip)

# A 2 x 2 grid of 100 m squares drawn as single LINE entities, each shared edge drawn once.
H_EDGES = [((x, y), (x + 100, y)) for y in (0, 100, 200) for x in (0, 100)]
V_EDGES = [((x, y), (x, y + 100)) for x in (0, 100, 200) for y in (0, 100)]
CELLS = {  # lower-left corner -> label, as surveyors type them
    (0, 0): "345 CLN 1234,5",
    (100, 0): "346/ONT/1.200,0",
    (0, 100): "347\nLUC\n987.6",  # MTEXT with paragraph breaks
    (100, 100): "T12-348 SKK 10000",
}
EXPECTED = {
    345: (None, "CLN", 1234.5),
    346: (None, "ONT", 1200.0),
    347: (None, "LUC", 987.6),
    348: (12, "SKK", 10000.0),
}


def _xy(p):
    return (X0 + p[0], Y0 + p[1])


def _dxf(path, edges=H_EDGES + V_EDGES, labels=None, extra=()):
    """Write a DXF: boundary LINEs on layer RANH_THUA, labels on NHAN, ``extra`` as (layer, text,
    (x, y)) TEXTs."""
    labels = CELLS if labels is None else labels
    doc = ezdxf.new("R2010")
    msp = doc.modelspace()
    for a, b in edges:
        msp.add_line(_xy(a), _xy(b), dxfattribs={"layer": "RANH_THUA"})
    for (x, y), text in labels.items():
        at = _xy((x + 30, y + 60))
        if "\n" in text:
            msp.add_mtext(text.replace("\n", "\\P"),
                          dxfattribs={"layer": "NHAN", "insert": at, "char_height": 2})
        else:
            msp.add_text(text, height=2, dxfattribs={"layer": "NHAN", "insert": at})
    for layer, text, xy in extra:
        msp.add_text(text, height=2, dxfattribs={"layer": layer, "insert": _xy(xy)})
    doc.saveas(path)
    return path


def _by_number(parcels):
    return {int(r.parcel_no): r for r in parcels.itertuples()}


# --------------------------------------------------------------------------- labels


@pytest.mark.parametrize("text, expected", [
    ("345\nCLN\n1234.5", (None, 345, "CLN", 1234.5)),
    ("345 CLN 1234,5", (None, 345, "CLN", 1234.5)),
    ("345/CLN/1234.5", (None, 345, "CLN", 1234.5)),
    ("345 cln 1.234,5", (None, 345, "CLN", 1234.5)),
    ("T12-345 CLN 1234.5", (12, 345, "CLN", 1234.5)),
    ("Tờ 12-345/ONT/80,3 m2", (12, 345, "ONT", 80.3)),
    ("345 1234.5 CLN", (None, 345, "CLN", 1234.5)),
    ("{\\fArial|b0;345\\PCLN\\P1234.5}", (None, 345, "CLN", 1234.5)),
])
def test_parse_label_reads_the_usual_formats(text, expected):
    got = parse_label(text)
    assert (got["sheet_no"], got["parcel_no"], got["land_use_code"], got["legal_area_m2"]) \
        == expected
    assert isinstance(got["parcel_no"], int) and isinstance(got["legal_area_m2"], float)


@pytest.mark.parametrize("text, words", [
    ("345 XYZ 1234.5", "unknown land-use code 'XYZ'"),
    ("345 12 CLN 1234.5", "3 numbers"),
    ("CLN 1234,5", "no parcel number"),
    ("Đường Hồ Chí Minh", "cannot read label"),
    ("345 CLN 1.234", "ambiguous"),
    ("345 ONT+CLN 200", "several land-use codes"),
])
def test_parse_label_rejects_what_it_cannot_read_and_quotes_it(text, words):
    with pytest.raises(ValueError) as err:
        parse_label(text)
    assert words in str(err.value)
    assert repr(text) in str(err.value)


# --------------------------------------------------------------------------- DXF


def test_dxf_grid_becomes_four_labelled_one_hectare_parcels(tmp_path):
    path = _dxf(tmp_path / "grid.dxf")
    # GDAL reads what ezdxf wrote: 12 lines and 4 texts, MTEXT breaks as new lines
    raw = pyogrio.read_dataframe(path)
    assert sorted(raw["Layer"].unique()) == ["NHAN", "RANH_THUA"]
    assert "347\nLUC\n987.6" in set(raw["Text"].dropna())

    drawing = read_cad(path)
    assert len(drawing.lines) == 12 and len(drawing.texts) == 4

    parcels, report = cad_to_parcels(path)
    assert report.ok, str(report)
    assert str(report).endswith("no problems")
    assert report.n_polygons == report.n_parcels == 4
    assert parcels.crs is None  # DXF carries no CRS
    assert set(parcels.geom_type) == {"Polygon"}
    np.testing.assert_allclose(parcels.area, 10_000.0, rtol=0, atol=1e-6)
    got = _by_number(parcels)
    assert set(got) == set(EXPECTED)
    for number, (sheet, code, area) in EXPECTED.items():
        row = got[number]
        assert (None if pd.isna(row.sheet_no) else int(row.sheet_no)) == sheet
        assert row.land_use_code == code
        assert row.legal_area_m2 == pytest.approx(area)
    # each parcel is the square its label was written in
    for (x, y), text in CELLS.items():
        number = parse_label(text)["parcel_no"]
        assert got[number].geometry.equals(
            shapely.box(X0 + x, Y0 + y, X0 + x + 100, Y0 + y + 100))


def test_short_edge_is_reported_where_it_stops_and_its_parcel_is_missing(tmp_path):
    # the right edge of the lower-right square stops 5 m short of the corner at (200, 100)
    edges = [e for e in H_EDGES + V_EDGES if e != ((200, 0), (200, 100))]
    edges.append(((200, 0), (200, 95)))
    parcels, report = cad_to_parcels(_dxf(tmp_path / "short.dxf", edges=edges))

    assert not report.ok
    assert set(_by_number(parcels)) == {345, 347, 348}  # 346 lost its polygon
    unclosed = report.by_kind(UNCLOSED)
    assert len(unclosed) == 1
    issue = unclosed[0]
    assert (issue.x, issue.y) == pytest.approx((X0 + 200, Y0 + 95))
    assert "5.00 m away" in issue.message
    # its label now lies outside every polygon, and the report says so
    outside = report.by_kind(LABEL_OUTSIDE)
    assert len(outside) == 1 and "346/ONT/1.200,0" in outside[0].message
    text = str(report)
    assert "boundary does not close at (552200.00, 1590095.00)" in text


def test_gap_below_snap_tolerance_is_closed_silently(tmp_path):
    edges = [e for e in H_EDGES + V_EDGES if e != ((200, 0), (200, 100))]
    edges.append(((200, 0), (200, 99.995)))
    parcels, report = cad_to_parcels(_dxf(tmp_path / "nearmiss.dxf", edges=edges))
    assert report.ok, str(report)
    assert len(parcels) == 4
    np.testing.assert_allclose(parcels.area, 10_000.0, atol=1.0)

    parcels, report = cad_to_parcels(tmp_path / "nearmiss.dxf", snap_tolerance=0)
    assert len(report.by_kind(UNCLOSED)) == 1 and len(parcels) == 3


def test_parcel_without_label_and_parcel_with_two_labels_are_named(tmp_path):
    labels = dict(CELLS)
    del labels[(100, 0)]  # no label in the lower-right square
    extra = [("NHAN", "349 CLN 500", (20, 120))]  # a second label in the upper-left square
    parcels, report = cad_to_parcels(_dxf(tmp_path / "labels.dxf", labels=labels, extra=extra))

    assert set(_by_number(parcels)) == {345, 348}
    (nolabel,) = report.by_kind(NO_LABEL)
    assert X0 + 100 < nolabel.x < X0 + 200 and Y0 < nolabel.y < Y0 + 100
    assert "10,000.0 m²" in nolabel.message
    (two,) = report.by_kind(SEVERAL_LABELS)
    assert "'349 CLN 500'" in two.message and "LUC" in two.message
    assert X0 < two.x < X0 + 100 and Y0 + 100 < two.y < Y0 + 200
    assert "parcel without label" in str(report) and "parcel with several labels" in str(report)


def test_unreadable_label_outside_label_and_layer_filter(tmp_path):
    labels = dict(CELLS)
    labels[(100, 0)] = "346 XYZ 12.5"
    extra = [("NHAN", "999 CLN 10", (-50, -50)),            # outside the drawing's parcels
             ("KHUNG", "TỜ BẢN ĐỒ SỐ 12", (250, 250))]     # sheet title on the frame layer
    path = _dxf(tmp_path / "bad.dxf", labels=labels, extra=extra)

    parcels, report = cad_to_parcels(path, layers=["ranh_thua", "NHAN"])
    assert set(_by_number(parcels)) == {345, 347, 348}
    (bad,) = report.by_kind(BAD_LABEL)
    assert "'XYZ'" in bad.message and (bad.x, bad.y) == pytest.approx((X0 + 130, Y0 + 60))
    (outside,) = report.by_kind(LABEL_OUTSIDE)  # the frame title is filtered out
    assert "999 CLN 10" in outside.message
    assert (outside.x, outside.y) == pytest.approx((X0 - 50, Y0 - 50))

    _, everything = cad_to_parcels(path)
    assert len(everything.by_kind(LABEL_OUTSIDE)) == 2
    with pytest.raises(ValueError, match="KHUNG"):
        read_cad(path, layers=["NO_SUCH_LAYER"])


def test_closed_polylines_with_duplicated_shared_edges(tmp_path):
    """Each parcel drawn as its own closed polyline: shared edges twice, still one polygon each."""
    doc = ezdxf.new("R2010")
    msp = doc.modelspace()
    for (x, y), text in CELLS.items():
        corners = [_xy(c) for c in [(x, y), (x + 100, y), (x + 100, y + 100), (x, y + 100)]]
        msp.add_lwpolyline(corners, close=True, dxfattribs={"layer": "RANH_THUA"})
        msp.add_text(text.replace("\n", " "), height=2,
                     dxfattribs={"layer": "NHAN", "insert": _xy((x + 30, y + 60))})
    doc.saveas(tmp_path / "plines.dxf")
    parcels, report = cad_to_parcels(tmp_path / "plines.dxf")
    assert report.ok, str(report)
    assert sorted(parcels.parcel_no) == [345, 346, 347, 348]
    np.testing.assert_allclose(parcels.area, 10_000.0, atol=1e-6)


def test_label_split_into_one_text_per_line_is_read_together(tmp_path):
    labels = dict(CELLS)
    del labels[(0, 0)]
    extra = [("NHAN", "345", (30, 70)), ("NHAN", "CLN", (30, 65)), ("NHAN", "1234,5", (30, 60))]
    parcels, report = cad_to_parcels(_dxf(tmp_path / "split.dxf", labels=labels, extra=extra))
    assert report.ok, str(report)
    assert _by_number(parcels)[345].legal_area_m2 == 1234.5


def test_duplicate_numbers_stray_text_and_label_on_a_line(tmp_path):
    labels = dict(CELLS)
    labels[(100, 0)] = "345 ONT 1200"  # parcel 345 a second time
    extra = [("NHAN", "ghi chú", (10, 10)),          # a note beside the good label of 345
             ("NHAN", "350 CLN 100", (50, 200))]    # inserted exactly on the top boundary
    parcels, report = cad_to_parcels(_dxf(tmp_path / "dup.dxf", labels=labels, extra=extra))

    assert sorted(parcels.parcel_no) == [345, 345, 347, 348]
    (dup,) = report.by_kind(DUPLICATE_PARCEL)
    assert "parcel 345 labels 2 polygons" in dup.message
    (note,) = report.by_kind(BAD_LABEL)  # reported where the note is; parcel 345 still built
    assert (note.x, note.y) == pytest.approx((X0 + 10, Y0 + 10))
    assert "takes its attributes from '345 CLN 1234,5'" in note.message
    (on_line,) = report.by_kind(LABEL_OUTSIDE)
    assert "'350 CLN 100' lies on a boundary line" in on_line.message


def test_report_text_and_ok():
    report = CadReport(source="t.dxf", n_polygons=2, n_parcels=1)
    assert report.ok
    report.add(NO_LABEL, "a parcel polygon of 10.0 m² has no label", 1, 2)
    assert not report.ok
    assert str(report).splitlines()[0] == "t.dxf: 2 polygon(s), 1 parcel(s) built, 1 problem(s)"
    assert "parcel without label at (1.00, 2.00)" in str(report)


# --------------------------------------------------------------------------- DGN v7


def _dgn(path, edges, labels):
    """Write a DGN v7 file with GDAL's DGN driver: lines on level 10, texts on level 20.

    GDAL writes a point feature whose ``Text`` field is set as a DGN text element; fiona can
    set that field (pyogrio tries to create the driver's fixed fields and fails).
    """
    schema = {"geometry": "Unknown", "properties": {"Level": "int32:2", "Text": "str"}}
    with fiona.open(path, "w", driver="DGN", schema=schema) as dst:
        for a, b in edges:
            dst.write(fiona.Feature(
                geometry=fiona.Geometry(type="LineString", coordinates=[_xy(a), _xy(b)]),
                properties={"Level": 10, "Text": None}))
        for (x, y), text in labels.items():
            dst.write(fiona.Feature(
                geometry=fiona.Geometry(type="Point", coordinates=_xy((x + 30, y + 60))),
                properties={"Level": 20, "Text": text}))
    return path


def test_dgn_v7_grid_with_text_elements(tmp_path):
    path = _dgn(tmp_path / "grid.dgn", H_EDGES + V_EDGES, CELLS)
    raw = pyogrio.read_dataframe(path)
    assert pyogrio.read_info(path)["driver"] == "DGN"
    assert set(raw["Type"]) == {4, 17}  # DGN line and text elements

    parcels, report = cad_to_parcels(path, layers=[10, 20])
    assert report.ok, str(report)
    assert sorted(parcels.parcel_no) == [345, 346, 347, 348]
    np.testing.assert_allclose(parcels.area, 10_000.0, atol=1e-6)
    assert _by_number(parcels)[346].legal_area_m2 == 1200.0


def test_dgn_v7_short_edge_and_level_filter(tmp_path):
    edges = [e for e in H_EDGES + V_EDGES if e != ((200, 0), (200, 100))]
    edges.append(((200, 0), (200, 95)))
    path = _dgn(tmp_path / "short.dgn", edges, CELLS)
    parcels, report = cad_to_parcels(path)
    (issue,) = report.by_kind(UNCLOSED)
    assert (issue.x, issue.y) == pytest.approx((X0 + 200, Y0 + 95))
    assert 346 not in set(parcels.parcel_no)

    lines_only = read_cad(path, layers=[10])
    assert len(lines_only.texts) == 0 and len(lines_only.lines) == len(edges)


# --------------------------------------------------------------------------- number-only labels


@pytest.mark.parametrize("text, expected", [
    ("255", (None, 255, None, None)),
    ("T12-255", (12, 255, None, None)),
    ("255/CLN", (None, 255, "CLN", None)),
    ("255 1234,5", (None, 255, None, 1234.5)),
    ("CLN", (None, None, "CLN", None)),
    ("1.234,5", (None, None, None, 1234.5)),
    ("CLN 1234,5", (None, None, "CLN", 1234.5)),
    ("CLN 1200", (None, None, "CLN", 1200.0)),  # a code first: the number is the area
])
def test_a_text_may_give_the_number_alone_or_only_land_use_and_area(text, expected):
    got = read_text(text)
    assert (got["sheet_no"], got["parcel_no"], got["land_use_code"], got["legal_area_m2"]) \
        == expected


NUMBERS_ONLY = {(0, 0): "345", (100, 0): "346", (0, 100): "347", (100, 100): "T12-348"}


def test_drawing_with_numbers_only_gives_parcels_with_land_use_and_area_empty(tmp_path):
    parcels, report = cad_to_parcels(_dxf(tmp_path / "so_thua.dxf", labels=NUMBERS_ONLY))
    assert report.ok, str(report)
    got = _by_number(parcels)
    assert sorted(got) == [345, 346, 347, 348]
    assert parcels["land_use_code"].isna().all() and parcels["legal_area_m2"].isna().all()
    assert int(got[348].sheet_no) == 12 and pd.isna(got[345].sheet_no)
    assert got[346].geometry.equals(shapely.box(X0 + 100, Y0, X0 + 200, Y0 + 100))


def test_a_second_text_in_the_parcel_gives_land_use_and_area(tmp_path):
    extra = [("NHAN", "CLN 1234,5", (30, 40)),                          # under 345
             ("NHAN", "ONT", (130, 40)), ("NHAN", "1.200,0", (130, 30)),  # two texts, 346
             ("NHAN", "LUC", (30, 140))]                                  # land use only, 347
    parcels, report = cad_to_parcels(_dxf(tmp_path / "hai_chu.dxf", labels=NUMBERS_ONLY,
                                          extra=extra))
    assert report.ok, str(report)
    got = _by_number(parcels)
    assert (got[345].land_use_code, got[345].legal_area_m2) == ("CLN", 1234.5)
    assert (got[346].land_use_code, got[346].legal_area_m2) == ("ONT", 1200.0)
    assert got[347].land_use_code == "LUC" and pd.isna(got[347].legal_area_m2)
    assert pd.isna(got[348].land_use_code)
    assert got[345].label == "345\nCLN 1234,5"


def test_closed_polylines_with_numbers_only(tmp_path):
    doc = ezdxf.new("R2010")
    msp = doc.modelspace()
    for (x, y), text in NUMBERS_ONLY.items():
        corners = [_xy(c) for c in [(x, y), (x + 100, y), (x + 100, y + 100), (x, y + 100)]]
        msp.add_lwpolyline(corners, close=True, dxfattribs={"layer": "RANH_THUA"})
        msp.add_text(text, height=2, dxfattribs={"layer": "NHAN",
                                                  "insert": _xy((x + 30, y + 60))})
    doc.saveas(tmp_path / "plines.dxf")
    parcels, report = cad_to_parcels(tmp_path / "plines.dxf")
    assert report.ok, str(report)
    assert sorted(parcels.parcel_no) == [345, 346, 347, 348]
    assert parcels["land_use_code"].isna().all()


def test_dgn_v7_with_numbers_only(tmp_path):
    path = _dgn(tmp_path / "so_thua.dgn", H_EDGES + V_EDGES, NUMBERS_ONLY)
    parcels, report = cad_to_parcels(path, layers=[10, 20])
    assert report.ok, str(report)
    assert sorted(parcels.parcel_no) == [345, 346, 347, 348]
    assert parcels["legal_area_m2"].isna().all()


def test_two_numbers_in_one_parcel_are_an_error_placed_in_it(tmp_path):
    extra = [("NHAN", "349", (60, 20))]  # a second number in the square of 345
    parcels, report = cad_to_parcels(_dxf(tmp_path / "hai_so.dxf", labels=NUMBERS_ONLY,
                                          extra=extra))
    assert sorted(parcels.parcel_no) == [346, 347, 348]
    (two,) = report.by_kind(SEVERAL_LABELS)
    assert "2 parcel numbers in one parcel: 345 ('345'), 349 ('349')" in two.message
    assert X0 < two.x < X0 + 100 and Y0 < two.y < Y0 + 100


def test_two_land_uses_for_one_number_are_an_error(tmp_path):
    extra = [("NHAN", "CLN", (30, 40)), ("NHAN", "ONT 200,5", (30, 30))]
    parcels, report = cad_to_parcels(_dxf(tmp_path / "hai_loai.dxf", labels=NUMBERS_ONLY,
                                          extra=extra))
    assert 345 not in set(parcels.parcel_no)
    (two,) = report.by_kind(SEVERAL_LABELS)
    assert "parcel 345 has 2 land uses: CLN ('CLN'), ONT ('ONT 200,5')" in two.message


def test_a_number_outside_every_parcel_is_an_error_saying_a_parcel_is_lost(tmp_path):
    extra = [("NHAN", "999", (250, 50))]
    parcels, report = cad_to_parcels(_dxf(tmp_path / "ngoai.dxf", labels=NUMBERS_ONLY,
                                          extra=extra))
    assert len(parcels) == 4
    (outside,) = report.by_kind(LABEL_OUTSIDE)
    assert "'999' is outside every parcel: parcel 999 has no polygon" in outside.message
    assert (outside.x, outside.y) == pytest.approx((X0 + 250, Y0 + 50))


def test_land_use_without_a_number_is_a_parcel_without_number(tmp_path):
    labels = dict(NUMBERS_ONLY)
    labels[(100, 0)] = "CLN 500,5"
    parcels, report = cad_to_parcels(_dxf(tmp_path / "khong_so.dxf", labels=labels))
    assert 346 not in set(parcels.parcel_no)
    (issue,) = report.by_kind(NO_NUMBER)
    assert "'CLN 500,5' gives no parcel number" in issue.message
    assert X0 + 100 < issue.x < X0 + 200 and Y0 < issue.y < Y0 + 100


def test_number_and_land_use_without_area(tmp_path):
    labels = dict(CELLS)
    labels[(0, 0)] = "255/CLN"
    parcels, report = cad_to_parcels(_dxf(tmp_path / "khong_dt.dxf", labels=labels))
    assert report.ok, str(report)
    got = _by_number(parcels)
    assert got[255].land_use_code == "CLN" and pd.isna(got[255].legal_area_m2)
    assert got[346].legal_area_m2 == 1200.0

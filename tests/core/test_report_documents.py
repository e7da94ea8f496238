"""The review report's files (issue 14), read back with their own libraries: the Word document
(python-docx), the workbook (openpyxl), the chart and map images, the PDF (pdftotext,
pdftoppm) and the manifest. Rendered from a hand-made Report (tests/report_sample.py)."""

from __future__ import annotations

import hashlib
import json
import subprocess

import numpy as np
import openpyxl
import pytest
from docx import Document
from docx.oxml.ns import qn
from PIL import Image

from landgis.report import fmt
from landgis.report.charts import chart_png
from landgis.report.docx import write_docx
from landgis.report.maps import CLEARANCE_COLOURS, MapError, map_png
from landgis.report.model import MapFigure
from landgis.report.pdf import PdfError, find_converter
from landgis.report.write import OutputError, render_files, render_report
from landgis.report.xlsx import write_xlsx
from tests.report_sample import sample_report


def _number(text: str, lang: str) -> float | None:
    if not text:
        return None
    if lang == "vi":
        text = text.replace(".", "").replace(",", ".")
    else:
        text = text.replace(",", "")
    return float(text)


def _tables_equal(doc_table, table, lang):
    """Every cell of ``doc_table`` shows the Report's value of that row and column."""
    cells = [[c.text for c in row.cells] for row in doc_table.rows]
    assert cells[0] == [c.label(lang) for c in table.columns]
    assert len(cells) == 1 + len(table.rows)
    for shown, row in zip(cells[1:], table.rows):
        for text, col in zip(shown, table.columns):
            value = table.cell(row, col.key, lang)
            if fmt.is_numeric(col.unit):
                if value is None:
                    assert text == ""
                    continue
                step = 10 ** -fmt.DECIMALS[col.unit]
                assert abs(_number(text, lang) - value) <= step / 2 + 1e-9, (col.key, text)
            elif col.unit == "date":
                y, m, d = value.split("-")
                assert text == f"{d}/{m}/{y}"
            else:
                assert text == ("" if value is None else str(value))


def _images(report, tmp_path, lang="vi"):
    return {c.name: chart_png(report, c, tmp_path / f"{c.name}.png", lang)
            for s in report.sections for c in s.charts}


def _not_blank(png) -> bool:
    pixels = np.asarray(Image.open(png).convert("L"))
    return pixels.std() > 5 and (pixels < 128).mean() > 0.001


def test_docx_is_an_administrative_report_with_the_reports_figures(tmp_path):
    report = sample_report()
    path = write_docx(report, tmp_path / "bao_cao.docx", charts=_images(report, tmp_path))
    doc = Document(str(path))
    heading = doc.tables[0]
    left, right = (cell.paragraphs for cell in heading.rows[0].cells)
    assert left[0].text == "BAN QUẢN LÝ KHU KINH TẾ TỈNH KON TUM"
    assert any(p.text.startswith("Số:") and p.text.endswith("/BC-BQLKKT") for p in left)
    assert right[0].text == "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"
    motto = right[1]
    assert motto.text == "Độc lập - Tự do - Hạnh phúc"
    assert all(r.font.underline and r.font.bold for r in motto.runs)
    place = [p for p in right if p.text.startswith("Kon Tum, ngày")]
    assert place and all(r.font.italic for r in place[0].runs)
    texts = [p.text for p in doc.paragraphs]
    assert "BÁO CÁO" in texts
    assert any("6 tháng đầu năm 2019" in t and t.startswith("Sơ kết") for t in texts)
    titles = [t for t in texts if t[:3] in ("I. ", "II.", "III", "IV.")]
    assert titles == ["I. Công tác giải phóng mặt bằng",
                      "II. Đấu giá quyền sử dụng đất và nguồn thu",
                      "III. Dự án đầu tư công và giải ngân", "IV. Tiến độ của nhà đầu tư"]
    assert report.sections[0].sentences_vi[0] in texts
    # every table of the report, in order, with its figures
    tables = [t for s in report.sections for t in s.tables]
    assert len(doc.tables) == 1 + len(tables) + 1  # heading, the tables, Nơi nhận
    for doc_table, table in zip(doc.tables[1:], tables):
        _tables_equal(doc_table, table, "vi")
    assert "1.234,56" in doc.tables[1].rows[1].cells[1].text
    assert doc.tables[3].rows[1].cells[1].text == "1.234.567.890"
    assert doc.tables[-1].rows[0].cells[0].paragraphs[0].text == "Nơi nhận:"
    # Times New Roman 13-14 pt, every run
    runs = [r for p in doc.paragraphs for r in p.runs if r.text]
    runs += [r for t in doc.tables for row in t.rows for c in row.cells
             for p in c.paragraphs for r in p.runs if r.text]
    assert runs and {r.font.name for r in runs} == {"Times New Roman"}
    assert {r.font.size.pt for r in runs} <= {13.0, 14.0}
    # the charts as images, page numbers in the footer
    assert len(doc.inline_shapes) == sum(len(s.charts) for s in report.sections)
    footer = doc.sections[0].footer.paragraphs[0]._element
    assert "PAGE" in "".join(t.text for t in footer.iter(qn("w:instrText")))


def test_docx_in_english_keeps_the_layout(tmp_path):
    report = sample_report()
    doc = Document(str(write_docx(report, tmp_path / "r.docx", lang="en")))
    right = doc.tables[0].rows[0].cells[1].paragraphs
    assert right[0].text == "SOCIALIST REPUBLIC OF VIETNAM"
    texts = [p.text for p in doc.paragraphs]
    assert "REPORT" in texts and "I. Land clearance" in texts
    for doc_table, table in zip(doc.tables[1:], [t for s in report.sections for t in s.tables]):
        _tables_equal(doc_table, table, "en")
    assert doc.tables[1].rows[1].cells[1].text == "1,234.56"


def test_xlsx_has_real_numbers_text_not_formulas_and_native_charts(tmp_path):
    report = sample_report()
    wb = openpyxl.load_workbook(write_xlsx(report, tmp_path / "bao_cao.xlsx"))
    for section in report.sections:
        for table in section.tables:
            ws = wb[table.name]
            header = [c.value for c in ws[3]][:len(table.columns)]
            assert header == [c.label("vi") for c in table.columns]
            for i, row in enumerate(table.rows):
                for j, col in enumerate(table.columns):
                    cell = ws.cell(4 + i, 1 + j)
                    value = table.cell(row, col.key, "vi")
                    if fmt.is_numeric(col.unit) and value is not None:
                        assert cell.data_type == "n" and cell.value == value
                        assert cell.number_format == fmt.EXCEL_FORMATS[col.unit]
                    elif col.unit == "date":
                        assert cell.value.date().isoformat() == value
                    elif value is not None:
                        assert cell.data_type == "s" and cell.value == value
            charts = [c for c in section.charts if c.table == table.name]
            assert len(ws._charts) == len(charts), table.name
    assert wb["projects"]["E4"].value == "=SUM(A1:A9)"  # text, not a formula
    assert wb["projects"]["E4"].data_type == "s"
    kinds = {ws.title: type(ws._charts[0]).__name__ for ws in wb if ws._charts}
    assert kinds == {"clearance": "BarChart", "cleared_over_time": "LineChart",
                     "revenue": "BarChart", "projects": "BarChart", "investors": "PieChart"}


def test_charts_are_drawn(tmp_path):
    report = sample_report()
    images = _images(report, tmp_path, "en")
    assert len(images) == 5
    assert all(_not_blank(p) for p in images.values())


def _share(png, colour, alpha=0.85) -> float:
    """The share of pixels of ``colour`` laid at ``alpha`` over white."""
    rgb = np.array([int(colour[i:i + 2], 16) for i in (1, 3, 5)], dtype=float)
    want = alpha * rgb + (1 - alpha) * 255
    pixels = np.asarray(Image.open(png).convert("RGB"), dtype=float)
    return (np.abs(pixels - want).max(axis=2) < 6).mean()


def test_map_colours_parcels_by_their_status_at_the_periods_end(store, tmp_path):
    figure = MapFigure("KCN-T1", "Bản đồ KCN thử", "Test park")
    before = map_png(store, figure, "2019-04-30", tmp_path / "a.png")
    after = map_png(store, figure, "2019-06-30", tmp_path / "b.png", lang="en")
    # parcel 1 was compensated on 02/05/2019: inventoried before, compensated after
    assert _share(before, CLEARANCE_COLOURS["inventoried"]) > 0.02
    assert _share(before, CLEARANCE_COLOURS["compensated"]) < 0.001
    assert _share(after, CLEARANCE_COLOURS["compensated"]) > 0.02
    assert _share(after, CLEARANCE_COLOURS["inventoried"]) < 0.001
    with pytest.raises(MapError, match="KCN-NONE"):
        map_png(store, MapFigure("KCN-NONE", "x", "x"), "2019-06-30", tmp_path / "c.png")


def test_map_is_drawn_over_the_basemap(store, tmp_path):
    from landgis.config import DEFAULT_BASEMAP_RASTER

    figure = MapFigure("KCN-T1", "x", "x")
    plain = np.asarray(Image.open(map_png(store, figure, "2019-06-30", tmp_path / "a.png")))
    over = np.asarray(Image.open(map_png(store, figure, "2019-06-30", tmp_path / "b.png",
                                         basemap=str(DEFAULT_BASEMAP_RASTER))))
    assert (over[..., :3] < 240).mean() > (plain[..., :3] < 240).mean() + 0.05


@pytest.mark.backends("gpkg")
def test_report_folder_docx_xlsx_pdf_manifest(store, tmp_path):
    report = sample_report(maps=("KCN-T1",))
    (tmp_path / "outs").mkdir()
    out = tmp_path / "outs" / "bao-cao"
    manifest = render_report(report, out, store=store)
    files = {f["path"]: f for f in manifest["files"]}
    assert {"bao_cao.docx", "bao_cao.xlsx", "bao_cao.pdf", "charts/ban_do_KCN-T1.png",
            "charts/revenue.png"} <= set(files)
    for name, entry in files.items():
        assert hashlib.sha256((out / name).read_bytes()).hexdigest() == entry["sha256"]
    on_disk = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert on_disk["period"]["key"] == "2019-H1" and on_disk["lang"] == "vi"
    assert on_disk["store"]["data_version"] == "sample-version-1"
    assert [p.name for p in out.parent.iterdir()] == ["bao-cao"]  # no temporary folder left
    text = subprocess.run(["pdftotext", "-layout", str(out / "bao_cao.pdf"), "-"],
                          capture_output=True, text=True, check=True).stdout
    for heading in ("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc",
                    "BÁO CÁO", "BAN QUẢN LÝ KHU", "TỈNH KON TUM", "Công tác giải phóng mặt bằng",
                    "Nơi nhận", "1.234.567.890"):
        assert heading in text, heading
    subprocess.run(["pdftoppm", "-f", "1", "-l", "1", "-r", "40", "-png",
                    str(out / "bao_cao.pdf"), str(tmp_path / "page")], check=True)
    assert _not_blank(tmp_path / "page-1.png")
    # an existing folder: refused unless forced, and then replaced whole
    stamp = (out / "manifest.json").read_bytes()
    with pytest.raises(OutputError, match="đã có.* / the folder already exists"):
        render_report(report, out, store=store)
    assert (out / "manifest.json").read_bytes() == stamp
    again = render_report(report, out, store=store, lang="en", force=True)
    assert again["lang"] == "en"
    assert "SOCIALIST REPUBLIC OF VIETNAM" in subprocess.run(
        ["pdftotext", str(out / "bao_cao.pdf"), "-"], capture_output=True, text=True).stdout


def test_a_failure_leaves_nothing_behind(store, tmp_path):
    report = sample_report(maps=("KCN-NONE",))
    (tmp_path / "outs").mkdir()
    with pytest.raises(MapError):
        render_report(report, tmp_path / "outs" / "out", store=store)
    assert list((tmp_path / "outs").iterdir()) == []


def test_a_folder_of_other_files_is_never_replaced(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "notes.txt").write_text("mine")
    with pytest.raises(OutputError, match="manifest.json"):
        render_report(sample_report(maps=()), out, force=True)
    assert (out / "notes.txt").read_text() == "mine"


def test_english_files_without_pdf(tmp_path):
    folder = tmp_path / "f"
    folder.mkdir()
    files = render_files(sample_report(maps=()), folder, lang="en", pdf=False)
    assert "bao_cao.pdf" not in files and "bao_cao.xlsx" in files
    wb = openpyxl.load_workbook(folder / "bao_cao.xlsx")
    assert wb.sheetnames[0] == "report" and wb["clearance"]["A3"].value == "Zone"


def test_no_converter_is_a_clear_error(monkeypatch, tmp_path):
    monkeypatch.setenv("PATH", str(tmp_path))  # a machine without LibreOffice
    with pytest.raises(PdfError, match="^không tìm thấy LibreOffice .* / no LibreOffice"):
        find_converter()

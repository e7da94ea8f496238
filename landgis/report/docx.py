"""``bao_cao.docx``: the report laid out as a Vietnamese administrative report (Decree
30/2020/NĐ-CP): the two-column heading (issuing body and number on the left, national heading,
motto and place/date on the right), the title "BÁO CÁO" and its excerpt, numbered sections
(I., II., …) of sentences, tables, charts and maps with captions, page numbers in the footer and
the "Nơi nhận" block, in Times New Roman 13–14 pt. English (``lang="en"``): the same layout.

Nothing here computes a figure: the cells are the Report's rows shown by :mod:`fmt`.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from docx import Document
from docx.enum.section import WD_ORIENT, WD_SECTION
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt

from landgis.report import fmt
from landgis.report.model import Report

FONT = "Times New Roman"
SIZE = 13
ROMAN = ["I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X", "XI", "XII"]
TEXT = {
    "vi": {"nation": "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "motto": "Độc lập - Tự do - Hạnh phúc",
           "number": "Số:        /BC-BQLKKT", "title": "BÁO CÁO",
           "review": "Sơ kết", "year_review": "Tổng kết",
           "excerpt": "{kind} tình hình quản lý quỹ đất, giải phóng mặt bằng và tiến độ các dự "
                      "án {label}",
           "zone": "Khu: {zone}", "table": "Bảng", "chart": "Biểu đồ", "map": "Hình",
           "empty": "Kỳ báo cáo kết thúc trước sự kiện đầu tiên của sổ theo dõi: chưa có số "
                    "liệu.",
           "as_of": "Số liệu tính đến ngày {date}; so sánh với {previous}.",
           "recipients": "Nơi nhận:", "recipient_lines": ["- UBND tỉnh (b/c);",
                                                          "- Lưu: VT, QLĐĐ."],
           "signer": "TRƯỞNG BAN", "date": "{place}, ngày {d} tháng {m} năm {y}"},
    "en": {"nation": "SOCIALIST REPUBLIC OF VIETNAM", "motto": "Independence - Freedom - "
           "Happiness", "number": "No.:        /BC-BQLKKT", "title": "REPORT",
           "review": "Review", "year_review": "Annual review",
           "excerpt": "{kind} of the land fund, land clearance and project progress, {label}",
           "zone": "Zone: {zone}", "table": "Table", "chart": "Chart", "map": "Figure",
           "empty": "The period ends before the first event of the ledgers: no figures yet.",
           "as_of": "Figures as of {date}; compared with the {previous}.",
           "recipients": "Recipients:", "recipient_lines": ["- Provincial People's Committee "
                                                            "(for report);",
                                                            "- Archive: Office, Land unit."],
           "signer": "HEAD OF THE BOARD", "date": "{place}, {y}-{m}-{d}"},
}


def _font(run, size=SIZE, bold=False, italic=False, underline=False):
    run.font.name = FONT
    run.font.size = Pt(size)
    run.font.bold = bold
    run.font.italic = italic
    run.font.underline = underline
    rpr = run._element.get_or_add_rPr()
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        rpr.insert(0, fonts)
    for attr in ("w:ascii", "w:hAnsi", "w:cs", "w:eastAsia"):
        fonts.set(qn(attr), FONT)
    return run


def _para(container, text="", *, size=SIZE, bold=False, italic=False, underline=False,
          align=None, indent=False, space_after=6):
    p = container.add_paragraph()
    if text:
        _font(p.add_run(text), size, bold, italic, underline)
    if align is not None:
        p.alignment = align
    fmt_ = p.paragraph_format
    fmt_.space_after = Pt(space_after)
    fmt_.space_before = Pt(0)
    if indent:
        fmt_.first_line_indent = Cm(1.0)
    return p


def _no_borders(table):
    tbl_pr = table._element.tblPr
    borders = OxmlElement("w:tblBorders")
    for edge in ("top", "left", "bottom", "right", "insideH", "insideV"):
        el = OxmlElement(f"w:{edge}")
        el.set(qn("w:val"), "nil")
        borders.append(el)
    tbl_pr.append(borders)


def _widths(table, widths_cm):
    """Fixed column widths (Word and LibreOffice both read the grid and the cells)."""
    table.autofit = False
    for col, w in zip(table.columns, widths_cm):
        col.width = Cm(w)
        for cell in col.cells:
            cell.width = Cm(w)


def _cell_text(cell, lines, align=WD_ALIGN_PARAGRAPH.CENTER):
    """``lines``: (text, options) pairs written as paragraphs of ``cell``."""
    cell.paragraphs[0]._element.getparent().remove(cell.paragraphs[0]._element)
    for text, opts in lines:
        _para(cell, text, align=opts.pop("align", align), space_after=0, **opts)


def _page_number(section):
    p = section.footer.paragraphs[0]
    p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    run = _font(p.add_run(), SIZE)
    for kind, text in (("begin", None), (None, "PAGE"), ("end", None)):
        if kind:
            el = OxmlElement("w:fldChar")
            el.set(qn("w:fldCharType"), kind)
        else:
            el = OxmlElement("w:instrText")
            el.set(qn("xml:space"), "preserve")
            el.text = text
        run._element.append(el)


def _heading(doc, report: Report, lang, t, *, province, place, issued: dt.date):
    issuer = report.issuer_vi if lang == "vi" else report.issuer_en
    if lang == "vi" and issuer.rstrip().endswith("TỈNH"):
        issuer = f"{issuer} {province.upper()}"
    elif lang == "en":
        issuer = f"{issuer} of {province}".upper()
    table = doc.add_table(rows=1, cols=2)
    _no_borders(table)
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    left, right = table.rows[0].cells
    _widths(table, (6.0, 10.5))
    _cell_text(left, [(issuer, {"bold": True, "size": SIZE}), ("———", {"size": SIZE}),
                      (t["number"], {"size": SIZE})])
    d, m, y = (f"{issued.day:02d}", f"{issued.month:02d}", f"{issued.year}")
    _cell_text(right, [(t["nation"], {"bold": True, "size": SIZE}),
                       (t["motto"], {"bold": True, "underline": True, "size": 14}),
                       ("", {}),
                       (t["date"].format(place=place, d=d, m=m, y=y),
                        {"italic": True, "size": 14})])


def _orient(doc, landscape: bool) -> None:
    """A new page in landscape (a wide table) or back in portrait; the page numbers go on."""
    sec = doc.add_section(WD_SECTION.NEW_PAGE)
    sec.orientation = WD_ORIENT.LANDSCAPE if landscape else WD_ORIENT.PORTRAIT
    long_side, short_side = Cm(29.7), Cm(21.0)
    sec.page_width, sec.page_height = ((long_side, short_side) if landscape
                                       else (short_side, long_side))


TABLE_SIZE_WIDE = 10


def _text_weight(table, column) -> float:
    """A text column's share of a wide table: by the mean length of its cells (a code column
    narrow, a column of articles wide)."""
    cells = [str(r.get(column.key) or "") for r in table.rows] or [""]
    mean = sum(len(c) for c in cells) / len(cells)
    return min(12.0, max(1.8, mean / 8))


def _narrow_margins(table, cm: float = 0.1) -> None:
    """Cell margins of ``cm`` left and right (Word's default is 0.19 cm)."""
    props = table._tbl.tblPr
    mar = OxmlElement("w:tblCellMar")
    for side in ("left", "right"):
        el = OxmlElement(f"w:{side}")
        el.set(qn("w:w"), str(int(cm / 2.54 * 1440)))
        el.set(qn("w:type"), "dxa")
        mar.append(el)
    props.append(mar)


def _wide(table) -> bool:
    """A table that does not fit a portrait page: many columns, or several of text."""
    texts = sum(1 for c in table.columns if c.unit == "text")
    return len(table.columns) > 7 or texts >= 3


def _table(doc, table, lang, number, t):
    wide = _wide(table)
    if wide:
        _orient(doc, True)
    cap = _para(doc, f"{t['table']} {number}. {table.title(lang)}", bold=True,
                align=WD_ALIGN_PARAGRAPH.CENTER, space_after=3)
    cap.paragraph_format.keep_with_next = True
    out = doc.add_table(rows=1 + len(table.rows), cols=len(table.columns))
    out.style = "Table Grid"
    out.alignment = WD_TABLE_ALIGNMENT.CENTER
    # text columns wider than figures, across the page's text width
    # (a wide table is set in 10 pt, as appendix tables are, so that whole đồng such as
    # 148.500.000.000 fit their column instead of breaking inside the number)
    weights = ([_text_weight(table, c) if c.unit == "text" else 4.2 if c.unit == "vnd"
                else 1.7 if c.unit in ("pct", "ha") else 1.3
                for c in table.columns] if wide else
               [3.0 if c.unit == "text" else 3.2 if c.unit == "vnd" else 1.6
                for c in table.columns])
    page = 25.2 if wide else 16.5
    size = {"size": TABLE_SIZE_WIDE} if wide else {}
    if wide:
        _narrow_margins(out)
    _widths(out, [page * w / sum(weights) for w in weights])
    for j, col in enumerate(table.columns):
        _cell_text(out.rows[0].cells[j], [(col.label(lang), {"bold": True, **size})])
    last = len(table.rows) - 1
    for i, row in enumerate(table.rows):
        bold = table.total and i == last
        for j, col in enumerate(table.columns):
            align = (WD_ALIGN_PARAGRAPH.RIGHT if fmt.is_numeric(col.unit)
                     else WD_ALIGN_PARAGRAPH.LEFT)
            text = fmt.cell(table.cell(row, col.key, lang), col.unit, lang)
            _cell_text(out.rows[i + 1].cells[j], [(text, {"bold": bold, "align": align,
                                                           **size})])
    note = table.note_vi if lang == "vi" else table.note_en
    if note:
        _para(doc, note, italic=True, space_after=6)
    if wide:
        _orient(doc, False)
    else:
        _para(doc, "", space_after=0)


def _figure(doc, image, caption):
    p = doc.add_paragraph()
    p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    p.paragraph_format.keep_with_next = True
    p.add_run().add_picture(str(image), width=Cm(15.5))
    _para(doc, caption, italic=True, align=WD_ALIGN_PARAGRAPH.CENTER)


def write_docx(report: Report, path, *, lang: str = "vi", charts: dict | None = None,
               maps: list | None = None, province: str = "Kon Tum", place: str = "Kon Tum",
               issued: dt.date | None = None) -> Path:
    """Write the report into ``path``. ``charts`` maps a Chart's name to its PNG; ``maps`` is
    a list of (MapFigure, PNG) pairs."""
    t = TEXT[lang]
    charts = charts or {}
    issued = issued or dt.date.today()
    doc = Document()
    style = doc.styles["Normal"]
    style.font.name = FONT
    style.font.size = Pt(SIZE)
    style.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), FONT)
    sec = doc.sections[0]
    sec.page_width, sec.page_height = Cm(21.0), Cm(29.7)
    sec.top_margin, sec.bottom_margin = Cm(2.0), Cm(2.0)
    sec.left_margin, sec.right_margin = Cm(3.0), Cm(1.5)
    _page_number(sec)
    _heading(doc, report, lang, t, province=province, place=place, issued=issued)
    _para(doc, "", space_after=6)
    _para(doc, t["title"], size=14, bold=True, align=WD_ALIGN_PARAGRAPH.CENTER, space_after=0)
    long = (report.period.end - report.period.start).days > 300
    excerpt = t["excerpt"].format(kind=t["year_review" if long else "review"],
                                  label=report.period.label(lang))
    _para(doc, excerpt, size=14, bold=True, align=WD_ALIGN_PARAGRAPH.CENTER, space_after=0)
    if report.zone:
        _para(doc, t["zone"].format(zone=report.zone), size=14, bold=True,
              align=WD_ALIGN_PARAGRAPH.CENTER, space_after=0)
    _para(doc, "———", align=WD_ALIGN_PARAGRAPH.CENTER, space_after=12)
    _para(doc, t["as_of"].format(date=fmt.cell(report.as_of, "date"),
                                 previous=report.previous.label(lang)),
          italic=True, indent=True)
    if report.empty:
        _para(doc, t["empty"], indent=True)
    n_table = n_chart = 0
    for i, section in enumerate(report.sections):
        h = _para(doc, f"{ROMAN[i] if i < len(ROMAN) else i + 1}. {section.title(lang)}",
                  size=SIZE, bold=True, space_after=6)
        h.paragraph_format.keep_with_next = True
        for sentence in section.sentences(lang):
            _para(doc, sentence, indent=True, align=WD_ALIGN_PARAGRAPH.JUSTIFY)
        for table in section.tables:
            n_table += 1
            _table(doc, table, lang, n_table, t)
        for chart in section.charts:
            if chart.name in charts:
                n_chart += 1
                _figure(doc, charts[chart.name], f"{t['chart']} {n_chart}. {chart.title(lang)}")
    for k, (figure, image) in enumerate(maps or [], start=1):
        title = figure.title_vi if lang == "vi" else figure.title_en
        _figure(doc, image, f"{t['map']} {k}. {title}")
    _closing(doc, t)
    path = Path(path)
    doc.save(str(path))
    return path


def _closing(doc, t):
    _para(doc, "", space_after=6)
    table = doc.add_table(rows=1, cols=2)
    _no_borders(table)
    _widths(table, (8.5, 8.0))
    left, right = table.rows[0].cells
    _cell_text(left, [(t["recipients"], {"bold": True, "italic": True})]
               + [(line, {}) for line in t["recipient_lines"]], align=WD_ALIGN_PARAGRAPH.LEFT)
    _cell_text(right, [(t["signer"], {"bold": True})])

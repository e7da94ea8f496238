"""``ho_so.pdf``: the printable A4 dossier, drawn with reportlab.

Page 1: the lot, a vector sketch of its parcels (filled) and their neighbours (outlined) from
the store, the parcel table, the totals, the CRS statement and the date (the table runs on to
the next pages for large lots). Then a page per parcel: its sketch with its neighbours and
numbered vertices (edge lengths too when the ring has few), and its coordinate table. Headings
are Vietnamese first, English second; numbers are written the Vietnamese way (1.234,56).

The text needs a TrueType font with Vietnamese glyphs: DejaVu Sans (Debian's
``fonts-dejavu-core``, in /usr/share/fonts/truetype/dejavu/); without it the export stops
with a message saying so, before anything is written.
"""

from __future__ import annotations

from pathlib import Path
from xml.sax.saxutils import escape

import numpy as np
import shapely

from landgis import __version__
from landgis.contract import AUCTION_STATUS, CLEARANCE_STATUS, LAND_USE, NOT_STATED
# the fonts and the sketch; re-exported: callers import them from here
from landgis.dossier.sketch import (  # noqa: F401
    EDGE_LABELS_UP_TO,
    FONT_DIR,
    FONT_FILES,
    _nice,
    _outward,
    _register,
    _sketch_class,
    check_fonts,
    parcel_drawing,
)
from landgis.numbers import vn_number

CRS_STATEMENT_VI = ("Hệ tọa độ VN-2000, kinh tuyến trục 107°30′, múi chiếu 3°, k = 0,9999 "
                    "(EPSG:9216)")
CRS_STATEMENT_EN = ("Coordinate system VN-2000, central meridian 107°30′, 3° zone, "
                    "k = 0.9999 (EPSG:9216)")
CRS_STATEMENT = f"{CRS_STATEMENT_VI} / {CRS_STATEMENT_EN}"


def _label(vocab, code) -> str:
    if code in vocab:
        return f"{vocab.label(code)} / {vocab.label(code, 'en')}"
    return str(code or "")


# --------------------------------------------------------------------------- the document


def write_pdf(lot, table, neighbours, path, *, date_text: str, font_dir=FONT_DIR) -> Path:
    """Write ``ho_so.pdf``.

    ``table``: the coordinate table (:func:`landgis.dossier.coords.vertex_table`);
    ``neighbours``: the store's parcels around the lot (storage CRS, ``parcel_id``,
    ``parcel_no``), the lot's own among them or not.
    """
    _register(font_dir)
    from reportlab import rl_config
    from reportlab.lib import colors
    from reportlab.lib.enums import TA_CENTER
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.lib.utils import simpleSplit
    from reportlab.platypus import (BaseDocTemplate, Frame, KeepTogether, PageBreak,
                                    PageTemplate, Paragraph, Spacer, Table, TableStyle)

    Sketch = _sketch_class()
    base = ParagraphStyle("base", fontName="DejaVuSans", fontSize=8, leading=10)
    small = ParagraphStyle("small", parent=base, fontSize=6.5, leading=8)
    head = ParagraphStyle("head", parent=small, fontName="DejaVuSans-Bold")
    h1 = ParagraphStyle("h1", parent=base, fontName="DejaVuSans-Bold", fontSize=13, leading=16,
                        alignment=TA_CENTER)
    h1en = ParagraphStyle("h1en", parent=base, fontSize=9.5, leading=12, alignment=TA_CENTER,
                          textColor=colors.HexColor("#455a64"))
    h2 = ParagraphStyle("h2", parent=base, fontName="DejaVuSans-Bold", fontSize=10.5, leading=13)
    width = A4[0] - 30 * mm

    def P(text, style=small):
        return Paragraph(escape(str(text)), style)

    wrapped: dict = {}

    def fit(text, width_mm, size=7):
        """Plain text broken into lines that fit (cheaper than a Paragraph, cached)."""
        key = (text, width_mm, size)
        if key not in wrapped:
            wrapped[key] = "\n".join(simpleSplit(str(text), "DejaVuSans", size,
                                                  width_mm * mm - 6)) or ""
        return wrapped[key]

    lot_title = escape(lot.code) + (f" – {escape(lot.name)}" if lot.name else "")
    totals = lot.totals()

    def footer(canvas, doc):
        canvas.saveState()
        canvas.setFont("DejaVuSans", 6.5)
        canvas.setFillColor(colors.HexColor("#546e7a"))
        canvas.drawString(15 * mm, 9 * mm, f"Lô / lot {lot.code} · {date_text} · VN-2000 TM-3 "
                                           f"107°30′ (EPSG:9216) · landgis {__version__}")
        canvas.drawRightString(A4[0] - 15 * mm, 9 * mm, f"Trang / page {doc.page}")
        canvas.restoreState()

    story = [
        Paragraph("HỒ SƠ LÔ ĐẤT ĐẤU GIÁ QUYỀN SỬ DỤNG ĐẤT", h1),
        Paragraph("Land-use rights auction lot dossier", h1en),
        Spacer(1, 3 * mm),
        Paragraph(f"Lô / lot: <b>{lot_title}</b>", base),
        Paragraph(f"Ngày lập / date: {escape(date_text)}", base),
        Spacer(1, 2 * mm),
    ]
    geoms = np.asarray(lot.parcels.geometry.values, dtype=object)
    ids = set(lot.parcel_ids)
    around = neighbours[~neighbours["parcel_id"].isin(ids)] if len(neighbours) else neighbours
    around_geoms = np.asarray(around.geometry.values, dtype=object) if len(around) else \
        np.array([], dtype=object)
    extent = shapely.total_bounds(geoms)
    sketch = Sketch(width, 100 * mm, geoms, around_geoms, extent=extent)
    span = max(extent[2] - extent[0], extent[3] - extent[1]) or 1.0
    min_size = 18 / sketch.scale  # label a parcel drawn at least 18 pt across
    for g, number in zip(geoms, lot.parcels["parcel_no"]):
        b = shapely.bounds(g)
        if max(b[2] - b[0], b[3] - b[1]) >= min_size:
            p = shapely.point_on_surface(g)
            sketch.labels.append((p.x, p.y, str(number)))
    if len(around):
        for g, number in zip(around_geoms, around["parcel_no"]):
            b = shapely.bounds(g)
            if max(b[2] - b[0], b[3] - b[1]) >= min_size * 1.5:
                p = shapely.point_on_surface(g)
                sketch.neighbour_labels.append((p.x, p.y, str(number)))
    story += [Paragraph("Sơ đồ lô đất / map of the lot", h2), Spacer(1, 1 * mm), sketch,
              Paragraph("Thửa trong lô tô màu; thửa xung quanh viền xám, ghi số thửa / the lot's "
                        "parcels filled, neighbouring parcels outlined in grey, with their "
                        f"numbers. Phạm vi / extent ≈ {vn_number(span, 0)} m", small),
              Spacer(1, 3 * mm), Paragraph("Danh sách thửa / parcels of the lot", h2),
              Spacer(1, 1 * mm)]

    header = [Paragraph(t, head) for t in (
        "STT<br/>no.", "Mã thửa<br/>parcel id", "Tờ<br/>sheet", "Thửa<br/>parcel",
        "Loại đất<br/>land use",
        "DT mặt phẳng (m²) / plane area", "DT ellipsoid (m²) / ellipsoidal",
        "DT pháp lý (m²) / legal area", "GPMB / clearance", "Đấu giá / auction")]
    rows = [header]
    for i, r in enumerate(lot.parcels.itertuples(index=False), start=1):
        rows.append([str(i), fit(r.parcel_id, 22), str(r.sheet_no), str(r.parcel_no),
                     fit(LAND_USE.label(NOT_STATED) if r.land_use_code == NOT_STATED
                         else r.land_use_code, 13), vn_number(r.plane_area_m2, 1),
                     vn_number(r.ellipsoidal_area_m2, 1), vn_number(r.legal_area_m2, 1),
                     fit(CLEARANCE_STATUS.label(r.clearance_status)
                         if r.clearance_status in CLEARANCE_STATUS else r.clearance_status, 27),
                     fit(AUCTION_STATUS.label(r.auction_status)
                         if r.auction_status in AUCTION_STATUS else r.auction_status, 27)])
    rows.append(["", P("Tổng cộng / total", head), "", "",
                 P(f"{totals['parcel_count']} thửa / parcels", head),
                 vn_number(totals["plane_area_m2"], 1), vn_number(totals["ellipsoidal_area_m2"], 1),
                 vn_number(totals["legal_area_m2"], 1), "", ""])
    col_mm = (10, 22, 10, 11, 13, 20, 20, 20, 27, 27)
    parcel_table = Table(rows, colWidths=[c * mm for c in col_mm], repeatRows=1)
    parcel_table.setStyle(TableStyle([
        ("FONT", (0, 0), (-1, -1), "DejaVuSans", 7),
        ("FONT", (0, -1), (-1, -1), "DejaVuSans-Bold", 7),
        ("GRID", (0, 0), (-1, -1), 0.3, colors.HexColor("#90a4ae")),
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#eceff1")),
        ("BACKGROUND", (0, -1), (-1, -1), colors.HexColor("#fff8e1")),
        ("ALIGN", (5, 1), (7, -1), "RIGHT"),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("LEFTPADDING", (0, 0), (-1, -1), 2), ("RIGHTPADDING", (0, 0), (-1, -1), 2),
        ("TOPPADDING", (0, 0), (-1, -1), 1.5), ("BOTTOMPADDING", (0, 0), (-1, -1), 1.5),
    ]))
    story += [parcel_table, Spacer(1, 3 * mm)]
    story.append(KeepTogether([
        Paragraph(f"<b>Tổng cộng / totals:</b> {totals['parcel_count']} thửa / parcels; "
                  "diện tích mặt phẳng VN-2000 / plane area "
                  f"{vn_number(totals['plane_area_m2'], 1)} m² ({vn_number(totals['plane_area_ha'], 4)} ha); diện tích pháp lý / legal "
                  f"area {vn_number(totals['legal_area_m2'], 1)} m²; diện tích ellipsoid WGS 84 / "
                  f"ellipsoidal area {vn_number(totals['ellipsoidal_area_m2'], 1)} m²", base),
        Spacer(1, 1.5 * mm),
        Paragraph(escape(CRS_STATEMENT_VI), base),
        Paragraph(escape(CRS_STATEMENT_EN), small),
        Paragraph("Diện tích mặt phẳng tính trên mặt phẳng chiếu VN-2000 (số liệu ghi trên giấy "
                  "tờ đất đai); X là tọa độ hướng bắc, Y hướng đông / plane areas are on the "
                  "VN-2000 projection plane (the figure on land documents); X is northing, "
                  "Y easting.", small),
        Paragraph(f"Ngày lập / date: {escape(date_text)}", base),
    ]))

    # one page per parcel
    n_geoms = np.asarray(neighbours.geometry.values, dtype=object)
    n_ids = neighbours["parcel_id"].to_numpy()
    n_numbers = neighbours["parcel_no"].astype(str).to_numpy()
    tree = shapely.STRtree(n_geoms) if len(neighbours) else None
    by_parcel = {pid: grp for pid, grp in table.groupby("parcel_id", sort=False)}
    for r, geom in zip(lot.parcels.itertuples(index=False), geoms):
        story.append(PageBreak())
        story.append(Paragraph(f"Thửa đất số {r.parcel_no}, tờ bản đồ số {r.sheet_no} – "
                               f"{escape(str(r.commune_name))}", h2))
        story.append(Paragraph(f"Parcel {r.parcel_no}, map sheet {r.sheet_no} · "
                               f"{escape(r.parcel_id)} · lô / lot {lot_title}", small))
        story.append(Spacer(1, 2 * mm))
        land_use = (f"{r.land_use_code} – {LAND_USE.label(r.land_use_code)} / "
                    f"{LAND_USE.label(r.land_use_code, 'en')}" if r.land_use_code in LAND_USE
                    else str(r.land_use_code))
        if r.land_use_code == NOT_STATED:
            land_use = f"{LAND_USE.label(NOT_STATED)} / {LAND_USE.label(NOT_STATED, 'en')}"
        info = [
            ["Loại đất\nland use", fit(land_use, 58),
             "Khu\nzone", fit(r.zone_code or "", 58)],
            ["DT mặt phẳng\nplane area", f"{vn_number(r.plane_area_m2, 1)} m²",
             "DT pháp lý\nlegal area", f"{vn_number(r.legal_area_m2, 1)} m²"],
            ["DT ellipsoid\nellipsoidal area", f"{vn_number(r.ellipsoidal_area_m2, 1)} m²",
             "Xã/phường\ncommune", fit(f"{r.commune_name} ({r.commune_code})", 58)],
            ["GPMB\nclearance", fit(_label(CLEARANCE_STATUS, r.clearance_status), 58),
             "Đấu giá\nauction", fit(_label(AUCTION_STATUS, r.auction_status), 58)],
        ]
        info_table = Table(info, colWidths=[32 * mm, 58 * mm, 32 * mm, 58 * mm])
        info_table.setStyle(TableStyle([
            ("FONT", (0, 0), (-1, -1), "DejaVuSans", 7),
            ("FONT", (0, 0), (0, -1), "DejaVuSans-Bold", 6.5),
            ("FONT", (2, 0), (2, -1), "DejaVuSans-Bold", 6.5),
            ("GRID", (0, 0), (-1, -1), 0.3, colors.HexColor("#b0bec5")),
            ("LEFTPADDING", (0, 0), (-1, -1), 3), ("RIGHTPADDING", (0, 0), (-1, -1), 2),
            ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
            ("TOPPADDING", (0, 0), (-1, -1), 1.5), ("BOTTOMPADDING", (0, 0), (-1, -1), 1.5)]))
        story += [info_table, Spacer(1, 2 * mm)]
        near = []
        if tree is not None:
            b = shapely.bounds(geom)
            pad = max(b[2] - b[0], b[3] - b[1]) * 0.6 + 5
            hits = tree.query(shapely.box(b[0] - pad, b[1] - pad, b[2] + pad, b[3] + pad))
            for k in sorted(hits):
                if n_ids[k] != r.parcel_id:
                    near.append((n_geoms[k], n_numbers[k]))
        story.append(parcel_drawing(Sketch, geom, near, width, 95 * mm, str(r.parcel_no)))
        story.append(Paragraph("Sơ đồ thửa đất, số hiệu điểm đánh theo chiều kim đồng hồ từ góc "
                               "tây bắc / sketch of the parcel, points numbered clockwise from "
                               "the north-west corner", small))
        story.append(Spacer(1, 2 * mm))
        rows = [["Số hiệu điểm\npoint", "X (m)\nnorthing", "Y (m)\neasting", "Cạnh\nedge",
                 "Chiều dài (m)\nlength"]]
        spans = []
        part = by_parcel.get(r.parcel_id)
        several = part is not None and part[["part", "ring"]].drop_duplicates().shape[0] > 1
        if part is not None:
            for (p_no, ring_no), ring in part.groupby(["part", "ring"], sort=False):
                if several:
                    kind = "ranh ngoài / outer boundary" if ring_no == 1 else \
                        f"lỗ / hole {ring_no - 1}"
                    rows.append([f"Phần / part {p_no} – {kind}", "", "", "", ""])
                    spans.append(len(rows) - 1)
                for point, x, y, nxt, length in zip(
                        ring["point"].tolist(), ring["x_northing_m"].tolist(),
                        ring["y_easting_m"].tolist(), ring["next_point"].tolist(),
                        ring["edge_length_m"].tolist()):
                    rows.append([str(point), vn_number(x, 3), vn_number(y, 3),
                                 f"{point}–{nxt}", vn_number(length, 2)])
        rows.append(["Diện tích / plane area", "", f"{vn_number(r.plane_area_m2, 1)} m²", "", ""])
        coord_table = Table(rows, colWidths=[24 * mm, 32 * mm, 32 * mm, 18 * mm, 26 * mm],
                            repeatRows=1, hAlign="LEFT")
        style = [
            ("FONT", (0, 0), (-1, -1), "DejaVuSans", 7.5),
            ("FONT", (0, 0), (-1, 0), "DejaVuSans-Bold", 6.5),
            ("FONT", (0, -1), (-1, -1), "DejaVuSans-Bold", 7.5),
            ("GRID", (0, 0), (-1, -1), 0.3, colors.HexColor("#90a4ae")),
            ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#eceff1")),
            ("ALIGN", (1, 1), (-1, -1), "RIGHT"), ("ALIGN", (0, 1), (0, -1), "CENTER"),
            ("SPAN", (0, -1), (1, -1)), ("SPAN", (2, -1), (4, -1)),
            ("TOPPADDING", (0, 0), (-1, -1), 1), ("BOTTOMPADDING", (0, 0), (-1, -1), 1),
        ]
        for k in spans:
            style += [("SPAN", (0, k), (-1, k)), ("ALIGN", (0, k), (-1, k), "LEFT"),
                      ("FONT", (0, k), (-1, k), "DejaVuSans-Bold", 7),
                      ("BACKGROUND", (0, k), (-1, k), colors.HexColor("#fafafa"))]
        coord_table.setStyle(TableStyle(style))
        story += [coord_table, Spacer(1, 1.5 * mm), Paragraph(escape(CRS_STATEMENT_VI), small)]

    rl_config.useA85 = 0  # binary (compressed) page streams: smaller, and no ASCII85 pass
    doc = BaseDocTemplate(str(path), pagesize=A4, leftMargin=15 * mm, rightMargin=15 * mm,
                          topMargin=14 * mm, bottomMargin=15 * mm,
                          title=f"Hồ sơ lô đấu giá {lot.code}", author="landgis",
                          subject="Auction lot dossier", creator=f"landgis {__version__}")
    frame = Frame(doc.leftMargin, doc.bottomMargin, doc.width, doc.height, id="body")
    doc.addPageTemplates([PageTemplate(id="page", frames=[frame], onPage=footer)])
    doc.build(story)
    return Path(path)

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

import math
from pathlib import Path
from xml.sax.saxutils import escape

import numpy as np
import shapely

from landgis import __version__
from landgis.contract import AUCTION_STATUS, CLEARANCE_STATUS, LAND_USE, NOT_STATED
from landgis.dossier.coords import parcel_rings
from landgis.dossier.selection import DossierError
from landgis.numbers import vn_number

FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")
FONT_FILES = {"DejaVuSans": "DejaVuSans.ttf", "DejaVuSans-Bold": "DejaVuSans-Bold.ttf"}
CRS_STATEMENT_VI = ("Hệ tọa độ VN-2000, kinh tuyến trục 107°30′, múi chiếu 3°, k = 0,9999 "
                    "(EPSG:9216)")
CRS_STATEMENT_EN = ("Coordinate system VN-2000, central meridian 107°30′, 3° zone, "
                    "k = 0.9999 (EPSG:9216)")
CRS_STATEMENT = f"{CRS_STATEMENT_VI} / {CRS_STATEMENT_EN}"
#: rings with at most this many vertices get their edge lengths written on the sketch
EDGE_LABELS_UP_TO = 16


def check_fonts(font_dir=FONT_DIR) -> dict[str, Path]:
    """The font files, or :class:`DossierError` naming the package that installs them."""
    font_dir = Path(font_dir)
    paths = {name: font_dir / file for name, file in FONT_FILES.items()}
    missing = [str(p) for p in paths.values() if not p.is_file()]
    if missing:
        raise DossierError(
            f"thiếu phông chữ DejaVu Sans / the DejaVu Sans font is missing: {', '.join(missing)}"
            " (Debian: apt-get install fonts-dejavu-core); the PDF needs its Vietnamese glyphs",
            kind="font")
    return paths


def _register(font_dir) -> None:
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    paths = check_fonts(font_dir)
    registered = set(pdfmetrics.getRegisteredFontNames())
    for name, path in paths.items():
        if name not in registered:
            pdfmetrics.registerFont(TTFont(name, str(path)))
    pdfmetrics.registerFontFamily("DejaVuSans", normal="DejaVuSans", bold="DejaVuSans-Bold",
                                  italic="DejaVuSans", boldItalic="DejaVuSans-Bold")


def _label(vocab, code) -> str:
    if code in vocab:
        return f"{vocab.label(code)} / {vocab.label(code, 'en')}"
    return str(code or "")


# --------------------------------------------------------------------------- the sketch


def _nice(length: float) -> float:
    """1, 2 or 5 times a power of ten, at most ``length``."""
    if length <= 0:
        return 1.0
    power = 10 ** math.floor(math.log10(length))
    for step in (5, 2, 1):
        if step * power <= length:
            return step * power
    return power


def _sketch_class():
    from reportlab.lib import colors
    from reportlab.platypus import Flowable

    class Sketch(Flowable):
        """Parcels drawn to scale on the VN-2000 plane: the focus filled, the neighbours
        outlined, labels, vertex numbers, a north arrow and a scale bar."""

        def __init__(self, width, height, focus, neighbours=(), labels=(), neighbour_labels=(),
                     vertices=(), edges=(), extent=None):
            super().__init__()
            self.width, self.height = width, height
            self.focus = list(focus)
            self.neighbours = list(neighbours)
            self.labels = list(labels)
            self.neighbour_labels = list(neighbour_labels)
            self.vertices = list(vertices)   # (x, y, number)
            self.edges = list(edges)         # (x, y, text)
            if extent is None:
                extent = shapely.total_bounds(np.asarray(self.focus, dtype=object))
            w, s, e, n = extent
            pad = max(e - w, n - s) * 0.08 + 2.0
            self.extent = (w - pad, s - pad, e + pad, n + pad)
            span_x, span_y = self.extent[2] - self.extent[0], self.extent[3] - self.extent[1]
            self.scale = min(width / span_x, height / span_y)
            self.ox = (width - span_x * self.scale) / 2 - self.extent[0] * self.scale
            self.oy = (height - span_y * self.scale) / 2 - self.extent[1] * self.scale

        def wrap(self, *_):
            return self.width, self.height

        def _xy(self, x, y):
            return x * self.scale + self.ox, y * self.scale + self.oy

        def _path(self, geom):
            path = self.canv.beginPath()
            for poly in shapely.get_parts(geom):
                for ring in [poly.exterior, *poly.interiors]:
                    xy = shapely.get_coordinates(ring)
                    px = xy[:, 0] * self.scale + self.ox
                    py = xy[:, 1] * self.scale + self.oy
                    path.moveTo(px[0], py[0])
                    for a, b in zip(px[1:], py[1:]):
                        path.lineTo(a, b)
                    path.close()
            return path

        def _text(self, x, y, text, size, colour=colors.black, bold=False):
            c = self.canv
            c.setFillColor(colour)
            c.setFont("DejaVuSans-Bold" if bold else "DejaVuSans", size)
            c.drawCentredString(x, y - size * 0.35, text)

        def draw(self):
            from reportlab.pdfgen.canvas import FILL_EVEN_ODD

            c = self.canv
            c.saveState()
            clip = c.beginPath()
            clip.rect(0, 0, self.width, self.height)
            c.clipPath(clip, stroke=0, fill=0)
            c.setLineJoin(1)
            c.setStrokeColor(colors.HexColor("#78909c"))
            c.setLineWidth(0.4)
            for geom in self.neighbours:
                c.drawPath(self._path(geom), stroke=1, fill=0)
            c.setStrokeColor(colors.HexColor("#b71c1c"))
            c.setFillColor(colors.HexColor("#fff3c4"))
            c.setLineWidth(1.1)
            for geom in self.focus:
                c.drawPath(self._path(geom), stroke=1, fill=1, fillMode=FILL_EVEN_ODD)
            for x, y, text in self.neighbour_labels:
                self._text(*self._xy(x, y), text, 5.5, colors.HexColor("#607d8b"))
            for x, y, text in self.labels:
                self._text(*self._xy(x, y), text, 7, colors.HexColor("#4e0d0d"), bold=True)
            for x, y, text in self.edges:
                self._text(*self._xy(x, y), text, 5, colors.HexColor("#37474f"))
            c.setFillColor(colors.HexColor("#0d47a1"))
            for x, y, number, (dx, dy) in self.vertices:
                px, py = self._xy(x, y)
                c.circle(px, py, 1.3, stroke=0, fill=1)
                self._text(px + dx * 7, py + dy * 7, str(number), 6.5,
                           colors.HexColor("#0d47a1"), bold=True)
            c.restoreState()
            c.setStrokeColor(colors.black)
            c.setLineWidth(0.5)
            c.rect(0, 0, self.width, self.height, stroke=1, fill=0)
            # north arrow
            ax, ay = self.width - 16, self.height - 30
            c.setFillColor(colors.black)
            arrow = c.beginPath()
            arrow.moveTo(ax, ay + 18)
            arrow.lineTo(ax - 5, ay)
            arrow.lineTo(ax, ay + 4)
            arrow.lineTo(ax + 5, ay)
            arrow.close()
            c.drawPath(arrow, stroke=0, fill=1)
            c.setFont("DejaVuSans-Bold", 7)
            c.drawCentredString(ax, ay - 9, "B / N")
            # scale bar
            metres = _nice(self.width / self.scale / 4)
            bar = metres * self.scale
            c.setLineWidth(1.2)
            c.line(8, 8, 8 + bar, 8)
            c.line(8, 6, 8, 10)
            c.line(8 + bar, 6, 8 + bar, 10)
            c.setFont("DejaVuSans", 6.5)
            c.drawString(12 + bar, 6, f"{vn_number(metres, 0)} m")

    return Sketch


def _outward(xy: np.ndarray) -> list[tuple[float, float]]:
    """A unit vector per vertex pointing away from the ring's middle (where to put numbers)."""
    centre = xy.mean(axis=0)
    d = xy - centre
    norm = np.hypot(d[:, 0], d[:, 1])
    norm[norm == 0] = 1
    return list(zip(d[:, 0] / norm, d[:, 1] / norm))


def parcel_drawing(Sketch, geom, neighbours, width, height, number_label):
    """The sketch of one parcel with its neighbours, vertex numbers and edge lengths."""
    vertices, edges, point = [], [], 0
    for _part, _ring, _kind, xy in parcel_rings(geom):
        for (x, y), direction, k in zip(xy, _outward(xy), range(len(xy))):
            vertices.append((x, y, point + k + 1, direction))
        if len(xy) <= EDGE_LABELS_UP_TO:
            nxt = np.roll(xy, -1, axis=0)
            for (x0, y0), (x1, y1) in zip(xy, nxt):
                length = math.hypot(x1 - x0, y1 - y0)
                edges.append(((x0 + x1) / 2, (y0 + y1) / 2, vn_number(length, 2)))
        point += len(xy)
    rep = shapely.point_on_surface(geom)
    ngeoms = [g for g, _ in neighbours]
    nlabels = []
    for g, text in neighbours:
        p = shapely.point_on_surface(g)
        nlabels.append((p.x, p.y, text))
    return Sketch(width, height, [geom], ngeoms, labels=[(rep.x, rep.y, number_label)],
                  neighbour_labels=nlabels, vertices=vertices, edges=edges,
                  extent=shapely.bounds(geom))


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

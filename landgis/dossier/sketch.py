"""The drawing side of ``ho_so.pdf``: its fonts and the parcel sketch, drawn with reportlab.

The sketch draws parcels to scale on the VN-2000 plane: the focus filled, the neighbours
outlined, labels, numbered vertices (edge lengths too when the ring has few), a north arrow and
a scale bar. The text needs a TrueType font with Vietnamese glyphs: DejaVu Sans (Debian's
``fonts-dejavu-core``); :func:`check_fonts` says so before anything is written.
:mod:`landgis.dossier.sheet`, which lays out the pages and tables, re-exports these names.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import shapely

from landgis.dossier.coords import parcel_rings
from landgis.dossier.selection import DossierError
from landgis.numbers import vn_number

FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")
FONT_FILES = {"DejaVuSans": "DejaVuSans.ttf", "DejaVuSans-Bold": "DejaVuSans-Bold.ttf"}
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

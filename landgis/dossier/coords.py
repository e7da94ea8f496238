"""Coordinate tables (bảng tọa độ) as Vietnamese survey documents write them.

Per parcel, on VN-2000 / TM-3 107-30 (the storage plane): each ring's vertices numbered
clockwise, starting from its north-west vertex (the vertex nearest the north-west corner of
the ring's bounding box), X = northing and Y = easting in metres to 3 decimals, and the length
of the edge from each point to the next (the last point's edge closes the ring back to its
first). Numbers run on through a parcel's rings: the outer ring of its first part, that part's
holes, then the next part. The lengths are those of the edges between the rounded coordinates
written in the table; the plane area is the parcel's area on the plane (m², 2 decimals).
"""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pandas as pd
import shapely

from landgis.spreadsheets import csv_text, text_cells_as_text

#: columns of ``toa_do.csv``: plain names with their unit, dot decimals
COLUMNS = ["parcel_id", "sheet_no", "parcel_no", "part", "ring", "ring_kind", "point",
           "x_northing_m", "y_easting_m", "next_point", "edge_length_m", "plane_area_m2"]
#: the same columns for people (the XLSX workbook and the PDF)
HEADERS = {
    "parcel_id": "Mã thửa / parcel",
    "sheet_no": "Tờ bản đồ / map sheet",
    "parcel_no": "Thửa số / parcel no.",
    "part": "Phần / part",
    "ring": "Vòng / ring",
    "ring_kind": "Loại vòng / ring kind",
    "point": "Số hiệu điểm / point",
    "x_northing_m": "X (m) (hướng bắc / northing)",
    "y_easting_m": "Y (m) (hướng đông / easting)",
    "next_point": "Đến điểm / to point",
    "edge_length_m": "Chiều dài cạnh (m) / edge length (m)",
    "plane_area_m2": "Diện tích mặt phẳng (m²) / plane area (m²)",
}
RING_KIND = {"outer": "ranh ngoài / outer", "hole": "lỗ / hole"}


def ordered_ring(xy: np.ndarray) -> np.ndarray:
    """A ring's vertices (easting, northing; closed or not) clockwise from the north-west one,
    without the closing repeat and without repeated points."""
    xy = np.asarray(xy, dtype=float)[:, :2]
    if len(xy) > 1 and np.array_equal(xy[0], xy[-1]):
        xy = xy[:-1]
    keep = np.r_[True, np.any(np.diff(xy, axis=0) != 0, axis=1)]
    xy = xy[keep]
    if len(xy) > 1 and np.array_equal(xy[0], xy[-1]):
        xy = xy[:-1]
    if len(xy) < 3:
        return xy
    x, y = xy[:, 0], xy[:, 1]
    signed = 0.5 * np.sum(x * np.roll(y, -1) - np.roll(x, -1) * y)
    if signed > 0:  # counter-clockwise: reverse
        xy = xy[::-1]
        x, y = xy[:, 0], xy[:, 1]
    d2 = (x - x.min()) ** 2 + (y - y.max()) ** 2
    # nearest the NW corner; ties go to the northernmost, then the westernmost
    start = int(np.lexsort((x, -y, np.round(d2, 6)))[0])
    return np.roll(xy, -start, axis=0)


def parcel_rings(geom) -> list[tuple[int, int, str, np.ndarray]]:
    """``(part, ring, kind, vertices)`` for each ring of a (Multi)Polygon, 1-based."""
    out = []
    polygons = list(shapely.get_parts(geom)) if geom is not None else []
    for p, poly in enumerate(polygons, start=1):
        out.append((p, 1, "outer", ordered_ring(shapely.get_coordinates(poly.exterior))))
        for h, hole in enumerate(poly.interiors, start=2):
            out.append((p, h, "hole", ordered_ring(shapely.get_coordinates(hole))))
    return out


def vertex_table(parcels) -> pd.DataFrame:
    """The coordinate table of every parcel (a GeoDataFrame on the storage plane, with
    ``parcel_id``, ``sheet_no``, ``parcel_no`` and ``plane_area_m2``): one row per vertex."""
    rows = []
    for pid, sheet, number, area, geom in zip(parcels["parcel_id"], parcels["sheet_no"],
                                              parcels["parcel_no"], parcels["plane_area_m2"],
                                              parcels.geometry.values):
        point = 0
        for part, ring, kind, xy in parcel_rings(geom):
            rounded = np.round(xy, 3)
            nxt = np.roll(rounded, -1, axis=0)
            lengths = np.round(np.hypot(*(nxt - rounded).T), 3)
            numbers = np.arange(point + 1, point + len(xy) + 1)
            following = np.roll(numbers, -1)
            for i in range(len(xy)):
                rows.append((pid, int(sheet), int(number), part, ring, kind, int(numbers[i]),
                             float(rounded[i, 1]), float(rounded[i, 0]), int(following[i]),
                             float(lengths[i]), round(float(area), 2)))
            point += len(xy)
    return pd.DataFrame(rows, columns=COLUMNS)


def write_csv(table: pd.DataFrame, path) -> Path:
    """``toa_do.csv``: UTF-8 with a BOM (Excel reads the accents), dot decimals, X and Y and
    lengths with 3 decimals, areas with 2."""
    path = Path(path)
    with open(path, "w", encoding="utf-8-sig", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(COLUMNS)
        for r in table.itertuples(index=False):
            w.writerow([csv_text(r.parcel_id), r.sheet_no, r.parcel_no, r.part, r.ring,
                        r.ring_kind, r.point, f"{r.x_northing_m:.3f}", f"{r.y_easting_m:.3f}", r.next_point,
                        f"{r.edge_length_m:.3f}", f"{r.plane_area_m2:.2f}"])
    return path


LOT_HEADERS = {
    "parcel_id": "Mã thửa / parcel",
    "commune_code": "Mã xã / commune code",
    "commune_name": "Xã/phường (khi đo) / commune (at survey)",
    "sheet_no": "Tờ bản đồ / map sheet",
    "parcel_no": "Thửa số / parcel no.",
    "land_use_code": "Loại đất / land use",
    "zone_code": "Khu / zone",
    "plane_area_m2": "DT mặt phẳng VN-2000 (m²) / plane area (m²)",
    "ellipsoidal_area_m2": "DT ellipsoid WGS 84 (m²) / ellipsoidal area (m²)",
    "legal_area_m2": "DT pháp lý (m²) / legal area (m²)",
    "clearance_status": "GPMB / clearance",
    "auction_status": "Đấu giá / auction",
}


def write_xlsx(table: pd.DataFrame, lot, path, *, crs_statement: str) -> Path:
    """``toa_do.xlsx``: the sheet ``toa_do`` (the CSV's rows, bilingual headers with units,
    X/Y/lengths shown with 3 decimals) and the sheet ``lo_dat`` (the lot's parcels and
    totals)."""
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    path = Path(path)
    wb = Workbook()
    ws = wb.active
    ws.title = "toa_do"
    ws.append([f"Bảng tọa độ lô / coordinate table of lot {lot.code}"
               + (f" – {lot.name}" if lot.name else "")])
    ws.append([crs_statement])
    ws.append([HEADERS[c] for c in COLUMNS])
    ws["A1"].font = Font(bold=True)
    for cell in ws[3]:
        cell.font = Font(bold=True)
    formats = {"x_northing_m": "0.000", "y_easting_m": "0.000", "edge_length_m": "0.000",
               "plane_area_m2": "#,##0.00"}
    kinds = table["ring_kind"].map(RING_KIND)
    for r, kind in zip(table.itertuples(index=False), kinds):
        ws.append([r.parcel_id, r.sheet_no, r.parcel_no, r.part, r.ring, kind, r.point,
                   r.x_northing_m, r.y_easting_m, r.next_point, r.edge_length_m,
                   r.plane_area_m2])
    for j, col in enumerate(COLUMNS, start=1):
        ws.column_dimensions[get_column_letter(j)].width = 16 if col in formats else 12
        if col in formats:
            for (cell,) in ws.iter_rows(min_row=4, min_col=j, max_col=j):
                cell.number_format = formats[col]
    ws.freeze_panes = "A4"

    lots = wb.create_sheet("lo_dat")
    lots.append([f"Lô / lot {lot.code}" + (f" – {lot.name}" if lot.name else "")])
    lots["A1"].font = Font(bold=True)
    columns = list(LOT_HEADERS)
    lots.append([LOT_HEADERS[c] for c in columns])
    for cell in lots[2]:
        cell.font = Font(bold=True)
    for row in lot.parcels[columns].itertuples(index=False):
        lots.append([v.item() if hasattr(v, "item") else v for v in row])
    totals = lot.totals()
    lots.append([])
    lots.append(["Tổng cộng / total", f"{totals['parcel_count']} thửa / parcels", None, None,
                 None, None, None, totals["plane_area_m2"], totals["ellipsoidal_area_m2"],
                 totals["legal_area_m2"]])
    for j, col in enumerate(columns, start=1):
        lots.column_dimensions[get_column_letter(j)].width = 18
        if col.endswith("_m2"):
            for (cell,) in lots.iter_rows(min_row=3, min_col=j, max_col=j):
                cell.number_format = "#,##0.00"
    lots.append([crs_statement])
    text_cells_as_text(wb)  # imported names and ids stay text, never formulas
    wb.save(path)
    return path

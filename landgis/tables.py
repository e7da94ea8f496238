"""Writing and printing the land-fund tables: CSV, XLSX, JSON and the terminal.

Machine formats keep plain column names with their unit (``area_ha``) and dot decimals. The XLSX
workbook (one sheet per table) and the terminal use bilingual headers that carry the unit, and
the terminal writes numbers the Vietnamese way (``1.234,56 ha``).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Mapping

import numpy as np
import pandas as pd

from landgis.numbers import vn_number
from landgis.spreadsheets import csv_frame, text_cells_as_text

#: column -> header for people (Vietnamese / English, with the unit)
HEADERS = {
    "zone_code": "Mã khu / zone",
    "status": "Mã trạng thái / status",
    "status_vi": "Trạng thái",
    "status_en": "Status",
    "parcels": "Số thửa / parcels",
    "area_ha": "Diện tích (ha) / area (ha)",
    "function": "Chức năng / function",
    "function_vi": "Chức năng (tiếng Việt)",
    "plots_ha": "Diện tích các lô (ha) / plots (ha)",
    "planned_ha": "Theo quy hoạch (ha) / planned (ha)",
    "planned_source": "Nguồn số liệu quy hoạch / source of the planned figure",
    "difference_ha": "Chênh lệch (ha) / difference (ha)",
    "leasable_ha": "Đất công nghiệp cho thuê được (ha) / leasable (ha)",
    "leased_ha": "Đã cho thuê (ha) / leased (ha)",
    "reserved_ha": "Đã đăng ký (ha) / reserved (ha)",
    "vacant_ha": "Còn trống (ha) / vacant (ha)",
    "occupancy_pct": "Tỷ lệ lấp đầy (%) / occupancy (%)",
    "parcel_id": "Mã thửa / parcel",
    "plane_area_m2": "DT mặt phẳng VN-2000 (m²) / plane area (m²)",
    "ellipsoidal_area_m2": "DT ellipsoid WGS 84 (m²) / ellipsoidal area (m²)",
    "legal_area_m2": "DT pháp lý (m²) / legal area (m²)",
    "difference_m2": "Chênh lệch (m²) / difference (m²)",
    "difference_pct": "Chênh lệch (%) / difference (%)",
    "tolerance_m2": "Sai số cho phép (m²) / tolerance (m²)",
    "beyond_tolerance": "Vượt sai số / beyond tolerance",
    "polygon": "Vùng / polygon",
    "overlap_m2": "DT giao (m²) / overlap (m²)",
    "parcel_area_m2": "DT thửa (m²) / parcel area (m²)",
}

#: table name -> title for people
TITLES = {
    "by_zone": "Diện tích theo khu / area by zone",
    "clearance": "Giải phóng mặt bằng theo khu / clearance by zone",
    "auction": "Đấu giá quyền sử dụng đất theo khu / auctions by zone",
    "plan_functions": "Chức năng quy hoạch so với quy hoạch duyệt / plan functions against the plan",
    "occupancy": "Tỷ lệ lấp đầy / occupancy",
    "clean_fund": "Quỹ đất sạch / clean land fund",
    "parcel_areas": "Diện tích từng thửa / parcel areas",
    "polygons": "Diện tích vùng / polygon areas",
    "touched": "Thửa trong vùng / parcels touched",
}


def _people(value, column: str) -> str:
    if isinstance(value, (bool, np.bool_)):
        return "có / yes" if value else ""
    if isinstance(value, (int, np.integer)):
        return vn_number(value, 0)
    if isinstance(value, (float, np.floating)):
        if column.endswith("_m2"):
            return vn_number(value, 1)
        if column.endswith("_pct"):
            return vn_number(value, 2)
        return vn_number(value, 2)
    return "" if value is None or (isinstance(value, float) and np.isnan(value)) else str(value)


def to_text(name: str, table: pd.DataFrame, max_rows: int = 200) -> str:
    """A table for the terminal, with bilingual headers and Vietnamese numbers."""
    shown = table.head(max_rows)
    people = pd.DataFrame({HEADERS.get(c, c): [_people(v, c) for v in shown[c]]
                           for c in shown.columns})
    body = people.to_string(index=False) if len(people) else "(không có / none)"
    hidden = len(table) - max_rows
    more = (f"\n… {hidden} dòng nữa, có đủ khi ghi ra tệp / {hidden} more rows, all of them "
            "when written to a file") if hidden > 0 else ""
    return f"{TITLES.get(name, name)}\n{body}{more}"


def write_tables(tables: Mapping[str, pd.DataFrame], path, *, meta: Mapping | None = None
                 ) -> list[Path]:
    """Write ``tables`` to ``path`` by its suffix; returns the files written.

    ``.xlsx``: one sheet per table, bilingual headers with units. ``.json``: ``{"meta": …,
    "tables": {name: [rows]}}`` with dot decimals. ``.csv``: one file per table,
    ``<stem>-<table>.csv`` (UTF-8 with a BOM, so that Excel reads the accents). Text is
    written as text, never as a formula (:mod:`landgis.spreadsheets`).
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix == ".xlsx":
        with pd.ExcelWriter(path, engine="openpyxl") as xl:
            for name, table in tables.items():
                table.rename(columns=HEADERS).to_excel(xl, sheet_name=name[:31], index=False)
            if meta:
                pd.DataFrame(list(meta.items()), columns=["key", "value"]).to_excel(
                    xl, sheet_name="about", index=False)
            text_cells_as_text(xl.book)  # imported names stay text, never formulas
        return [path]
    if suffix == ".json":
        doc = {"meta": dict(meta or {}),
               "tables": {name: json.loads(table.to_json(orient="records", double_precision=6))
                          for name, table in tables.items()}}
        path.write_text(json.dumps(doc, ensure_ascii=False, indent=1), encoding="utf-8")
        return [path]
    if suffix == ".csv":
        written = []
        for name, table in tables.items():
            out = path.with_name(f"{path.stem}-{name}.csv")
            csv_frame(table).to_csv(out, index=False, encoding="utf-8-sig")
            written.append(out)
        return written
    raise ValueError(f"{path}: write .csv, .xlsx or .json")

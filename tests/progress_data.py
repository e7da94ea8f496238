"""Registers made in the test for the progress ledger (issue 13): two projects, zoning plots in
the test zone of tests/conftest.py, and the rows of the Board's progress workbook."""

from __future__ import annotations

import datetime as dt

import geopandas as gpd
import shapely

from tests.conftest import X0, Y0, square

#: Two days after today (Viet Nam is ahead of most clocks), dd/mm/yyyy: the future.
FUTURE = (dt.date.today() + dt.timedelta(days=2)).strftime("%d/%m/%Y")


def projects_gdf() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame({
        "project_code": ["DA-T1-XLNT", "DA-T1-HT"],
        "name_vi": ["Nhà máy xử lý nước thải KCN thử", "Hạ tầng KCN thử"],
        "kind": ["wastewater", "infrastructure"],
        "zone_code": ["KCN-T1", "KCN-T1"],
        "budget_vnd": [None, None], "disbursed_vnd": [None, None],
        "progress_pct": [None, None],
    }, geometry=[shapely.Point(X0 + 50, Y0 + 50), shapely.Point(X0 + 150, Y0 + 150)], crs=9216)


def plots_gdf() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame({
        "plot_code": ["T1-CN-01", "T1-CN-02"], "zone_code": ["KCN-T1", "KCN-T1"],
        "function": ["factory", "factory"], "max_coverage_pct": [60.0, 60.0],
        "max_height_m": [None, None], "lease_status": [None, None], "tenant": [None, None],
    }, geometry=[square(0, 0, 100), square(100, 0, 100)], crs=9216)


def add_registers(store) -> None:
    """The projects and the zoning plots the progress sheets name."""
    store.write_layer("projects", projects_gdf())
    store.write_layer("zoning_plots", plots_gdf())


INVESTMENT_HEADERS = ["Mã dự án đầu tư", "Nhà đầu tư", "Tên dự án", "Loại văn bản",
                      "Số quyết định/GCN đăng ký đầu tư", "Ngày cấp", "Mã khu", "Lô quy hoạch",
                      "Diện tích thuê (m²)", "Vốn đăng ký (đồng)", "Hạn nhận bàn giao đất",
                      "Hạn khởi công", "Hạn đi vào hoạt động", "Hạn góp đủ vốn",
                      "Nguồn số liệu"]
LOT_HEADERS = ["Mã lô đấu giá", "Mã khu", "Tên lô", "Thửa đất", "Dự án được đầu tư từ nguồn thu",
               "Nguồn số liệu"]
EVENT_HEADERS = ["STT", "Mã dự án", "Mã dự án đầu tư", "Mã lô", "Loại sự kiện", "Ngày",
                 "Năm kế hoạch", "Nguồn vốn", "Mốc", "Ngày kế hoạch", "Số tiền",
                 "Giá khởi điểm", "Giá trúng", "Người trúng", "Kết quả", "Vượt kế hoạch",
                 "Số văn bản", "Ngày văn bản", "Ghi chú"]


def investment(inv_id="NDT-T1-01", plot="T1-CN-01", investor="Công ty TNHH Thử", **kw):
    row = {"Mã dự án đầu tư": inv_id, "Nhà đầu tư": investor, "Tên dự án": "Nhà máy thử",
           "Loại văn bản": "chấp thuận chủ trương đầu tư",
           "Số quyết định/GCN đăng ký đầu tư": "12/QĐ-BQLKKT", "Ngày cấp": "01/03/2017",
           "Mã khu": "KCN-T1", "Lô quy hoạch": plot, "Diện tích thuê (m²)": "10.000",
           "Vốn đăng ký (đồng)": "50 tỷ", "Hạn nhận bàn giao đất": "01/06/2017",
           "Hạn khởi công": "01/01/2018", "Hạn đi vào hoạt động": "30/06/2019",
           "Hạn góp đủ vốn": "30/06/2019", "Nguồn số liệu": "illustrative", **kw}
    return [row[h] for h in INVESTMENT_HEADERS]


def lot(code="LO-T1-01", parcels="23296-1-3;23296-1-4", funds="DA-T1-HT"):
    return [code, "KCN-T1", "Lô đấu giá thử", parcels, funds, "illustrative"]


def ev(project=None, investment=None, lot=None, kind=None, date=None, **kw):
    """One row of an events sheet; keywords are the headers without accents' trouble:
    year, source, milestone, planned, amount, base, winning, winner, result, over, doc,
    doc_date, note."""
    names = {"year": "Năm kế hoạch", "source": "Nguồn vốn", "milestone": "Mốc",
             "planned": "Ngày kế hoạch", "amount": "Số tiền", "base": "Giá khởi điểm",
             "winning": "Giá trúng", "winner": "Người trúng", "result": "Kết quả",
             "over": "Vượt kế hoạch", "doc": "Số văn bản", "doc_date": "Ngày văn bản",
             "note": "Ghi chú"}
    row = {"Mã dự án": project, "Mã dự án đầu tư": investment, "Mã lô": lot,
           "Loại sự kiện": kind, "Ngày": date, "Số văn bản": kw.pop("doc", "VB-1")}
    row.update({names[k]: v for k, v in kw.items()})
    return [row.get(h) for h in EVENT_HEADERS]


def good_events():
    """A year of the Board's progress: a project's finance and milestones, an investor's
    handover and report, an auction and its payments."""
    return [
        ev("DA-T1-XLNT", kind="Phê duyệt tổng mức đầu tư", date="02/05/2018",
           amount="120 tỷ", doc="45/QĐ-UBND", doc_date="02/05/2018"),
        ev("DA-T1-XLNT", kind="capital_plan", date="10/01/2019", year=2019,
           source="ngân sách tỉnh", amount="30.000.000.000", doc="3/QĐ-UBND"),
        ev("DA-T1-XLNT", kind="kế hoạch mốc tiến độ", date="02/05/2018", milestone="khởi công",
           planned="01/03/2019", doc="45/QĐ-UBND"),
        ev("DA-T1-XLNT", kind="giải ngân", date="10/04/2019", amount="1.234.567.890",
           doc="UNC 5"),
        ev("DA-T1-XLNT", kind="giải ngân", date="10/05/2019", amount="1,2 tỷ", doc="UNC 6"),
        ev("DA-T1-XLNT", kind="đạt mốc tiến độ", date="15/03/2019", milestone="khởi công",
           doc="BB 2"),
        ev(investment="NDT-T1-01", kind="đạt mốc tiến độ", date="15/06/2017",
           milestone="nhận bàn giao đất", doc="BB 9"),
        ev(investment="NDT-T1-01", kind="báo cáo tiến độ", date="20/12/2019", doc="BC 1",
           note="=HYPERLINK(\"http://x\",\"bấm\")"),
        ev(lot="LO-T1-01", kind="kết quả đấu giá", date="01/08/2020", base="4 tỷ",
           winning="5 tỷ", winner="Ông Nguyễn Văn B", doc="QĐ 33/QĐ-UBND"),
        ev(lot="LO-T1-01", kind="kỳ nộp tiền trúng đấu giá", date="01/08/2020",
           planned="01/09/2020", amount="2,5 tỷ", doc="QĐ 33/QĐ-UBND"),
        ev(lot="LO-T1-01", kind="nộp tiền trúng đấu giá", date="20/08/2020",
           amount="2.500.000.000", doc="GNT 1"),
    ]


def workbook(path, *, investments=None, lots=None, events=None, extra=None):
    """The Board's workbook: an investments sheet, a lots sheet and an events sheet (rows
    numbered in the STT column), each under a title line for the registers."""
    import openpyxl

    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    if investments is not None:
        ws = wb.create_sheet("Dự án đầu tư")
        ws.append(["DANH MỤC DỰ ÁN ĐẦU TƯ TRONG KCN"])
        ws.append(INVESTMENT_HEADERS)
        for row in investments:
            ws.append(row)
    if lots is not None:
        ws = wb.create_sheet("Lô đấu giá")
        ws.append(LOT_HEADERS)
        for row in lots:
            ws.append(row)
    if events is not None:
        ws = wb.create_sheet("Sự kiện")
        ws.append(EVENT_HEADERS)
        for n, row in enumerate(events, start=1):
            ws.append([n, *row[1:]])
        for row in ws.iter_rows(min_row=2):  # notes are text, even those starting with "="
            for cell in row:
                if cell.data_type == "f":
                    cell.data_type = "s"
    for name, rows in (extra or {}).items():
        ws = wb.create_sheet(name)
        for row in rows:
            ws.append(row)
    wb.save(path)
    return path


__all__ = ["FUTURE", "add_registers", "ev", "good_events", "investment", "lot", "plots_gdf",
           "projects_gdf", "workbook"]

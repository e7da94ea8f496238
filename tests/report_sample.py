"""A small :class:`~landgis.report.model.Report` made by hand, for the renderers' tests.

The renderers lay out what a Report holds; they are tested on this one (every unit, every chart
kind, a text that looks like a formula, a total row) as well as on the one the core builds from
the demo store.
"""

from __future__ import annotations

import datetime as dt

from landgis.report.model import Chart, Column, MapFigure, Period, Report, Section, Table


def sample_report(*, zone: str | None = None, maps=("KCN-HB1",)) -> Report:
    period = Period("2019-H1", dt.date(2019, 1, 1), dt.date(2019, 6, 30),
                    "6 tháng đầu năm 2019", "first half of 2019")
    previous = Period("2018-H2", dt.date(2018, 7, 1), dt.date(2018, 12, 31),
                      "6 tháng cuối năm 2018", "second half of 2018")
    clearance = Table(
        "clearance", "Diện tích theo tình trạng giải phóng mặt bằng (ha)",
        "Area by clearance status (ha)",
        [Column("zone_code", "Khu", "Zone"),
         Column("handed_over", "Đã bàn giao", "Handed over", "ha"),
         Column("compensated", "Đã chi trả", "Compensated", "ha"),
         Column("not_started", "Chưa triển khai", "Not started", "ha"),
         Column("parcels", "Số thửa", "Parcels", "count")],
        [{"zone_code": "KCN-HB1", "handed_over": 1234.56, "compensated": 12.5,
          "not_started": 0.25, "parcels": 400},
         {"zone_code": "KKT-BOY", "handed_over": 88.0, "compensated": 4.75,
          "not_started": 1520.125, "parcels": 2550},
         {"zone_code": "Tổng cộng", "handed_over": 1322.56, "compensated": 17.25,
          "not_started": 1520.375, "parcels": 2950}],
        source="landfund.by_status", total=True)
    cleared = Table(
        "cleared_over_time", "Diện tích đã bàn giao theo thời gian", "Cleared area over time",
        [Column("date", "Ngày", "Date", "date"),
         Column("handed_over", "Đã bàn giao (ha)", "Handed over (ha)", "ha")],
        [{"date": "2018-09-30", "handed_over": 1200.0},
         {"date": "2018-12-31", "handed_over": 1290.0},
         {"date": "2019-03-31", "handed_over": 1300.5},
         {"date": "2019-06-30", "handed_over": 1322.56}],
        source="ledger")
    revenue = Table(
        "revenue", "Tiền trúng đấu giá và đã thu theo quý", "Auction revenue won and collected",
        [Column("quarter", "Quý", "Quarter"),
         Column("won", "Trúng đấu giá (đồng)", "Won (VND)", "vnd"),
         Column("collected", "Đã thu (đồng)", "Collected (VND)", "vnd"),
         Column("lots", "Số lô", "Lots", "count")],
        [{"quarter": "2019-Q1", "won": 1234567890, "collected": 1000000000, "lots": 3},
         {"quarter": "2019-Q2", "won": 25000000000, "collected": 0, "lots": 1}],
        source="book.revenue")
    projects = Table(
        "projects", "Giải ngân vốn đầu tư công", "Public investment disbursement",
        [Column("project", "Dự án", "Project"),
         Column("plan", "Kế hoạch năm (đồng)", "Plan of the year (VND)", "vnd"),
         Column("disbursed", "Đã giải ngân (đồng)", "Disbursed (VND)", "vnd"),
         Column("pct", "Tỷ lệ (%)", "Share (%)", "pct"),
         Column("note", "Ghi chú", "Note")],
        [{"project": "Đường trục chính KCN Hòa Bình", "plan": 50000000000,
          "disbursed": 12345678900, "pct": 24.69, "note": "=SUM(A1:A9)"},
         {"project": "Hạ tầng KKT Bờ Y", "plan": 20000000000, "disbursed": 0,
          "pct": 0.0, "note": None}],
        source="book.projects")
    investors = Table(
        "investors", "Nhà đầu tư theo tình trạng tiến độ", "Investors by schedule status",
        [Column("status", "Tình trạng", "Status"),
         Column("count", "Số dự án", "Projects", "count")],
        [{"status": "Đúng tiến độ", "count": 7}, {"status": "Chậm tiến độ", "count": 3},
         {"status": "Thuộc diện thu hồi", "count": 1}],
        source="book.investments")
    sections = [
        Section("clearance", "Công tác giải phóng mặt bằng", "Land clearance",
                ["Đến ngày 30/06/2019 đã bàn giao 1.322,56 ha, tăng 32,56 ha so với 6 tháng "
                 "cuối năm 2018."],
                ["By 30/06/2019, 1,322.56 ha had been handed over, 32.56 ha more than in the "
                 "second half of 2018."],
                [clearance, cleared],
                [Chart("clearance_by_zone", "Diện tích theo tình trạng GPMB",
                       "Area by clearance status", "stacked_bar", "clearance", "zone_code",
                       ["handed_over", "compensated", "not_started"], "ha"),
                 Chart("cleared_over_time", "Diện tích đã bàn giao theo thời gian",
                       "Cleared area over time", "line", "cleared_over_time", "date",
                       ["handed_over"], "ha")]),
        Section("auctions", "Đấu giá quyền sử dụng đất và nguồn thu",
                "Land-use right auctions and revenue",
                ["Trong kỳ đã đấu giá thành công 4 lô, trúng đấu giá 26.234.567.890 đồng."],
                ["4 lots were sold in the period for 26,234,567,890 VND."],
                [revenue],
                [Chart("revenue", "Tiền trúng đấu giá và đã thu", "Revenue won and collected",
                       "bar", "revenue", "quarter", ["won", "collected"], "vnd")]),
        Section("projects", "Dự án đầu tư công và giải ngân",
                "Public investment projects and disbursement",
                ["Giải ngân đạt 17,64% kế hoạch năm."], ["Disbursement reached 17.64% of plan."],
                [projects],
                [Chart("disbursement", "Giải ngân so với kế hoạch", "Disbursement against plan",
                       "bar", "projects", "project", ["plan", "disbursed"], "vnd")]),
        Section("investors", "Tiến độ của nhà đầu tư", "Investors' progress",
                ["Có 3 dự án chậm tiến độ."], ["3 projects are behind schedule."],
                [investors],
                [Chart("investors", "Nhà đầu tư theo tình trạng tiến độ",
                       "Investors by schedule status", "pie", "investors", "status",
                       ["count"], "count")]),
    ]
    figures = [MapFigure(code, f"Bản đồ hiện trạng {code}", f"Map of {code}") for code in maps]
    return Report(period, previous, zone, "sample-version-1", sections, figures)

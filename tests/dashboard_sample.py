"""A hand-made :class:`~landgis.report.model.Report` for the dashboard's layout tests: the
shape :func:`landgis.report.figures.build_report` gives, with figures chosen here (the
endpoint's own tests compare with the real build_report)."""

from __future__ import annotations

import datetime as dt

from landgis.report.model import Chart, Column, Period, Report, Section, Table


def sample_report(zone: str | None = None, *, handed_over: float = 12.5) -> Report:
    period = Period("2019-H1", dt.date(2019, 1, 1), dt.date(2019, 6, 30),
                    "6 tháng đầu năm 2019", "first half of 2019")
    previous = Period("2018-H2", dt.date(2018, 7, 1), dt.date(2018, 12, 31),
                      "6 tháng cuối năm 2018", "second half of 2018")
    clearance = Table(
        "clearance_status", "Diện tích theo trạng thái GPMB", "Area by clearance status",
        [Column("zone_code", "Khu", "Zone"),
         Column("handed_over", "Đã bàn giao", "Handed over", "ha"),
         Column("compensated", "Đã chi trả", "Compensated", "ha")],
        [{"zone_code": "KCN-T1", "handed_over": handed_over - 2.5, "compensated": 3.0},
         {"zone_code": "<b>KCN-X</b>", "handed_over": 2.5, "compensated": 1.0},
         {"zone_code": "Tổng / Total", "handed_over": handed_over, "compensated": 4.0}],
        source="landfund.by_status", total=True)
    handed = Table("handed_over", "Đã bàn giao", "Handed over",
                   [Column("handed_over_ha", "Đã bàn giao", "Handed over", "ha")],
                   [{"handed_over_ha": handed_over}], source="landfund.by_status")
    fund = Table("clean_fund", "Quỹ đất sạch", "Clean land fund",
                 [Column("area_ha", "Quỹ đất sạch", "Clean fund", "ha")],
                 [{"area_ha": 7.25}], source="landfund.clean_fund")
    revenue = Table(
        "revenue_by_zone", "Tiền đấu giá theo quý", "Auction revenue by quarter",
        [Column("quarter", "Quý", "Quarter"), Column("won_vnd", "Trúng", "Won", "vnd"),
         Column("collected_vnd", "Đã thu", "Collected", "vnd")],
        [{"quarter": "2019-Q1", "won_vnd": 1_000_000_000, "collected_vnd": 400_000_000},
         {"quarter": "2019-Q2", "won_vnd": 500_000_000, "collected_vnd": 100_000_000},
         {"quarter": "Tổng / Total", "won_vnd": 1_500_000_000, "collected_vnd": 500_000_000}],
        source="progress.revenue", total=True)
    disb = Table(
        "projects", "Giải ngân theo dự án", "Disbursement by project",
        [Column("project_code", "Dự án", "Project"),
         Column("plan_year_vnd", "Kế hoạch", "Plan", "vnd"),
         Column("disbursed_year_vnd", "Giải ngân", "Disbursed", "vnd")],
        [{"project_code": "DA-01", "plan_year_vnd": 2_000_000_000,
          "disbursed_year_vnd": 900_000_000},
         {"project_code": "Tổng / Total", "plan_year_vnd": 2_000_000_000,
          "disbursed_year_vnd": 900_000_000}],
        source="progress.projects", total=True)
    investors = Table(
        "investor_states", "Nhà đầu tư theo tiến độ", "Investors by schedule state",
        [Column("on_schedule", "Đúng tiến độ", "On schedule", "count"),
         Column("behind", "Chậm", "Behind", "count"),
         Column("revocable", "Có thể thu hồi", "Revocable", "count")],
        [{"on_schedule": 3, "behind": 2, "revocable": 1}], source="progress.investments")
    sections = [
        Section("clearance", "Giải phóng mặt bằng", "Land clearance",
                [f"Đã bàn giao {handed_over} ha."], [f"{handed_over} ha handed over."],
                [clearance, handed],
                [Chart("clearance_chart", "Diện tích theo trạng thái và khu",
                       "Hectares by status and zone", "stacked_bar", "clearance_status",
                       "zone_code", ["handed_over", "compensated"], "ha")]),
        Section("land_fund", "Quỹ đất", "Land fund", [], [], [fund], []),
        Section("auctions", "Đấu giá và thu tiền", "Auctions and revenue", [], [], [revenue],
                [Chart("revenue_chart", "Tiền trúng và đã thu theo quý",
                       "Revenue won and collected per quarter", "bar", "revenue_by_zone",
                       "quarter", ["won_vnd", "collected_vnd"], "vnd")]),
        Section("projects", "Dự án đầu tư công", "Public projects", [], [], [disb],
                [Chart("disbursement_chart", "Giải ngân so với kế hoạch",
                       "Disbursed against plan", "bar", "projects", "project_code",
                       ["plan_year_vnd", "disbursed_year_vnd"], "vnd")]),
        Section("investors", "Nhà đầu tư", "Investors", [], [], [investors], []),
    ]
    return Report(period, previous, zone, "v-sample", sections)

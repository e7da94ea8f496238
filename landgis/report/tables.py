"""The report's tables (:class:`~landgis.report.model.Table`) made from the core's frames.

:mod:`landgis.report.figures` asks the core; this module only lays the answers out in rows:
one value of the answer per cell, or a difference of two or a sum of a column where the
column's label says so. Plain values: ``float`` hectares and percentages, ``int`` counts and
whole đồng, ``None`` for nothing.
"""

from __future__ import annotations

import calendar
import datetime as dt
import math

import pandas as pd

from landgis.contract import CLEARANCE_STATUS
from landgis.report.model import Column, Period, Table
from landgis.vocabularies import MILESTONE, SCHEDULE_STATE

TOTAL_VI, TOTAL_EN = "Tổng cộng", "Total"
ZONE = Column("zone_code", "Khu", "Zone", "text")


def ha(value) -> float:
    return 0.0 if value is None or (isinstance(value, float) and math.isnan(value)) \
        else float(value)


def vnd(value) -> int | None:
    if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
        return None
    return int(round(float(value)))


def num(value) -> float | None:
    if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
        return None
    return float(value)


#: count columns that are not summed in a total row (a number of days is not a sum)
NOT_SUMMED = {"max_days_late", "days_behind"}


def _total(rows: list[dict], key: str, columns: list[Column]) -> dict:
    """The total row of ``rows``: the sum of every ha, vnd and count column (None for the
    rest, percentages included: a rate is not a sum)."""
    out: dict = {c.key: None for c in columns}
    out[key], out[f"{key}_en"] = TOTAL_VI, TOTAL_EN
    for c in columns:
        if c.unit in ("ha", "vnd", "count") and c.key not in NOT_SUMMED:
            values = [r[c.key] for r in rows if r.get(c.key) is not None]
            out[c.key] = (sum(values) if values else (0.0 if c.unit == "ha" else 0))
    return out


def _table(name, vi, en, columns, rows, source, *, total_key=None, note=("", "")) -> Table:
    if total_key is not None:
        rows = [*rows, _total(rows, total_key, columns)]
    return Table(name, vi, en, columns, rows, source=source, total=total_key is not None,
                 note_vi=note[0], note_en=note[1])


# ------------------------------------------------------------------ clearance

def status_table(by_status: pd.DataFrame, by_zone: pd.DataFrame, zones: list[str]) -> Table:
    cols = [ZONE, *(Column(c, CLEARANCE_STATUS.label(c), CLEARANCE_STATUS.label(c, "en"), "ha")
                    for c in CLEARANCE_STATUS.codes),
            Column("total_ha", "Tổng diện tích (ha)", "Total area (ha)", "ha")]
    cell = by_status.set_index(["zone_code", "status"])["area_ha"]
    total = by_zone.set_index("zone_code")["area_ha"]
    rows = [{"zone_code": z, **{c: ha(cell.get((z, c))) for c in CLEARANCE_STATUS.codes},
             "total_ha": ha(total.get(z))} for z in zones]
    return _table("clearance_status", "Diện tích theo tình trạng giải phóng mặt bằng (ha)",
                  "Area by clearance status (ha)", cols, rows,
                  "LandFund.at(ledger, end).by_status('clearance_status'), by_zone()",
                  total_key="zone_code")


def handed_over_table(zones, at_end, at_prev_end, at_prev_before) -> Table:
    cols = [ZONE,
            Column("handed_over_ha", "Lũy kế đã bàn giao đến cuối kỳ (ha)",
                   "Handed over by the end of the period (ha)", "ha"),
            Column("period_ha", "Bàn giao trong kỳ (ha)", "Handed over in the period (ha)", "ha"),
            Column("previous_ha", "Bàn giao kỳ trước (ha)",
                   "Handed over in the previous period (ha)", "ha"),
            Column("change_ha", "Tăng (+) / giảm (-) so với kỳ trước (ha)",
                   "Change against the previous period (ha)", "ha")]
    rows = []
    for z in zones:
        end, mid, before = (ha(s.get(z)) for s in (at_end, at_prev_end, at_prev_before))
        rows.append({"zone_code": z, "handed_over_ha": end, "period_ha": end - mid,
                     "previous_ha": mid - before, "change_ha": (end - mid) - (mid - before)})
    return _table("handed_over", "Diện tích đã bàn giao mặt bằng", "Site handed over", cols,
                  rows, "LandFund.at(ledger, day).by_status('clearance_status'): handed_over at "
                  "the end, the day before the period and the day before the previous one",
                  total_key="zone_code",
                  note=("Bàn giao trong kỳ: diện tích đã bàn giao cuối kỳ trừ diện tích đã bàn "
                        "giao ngày trước kỳ.", "Handed over in a period: the area handed over "
                        "at its end minus that area the day before it starts."))


def series_days(start: dt.date, end: dt.date) -> list[dt.date]:
    """Month ends from ``start`` to ``end`` (quarter ends beyond 36 months), ``end`` last."""
    months = (end.year - start.year) * 12 + end.month - start.month + 1
    step = 1 if months <= 36 else 3
    out, y, m = [], start.year, start.month
    while True:
        last = dt.date(y, m, calendar.monthrange(y, m)[1])
        if last >= end:
            break
        if (m % step) == 0 or step == 1:
            out.append(last)
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return [*out, end]


def series_table(points: list[dt.date], values: dict) -> Table:
    cols = [Column("date", "Ngày", "Date", "date"),
            Column("handed_over_ha", "Lũy kế đã bàn giao (ha)", "Handed over, cumulative (ha)",
                   "ha")]
    rows = [{"date": d.isoformat(), "handed_over_ha": values[d]} for d in points]
    return _table("handed_over_series", "Diện tích đã bàn giao theo thời gian",
                  "Area handed over over time", cols, rows,
                  "LandFund.at(ledger, day).by_status('clearance_status'): handed_over, summed "
                  "over the zones, at each month end")


# ------------------------------------------------------------------ land fund

def occupancy_table(occ: pd.DataFrame) -> Table:
    cols = [ZONE,
            Column("leasable_ha", "Đất công nghiệp cho thuê (ha)", "Leasable industrial land "
                   "(ha)", "ha"),
            Column("leased_ha", "Đã cho thuê (ha)", "Leased (ha)", "ha"),
            Column("reserved_ha", "Đã đăng ký (ha)", "Reserved (ha)", "ha"),
            Column("vacant_ha", "Còn trống (ha)", "Vacant (ha)", "ha"),
            Column("occupancy_pct", "Tỷ lệ lấp đầy (%)", "Occupancy (%)", "pct")]
    rows = [{"zone_code": r.zone_code, "leasable_ha": ha(r.leasable_ha),
             "leased_ha": ha(r.leased_ha), "reserved_ha": ha(r.reserved_ha),
             "vacant_ha": ha(r.vacant_ha), "occupancy_pct": num(r.occupancy_pct)}
            for r in occ.itertuples()]
    return _table("occupancy", "Tỷ lệ lấp đầy các khu công nghiệp", "Occupancy of the parks",
                  cols, rows, "LandFund.occupancy()", total_key="zone_code",
                  note=("Tình trạng cho thuê theo các lô quy hoạch hiện nay (không lưu lịch sử).",
                        "Lease status of the zoning plots as they are now (they keep no "
                        "history)."))


def clean_fund_table(zones, now: pd.DataFrame, before: pd.DataFrame) -> Table:
    cols = [ZONE, Column("parcels", "Số thửa", "Parcels", "count"),
            Column("area_ha", "Quỹ đất sạch cuối kỳ (ha)", "Clean land fund at the end (ha)",
                   "ha"),
            Column("previous_parcels", "Số thửa cuối kỳ trước", "Parcels, previous period",
                   "count"),
            Column("previous_area_ha", "Quỹ đất sạch cuối kỳ trước (ha)",
                   "Clean land fund, end of the previous period (ha)", "ha"),
            Column("change_ha", "Tăng (+) / giảm (-) (ha)", "Change (ha)", "ha")]
    a, b = now.set_index("zone_code"), before.set_index("zone_code")
    rows = []
    for z in zones:
        area, prev = ha(a["area_ha"].get(z)), ha(b["area_ha"].get(z))
        rows.append({"zone_code": z, "parcels": int(a["parcels"].get(z, 0)), "area_ha": area,
                     "previous_parcels": int(b["parcels"].get(z, 0)),
                     "previous_area_ha": prev, "change_ha": area - prev})
    return _table("clean_fund", "Quỹ đất sạch", "Clean land fund", cols, rows,
                  "LandFund.at(ledger, day).clean_fund() at the end of both periods",
                  total_key="zone_code")


# ------------------------------------------------------------------ auctions

def lots_table(zones, now: pd.DataFrame, before: pd.DataFrame) -> Table:
    cols = [ZONE,
            Column("lots_auctioned", "Số lô đã đấu giá", "Lots auctioned", "count"),
            Column("lots_sold", "Số lô trúng đấu giá", "Lots sold", "count"),
            Column("won_vnd", "Tiền trúng đấu giá (đồng)", "Won (VND)", "vnd"),
            Column("previous_lots_auctioned", "Số lô đấu giá kỳ trước",
                   "Lots auctioned, previous period", "count"),
            Column("previous_lots_sold", "Số lô trúng kỳ trước", "Lots sold, previous period",
                   "count"),
            Column("previous_won_vnd", "Tiền trúng kỳ trước (đồng)",
                   "Won, previous period (VND)", "vnd")]
    rows = []
    for z in zones:
        a, b = now[now["zone_code"] == z], before[before["zone_code"] == z]
        rows.append({"zone_code": z, "lots_auctioned": len(a),
                     "lots_sold": int((a["result"] == "sold").sum()),
                     "won_vnd": vnd(a["won_vnd"].sum()),
                     "previous_lots_auctioned": len(b),
                     "previous_lots_sold": int((b["result"] == "sold").sum()),
                     "previous_won_vnd": vnd(b["won_vnd"].sum())})
    return _table("auction_lots", "Kết quả đấu giá trong kỳ", "Auctions in the period", cols,
                  rows, "ProgressBook.auctions(end): lots whose auction_date is in the period",
                  total_key="zone_code")


def quarterly_table(quarters: list[tuple[Period, float, float]]) -> Table:
    cols = [Column("quarter", "Quý", "Quarter", "text"),
            Column("won_vnd", "Tiền trúng đấu giá (đồng)", "Won (VND)", "vnd"),
            Column("collected_vnd", "Đã thu trong quý (đồng)", "Collected in the quarter (VND)",
                   "vnd")]
    rows = [{"quarter": f"Quý {q.label_vi.split()[1]}/{q.start.year}",
             "quarter_en": f"Q{q.key[-1]} {q.start.year}", "key": q.key,
             "won_vnd": vnd(won), "collected_vnd": vnd(collected)} for q, won, collected in
            quarters]
    return _table("revenue_quarterly", "Tiền đấu giá theo quý", "Auction revenue per quarter",
                  cols, rows, "ProgressBook.auctions(quarter end): won_vnd of the lots "
                  "auctioned in the quarter; collected_vnd at its end minus the day before it",
                  total_key="quarter")


def revenue_zone_table(by_zone: pd.DataFrame) -> Table:
    cols = [ZONE, Column("lots_sold", "Số lô đã bán", "Lots sold", "count"),
            Column("won_vnd", "Tiền trúng đấu giá (đồng)", "Won (VND)", "vnd"),
            Column("collected_vnd", "Đã thu (đồng)", "Collected (VND)", "vnd"),
            Column("outstanding_vnd", "Còn phải thu (đồng)", "Outstanding (VND)", "vnd"),
            Column("overdue_vnd", "Quá hạn (đồng)", "Overdue (VND)", "vnd")]
    rows = [{"zone_code": r["zone_code"], "lots_sold": int(r["lots_sold"]),
             **{c.key: vnd(r[c.key]) for c in cols[2:]}} for _, r in by_zone.iterrows()]
    return _table("revenue_by_zone", "Thu tiền đấu giá theo khu (lũy kế đến cuối kỳ)",
                  "Auction revenue by zone (to the end of the period)", cols, rows,
                  "revenue_of(ProgressBook.auctions(end))[0]", total_key="zone_code")


def revenue_project_table(by_project: pd.DataFrame) -> Table:
    cols = [Column("funds_project_code", "Dự án được đầu tư", "Project funded", "text"),
            Column("won_vnd", "Tiền trúng đấu giá (đồng)", "Won (VND)", "vnd"),
            Column("collected_vnd", "Đã thu (đồng)", "Collected (VND)", "vnd")]
    rows = [{"funds_project_code": r["funds_project_code"], "won_vnd": vnd(r["won_vnd"]),
             "collected_vnd": vnd(r["collected_vnd"])} for _, r in by_project.iterrows()]
    return _table("revenue_by_project", "Thu tiền đấu giá theo dự án được đầu tư",
                  "Auction revenue by project funded", cols, rows,
                  "revenue_of(ProgressBook.auctions(end))[1]", total_key="funds_project_code")


# ------------------------------------------------------------------ projects

def projects_table(end: pd.DataFrame, prev_end: pd.DataFrame, before: pd.DataFrame) -> Table:
    money = [("total_investment_vnd", "Tổng mức đầu tư (đồng)", "Total investment (VND)"),
             ("plan_year_vnd", "Kế hoạch vốn năm (đồng)", "Plan of the year (VND)"),
             ("disbursed_year_vnd", "Giải ngân trong năm (đồng)", "Disbursed this year (VND)")]
    cols = [Column("project_code", "Mã dự án", "Project", "text"),
            Column("name_vi", "Tên dự án", "Name", "text"), ZONE,
            *(Column(k, vi, en, "vnd") for k, vi, en in money),
            Column("disbursed_year_pct", "Tỷ lệ giải ngân KH năm (%)", "Of the year's plan (%)",
                   "pct"),
            Column("disbursed_total_vnd", "Lũy kế giải ngân (đồng)", "Disbursed in all (VND)",
                   "vnd"),
            Column("disbursed_period_vnd", "Giải ngân trong kỳ (đồng)",
                   "Disbursed in the period (VND)", "vnd"),
            Column("disbursed_previous_vnd", "Giải ngân kỳ trước (đồng)",
                   "Disbursed in the previous period (VND)", "vnd"),
            Column("milestones_late", "Số mốc chậm", "Milestones late", "count"),
            Column("max_days_late", "Chậm nhất (ngày)", "Most days late", "count")]
    mid = prev_end.set_index("project_code")["disbursed_total_vnd"]
    low = before.set_index("project_code")["disbursed_total_vnd"]
    rows = []
    for r in end.itertuples():
        total, m, b = (vnd(v) or 0 for v in (r.disbursed_total_vnd, mid.get(r.project_code),
                                             low.get(r.project_code)))
        rows.append({"project_code": r.project_code, "name_vi": r.name_vi,
                     "zone_code": r.zone_code,
                     **{k: vnd(getattr(r, k)) for k, _vi, _en in money},
                     "disbursed_year_pct": num(r.disbursed_year_pct),
                     "disbursed_total_vnd": total, "disbursed_period_vnd": total - m,
                     "disbursed_previous_vnd": m - b,
                     "milestones_late": int(r.milestones_late),
                     "max_days_late": int(r.max_days_late)})
    return _table("projects", "Dự án đầu tư công: kế hoạch vốn và giải ngân",
                  "Public investment projects: capital plan and disbursement", cols, rows,
                  "ProgressBook.projects(end); disbursed_total_vnd at the ends of both periods",
                  total_key="project_code")


# ------------------------------------------------------------------ investors

STATES = SCHEDULE_STATE.codes


def states_table(zones, now: pd.DataFrame) -> Table:
    cols = [ZONE, *(Column(s, SCHEDULE_STATE.label(s), SCHEDULE_STATE.label(s, "en"), "count")
                    for s in STATES), Column("total", "Tổng số", "Total", "count")]
    rows = []
    for z in zones:
        states = now.loc[now["zone_code"] == z, "state"]
        rows.append({"zone_code": z, **{s: int((states == s).sum()) for s in STATES},
                     "total": len(states)})
    return _table("investor_states", "Nhà đầu tư theo tình trạng tiến độ, theo khu",
                  "Investors by schedule state per zone", cols, rows,
                  "ProgressBook.investments(end): state", total_key="zone_code")


def states_change_table(now: pd.DataFrame, before: pd.DataFrame) -> Table:
    cols = [Column("state", "Tình trạng tiến độ", "Schedule state", "text"),
            Column("count", "Cuối kỳ", "End of the period", "count"),
            Column("previous_count", "Cuối kỳ trước", "End of the previous period", "count"),
            Column("change", "Tăng (+) / giảm (-)", "Change", "count")]
    rows = []
    for s in STATES:
        a, b = int((now["state"] == s).sum()), int((before["state"] == s).sum())
        rows.append({"state": SCHEDULE_STATE.label(s), "state_en": SCHEDULE_STATE.label(s, "en"),
                     "code": s, "count": a, "previous_count": b, "change": a - b})
    return _table("investor_states_change", "Nhà đầu tư theo tình trạng tiến độ so với kỳ trước",
                  "Investors by schedule state against the previous period", cols, rows,
                  "ProgressBook.investments(end) and (end of the previous period): state",
                  total_key="state")


def flagged_table(now: pd.DataFrame) -> Table:
    cols = [Column("investment_id", "Mã dự án", "Investment", "text"),
            Column("investor", "Nhà đầu tư", "Investor", "text"), ZONE,
            Column("state", "Tình trạng", "State", "text"),
            Column("days_behind", "Chậm (ngày)", "Days behind", "count"),
            Column("rules", "Căn cứ", "Rules and articles", "text")]
    flagged = now[now["state"].isin(["behind", "revocable"])]
    flagged = flagged.sort_values(["days_behind", "investment_id"], ascending=[False, True])
    rows = []
    for r in flagged.itertuples():
        details = r.flag_details if isinstance(r.flag_details, list) else []

        def text(lang):
            return "; ".join(f"{d[f'label_{lang}']} ({d[f'basis_{lang}']}; "
                             f"{MILESTONE.label(d['milestone'], lang)})" for d in details)

        rows.append({"investment_id": r.investment_id, "investor": r.investor,
                     "zone_code": r.zone_code, "state": SCHEDULE_STATE.label(r.state),
                     "state_en": SCHEDULE_STATE.label(r.state, "en"), "code": r.state,
                     "days_behind": int(r.days_behind), "rules": text("vi"),
                     "rules_en": text("en"), "flags": r.flags})
    return _table("investors_flagged", "Nhà đầu tư chậm tiến độ, đủ điều kiện thu hồi",
                  "Investors behind schedule or revocable", cols, rows,
                  "ProgressBook.investments(end): state behind or revocable, flag_details")

"""The report's sentences, Vietnamese and English: templates filled from the section's tables.

Every number a sentence writes is a value of one of its section's tables (a change is written
as "tăng" / "giảm" and its size), shown as the documents show it: hectares with two decimals
(``12,34 ha`` / ``12.34 ha``), money in billions of đồng with two decimals (``1,23 tỷ đồng`` /
``1.23 billion VND``), counts whole, percentages with one decimal. Besides these, a sentence
names only the periods (their labels) and the zones (their codes).
"""

from __future__ import annotations

from landgis.numbers import vn_number
from landgis.report.model import Period, Report, Section, Table


def _num(value: float, decimals: int, lang: str) -> str:
    if lang == "vi":
        return vn_number(value, decimals)
    return f"{round(float(value), decimals) + 0.0:,.{decimals}f}"


def ha(value, lang):
    return f"{_num(value, 2, lang)} ha"


def money(value, lang):
    value = value or 0
    return (f"{_num(value / 1e9, 2, 'vi')} tỷ đồng" if lang == "vi"
            else f"{_num(value / 1e9, 2, 'en')} billion VND")


def count(value, lang):
    return _num(value or 0, 0, lang)


def pct(value, lang):
    return f"{_num(value, 1, lang)}%"


def in_period(p: Period, lang: str) -> str:
    ranged = ":" in p.key
    if lang == "vi":
        return f"Trong {'kỳ ' if ranged else ''}{p.label_vi}"
    return f"In {'the period ' if ranged else 'the '}{p.label_en.removeprefix('the ')}"


def against(p: Period, lang: str) -> str:
    if lang == "vi":
        return f"so với {'kỳ ' if ':' in p.key else ''}{p.label_vi}"
    return f"against {'the period ' if ':' in p.key else 'the '}" \
           f"{p.label_en.removeprefix('the ')}"


def change(value, fmt, lang) -> str:
    """``tăng 3,10 ha`` / ``giảm …`` / ``không đổi`` (up, down, unchanged)."""
    if not value or abs(value) < 0.005:
        return "không đổi" if lang == "vi" else "unchanged"
    word = ("tăng" if value > 0 else "giảm") if lang == "vi" else ("up" if value > 0 else "down")
    return f"{word} {fmt(abs(value), lang)}"


def _total(table: Table) -> dict:
    return table.rows[-1]


def _by(table: Table, key: str, value) -> dict:
    return next(r for r in table.rows if r.get(key) == value)


# ------------------------------------------------------------------ sections

def clearance(s: Section, r: Report, lang: str) -> list[str]:
    h = _total(next(t for t in s.tables if t.name == "handed_over"))
    p, q = r.period, r.previous
    if h["period_ha"] >= 0:
        first = (f"{in_period(p, lang)} đã bàn giao {ha(h['period_ha'], lang)} mặt bằng"
                 if lang == "vi" else
                 f"{in_period(p, lang)}, {ha(h['period_ha'], lang)} of land were handed over")
    else:
        first = (f"{in_period(p, lang)} diện tích đã bàn giao mặt bằng giảm "
                 f"{ha(-h['period_ha'], lang)}" if lang == "vi" else
                 f"{in_period(p, lang)}, the area handed over fell by "
                 f"{ha(-h['period_ha'], lang)}")
    first += f", {change(h['change_ha'], ha, lang)} {against(q, lang)}."
    st = _total(next(t for t in s.tables if t.name == "clearance_status"))
    if lang == "vi":
        second = (f"Lũy kế đến cuối kỳ đã bàn giao {ha(h['handed_over_ha'], lang)} trên tổng "
                  f"số {ha(st['total_ha'], lang)} đất được theo dõi; đang khiếu nại "
                  f"{ha(st['disputed'], lang)}.")
    else:
        second = (f"By the end of the period {ha(h['handed_over_ha'], lang)} had been handed "
                  f"over of the {ha(st['total_ha'], lang)} followed; "
                  f"{ha(st['disputed'], lang)} are disputed.")
    return [first, second]


def land_fund(s: Section, r: Report, lang: str) -> list[str]:
    c = _total(next(t for t in s.tables if t.name == "clean_fund"))
    q = r.previous
    out = [(f"Quỹ đất sạch cuối kỳ còn {ha(c['area_ha'], lang)} ({count(c['parcels'], lang)} "
            f"thửa), {change(c['change_ha'], ha, lang)} so với cuối kỳ trước ({q.label_vi})."
            if lang == "vi" else
            f"The clean land fund at the end of the period is {ha(c['area_ha'], lang)} "
            f"({count(c['parcels'], lang)} parcels), {change(c['change_ha'], ha, lang)} "
            f"against the end of the {q.label_en.removeprefix('the ')}.")]
    occ = next(t for t in s.tables if t.name == "occupancy")
    parks = [f"{row['zone_code']} {pct(row['occupancy_pct'], lang)}" for row in occ.body()
             if row["occupancy_pct"] is not None]
    if parks:
        out.append(("Tỷ lệ lấp đầy các khu công nghiệp: " if lang == "vi" else
                    "Occupancy of the parks: ") + ", ".join(parks) + ".")
    return out


def auctions(s: Section, r: Report, lang: str) -> list[str]:
    lots = _total(next(t for t in s.tables if t.name == "auction_lots"))
    rev = _total(next(t for t in s.tables if t.name == "revenue_by_zone"))
    p, q = r.period, r.previous
    if lang == "vi":
        return [f"{in_period(p, lang)} đã đấu giá {count(lots['lots_auctioned'], lang)} lô, "
                f"trúng đấu giá {count(lots['lots_sold'], lang)} lô với tổng số tiền "
                f"{money(lots['won_vnd'], lang)} ({q.label_vi}: "
                f"{count(lots['previous_lots_auctioned'], lang)} lô, trúng "
                f"{count(lots['previous_lots_sold'], lang)} lô, "
                f"{money(lots['previous_won_vnd'], lang)}).",
                f"Lũy kế đến cuối kỳ đã thu {money(rev['collected_vnd'], lang)} trên "
                f"{money(rev['won_vnd'], lang)} tiền trúng đấu giá; còn phải thu "
                f"{money(rev['outstanding_vnd'], lang)}, trong đó quá hạn "
                f"{money(rev['overdue_vnd'], lang)}."]
    return [f"{in_period(p, lang)}, {count(lots['lots_auctioned'], lang)} lots were auctioned "
            f"and {count(lots['lots_sold'], lang)} sold for {money(lots['won_vnd'], lang)} "
            f"({q.label_en}: {count(lots['previous_lots_auctioned'], lang)} lots, "
            f"{count(lots['previous_lots_sold'], lang)} sold, "
            f"{money(lots['previous_won_vnd'], lang)}).",
            f"By the end of the period {money(rev['collected_vnd'], lang)} of "
            f"{money(rev['won_vnd'], lang)} won had been collected; "
            f"{money(rev['outstanding_vnd'], lang)} is outstanding, "
            f"{money(rev['overdue_vnd'], lang)} of it overdue."]


def projects(s: Section, r: Report, lang: str) -> list[str]:
    t = _total(s.tables[0])
    p, q = r.period, r.previous
    if lang == "vi":
        return [f"{in_period(p, lang)} đã giải ngân {money(t['disbursed_period_vnd'], lang)} "
                f"vốn đầu tư công ({q.label_vi}: {money(t['disbursed_previous_vnd'], lang)}); "
                f"lũy kế trong năm {money(t['disbursed_year_vnd'], lang)} trên kế hoạch vốn năm "
                f"{money(t['plan_year_vnd'], lang)}.",
                f"Các dự án có {count(t['milestones_late'], lang)} mốc tiến độ chậm."]
    return [f"{in_period(p, lang)}, {money(t['disbursed_period_vnd'], lang)} of public "
            f"investment was disbursed ({q.label_en}: "
            f"{money(t['disbursed_previous_vnd'], lang)}); "
            f"{money(t['disbursed_year_vnd'], lang)} this year against a plan of "
            f"{money(t['plan_year_vnd'], lang)}.",
            f"The projects have {count(t['milestones_late'], lang)} milestones late."]


def investors(s: Section, r: Report, lang: str) -> list[str]:
    t = next(t for t in s.tables if t.name == "investor_states_change")
    behind, revocable = _by(t, "code", "behind"), _by(t, "code", "revocable")
    total = _total(t)
    q = r.previous
    if lang == "vi":
        return [f"Đến cuối kỳ có {count(total['count'], lang)} dự án của nhà đầu tư, trong đó "
                f"{count(behind['count'], lang)} dự án chậm tiến độ và "
                f"{count(revocable['count'], lang)} dự án đủ điều kiện thu hồi (cuối "
                f"{q.label_vi}: {count(behind['previous_count'], lang)} và "
                f"{count(revocable['previous_count'], lang)})."]
    return [f"At the end of the period investors hold {count(total['count'], lang)} projects: "
            f"{count(behind['count'], lang)} behind schedule and "
            f"{count(revocable['count'], lang)} revocable (end of the "
            f"{q.label_en.removeprefix('the ')}: {count(behind['previous_count'], lang)} and "
            f"{count(revocable['previous_count'], lang)})."]


WRITERS = {"clearance": clearance, "land_fund": land_fund, "auctions": auctions,
           "projects": projects, "investors": investors}


def no_data(r: Report, lang: str) -> list[str]:
    if lang == "vi":
        return [f"Không có số liệu cho {'kỳ ' if ':' in r.period.key else ''}{r.period.label_vi}: kỳ báo cáo kết thúc trước sự kiện đầu "
                "tiên của sổ theo dõi."]
    return [f"No data for the {r.period.label_en.removeprefix('the ')}: the period ends "
            "before the first event of the ledgers."]


def write_sentences(report: Report) -> None:
    """Fill ``sentences_vi`` and ``sentences_en`` of every section of ``report``."""
    for section in report.sections:
        for lang in ("vi", "en"):
            text = no_data(report, lang) if report.empty else \
                WRITERS[section.key](section, report, lang)
            setattr(section, f"sentences_{lang}", text)


__all__ = ["WRITERS", "write_sentences"]

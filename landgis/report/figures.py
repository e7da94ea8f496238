"""The review's figures, read once from the core's own answers: :func:`build_report`.

Every figure of every table is a value of one of these answers, for the report's zones, as of
a date (the period's last day, or another end named below):

- the land fund :meth:`LandFund.at(ledger, day) <landgis.landfund.LandFund.at>` (what
  ``/api/summary`` and the land-fund tables of ``parcel_area.py`` give): ``by_status("clearance_status")``,
  ``by_zone``, ``occupancy``, ``clean_fund``;
- the progress book (what ``progress.py`` and ``/api/projects`` … give as of a date):
  ``projects``, ``investments``, ``auctions``, and ``revenue_of`` of the auctions;

or a difference of two of them, a sum of a column (the rows marked total), named in the
column's label. Definitions:

handed over during a period
    the area whose clearance status is ``handed_over`` at the period's end minus that area the
    day before it starts (a net figure: a parcel handed over and then disputed again within the
    period does not count; one handed back counts negative).
lots auctioned during a period
    the lots whose latest auction result, as of the period's end, is dated within the period
    (a lot unsold and auctioned again is counted in the period of its latest auction), and of
    them those sold, with their winning prices (``won_vnd``).
collected during a quarter / disbursed during a period
    the total collected (``collected_vnd`` of every lot) / disbursed (``disbursed_total_vnd``
    of every project) at its end minus that total the day before it starts.

The sentences are written by :mod:`landgis.report.sentences` from these tables' values only.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd

from landgis.contract import CLEARANCE_STATUS
from landgis.dataview import views_of
from landgis.params import BadRequest
from landgis.progress.book import revenue_of
from landgis.report import tables as T
from landgis.report.model import Chart, MapFigure, Period, Report, Section
from landgis.report.period import parse_period, previous_period, quarter
from landgis.report.sentences import write_sentences

DAY = dt.timedelta(days=1)
SECTIONS = {
    "clearance": ("Công tác bồi thường, giải phóng mặt bằng", "Land clearance"),
    "land_fund": ("Quỹ đất và tỷ lệ lấp đầy", "Land fund and occupancy"),
    "auctions": ("Đấu giá quyền sử dụng đất và thu ngân sách", "Auctions and revenue"),
    "projects": ("Dự án đầu tư công và giải ngân", "Public investment projects and "
                                                     "disbursement"),
    "investors": ("Tiến độ của các nhà đầu tư", "Investors' progress"),
}


class Sources:
    """The core's answers the report reads, each asked once per date."""

    def __init__(self, store, zone: str | None, views=None, rules_file: str | None = None):
        view = views_of(views).current(store)
        self.version = view.version
        self.fund, self.ledger = view.land_fund_and_ledger()
        self.book = view.progress_book(rules_file)
        self.zone = zone
        self._funds: dict = {}
        self._lots: dict = {}

    def fund_at(self, day: dt.date, *, keep: bool = True):
        """The land fund on ``day``, kept for the next question when ``keep`` (the chart's
        month ends are asked once: not kept, 100,000 parcels' statuses each)."""
        if day in self._funds:
            return self._funds[day]
        fund = self.fund.at(self.ledger, day.isoformat())
        fund = fund.filtered(zone=self.zone) if self.zone else fund
        if keep:
            self._funds[day] = fund
        return fund

    def handed_over(self, day: dt.date, *, keep: bool = True) -> pd.Series:
        """Hectares handed over per zone on ``day``."""
        t = self.fund_at(day, keep=keep).by_status("clearance_status")
        return t[t["status"] == "handed_over"].set_index("zone_code")["area_ha"]

    def lots(self, day: dt.date) -> pd.DataFrame:
        if day not in self._lots:
            self._lots[day] = self.book.auctions(day.isoformat(), zone=self.zone)
        return self._lots[day]

    def projects(self, day: dt.date) -> pd.DataFrame:
        return self.book.projects(day.isoformat(), zone=self.zone)

    def investments(self, day: dt.date) -> pd.DataFrame:
        return self.book.investments(day.isoformat(), zone=self.zone)

    def first_event(self) -> dt.date | None:
        days = [d for d in (self.ledger["effective_date"].astype(str).str[:10].min()
                            if len(self.ledger) else None,
                            self.book.events["effective_date"].dropna().min()
                            if len(self.book.events) else None) if isinstance(d, str)]
        return dt.date.fromisoformat(min(days)) if days else None


def zone_names(store) -> dict[str, tuple[str, str, str]]:
    """Zone code -> (kind, Vietnamese name, English name) of the zones layer."""
    zones = store.read_table("zones")
    out = {}
    for row in zones.to_dict("records"):
        kind, vi, en = (row.get(k) for k in ("kind", "name_vi", "name_en"))
        code = str(row["zone_code"])
        out[code] = (kind if isinstance(kind, str) else "", vi if isinstance(vi, str) else code,
                     en if isinstance(en, str) else code)
    return out


def known_zones(store, sources: Sources, names=None) -> dict[str, str]:
    """Zone code -> kind (kkt, kcn, ccn) of the zones layer, and the zones the parcels and the
    registers name (kind empty)."""
    names = zone_names(store) if names is None else names
    out = {code: kind for code, (kind, _vi, _en) in names.items()}
    more = set(sources.fund.parcels["zone_code"].cat.categories)
    for df in (sources.book.projects_register, sources.book.investments_register,
               sources.book.lots_register):
        more |= set(df["zone_code"].dropna().astype(str))
    for code in sorted(more - set(out)):
        out[code] = ""
    return out


def _check_zone(zone, zones: dict) -> str | None:
    zone = (zone or "").strip() or None
    if zone is not None and zone not in zones:
        raise BadRequest(f"khu không rõ / unknown zone {zone!r}; các khu / zones: "
                         f"{', '.join(zones)}")
    return zone


# ------------------------------------------------------------------ sections

def clearance_section(src: Sources, period: Period, prev: Period, zones: list[str]) -> Section:
    end = src.fund_at(period.end)
    by_status = end.by_status("clearance_status")
    status = T.status_table(by_status, end.by_zone(), zones)
    at = {d: src.handed_over(d) for d in (period.end, prev.end, prev.start - DAY)}
    handed = T.handed_over_table(zones, at[period.end], at[prev.end], at[prev.start - DAY])
    points = T.series_days(prev.start, period.end)
    series = T.series_table(points, {d: float(src.handed_over(d, keep=False).sum())
                                            for d in points})
    charts = [
        Chart("clearance_by_zone", "Diện tích theo tình trạng giải phóng mặt bằng, theo khu",
              "Hectares by clearance status per zone", "stacked_bar", status.name, "zone_code",
              [c for c in CLEARANCE_STATUS.codes], "ha"),
        Chart("handed_over_over_time", "Diện tích đã bàn giao mặt bằng theo thời gian (lũy kế)",
              "Cleared area over time (cumulative)", "line", series.name, "date",
              ["handed_over_ha"], "ha"),
    ]
    return Section("clearance", *SECTIONS["clearance"], tables=[handed, status, series],
                   charts=charts)


def land_fund_section(src: Sources, period: Period, prev: Period, zones: list[str]) -> Section:
    end = src.fund_at(period.end)
    occupancy = T.occupancy_table(end.occupancy())
    clean = T.clean_fund_table(zones, end.clean_fund(), src.fund_at(prev.end).clean_fund())
    return Section("land_fund", *SECTIONS["land_fund"], tables=[clean, occupancy])


def _auctioned(lots: pd.DataFrame, start: dt.date, end: dt.date) -> pd.DataFrame:
    day = lots["auction_date"].astype("string")
    return lots[((day >= start.isoformat()) & (day <= end.isoformat())).fillna(False)
                .to_numpy(bool)]


def auctions_section(src: Sources, period: Period, prev: Period, zones: list[str]) -> Section:
    now = _auctioned(src.lots(period.end), period.start, period.end)
    before = _auctioned(src.lots(prev.end), prev.start, prev.end)
    lots = T.lots_table(zones, now, before)
    quarters = []
    for year in range(period.start.year, period.end.year + 1):
        for n in range(1, 5):
            q = quarter(year, n)
            if q.start > period.end:
                break
            q_end = min(q.end, period.end)
            won = _auctioned(src.lots(q_end), q.start, q_end)["won_vnd"].sum()
            collected = (src.lots(q_end)["collected_vnd"].sum()
                         - src.lots(q.start - DAY)["collected_vnd"].sum())
            quarters.append((q, won, collected))
    quarterly = T.quarterly_table(quarters)
    by_zone, by_project = revenue_of(src.lots(period.end))
    charts = [Chart("revenue_by_quarter", "Tiền trúng đấu giá và đã thu theo quý",
                    "Revenue won and collected per quarter", "bar", quarterly.name, "quarter",
                    ["won_vnd", "collected_vnd"], "vnd")]
    return Section("auctions", *SECTIONS["auctions"],
                   tables=[lots, quarterly, T.revenue_zone_table(by_zone),
                           T.revenue_project_table(by_project)], charts=charts)


def projects_section(src: Sources, period: Period, prev: Period, zones: list[str]) -> Section:
    table = T.projects_table(src.projects(period.end), src.projects(prev.end),
                             src.projects(prev.start - DAY))
    charts = [Chart("disbursement_by_project", "Giải ngân so với kế hoạch vốn năm, theo dự án",
                    "Disbursement against the year's plan per project", "bar", table.name,
                    "project_code", ["plan_year_vnd", "disbursed_year_vnd"], "vnd")]
    return Section("projects", *SECTIONS["projects"], tables=[table], charts=charts)


def investors_section(src: Sources, period: Period, prev: Period, zones: list[str]) -> Section:
    now, before = src.investments(period.end), src.investments(prev.end)
    states = T.states_table(zones, now)
    change = T.states_change_table(now, before)
    flagged = T.flagged_table(now)
    charts = [Chart("investors_by_state", "Nhà đầu tư theo tình trạng tiến độ",
                    "Investors by schedule status", "bar", change.name, "state",
                    ["count", "previous_count"], "count")]
    return Section("investors", *SECTIONS["investors"], tables=[change, states, flagged],
                   charts=charts)


BUILDERS = (clearance_section, land_fund_section, auctions_section, projects_section,
            investors_section)


def build_report(store, period, *, zone: str | None = None, views=None,
                 today: dt.date | None = None, rules_file: str | None = None) -> Report:
    """The review of ``period`` (a :class:`Period` or text :func:`parse_period` reads) as of
    its last day, for every zone or one; the figures as described in this module. The
    investors are judged by the schedule rules of ``rules_file`` (none: the table shipped).

    :class:`~landgis.params.BadRequest` (:class:`~landgis.report.period.PeriodError`) for a
    period that cannot be reported on or a zone the data do not hold. A period that ends before
    the first event of the ledgers gives an empty report (``empty``: zeros, and sentences
    saying so)."""
    period = parse_period(period, today=today)
    prev = previous_period(period)
    src = Sources(store, None, views, rules_file)
    names = zone_names(store)
    zones_kind = known_zones(store, src, names)
    zone = _check_zone(zone, zones_kind)
    src.zone = zone
    zones = [zone] if zone else list(zones_kind)
    first = src.first_event()
    sections = [build(src, period, prev, zones) for build in BUILDERS]
    report = Report(period=period, previous=prev, zone=zone, data_version=str(src.version),
                    sections=sections, empty=first is None or period.end < first)
    parks = [zone] if zone else [z for z, kind in zones_kind.items() if kind == "kcn"]
    report.maps = [MapFigure(z, f"Sơ đồ hiện trạng {names.get(z, ('', z, z))[1]} ({z})",
                             f"{names.get(z, ('', z, z))[2]} ({z}): current state")
                   for z in parks]
    write_sentences(report)
    return report


__all__ = ["BUILDERS", "SECTIONS", "Sources", "build_report", "known_zones", "zone_names"]

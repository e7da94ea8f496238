"""The dashboard's answer, laid out from a :class:`landgis.report.model.Report` (issue 14).

Nothing here computes a figure: the cards pick cells of the report's tables and the charts
carry the columns of the table each is drawn from, so the page shows the numbers the Word and
Excel report print for the same date. :func:`dashboard_answer` is what
``GET /api/dashboard`` sends (:mod:`webmap.dashboard`).
"""

from __future__ import annotations

from landgis.report.model import Chart, Report, Table
from landgis.vocabularies import AUCTION_STATUS, CLEARANCE_STATUS

#: The indicator cards: key, labels, then the cells they show as (table, column) picked from
#: the table's total row (its last row when the table ends with a total, else its only row);
#: a second cell is shown "of" the first (collected of won, disbursed of plan).
CARDS = (
    ("handed_over", "Diện tích đã bàn giao", "Area handed over",
     ("handed_over", "handed_over_ha"), None, "ha"),
    ("clean_fund", "Quỹ đất sạch còn lại", "Clean land fund left",
     ("clean_fund", "area_ha"), None, "ha"),
    ("revenue", "Tiền đấu giá đã thu / trúng", "Auction revenue collected / won",
     ("revenue_by_zone", "collected_vnd"), ("revenue_by_zone", "won_vnd"), "vnd"),
    ("disbursed", "Giải ngân / kế hoạch năm", "Disbursed / plan of the year",
     ("projects", "disbursed_year_vnd"), ("projects", "plan_year_vnd"), "vnd"),
    ("investors_behind", "Nhà đầu tư chậm tiến độ", "Investors behind schedule",
     ("investor_states", "behind"), None, "count"),
    ("investors_revocable", "Nhà đầu tư có thể bị thu hồi", "Investors liable to revocation",
     ("investor_states", "revocable"), None, "count"),
)

#: Columns whose values are zone codes: a chart drawn along one opens the map on the zone.
ZONE_COLUMNS = ("zone_code", "zone")
#: The status vocabularies a chart's series may be codes of: its bars open the map coloured
#: by that field with only that status shown.
STATUS_FIELDS = {"clearance_status": CLEARANCE_STATUS, "auction_status": AUCTION_STATUS}


def _total_row(table: Table) -> dict | None:
    if not table.rows:
        return None
    if table.total or len(table.rows) == 1:
        return table.rows[-1]
    return None


def _cell(report: Report, pick) -> tuple[object, Table | None]:
    if pick is None:
        return None, None
    name, column = pick
    try:
        table = report.table(name)
    except KeyError:
        return None, None
    row = _total_row(table)
    return (row.get(column) if row else None), table


def cards(report: Report, lang: str) -> list[dict]:
    """The indicator cards: each one's label, value (and the value it is "of"), unit and the
    table it comes from (the page links the card to that table)."""
    out = []
    for key, label_vi, label_en, pick, of, unit in CARDS:
        value, table = _cell(report, pick)
        if table is None:
            continue
        of_value, _ = _cell(report, of)
        out.append({"key": key, "label": label_vi if lang == "vi" else label_en,
                    "value": value, "of": of_value, "unit": unit, "table": table.name})
    return out


def _series_label(table: Table, key: str, lang: str) -> str:
    for column in table.columns:
        if column.key == key:
            return column.label(lang)
    return key


def _status_field(series: list[str]) -> str | None:
    for field, vocab in STATUS_FIELDS.items():
        if series and all(s in vocab for s in series):
            return field
    return None


def chart_json(chart: Chart, table: Table, lang: str) -> dict:
    """A chart as the page draws it: its categories, one dataset per series (the cells of its
    table, the total row left out) and what a click on a bar opens on the map."""
    rows = table.rows[:-1] if table.total else table.rows
    category_label = _series_label(table, chart.category, lang)
    return {
        "name": chart.name, "title": chart.title(lang), "kind": chart.kind, "unit": chart.unit,
        "table": table.name, "category": chart.category, "category_label": category_label,
        "labels": ["" if r.get(chart.category) is None else str(r.get(chart.category))
                   for r in rows],
        "datasets": [{"key": s, "label": _series_label(table, s, lang),
                      "data": [r.get(s) for r in rows]} for s in chart.series],
        "link": {"zone": chart.category in ZONE_COLUMNS,
                 "field": _status_field(chart.series)},
    }


def _table_json(table: Table, lang: str) -> dict:
    return {"name": table.name, "title": table.title(lang), "total": table.total,
            "columns": [{"key": c.key, "label": c.label(lang), "unit": c.unit}
                        for c in table.columns],
            "rows": table.rows, "note": table.note_vi if lang == "vi" else table.note_en}


def report_json(report: Report, lang: str) -> dict:
    """The report's period, sections (sentences, tables, charts) in ``lang``."""
    def period(p):
        return {"key": p.key, "start": p.start.isoformat(), "end": p.end.isoformat(),
                "label": p.label(lang)}

    sections = []
    for s in report.sections:
        tables = {t.name: t for t in s.tables}
        sections.append({
            "key": s.key, "title": s.title(lang), "sentences": s.sentences(lang),
            "tables": [_table_json(t, lang) for t in s.tables],
            "charts": [chart_json(c, tables.get(c.table) or report.table(c.table), lang)
                       for c in s.charts]})
    return {"period": period(report.period), "previous": period(report.previous),
            "zone": report.zone, "as_of": report.as_of, "data_version": report.data_version,
            "empty": report.empty, "sections": sections}


def dashboard_answer(report: Report, *, as_of: str, lang: str) -> dict:
    """``GET /api/dashboard``: the date asked, the cards and the report in ``lang``."""
    return {"as_of": as_of, "zone": report.zone, "lang": lang,
            "cards": cards(report, lang), "report": report_json(report, lang)}

"""The dashboard's answer, laid out from a :class:`landgis.report.model.Report` (issue 14).

Nothing here computes a figure: the cards pick cells of the report's tables and the charts
carry the columns of the table each is drawn from (the report itself as
:func:`landgis.report.answer.report_json` writes it), so the page shows the numbers the Word and
Excel report print for the same date. :func:`dashboard_answer` is what
``GET /api/dashboard`` sends (:mod:`webmap.dashboard`).
"""

from __future__ import annotations

from landgis.report.answer import report_json
from landgis.report.model import Report, Table
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


def _body(table: dict) -> list[dict]:
    """A JSON table's rows without its total row (what a chart draws)."""
    rows = table["rows"]
    return rows[:-1] if table["total"] and rows else rows


def _status_field(series: list[str]) -> str | None:
    for field, vocab in STATUS_FIELDS.items():
        if series and all(s in vocab for s in series):
            return field
    return None


def chart_data(chart: dict, table: dict) -> dict:
    """What the page draws of a chart of :func:`landgis.report.answer.report_json`: its
    categories and one dataset per series (the cells of its table, the total row left out),
    and what a click on a bar opens on the map (a zone, a status)."""
    labels = {c["key"]: c["label"] for c in table["columns"]}
    units = {c["key"]: c["unit"] for c in table["columns"]}
    rows = _body(table)
    return {
        "category_label": labels.get(chart["category"], chart["category"]),
        "category_unit": units.get(chart["category"], "text"),
        "labels": ["" if r.get(chart["category"]) is None else str(r.get(chart["category"]))
                   for r in rows],
        "datasets": [{"key": s, "label": labels.get(s, s), "data": [r.get(s) for r in rows]}
                     for s in chart["series"]],
        "link": {"zone": chart["category"] in ZONE_COLUMNS,
                 "field": _status_field(chart["series"])},
    }


def dashboard_answer(report: Report, *, as_of: str, lang: str) -> dict:
    """``GET /api/dashboard``: the date asked, the cards, and the report in ``lang`` as
    :func:`~landgis.report.answer.report_json` gives it, each chart with its data."""
    body = report_json(report, lang)
    for section in body["sections"]:
        tables = {t["name"]: t for t in section["tables"]}
        for chart in section["charts"]:
            table = tables.get(chart["table"])
            if table is None:  # a chart of another section's table
                table = next(t for s in body["sections"] for t in s["tables"]
                             if t["name"] == chart["table"])
            chart.update(chart_data(chart, table))
    return {"as_of": as_of, "zone": report.zone, "lang": lang,
            "cards": cards(report, lang), "report": body}

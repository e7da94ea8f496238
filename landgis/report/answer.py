"""A :class:`~landgis.report.model.Report` as JSON for the dashboard: :func:`report_json`.

The values are the report's own (hectares as floats, whole đồng as integers, ISO dates); the
labels, titles and sentences in the language asked. Each table says which row is its total
(``total``), each column its ``unit``, so the page formats and draws without computing.
"""

from __future__ import annotations

from landgis.params import BadRequest
from landgis.report.model import Report, Table

LANGS = ("vi", "en")


def table_json(table: Table, lang: str) -> dict:
    keys = [c.key for c in table.columns]
    return {
        "name": table.name, "title": table.title(lang), "note": table.note(lang),
        "source": table.source, "total": table.total,
        "columns": [{"key": c.key, "label": c.label(lang), "unit": c.unit}
                    for c in table.columns],
        "rows": [{k: table.cell(row, k, lang) for k in keys} | _codes(row) for row in table.rows],
    }


def _codes(row: dict) -> dict:
    """The codes a row carries beside its labels (a status's ``code``, a quarter's ``key``),
    for the page's filters."""
    return {k: row[k] for k in ("code", "key", "flags") if k in row}


def report_json(report: Report, lang: str = "vi") -> dict:
    """``report`` as a JSON-ready dict in ``lang`` (``vi`` or ``en``)."""
    if lang not in LANGS:
        raise BadRequest(f"ngôn ngữ không rõ / unknown language {lang!r}; "
                         f"{' hoặc / or '.join(LANGS)}")
    p, q = report.period, report.previous
    return {
        "lang": lang,
        "period": {"key": p.key, "start": p.start.isoformat(), "end": p.end.isoformat(),
                   "label": p.label(lang)},
        "previous": {"key": q.key, "start": q.start.isoformat(), "end": q.end.isoformat(),
                     "label": q.label(lang)},
        "as_of": report.as_of, "zone": report.zone, "data_version": report.data_version,
        "empty": report.empty,
        "issuer": report.issuer_vi if lang == "vi" else report.issuer_en,
        "sections": [{
            "key": s.key, "number": i, "title": s.title(lang), "sentences": s.sentences(lang),
            "tables": [table_json(t, lang) for t in s.tables],
            "charts": [{"name": c.name, "title": c.title(lang), "kind": c.kind,
                        "table": c.table, "category": c.category, "series": list(c.series),
                        "unit": c.unit} for c in s.charts],
        } for i, s in enumerate(report.sections, start=1)],
        "maps": [{"zone_code": m.zone_code,
                  "title": m.title_vi if lang == "vi" else m.title_en} for m in report.maps],
    }


__all__ = ["report_json", "table_json"]

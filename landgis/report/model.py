"""What a review report holds, independent of how it is written (Word, Excel, PDF, the page).

A :class:`Report` is built by :func:`landgis.report.figures.build_report` from the core's own
answers (the land fund, the status ledger, the progress book) and only then rendered: the
renderers never compute a figure, they lay out :class:`Table` rows, :class:`Chart` specs and the
sentences, which are templates filled from the same rows.

Values in table rows are plain: ``int`` for counts and whole đồng, ``float`` for hectares and
percentages, ``str`` for text and ISO dates, ``None`` for nothing. A column's ``unit`` tells a
renderer how to show it (``ha``, ``m2``, ``vnd``, ``count``, ``pct``, ``date``, ``text``).
A text cell that reads differently in English (a total row's "Tổng cộng", a status label) keeps
its English in the row under ``<key>_en``: :meth:`Table.cell` picks the language's value.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

UNITS = ("ha", "m2", "vnd", "count", "pct", "date", "text")
CHART_KINDS = ("bar", "stacked_bar", "line", "pie")


@dataclass(frozen=True)
class Period:
    """A reporting period, both ends included; ``key`` as written (``2019-H1``, ``2019-Q3``,
    ``2019``, ``2019-01-01:2019-03-31``)."""

    key: str
    start: dt.date
    end: dt.date
    label_vi: str  # "6 tháng đầu năm 2019"
    label_en: str  # "first half of 2019"

    def label(self, lang: str = "vi") -> str:
        return self.label_vi if lang == "vi" else self.label_en


@dataclass(frozen=True)
class Column:
    key: str
    label_vi: str
    label_en: str
    unit: str = "text"

    def label(self, lang: str = "vi") -> str:
        return self.label_vi if lang == "vi" else self.label_en


@dataclass
class Table:
    """One table of the report; ``source`` names the core answer its figures come from (for
    the test that checks every figure against it), ``total`` whether the last row is a total."""

    name: str  # stable id: the xlsx sheet name, the anchor on the page
    title_vi: str
    title_en: str
    columns: list[Column]
    rows: list[dict]
    source: str = ""
    total: bool = False
    note_vi: str = ""
    note_en: str = ""

    def title(self, lang: str = "vi") -> str:
        return self.title_vi if lang == "vi" else self.title_en

    def note(self, lang: str = "vi") -> str:
        return self.note_vi if lang == "vi" else self.note_en

    def cell(self, row: dict, key: str, lang: str = "vi"):
        """The value of column ``key`` in ``row`` as shown in ``lang`` (see the module)."""
        if lang != "vi" and f"{key}_en" in row:
            return row[f"{key}_en"]
        return row.get(key)

    def body(self) -> list[dict]:
        """The rows without the total row (what a chart draws)."""
        return self.rows[:-1] if self.total and self.rows else list(self.rows)


@dataclass
class Chart:
    """A chart drawn from one table: ``category`` is the column along the axis (or the pie's
    slices), ``series`` the value columns (stacked or side by side)."""

    name: str
    title_vi: str
    title_en: str
    kind: str  # one of CHART_KINDS
    table: str  # Table.name
    category: str
    series: list[str]
    unit: str = "ha"

    def title(self, lang: str = "vi") -> str:
        return self.title_vi if lang == "vi" else self.title_en


@dataclass
class Section:
    """A numbered section: its sentences (each backed by figures of its tables), tables and
    charts."""

    key: str  # clearance | land_fund | auctions | projects | investors
    title_vi: str
    title_en: str
    sentences_vi: list[str] = field(default_factory=list)
    sentences_en: list[str] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)
    charts: list[Chart] = field(default_factory=list)

    def title(self, lang: str = "vi") -> str:
        return self.title_vi if lang == "vi" else self.title_en

    def sentences(self, lang: str = "vi") -> list[str]:
        return self.sentences_vi if lang == "vi" else self.sentences_en


@dataclass
class MapFigure:
    """One map of a park for the report: the zone drawn from the layers over the basemap."""

    zone_code: str
    title_vi: str
    title_en: str


@dataclass
class Report:
    period: Period
    previous: Period  # the period of the same length just before
    zone: str | None
    data_version: str  # the store's version when the figures were read
    sections: list[Section]
    maps: list[MapFigure] = field(default_factory=list)
    empty: bool = False  # the period ends before the first event of the ledgers
    issuer_vi: str = "BAN QUẢN LÝ KHU KINH TẾ TỈNH"
    issuer_en: str = "Economic Zone Management Board"

    @property
    def as_of(self) -> str:
        return self.period.end.isoformat()

    def table(self, name: str) -> Table:
        for section in self.sections:
            for table in section.tables:
                if table.name == name:
                    return table
        raise KeyError(name)

"""The report's charts as PNG images (matplotlib, no display), labelled in the report's
language, each bar or point with its value written on it.

The text is drawn with DejaVu Sans, which has the Vietnamese glyphs and ships with matplotlib
itself (Debian's ``fonts-dejavu-core`` too): a chart never shows boxes in place of letters.
Money is drawn in billions of đồng (``tỷ đồng``) so the labels stay readable; the tables keep
whole đồng.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.ticker import FuncFormatter  # noqa: E402

from landgis.report import fmt  # noqa: E402
from landgis.report.model import Chart, Report  # noqa: E402

FONT = "DejaVu Sans"
COLOURS = ["#2e7d32", "#f9a825", "#c62828", "#1565c0", "#6a1b9a", "#00838f", "#8d6e63",
           "#546e7a"]
DPI = 150


def _style() -> None:
    plt.rcParams.update({"font.family": FONT, "font.size": 9, "axes.titlesize": 11,
                         "axes.spines.top": False, "axes.spines.right": False})


def _scale(unit: str) -> tuple[float, str, int]:
    """Divisor, axis unit label key and decimals of a chart's values."""
    if unit == "vnd":
        return 1e9, "bn", 2
    return 1.0, unit, fmt.DECIMALS.get(unit, 2)


def _category_text(value, unit: str) -> str:
    return fmt.cell(value, unit, "vi") if unit == "date" else str(value)


def chart_png(report: Report, chart: Chart, path, lang: str = "vi") -> Path:
    """Draw ``chart`` from its table's rows into ``path`` (PNG); the path."""
    _style()
    table = report.table(chart.table)
    columns = {c.key: c for c in table.columns}
    rows = table.body() if chart.kind != "line" else list(table.rows)  # a total: no category
    cat_unit = columns[chart.category].unit if chart.category in columns else "text"
    cats = [_category_text(table.cell(r, chart.category, lang), cat_unit) for r in rows]
    div, unit_key, decimals = _scale(chart.unit)

    def values(key):
        return [0.0 if fmt.missing(r.get(key)) else float(r.get(key)) / div for r in rows]

    def label(v):
        return fmt.number(v, decimals, lang)

    fig, ax = plt.subplots(figsize=(7.0, 3.8), dpi=DPI)
    series = [(columns[k].label(lang) if k in columns else k, values(k)) for k in chart.series]
    if chart.kind == "pie":
        name, vals = series[0]
        shown = [(c, v) for c, v in zip(cats, vals) if v > 0]
        if shown:
            ax.pie([v for _, v in shown], labels=[c for c, _ in shown],
                   colors=COLOURS[:len(shown)], startangle=90, counterclock=False,
                   autopct=lambda p: label(p * sum(v for _, v in shown) / 100),
                   textprops={"fontsize": 9})
        ax.axis("equal")
    elif chart.kind == "line":
        for i, (name, vals) in enumerate(series):
            ax.plot(range(len(cats)), vals, marker="o", color=COLOURS[i % len(COLOURS)],
                    label=name)
            for x, v in enumerate(vals):
                ax.annotate(label(v), (x, v), textcoords="offset points", xytext=(0, 5),
                            ha="center", fontsize=7)
        ax.set_xticks(range(len(cats)), cats, rotation=30 if len(cats) > 6 else 0)
    else:
        stacked = chart.kind == "stacked_bar"
        n = len(series)
        width = 0.7 if stacked else 0.8 / max(n, 1)
        bottoms = [0.0] * len(cats)
        # a stacked segment too thin to hold its label goes without (the table has it)
        tallest = max([sum(v) for v in zip(*(vals for _, vals in series))] or [0.0])
        small = 0.04 * tallest if stacked else 0.0
        for i, (name, vals) in enumerate(series):
            xs = [x if stacked else x - 0.4 + width * (i + 0.5) for x in range(len(cats))]
            bars = ax.bar(xs, vals, width, bottom=bottoms if stacked else None,
                          color=COLOURS[i % len(COLOURS)], label=name)
            ax.bar_label(bars, labels=[label(v) if v and v >= small else "" for v in vals],
                         label_type="center" if stacked else "edge", fontsize=7)
            if stacked:
                bottoms = [b + v for b, v in zip(bottoms, vals)]
        ax.set_xticks(range(len(cats)), cats, rotation=20 if len(cats) > 4 else 0,
                      ha="right" if len(cats) > 4 else "center")
    if chart.kind != "pie":
        unit_label = fmt.UNIT_LABELS[lang].get(unit_key, unit_key)
        if unit_label:
            ax.set_ylabel(unit_label)
        ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: fmt.number(v, 0, lang)))
        if len(series) > 1:
            ax.legend(fontsize=8, frameon=False)
        if not cats:
            ax.text(0.5, 0.5, "không có số liệu" if lang == "vi" else "no data",
                    transform=ax.transAxes, ha="center", va="center")
    ax.set_title(chart.title(lang))
    fig.tight_layout()
    path = Path(path)
    fig.savefig(path, format="png")
    plt.close(fig)
    return path

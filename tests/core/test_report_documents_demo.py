"""The review of the demo data (build_report) written as Word and Excel and read back: every
table of the document and of the workbook shows the Report's figures, in both languages; every
chart is in the document and in its sheet; one map per park."""

from __future__ import annotations

import openpyxl
import pytest
from docx import Document

from landgis.config import DEFAULT_DATABASE
from landgis.report import fmt
from landgis.report.figures import build_report
from landgis.report.write import render_files
from landgis.store import open_store
from tests.conftest import need
from tests.core.test_report_documents import _tables_equal


@pytest.fixture(scope="module")
def demo_report():
    need(DEFAULT_DATABASE.exists(), f"{DEFAULT_DATABASE} is missing: run `make layers`")
    store = open_store(DEFAULT_DATABASE)
    yield store, build_report(store, "2019-H1")
    store.close()


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_every_table_of_the_review_in_word_and_excel(demo_report, tmp_path, lang):
    store, report = demo_report
    files = render_files(report, tmp_path, store=store, lang=lang, pdf=False,
                         basemap=str(DEFAULT_DATABASE.parent / "hillshade.tif"))
    tables = [t for s in report.sections for t in s.tables]
    charts = [c for s in report.sections for c in s.charts]
    assert len(tables) >= 10 and len(charts) >= 5 and report.maps
    doc = Document(str(tmp_path / "bao_cao.docx"))
    assert len(doc.tables) == len(tables) + 2  # the heading and Nơi nhận around them
    for doc_table, table in zip(doc.tables[1:], tables):
        _tables_equal(doc_table, table, lang)
    assert len(doc.inline_shapes) == len(charts) + len(report.maps)
    assert {f"charts/ban_do_{m.zone_code}.png" for m in report.maps} <= set(files)
    wb = openpyxl.load_workbook(tmp_path / "bao_cao.xlsx")
    for table in tables:
        ws = wb[table.name[:31]]
        for i, row in enumerate(table.rows):
            for j, col in enumerate(table.columns):
                value, cell = table.cell(row, col.key, lang), ws.cell(4 + i, 1 + j)
                if fmt.is_numeric(col.unit) and value is not None:
                    assert cell.data_type == "n" and cell.value == pytest.approx(value), \
                        (table.name, col.key)
        assert len(ws._charts) == sum(c.table == table.name for c in charts), table.name


def test_whole_dong_are_not_broken_across_lines_in_the_pdf(demo_report, tmp_path):
    """The projects table has six money columns: in the PDF each figure reads whole (an
    11-digit amount once wrapped as '148.500.000.00' over '0')."""
    import shutil
    import subprocess

    need(shutil.which("soffice") or shutil.which("libreoffice"), "LibreOffice is missing")
    store, _ = demo_report
    report = build_report(store, "2025-H2")
    render_files(report, tmp_path, store=store, lang="vi", pdf=True,
                 basemap=str(DEFAULT_DATABASE.parent / "hillshade.tif"))
    text = subprocess.run(["pdftotext", "-layout", str(tmp_path / "bao_cao.pdf"), "-"],
                          capture_output=True, text=True, check=True).stdout
    projects = report.table("projects")
    amounts = {fmt.cell(r[c.key], "vnd", "vi") for r in projects.rows for c in projects.columns
               if c.unit == "vnd" and r[c.key] and r[c.key] >= 10**9}
    assert amounts
    missing = sorted(a for a in amounts if a not in text)
    assert not missing, f"broken in the PDF: {missing}"


def test_a_rule_is_cited_once_per_investor(demo_report):
    store, _ = demo_report
    flagged = build_report(store, "2025-H2").table("investors_flagged")
    assert flagged.rows
    for row in flagged.rows:
        assert row["rules"].count("Mốc tiến độ đã quá hạn mà chưa đạt") <= 1, row["investment_id"]


def test_the_investors_are_judged_by_the_rules_table_of_the_setting(demo_report, tmp_path):
    """A rules table in which any overdue milestone makes an investment revocable: the review
    counts more revocable investors than with the table shipped, and as many as the book
    under that table says."""
    import csv

    from landgis.progress import load_book
    from landgis.progress.rules import DEFAULT_RULES_FILE

    store, _ = demo_report
    with open(DEFAULT_RULES_FILE, encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    strict = tmp_path / "strict.csv"
    with open(strict, "w", encoding="utf-8", newline="") as fh:
        out = csv.DictWriter(fh, fieldnames=list(rows[0]))
        out.writeheader()
        out.writerow({**rows[0], "state": "revocable"})

    def revocable(report):
        return next(r["count"] for r in report.table("investor_states_change").rows
                    if r.get("code") == "revocable")

    shipped = revocable(build_report(store, "2025-H2"))
    judged = revocable(build_report(store, "2025-H2", rules_file=str(strict)))
    book = load_book(store, rules_file=str(strict)).investments("2025-12-31")
    assert judged == int((book["state"] == "revocable").sum()) > shipped

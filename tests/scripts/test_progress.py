"""scripts/import_progress.py and scripts/progress.py run as the Board's staff run them
(issue 13, item 4): a real workbook made with openpyxl imported, the tables read back from the
files progress.py writes and compared with the book's own answers; and the bad inputs of the
issue, each a clear message, a non-zero exit and nothing written."""

import json

import openpyxl
import pandas as pd
import pytest

from landgis.progress import load_book
from tests.conftest import snapshot
from tests.progress_data import (FUTURE, add_registers, ev, good_events, investment, lot,
                                 workbook)

AS_OF = "31/12/2020"


@pytest.fixture
def board(store):
    add_registers(store)
    return store


def _import(script, store, path, *more):
    return script("import_progress.py", path, "--db", store.url, "--user", "lan", *more)


def _progress(script, store, *more):
    return script("progress.py", "--db", store.url, "--as-of", AS_OF, *more)


@pytest.fixture
def imported(board, script, tmp_path):
    path = workbook(tmp_path / "tien-do.xlsx", investments=[investment()], lots=[lot()],
                    events=good_events())
    out = _import(script, board, path)
    assert out.returncode == 0, out.stderr
    assert "Đã ghi" in out.stdout and "11 sự kiện mới / new event(s)" in out.stdout
    return board


@pytest.mark.backends("gpkg")  # the output's form; both backends give the same tables below
def test_progress_prints_the_three_tables_for_people(imported, script):
    out = _progress(script, imported)
    assert out.returncode == 0, out.stderr
    text = out.stdout
    for title in ("Dự án đầu tư công / public investment projects",
                  "Dự án của nhà đầu tư / investor projects", "Lô đấu giá / auction lots",
                  "Thu tiền đấu giá theo khu / auction revenue by zone"):
        assert title in text
    assert "120.000.000.000" in text                   # whole đồng, dots in threes
    assert "01/08/2020" in text and "2020-08-01" not in text  # dates day first
    assert "đủ điều kiện thu hồi" in text               # the investor is revocable by then
    assert "Luật Đất đai 2024, Điều 81 khoản 8" in text  # beside each flag, its article
    ty = _progress(script, imported, "--money", "ty", "--table", "auctions")
    assert "5,00" in ty.stdout and "Tiền trúng đấu giá (tỷ đồng)" in ty.stdout
    assert "Dự án đầu tư công" not in ty.stdout


def test_xlsx_json_and_csv_hold_the_books_figures(imported, script, tmp_path):
    book = load_book(imported)
    projects = book.projects("2020-12-31").set_index("project_code")
    investments = book.investments("2020-12-31").set_index("investment_id")
    lots = book.auctions("2020-12-31").set_index("lot_code")
    by_zone, by_project = book.revenue("2020-12-31")

    assert _progress(script, imported, "--out", tmp_path / "p.xlsx").returncode == 0
    wb = openpyxl.load_workbook(tmp_path / "p.xlsx")
    assert wb.sheetnames == ["projects", "investments", "auctions", "revenue_by_zone",
                             "revenue_by_project", "about"]
    sheet = wb["projects"]
    head = [c.value for c in sheet[1]]
    rows = {r[0]: dict(zip(head, r)) for r in sheet.iter_rows(min_row=2, values_only=True)}
    row = rows["DA-T1-XLNT"]
    assert row["Lũy kế giải ngân (đồng) / disbursed in all (VND)"] == \
        projects.loc["DA-T1-XLNT", "disbursed_total_vnd"] == 2_434_567_890
    assert row["Tổng mức đầu tư (đồng) / total investment (VND)"] == 120_000_000_000
    assert row["Ngày QĐ phê duyệt / decision date"].date().isoformat() == "2018-05-02"
    inv_head = [c.value for c in wb["investments"][1]]
    inv = dict(zip(inv_head, next(wb["investments"].iter_rows(min_row=2, values_only=True))))
    assert inv["Tình trạng tiến độ / schedule state"] == investments.loc[
        "NDT-T1-01", "state_label_vi"]
    assert "Điều 81" in inv["Cờ và căn cứ pháp lý / flags and their articles"]
    note = wb["investments"].cell(2, inv_head.index("Nội dung báo cáo / last report note") + 1)
    assert note.data_type == "s" and note.value == '=HYPERLINK("http://x","bấm")'
    zone = dict(zip([c.value for c in wb["revenue_by_zone"][1]],
                    next(wb["revenue_by_zone"].iter_rows(min_row=2, values_only=True))))
    assert zone["Đã thu (đồng) / collected (VND)"] == by_zone["collected_vnd"].iloc[0] == 2.5e9

    assert _progress(script, imported, "--out", tmp_path / "p.json").returncode == 0
    doc = json.loads((tmp_path / "p.json").read_text(encoding="utf-8"))
    assert doc["meta"]["as_of"] == "2020-12-31"
    got = {r["lot_code"]: r for r in doc["tables"]["auctions"]}
    assert got["LO-T1-01"]["won_vnd"] == lots.loc["LO-T1-01", "won_vnd"] == 5_000_000_000
    assert got["LO-T1-01"]["outstanding_vnd"] == 2_500_000_000
    flags = doc["tables"]["investments"][0]["flag_details"]
    assert {f["rule_id"] for f in flags} == set(investments.loc["NDT-T1-01", "flags"].split(";"))
    assert all(f["basis_vi"] for f in flags)
    assert doc["tables"]["revenue_by_project"] == [
        {"funds_project_code": "DA-T1-HT", "won_vnd": 5_000_000_000,
         "collected_vnd": 2_500_000_000}]
    assert by_project["won_vnd"].tolist() == [5e9]

    assert _progress(script, imported, "--out", tmp_path / "p.csv").returncode == 0
    csv = pd.read_csv(tmp_path / "p-projects.csv", encoding="utf-8-sig").set_index(
        "project_code")
    assert csv.loc["DA-T1-XLNT", "disbursed_total_vnd"] == projects.loc[
        "DA-T1-XLNT", "disbursed_total_vnd"]
    assert csv.loc["DA-T1-XLNT", "investment_decision_date"] == "2018-05-02"
    report = pd.read_csv(tmp_path / "p-investments.csv", encoding="utf-8-sig")
    assert report["last_report_note"].iloc[0].startswith("'=HYPERLINK")  # never a formula
    one = _progress(script, imported, "--table", "revenue_by_zone", "--out",
                    tmp_path / "thu.csv")
    assert one.returncode == 0 and (tmp_path / "thu.csv").exists()
    assert pd.read_csv(tmp_path / "thu.csv", encoding="utf-8-sig")["won_vnd"].tolist() == [5e9]


@pytest.mark.backends("gpkg")  # options of the output
def test_a_zone_and_a_date_choose_what_is_shown(imported, script, tmp_path):
    before = _progress(script, imported, "--zone", "KCN-T1", "--as-of", "31/12/2018",
                       "--out", tmp_path / "z.json")
    assert before.returncode == 0, before.stderr
    doc = json.loads((tmp_path / "z.json").read_text(encoding="utf-8"))
    assert doc["tables"]["auctions"][0]["result"] is None  # auctioned in 2020
    assert doc["tables"]["projects"][0]["disbursed_total_vnd"] == 0
    other = _progress(script, imported, "--zone", "KKT-XX")
    assert other.returncode == 0 and "KKT-XX" in other.stdout
    bad = _progress(script, imported, "--as-of", "12/31/2020")
    assert bad.returncode == 2 and "--as-of" in bad.stderr and "12/31/2020" in bad.stderr


def _refused(script, store, path, *expected):
    """The import is refused (exit 1), says each of ``expected``, and writes nothing."""
    before = snapshot(store)
    out = _import(script, store, path)
    assert out.returncode == 1, out.stdout + out.stderr
    text = out.stdout + out.stderr
    for what in expected:
        assert what in text, (what, text)
    assert "Nothing written" in text or "lỗi / error" in text
    assert snapshot(store) == before
    return text


def test_the_bad_inputs_of_the_issue_are_refused_and_nothing_is_written(imported, script,
                                                                         tmp_path):
    n = iter(range(100))

    def book(*rows, **kw):
        return workbook(tmp_path / f"bad-{next(n)}.xlsx", events=list(rows), **kw)

    # a disbursement above the year's plan (2019: 30 tỷ planned, 2,43 tỷ paid)
    over = ev("DA-T1-XLNT", kind="giải ngân", date="10/06/2019", amount="28 tỷ", doc="UNC 7")
    _refused(script, imported, book(over), "row 2 [Sự kiện]", "above the year's capital plan",
             "over_plan (vượt kế hoạch)")
    # a payment for an unknown lot
    _refused(script, imported, book(ev(lot="LO-T1-99", kind="nộp tiền trúng đấu giá",
                                       date="20/08/2020", amount="1 tỷ")),
             "row 2 [Sự kiện]", "'LO-T1-99' is not in the register")
    # dates in the future, or before the decision
    _refused(script, imported, book(
        ev("DA-T1-XLNT", kind="giải ngân", date=FUTURE, amount="1 tỷ"),
        ev("DA-T1-HT", kind="phê duyệt tổng mức đầu tư", date="01/06/2019", amount="9 tỷ"),
        ev("DA-T1-HT", kind="đạt mốc tiến độ", date="01/01/2019", milestone="hoàn thành"),
        ev(investment="NDT-T1-01", kind="góp vốn", date="01/01/2017", amount="1 tỷ")),
        "row 2 [Sự kiện]", "is in the future",
        "row 4 [Sự kiện]", "before the decision approving project DA-T1-HT",
        "row 5 [Sự kiện]", "before the certificate of investment NDT-T1-01")
    # a milestone reached before it was planned
    _refused(script, imported, book(
        ev("DA-T1-HT", kind="kế hoạch mốc tiến độ", date="01/03/2019", milestone="lựa chọn nhà "
           "thầu", planned="01/09/2019"),
        ev("DA-T1-HT", kind="đạt mốc tiến độ", date="01/02/2019", milestone="lựa chọn nhà thầu")),
        "row 3 [Sự kiện]", "before it was planned on 01/03/2019")
    # an amount that is not one
    _refused(script, imported, book(ev("DA-T1-XLNT", kind="giải ngân", date="10/06/2019",
                                       amount="abc")),
             "ô / cell K2 ('Số tiền')", "'abc' is not an amount of money")
    # an investment on a plot another live investment occupies
    _refused(script, imported, workbook(tmp_path / "occupied.xlsx", investments=[
        investment("NDT-T1-02", investor="Công ty B")]),
        "row 3 [Dự án đầu tư]", "plot T1-CN-01 is already occupied by live investment NDT-T1-01")
    # an xlsx with merged header cells
    path = book(over)
    wb = openpyxl.load_workbook(path)
    wb["Sự kiện"].merge_cells("F1:G1")
    wb.save(path)
    _refused(script, imported, path, "[Sự kiện]", "F1:G1", "merged cells")


def test_over_plan_flagged_is_recorded_then_reported_by_both_scripts(imported, script,
                                                                     tmp_path):
    path = workbook(tmp_path / "over.xlsx", events=[
        ev("DA-T1-XLNT", kind="giải ngân", date="10/06/2019", amount="28 tỷ", doc="UNC 7",
           over="có")])
    dry = _import(script, imported, path, "--dry-run")
    assert dry.returncode == 0 and "over-plan disbursement(s) flagged" in dry.stdout
    assert "Chạy thử" in dry.stdout
    out = _import(script, imported, path)
    assert out.returncode == 0, out.stderr
    assert "Cảnh báo / warnings" in out.stdout and "30.434.567.890" in out.stdout
    js = tmp_path / "p.json"
    assert script("progress.py", "--db", imported.url, "--as-of", "31/12/2019",
                  "--out", js).returncode == 0
    row = {r["project_code"]: r for r in json.loads(js.read_text())["tables"]["projects"]}
    assert row["DA-T1-XLNT"]["over_plan_events"] == 1
    assert row["DA-T1-XLNT"]["disbursed_year_pct"] == pytest.approx(101.4, abs=0.1)
    again = _import(script, imported, path)
    assert again.returncode == 0 and "Không có gì thay đổi / nothing to change" in again.stdout

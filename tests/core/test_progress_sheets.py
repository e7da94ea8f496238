"""Reading the Board's progress workbooks: sheets recognised by their headers, values read the
Vietnamese way, and what is refused before anything is checked (issue 13, item 4)."""

import openpyxl
import pytest

from landgis.progress.sheet_values import events_frame, register_frame
from landgis.progress.sheets import ProgressSheetError, read_sheets
from tests.progress_data import EVENT_HEADERS, ev, good_events, investment, lot, workbook


def _sheets(path, **kw):
    sheets, empty = read_sheets(path, **kw)
    return {s.name: s for s in sheets}, empty


def test_each_sheet_is_recognised_by_its_headers_and_empty_sheets_are_skipped(tmp_path):
    path = workbook(tmp_path / "tien-do.xlsx", investments=[investment()], lots=[lot()],
                    events=good_events(), extra={"Sheet3": []})
    sheets, empty = _sheets(path)
    assert {n: s.kind for n, s in sheets.items()} == {
        "Dự án đầu tư": "investments", "Lô đấu giá": "auction_lots", "Sự kiện": "events"}
    assert empty == ["Sheet3"]
    assert sheets["Dự án đầu tư"].header_row == 2  # under its title line
    assert sheets["Sự kiện"].ignored == ["STT"]


def test_event_values_are_read_the_vietnamese_way(tmp_path):
    path = workbook(tmp_path / "e.xlsx", events=good_events())
    frame, problems = events_frame(read_sheets(path)[0][0])
    assert problems == []
    by_row = frame.set_index("source_row")
    assert by_row.loc["2 [Sự kiện]", ["subject_kind", "subject_id", "kind", "amount_vnd",
                                      "effective_date"]].tolist() == [
        "project", "DA-T1-XLNT", "investment_approved", 120_000_000_000, "2018-05-02"]
    assert by_row.loc["3 [Sự kiện]", ["year", "source"]].tolist() == [2019, "provincial_budget"]
    assert by_row.loc["5 [Sự kiện]", "amount_vnd"] == 1_234_567_890
    assert by_row.loc["6 [Sự kiện]", "amount_vnd"] == 1_200_000_000
    assert by_row.loc["4 [Sự kiện]", ["milestone", "planned_date"]].tolist() == [
        "construction_start", "2019-03-01"]
    auction = by_row.loc["10 [Sự kiện]"]
    assert (auction["kind"], auction["result"], auction["amount_vnd"], auction["base_vnd"],
            auction["party"]) == ("auction_result", "sold", 5_000_000_000, 4_000_000_000,
                                  "Ông Nguyễn Văn B")
    assert by_row.loc["9 [Sự kiện]", "note"] == '=HYPERLINK("http://x","bấm")'


def test_english_headers_and_a_csv_with_semicolons_are_read(tmp_path):
    path = tmp_path / "events.csv"
    path.write_text("Project code;Kind;Date;Amount;Over plan;Document no\n"
                    "DA-T1-XLNT;disbursement;10/04/2019;1.234.567.890;x;UNC 5\n",
                    encoding="utf-8-sig")
    frame, problems = events_frame(read_sheets(path)[0][0], label_sheet=False)
    assert problems == []
    assert frame.iloc[0][["kind", "amount_vnd", "flags", "source_row"]].tolist() == [
        "disbursement", 1_234_567_890, "over_plan", 2]


def test_an_amount_that_is_not_one_is_refused_naming_the_cell(tmp_path):
    path = workbook(tmp_path / "e.xlsx", events=[
        ev("DA-T1-XLNT", kind="giải ngân", date="10/04/2019", amount="abc"),
        ev("DA-T1-XLNT", kind="giải ngân", date="31/02/2019", amount="1 tỷ"),
        ev("DA-T1-XLNT", kind="đã xong", date="10/04/2019", amount="1 tỷ"),
        ev("DA-T1-XLNT", lot="LO-1", kind="giải ngân", date="10/04/2019", amount="1 tỷ")])
    frame, problems = events_frame(read_sheets(path)[0][0])
    col = "K"  # "Số tiền"
    assert EVENT_HEADERS.index("Số tiền") == ord(col) - 65
    assert len(problems) == 4 and frame.empty
    assert f"[Sự kiện] ô / cell {col}2 ('Số tiền')" in problems[0] and "'abc'" in problems[0]
    assert "F3 ('Ngày')" in problems[1] and "31/02/2019" in problems[1]
    assert "E4 ('Loại sự kiện')" in problems[2] and "giải ngân" in problems[2]
    assert "exactly one subject" in problems[3]


def test_a_register_sheet_reads_amounts_areas_dates_and_labels(tmp_path):
    path = workbook(tmp_path / "r.xlsx", investments=[investment()])
    frame, problems = register_frame(read_sheets(path)[0][0])
    assert problems == []
    row = frame.iloc[0]
    assert (row["approval_kind"], row["committed_capital_vnd"], row["leased_area_m2"],
            row["certificate_date"], row["source_row"]) == (
        "policy_approval", 50_000_000_000, 10_000.0, "2017-03-01", "3 [Dự án đầu tư]")


def test_merged_header_cells_are_refused_naming_the_sheet_and_range(tmp_path):
    path = workbook(tmp_path / "m.xlsx", events=good_events())
    wb = openpyxl.load_workbook(path)
    wb["Sự kiện"].merge_cells("K1:L1")  # "Số tiền" over two columns
    wb.save(path)
    with pytest.raises(ProgressSheetError, match=r"m\.xlsx \[Sự kiện\].*K1:L1") as err:
        read_sheets(path)
    assert "header row 1" in str(err.value)


def test_merged_cells_among_the_data_rows_are_refused_but_a_merged_title_is_fine(tmp_path):
    path = workbook(tmp_path / "m.xlsx", investments=[investment(), investment("NDT-T1-02")])
    wb = openpyxl.load_workbook(path)
    wb["Dự án đầu tư"].merge_cells("A1:F1")  # the title line
    wb.save(path)
    assert len(read_sheets(path)[0][0].rows) == 2
    wb["Dự án đầu tư"].merge_cells("G3:G4")  # one zone for two rows
    wb.save(path)
    with pytest.raises(ProgressSheetError, match=r"G3:G4.*among the data rows"):
        read_sheets(path)


def test_a_sheet_recognised_as_nothing_is_refused_by_name(tmp_path):
    path = workbook(tmp_path / "x.xlsx", events=good_events(),
                    extra={"Ghi nhớ": [["Việc cần làm", "Người phụ trách"], ["gọi điện", "An"]]})
    with pytest.raises(ProgressSheetError, match=r"x\.xlsx \[Ghi nhớ\].*not recognised.*"
                                                 r"'Việc cần làm'.*Loại sự kiện"):
        read_sheets(path)


def test_two_columns_for_one_thing_are_refused(tmp_path):
    path = tmp_path / "d.csv"
    path.write_text("Mã dự án,Loại sự kiện,Ngày,Số tiền,Amount\nDA-T1-XLNT,giải ngân,"
                    "10/04/2019,1,2\n", encoding="utf-8")
    with pytest.raises(ProgressSheetError, match="'Số tiền'.*'Amount'"):
        read_sheets(path)


def test_rows_and_bytes_are_bounded(tmp_path):
    path = workbook(tmp_path / "big.xlsx", events=good_events())
    with pytest.raises(ProgressSheetError, match="more than 5 data rows.*row 7"):
        read_sheets(path, max_rows=5)
    size = path.stat().st_size
    with pytest.raises(ProgressSheetError, match=f"{size} bytes, more than the limit of 1000"):
        read_sheets(path, max_bytes=1000)
    assert len(read_sheets(path, max_rows=11)[0][0].rows) == 11


def test_a_subject_may_be_given_as_its_kind_and_id(tmp_path):
    """The ledger's own layout (an export of the history, say): "Đối tượng", "Mã đối tượng"."""
    path = tmp_path / "ledger.csv"
    path.write_text("Đối tượng,Mã đối tượng,Loại sự kiện,Ngày,Số tiền,Số văn bản\n"
                    "lô đấu giá,LO-T1-01,payment,20/08/2020,1 tỷ,GNT 2\n"
                    ",LO-T1-01,payment,21/08/2020,1 tỷ,GNT 3\n", encoding="utf-8")
    frame, problems = events_frame(read_sheets(path)[0][0], label_sheet=False)
    assert frame[["subject_kind", "subject_id", "source_row"]].values.tolist() == [
        ["lot", "LO-T1-01", 2]]
    assert len(problems) == 1 and "B3 ('Mã đối tượng')" in problems[0]

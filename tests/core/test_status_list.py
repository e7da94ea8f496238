"""Status lists: reading the header wherever it is, recognising values, and planning events."""

import openpyxl
import pandas as pd
import pytest

from landgis.ingest.status_list import (
    StatusListError,
    is_backwards,
    lookup_status,
    plan_status_import,
    read_status_list,
)
from landgis.ledger import current_status


def write_xlsx(path, rows, sheet="Sheet1"):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = sheet
    for row in rows:
        ws.append(list(row))
    wb.save(path)
    return path


def write_csv(path, lines, bom=True, sep=","):
    text = "\r\n".join(sep.join(cells) for cells in lines) + "\r\n"
    path.write_bytes(("\ufeff" if bom else "").encode() + text.encode("utf-8"))
    return path


def plan(rows, events_df, parcels_gdf, field="clearance_status", **kw):
    kw.setdefault("document_no", "123/QĐ-UBND")
    kw.setdefault("document_date", "2019-06-30")
    return plan_status_import(rows, field, parcels_gdf, events_df, recorded_by="lan",
                              recorded_at="2019-07-01T08:00:00+07:00", batch_id="b1", **kw)


def frame(*rows):
    """Rows as read from a file: (row, parcel_id, status[, note])."""
    return pd.DataFrame([{"row": r[0], "parcel_id": r[1], "status": r[2],
                          "note": r[3] if len(r) > 3 else ""} for r in rows])


# ------------------------------------------------------------------ reading


def test_xlsx_with_title_rows_gives_spreadsheet_row_numbers_and_normalised_cells(tmp_path):
    path = write_xlsx(tmp_path / "ds.xlsx", [
        ["DANH SÁCH THỬA ĐẤT ĐÃ BÀN GIAO MẶT BẰNG"],
        ["(Kèm theo Quyết định số 123/QĐ-UBND)"],
        ["STT", "Mã xã", "Tờ bản đồ", "Số thửa", "Trạng thái", "Ghi chú"],
        [1, 23296, 1.0, 3.0, "Đã bàn giao mặt bằng", "hộ ông A"],
        [None, None, None, None, None, None],
        [2, "23296", "1", "4", "handed_over", None],
    ])
    rows = read_status_list(path)
    assert rows["row"].tolist() == [4, 6]
    assert rows[["commune_code", "sheet_no", "parcel_no"]].values.tolist() == [
        ["23296", "1", "3"], ["23296", "1", "4"]]
    assert rows["note"].tolist() == ["hộ ông A", ""]
    assert rows.attrs["header_row"] == 3
    assert rows.attrs["headers"]["status"] == "Trạng thái"


@pytest.mark.parametrize("header", [
    ["ma_xa", "So_to", "So_thua", "status"],
    ["commune_code", "sheet_no", "parcel_no", "value"],
    ["MÃ XÃ", "SoTo", "SoThua", "TINH TRANG"],
    ["Xã", "Tờ", "Thửa", "Tình trạng"],
])
def test_header_spellings_in_both_languages_with_or_without_diacritics(tmp_path, header):
    path = write_xlsx(tmp_path / "h.xlsx", [header, ["23296", 1, 2, "inventoried"]])
    rows = read_status_list(path)
    assert rows.loc[0, ["commune_code", "sheet_no", "parcel_no", "status"]].tolist() == [
        "23296", "1", "2", "inventoried"]


def test_a_parcel_id_column_alone_is_enough(tmp_path):
    path = write_xlsx(tmp_path / "id.xlsx", [["Mã thửa", "Trạng thái"], ["23296-1-2", "x"]])
    assert read_status_list(path).loc[0, "parcel_id"] == "23296-1-2"


def test_csv_with_bom_and_semicolons_as_excel_writes_them(tmp_path):
    path = write_csv(tmp_path / "ds.csv", [
        ["Danh sách kèm QĐ 123"],
        ["Mã xã", "Tờ", "Thửa", "Trạng thái"],
        ["23296", "1", "3", "đã kiểm kê"],
    ], sep=";")
    rows = read_status_list(path)
    assert rows.loc[0, "row"] == 3
    assert rows.loc[0, "status"] == "đã kiểm kê"


def test_named_sheet_and_a_missing_sheet(tmp_path):
    path = tmp_path / "two.xlsx"
    wb = openpyxl.Workbook()
    wb.active.append(["nothing here"])
    ws = wb.create_sheet("GPMB")
    ws.append(["parcel_id", "status"])
    ws.append(["23296-1-1", "handed_over"])
    wb.save(path)
    assert read_status_list(path, sheet="GPMB").loc[0, "status"] == "handed_over"
    with pytest.raises(StatusListError, match="'Auction'.*'GPMB'"):
        read_status_list(path, sheet="Auction")


def test_a_wrong_header_names_the_file_what_it_found_and_what_it_expects(tmp_path):
    path = write_xlsx(tmp_path / "sai.xlsx", [["Họ tên", "Địa chỉ", "Số tiền"], ["A", "B", 1]])
    with pytest.raises(StatusListError) as err:
        read_status_list(path)
    text = str(err.value)
    assert "sai.xlsx" in text
    assert "'Họ tên', 'Địa chỉ', 'Số tiền'" in text
    assert "Mã xã" in text and "Trạng thái" in text and "parcel_id" in text


def test_a_header_missing_the_status_column_says_which_is_missing(tmp_path):
    path = write_xlsx(tmp_path / "thieu.xlsx", [["Mã xã", "Tờ", "Thửa"], ["23296", 1, 1]])
    with pytest.raises(StatusListError, match="trạng thái / status"):
        read_status_list(path)


def test_header_below_row_ten_is_not_found(tmp_path):
    path = write_xlsx(tmp_path / "deep.xlsx",
                      [["tiêu đề"]] * 10 + [["parcel_id", "status"], ["23296-1-1", "x"]])
    with pytest.raises(StatusListError, match="10"):
        read_status_list(path)


def test_other_file_kinds_are_refused(tmp_path):
    path = tmp_path / "ds.ods"
    path.write_bytes(b"x")
    with pytest.raises(StatusListError, match=".xlsx or .csv"):
        read_status_list(path)


# ------------------------------------------------------------------ values and dates


@pytest.mark.parametrize("text, code", [
    ("handed_over", "handed_over"),
    ("đã bàn giao mặt bằng", "handed_over"),
    ("Đã Bàn Giao  Mặt Bằng", "handed_over"),
    ("da ban giao mat bang", "handed_over"),
    ("site handed over", "handed_over"),
    ("handed over", "handed_over"),
    ("Đang khiếu nại", "disputed"),
    ("bàn giao", None),
])
def test_clearance_values_by_code_or_label(text, code):
    assert lookup_status("clearance_status", text) == code


def test_auction_values_by_code_or_label():
    assert lookup_status("auction_status", "dau gia khong thanh") == "unsold"
    assert lookup_status("auction_status", "đã trúng đấu giá") == "sold"
    assert lookup_status("auction_status", "handed_over") is None


@pytest.mark.parametrize("field, current, new, backwards", [
    ("clearance_status", "compensated", "inventoried", True),
    ("clearance_status", "inventoried", "handed_over", False),
    ("clearance_status", "compensated", "disputed", False),
    ("clearance_status", "handed_over", "disputed", True),
    ("clearance_status", "disputed", "not_started", False),
    ("auction_status", "announced", "planned", True),
    ("auction_status", "announced", "unsold", False),
    ("auction_status", "unsold", "planned", False),
    ("auction_status", "unsold", "not_planned", True),
    ("auction_status", "sold", "unsold", True),
    ("auction_status", "sold", "planned", True),
])
def test_status_order(field, current, new, backwards):
    assert is_backwards(field, current, new) is backwards


# ------------------------------------------------------------------ planning


def test_a_good_list_plans_one_event_per_change(events_df, parcels_gdf):
    rows = pd.DataFrame([
        {"row": 4, "commune_code": "23296", "sheet_no": "1.0", "parcel_no": "3",
         "status": "đã kiểm kê", "note": "hộ bà B"},
        {"row": 5, "commune_code": "23296", "sheet_no": "01", "parcel_no": "4.0",
         "status": "compensated", "note": ""},
    ])
    rows.attrs["source"] = "ds.xlsx"
    p = plan(rows, events_df, parcels_gdf, document_date="30/06/2019",
             effective_date="01/07/2019")
    assert p.ok and [r.outcome for r in p.rows] == ["change", "change"]
    ev = p.events
    assert ev["event_id"].tolist() == ["b1-4", "b1-5"]
    assert ev["parcel_id"].tolist() == ["23296-1-3", "23296-1-4"]
    assert ev["value"].tolist() == ["inventoried", "compensated"]
    assert set(ev["effective_date"]) == {"2019-07-01"}
    assert set(ev["document_date"]) == {"2019-06-30"}
    assert set(ev["document_no"]) == {"123/QĐ-UBND"}
    assert ev["note"].tolist() == ["hộ bà B — ds.xlsx, dòng / row 4", "ds.xlsx, dòng / row 5"]
    after = current_status(pd.concat([events_df, ev]), ["23296-1-3", "23296-1-4"])
    assert after["clearance_status"].tolist() == ["inventoried", "compensated"]


def test_effective_date_defaults_to_the_document_date(events_df, parcels_gdf):
    p = plan(frame((2, "23296-1-3", "inventoried")), events_df, parcels_gdf,
             document_date="15/08/2019")
    assert p.events.loc[0, "effective_date"] == "2019-08-15"


def test_the_same_status_is_unchanged_and_makes_no_event(events_df, parcels_gdf):
    p = plan(frame((2, "23296-1-1", "đã chi trả"), (3, "23296-1-3", "chưa triển khai")),
             events_df, parcels_gdf)
    assert p.ok
    assert [r.outcome for r in p.unchanged] == ["unchanged", "unchanged"]
    assert len(p.events) == 0
    assert "không đổi / unchanged: 2" in p.report()


def test_unknown_status_is_named_with_its_row_and_the_accepted_values(events_df, parcels_gdf):
    p = plan(frame((2, "23296-1-3", "inventoried"), (7, "23296-1-4", "xong rồi")),
             events_df, parcels_gdf)
    assert not p.ok
    assert [r.row for r in p.errors] == [7]
    assert p.problems() == ["dòng 7: 'xong rồi' không phải trạng thái clearance_status / "
                            "row 7: 'xong rồi' is not a clearance_status value"]
    report = p.report()
    assert "xong rồi" in report and "handed_over (đã bàn giao mặt bằng / site handed over)" \
        in report
    assert p.events_to_write().empty
    assert p.events_to_write(skip_bad_rows=True)["parcel_id"].tolist() == ["23296-1-3"]


def test_a_duplicated_parcel_is_one_problem_and_every_row_of_it_is_in_error(events_df,
                                                                            parcels_gdf):
    rows = pd.DataFrame([
        {"row": 3, "commune_code": "23296", "sheet_no": "1", "parcel_no": "3", "status": "x"},
        {"row": 4, "commune_code": "23296", "sheet_no": "1", "parcel_no": "4",
         "status": "inventoried"},
        {"row": 9, "commune_code": "23296", "sheet_no": "1.0", "parcel_no": "3.0",
         "status": "inventoried"},
    ])
    p = plan(rows, events_df, parcels_gdf)
    dup = [r.row for r in p.rows if any(i.kind == "duplicate" for i in r.issues)]
    assert dup == [3, 9] and [r.row for r in p.errors] == [3, 9]
    assert [m for m in p.problems() if "23296-1-3" in m] == [
        "dòng 3: thửa 23296-1-3 lặp lại ở dòng 9 / row 3: parcel 23296-1-3 also on row(s) 9"]
    assert "same parcel as row 3" in p.report()
    assert p.events_to_write(skip_bad_rows=True)["parcel_id"].tolist() == ["23296-1-4"]


def test_unmatched_and_keyless_rows(events_df, parcels_gdf):
    rows = pd.DataFrame([
        {"row": 2, "commune_code": "23296", "sheet_no": "1", "parcel_no": "99",
         "status": "inventoried"},
        {"row": 3, "commune_code": "", "sheet_no": "1", "parcel_no": "2",
         "status": "inventoried"},
    ])
    p = plan(rows, events_df, parcels_gdf)
    assert [r.outcome for r in p.rows] == ["unmatched", "missing_key"]
    assert p.problems()[0] == ("dòng 2: không tìm thấy thửa 23296-1-99 / "
                               "row 2: parcel 23296-1-99 not found")


def test_backwards_is_judged_against_the_status_on_the_effective_date(events_df, parcels_gdf):
    # 23296-1-1: inventoried on 2019-01-10, compensated on 2019-05-02
    back = plan(frame((2, "23296-1-1", "inventoried")), events_df, parcels_gdf)
    assert back.rows[0].outcome == "backwards"
    assert "lùi từ đã chi trả về đã kiểm kê" in back.problems()[0]
    earlier = plan(frame((2, "23296-1-1", "plan_approved")), events_df, parcels_gdf,
                   document_date="2019-03-01")
    assert earlier.ok and earlier.rows[0].current == "inventoried"
    assert "2019-05-02" in earlier.rows[0].info  # the later event stays current


def test_disputed_parcel_may_move_anywhere_and_auction_reruns(events_df, parcels_gdf):
    p = plan(frame((2, "23296-1-2", "not_started")), events_df, parcels_gdf)
    assert p.ok and p.events["value"].tolist() == ["not_started"]
    a = plan(frame((2, "23296-1-1", "not_planned")), events_df, parcels_gdf,
             field="auction_status")
    assert a.rows[0].outcome == "backwards"  # planned on 2019-06-01


def test_commune_names_and_lost_leading_zeros(events_df, parcels_gdf):
    parcels = parcels_gdf.copy()
    parcels["commune_code"] = "00196"
    parcels["parcel_id"] = parcels["parcel_id"].str.replace("23296", "00196")
    rows = pd.DataFrame([
        {"row": 2, "commune_code": "196", "sheet_no": "1", "parcel_no": "1", "status": "x"},
        {"row": 3, "commune_code": "Ngô Mây", "sheet_no": "1", "parcel_no": "2", "status": "x"},
        {"row": 4, "commune_code": "phuong ngo may", "sheet_no": "1", "parcel_no": "3",
         "status": "x"},
    ])
    p = plan(rows, events_df, parcels, field="auction_status")
    assert [r.parcel_id for r in p.rows] == ["00196-1-1", "00196-1-2", "00196-1-3"]


def test_sql_metacharacters_are_only_data(store):
    rows = frame((2, "23296-1-3", "inventoried", "'); DROP TABLE status_events; --"),
                 (3, "23296-1-4' OR '1'='1", "inventoried"))
    p = plan(rows, store.read_layer("status_events"), store.read_layer("parcels"),
             document_no="1'; DELETE FROM parcels; --")
    assert [r.outcome for r in p.rows] == ["change", "unmatched"]
    assert store.append_events(p.events_to_write(skip_bad_rows=True)) == 1
    ledger = store.read_layer("status_events")
    assert len(ledger) == 5
    assert ledger.iloc[-1]["note"] == "'); DROP TABLE status_events; --"
    assert ledger.iloc[-1]["document_no"] == "1'; DELETE FROM parcels; --"
    assert len(store.read_layer("parcels")) == 4


def test_required_arguments(events_df, parcels_gdf):
    rows = frame((2, "23296-1-3", "inventoried"))
    with pytest.raises(ValueError, match="document number"):
        plan(rows, events_df, parcels_gdf, document_no="  ")
    with pytest.raises(ValueError, match="unknown field"):
        plan(rows, events_df, parcels_gdf, field="lease_status")
    with pytest.raises(ValueError, match="effective date"):
        plan(rows, events_df, parcels_gdf, effective_date="31/13/2019")

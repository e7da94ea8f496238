"""Council lists as councils write them: their status headers, each row's own decision, a
field map for the headers no one could guess, and the Excel row of every bad row."""

import datetime as dt

import pytest

from landgis.ingest.status_import import import_status_list
from landgis.ingest.status_list import StatusListError, plan_status_import, read_status_list
from tests.core.test_status_list import write_csv, write_xlsx

TITLE = ["BẢNG TỔNG HỢP KẾT QUẢ GPMB DỰ ÁN KCN HÒA BÌNH"]


def council_list(path, status_header="Tình trạng GPMB (đến 30/6)", rows=None):
    return write_xlsx(path, [
        TITLE,
        [],
        ["STT", "Mã xã", "Tờ", "Thửa", status_header, "Số QĐ", "Ngày QĐ", "Ghi chú"],
        *(rows if rows is not None else [
            [1, 23296, 1, 3, "Đã kiểm kê", "45/QĐ-UBND", "15/03/2019", ""],     # row 4
            [2, 23296, 1, 4, "Đã phê duyệt phương án bồi thường", "52/QĐ-UBND", dt.datetime(2019, 4, 2),
             "ô ngày kiểu Excel"],                                              # row 5
        ]),
    ])


def plan(rows, events_df, parcels_gdf, **kw):
    return plan_status_import(rows, "clearance_status", parcels_gdf, events_df,
                              recorded_by="lan", recorded_at="2019-07-01T08:00:00+07:00",
                              batch_id="b1", **kw)


@pytest.mark.parametrize("header", ["Tình trạng GPMB", "TINH TRANG DAT", "Kết quả",
                                    "Trạng thái thửa đất", "tình trạng gpmb (đến 30/6)",
                                    "Ket qua kiem dem"])
def test_council_status_headers_are_recognised(tmp_path, header):
    rows = read_status_list(council_list(tmp_path / "kq.xlsx", header))
    assert rows["status"].tolist() == ["Đã kiểm kê", "Đã phê duyệt phương án bồi thường"]
    assert rows.attrs["headers"]["status"] == header


def test_each_row_takes_its_own_decision_without_a_document_for_the_list(
        tmp_path, events_df, parcels_gdf):
    rows = read_status_list(council_list(tmp_path / "kq.xlsx"))
    p = plan(rows, events_df, parcels_gdf)
    assert p.ok, p.report()
    ev = p.events.set_index("parcel_id")
    assert ev.loc["23296-1-3", ["document_no", "document_date", "effective_date"]].tolist() \
        == ["45/QĐ-UBND", "2019-03-15", "2019-03-15"]  # 15/03/2019 read day first
    assert ev.loc["23296-1-4", ["document_no", "document_date", "effective_date"]].tolist() \
        == ["52/QĐ-UBND", "2019-04-02", "2019-04-02"]
    assert "theo từng dòng / per row" in p.report()


def test_the_lists_document_fills_only_the_rows_without_their_own(tmp_path, events_df,
                                                                  parcels_gdf):
    path = write_csv(tmp_path / "kq.csv", [
        ["Mã thửa", "Kết quả", "Số quyết định", "Ngày quyết định"],
        ["23296-1-3", "inventoried", "45/QĐ-UBND", "02/03/2019"],
        ["23296-1-4", "inventoried", "", ""],
    ])
    p = plan(read_status_list(path), events_df, parcels_gdf, document_no="9/BB",
             document_date="01/06/2019")
    ev = p.events.set_index("parcel_id")
    assert ev.loc["23296-1-3", ["document_no", "document_date"]].tolist() == \
        ["45/QĐ-UBND", "2019-03-02"]
    assert ev.loc["23296-1-4", ["document_no", "document_date"]].tolist() == \
        ["9/BB", "2019-06-01"]


def test_rows_without_a_document_are_named_when_the_list_gives_none(tmp_path, events_df,
                                                                    parcels_gdf):
    rows = read_status_list(council_list(tmp_path / "kq.xlsx", rows=[
        [1, 23296, 1, 3, "Đã kiểm kê", "45/QĐ-UBND", "15/03/2019", ""],
        [2, 23296, 1, 4, "Đã kiểm kê", "", "", ""],                     # row 5
    ]))
    with pytest.raises(StatusListError, match=r"row\(s\) 5 have none") as err:
        plan(rows, events_df, parcels_gdf)
    assert err.value.option == "document"
    assert "document number and document date" in str(err.value)


def test_a_date_not_in_the_calendar_is_its_rows_error_by_excel_row(store, tmp_path):
    path = council_list(tmp_path / "kq.xlsx", rows=[
        [1, 23296, 1, 3, "Đã kiểm kê", "45/QĐ-UBND", "15/03/2019", ""],   # row 4
        [2, 23296, 1, 4, "Đã kiểm kê", "46/QĐ-UBND", "31/02/2019", ""],   # row 5
        [3, 23296, 1, 2, "Đã kiểm kê", "47/QĐ-UBND", "02/01/2031", ""],   # row 6: future
    ])
    before = store.read_layer("status_events")
    result = import_status_list(store, path, "clearance_status", recorded_by="lan", write=True)
    assert result.error_rows == [5, 6]
    problems = result.plan.problems()
    assert any(m.startswith("dòng 5:") and "'31/02/2019'" in m and "not a real date" in m
               for m in problems), problems
    assert any(m.startswith("dòng 6:") and "after today" in m for m in problems), problems
    assert result.written == 0 and len(store.read_layer("status_events")) == len(before)


def test_two_status_columns_are_refused_asking_which_and_a_map_chooses(tmp_path, store):
    rows = [TITLE, ["Mã thửa", "Tình trạng", "Tình trạng GPMB", "Số QĐ", "Ngày QĐ"],
            ["23296-1-3", "Chưa thực hiện", "Đã kiểm kê", "45/QĐ-UBND", "15/03/2019"]]
    path = write_xlsx(tmp_path / "hai-cot.xlsx", rows)
    with pytest.raises(StatusListError) as err:
        read_status_list(path)
    message = str(err.value)
    assert "'Tình trạng' (cột / column B)" in message
    assert "'Tình trạng GPMB' (cột / column C)" in message
    assert "hai-cot.xlsx" in message and "row 2" in message
    assert err.value.option == "field_map"
    # the way out: say which one holds the status (written without diacritics, any case)
    result = import_status_list(store, path, "clearance_status", recorded_by="lan",
                                field_map={"tinh trang gpmb": "status"}, write=True)
    assert result.written == 1
    assert result.plan.events.iloc[0]["value"] == "inventoried"


def test_a_field_map_names_headers_no_one_could_guess(tmp_path, events_df, parcels_gdf):
    path = write_csv(tmp_path / "kq.csv", [
        ["Mã thửa", "Hiện trạng mặt bằng", "Văn bản", "Ký ngày"],
        ["23296-1-3", "inventoried", "45/QĐ-UBND", "15/03/2019"],
    ])
    with pytest.raises(StatusListError, match="Hiện trạng mặt bằng"):
        read_status_list(path)
    rows = read_status_list(path, field_map={"Hiện trạng mặt bằng": "status",
                                             "Văn bản": "document_no",
                                             "Ký ngày": "document_date"})
    p = plan(rows, events_df, parcels_gdf)
    assert p.events[["document_no", "document_date"]].values.tolist() == \
        [["45/QĐ-UBND", "2019-03-15"]]


def test_a_field_map_with_a_wrong_header_or_column_is_refused(tmp_path):
    path = write_csv(tmp_path / "kq.csv", [["Mã thửa", "Kết quả"], ["23296-1-3", "x"]])
    with pytest.raises(StatusListError, match="'Tình trạng'.*headers: 'Mã thửa', 'Kết quả'"):
        read_status_list(path, field_map={"Tình trạng": "status"})
    with pytest.raises(StatusListError, match="choose: parcel_id") as err:
        read_status_list(path, field_map={"Kết quả": "trang_thai"})
    assert err.value.option == "field_map"


def test_short_headers_do_not_match_longer_words(tmp_path):
    """'Tổ dân phố' (a neighbourhood) is not 'Tờ' (the map sheet)."""
    path = write_xlsx(tmp_path / "ds.xlsx", [
        ["Mã xã", "Tổ dân phố", "Tờ bản đồ", "Số thửa", "Trạng thái"],
        [23296, "Tổ 3", 1, 3, "inventoried"]])
    assert read_status_list(path)["sheet_no"].tolist() == ["1"]

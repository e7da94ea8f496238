"""import_status on a council's own list: no document flags when each row has its own, and
--map where the council's headers leave a doubt."""

from tests.scripts.test_import_status import run, status, write_xlsx

HEADER = ["STT", "Mã thửa", "Tình trạng", "Tình trạng GPMB (đến 30/6)", "Số QĐ", "Ngày QĐ"]


def council(tmp_path, *rows):
    return write_xlsx(tmp_path / "kq-gpmb.xlsx", [["KẾT QUẢ GPMB"], HEADER, *rows])


def test_two_status_columns_ask_which_naming_both_and_the_map_flag(store, tmp_path):
    path = council(tmp_path, [1, "23296-1-3", "chưa", "Đã kiểm kê", "45/QĐ-UBND", "15/03/2019"])
    before = status(store)
    r = run(store, path, "--field", "clearance_status")
    assert r.returncode == 1, r.stdout + r.stderr
    assert "'Tình trạng' (cột / column C)" in r.stderr
    assert "'Tình trạng GPMB (đến 30/6)' (cột / column D)" in r.stderr
    assert "--map" in r.stderr
    assert status(store) == before
    r = run(store, path, "--field", "clearance_status",
            "--map", "Tình trạng GPMB (đến 30/6)=status")
    assert r.returncode == 0, r.stdout + r.stderr
    assert status(store)[2] == "inventoried"


def test_rows_with_their_own_decision_need_no_document_flags(store, tmp_path):
    path = write_xlsx(tmp_path / "kq.xlsx", [
        ["Mã thửa", "Kết quả", "Số quyết định", "Ngày quyết định"],
        ["23296-1-3", "Đã kiểm kê", "45/QĐ-UBND", "15/03/2019"],
        ["23296-1-4", "Đã kiểm kê", "", ""],                              # row 3
    ])
    r = run(store, path, "--field", "clearance_status")
    assert r.returncode == 1
    assert "row(s) 3" in r.stderr and "--document-no" in r.stderr and "Traceback" not in r.stderr
    r = run(store, path, "--field", "clearance_status", "--document-no", "9/BB",
            "--document-date", "01/06/2019")
    assert r.returncode == 0, r.stdout + r.stderr
    assert status(store)[2:] == ["inventoried", "inventoried"]


def test_a_bad_date_of_a_row_is_named_by_its_excel_row(store, tmp_path):
    path = council(tmp_path, [1, "23296-1-3", "", "Đã kiểm kê", "45/QĐ-UBND", "31/02/2019"],
                   [2, "23296-1-4", "", "Đã kiểm kê", "46/QĐ-UBND", "15/03/2019"])
    r = run(store, path, "--field", "clearance_status", "--map", "Tình trạng=note")
    assert r.returncode == 1
    row3 = [line for line in r.stdout.splitlines() if line.startswith("3 ")]
    assert row3 and "'31/02/2019'" in row3[0] and "not a real date" in row3[0], r.stdout
    assert "(rows 3)" in r.stderr

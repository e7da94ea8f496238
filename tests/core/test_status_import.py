"""Status lists that are too long or repeat a parcel thousands of times: refused or reported
briefly, never read whole or reported row against row; the one import workflow of the core."""

import re
import zipfile

import openpyxl
import pytest

from landgis.config import Settings, load_settings
from landgis.ingest.status_import import import_status_list
from landgis.ingest.status_files import read_status_list
from landgis.ingest.status_read import StatusListError, StatusListTooLong

DOC = {"document_no": "123/QĐ-UBND", "document_date": "2019-06-30", "recorded_by": "lan"}


def repeated_csv(path, n, parcel="23296-1-3"):
    lines = ["parcel_id,status"] + [f"{parcel},inventoried"] * n
    path.write_text("\r\n".join(lines) + "\r\n", encoding="utf-8")
    return path


def xlsx_with_poison_after(path, good_rows):
    """A workbook of ``good_rows`` data rows, then a row openpyxl cannot parse (a number cell
    holding text): a reader that goes past the cap fails on it."""
    wb = openpyxl.Workbook()
    wb.active.append(["Mã thửa", "Trạng thái"])
    for _ in range(good_rows):
        wb.active.append(["23296-1-3", "inventoried"])
    wb.save(path)
    n = good_rows + 2
    poison = f'<row r="{n}"><c r="A{n}" t="n"><v>not a number</v></c></row>'
    with zipfile.ZipFile(path) as zf:
        parts = {i.filename: zf.read(i.filename) for i in zf.infolist()}
    sheet = parts["xl/worksheets/sheet1.xml"].decode()
    parts["xl/worksheets/sheet1.xml"] = sheet.replace("</sheetData>",
                                                      poison + "</sheetData>").encode()
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in parts.items():
            zf.writestr(name, data)
    return path


def test_the_cap_is_a_setting(tmp_path):
    assert Settings().max_list_rows == 50_000
    toml = tmp_path / "landgis.toml"
    toml.write_text("max_list_rows = 200\n")
    assert load_settings(toml, environ={}).max_list_rows == 200
    assert load_settings(overrides={"max_list_rows": "300"}, environ={}).max_list_rows == 300


def test_a_parcel_repeated_6000_times_is_one_problem_and_a_short_report(store, tmp_path):
    path = repeated_csv(tmp_path / "lap.csv", 6000)
    before = store.read_layer("status_events")
    result = import_status_list(store, path, "clearance_status", write=True, **DOC)
    plan = result.plan
    assert result.written == 0 and not plan.ok
    assert len(plan.errors) == 6000  # every row of the parcel is in error ...
    problems = plan.problems()
    assert problems == [  # ... and the parcel is named once, with a few of its rows
        "dòng 2: thửa 23296-1-3 lặp lại ở dòng 3, 4, 5, 6, 7 và 5994 dòng khác / "
        "row 2: parcel 23296-1-3 also on row(s) 3, 4, 5, 6, 7 and 5994 more"]
    report = plan.report()
    assert len(report.encode()) < 100_000
    assert "5500 dòng nữa" in report and "5500 more row(s) not shown" in report
    assert "trùng thửa / duplicate parcel: 6000; dòng lỗi / rows in error: 6000" in report
    assert store.read_layer("status_events").equals(before)


def test_the_report_lists_the_problems_beyond_its_table_up_to_a_bound(store, tmp_path):
    # row 2 a good one, rows 3 to 702 parcels that do not exist
    lines = ["parcel_id,status", "23296-1-3,inventoried"]
    lines += [f"23296-1-{1000 + i},inventoried" for i in range(700)]
    (tmp_path / "x.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    plan = import_status_list(store, tmp_path / "x.csv", "clearance_status", **DOC).plan
    report = plan.report(max_rows=500, max_problems=100)
    table, hidden = report.split("problems on the rows not shown:")
    assert "23296-1-1498" in table and "23296-1-1499" not in table  # rows 2 to 501
    first_hidden = "dòng 502: không tìm thấy thửa 23296-1-1499"
    assert hidden.splitlines()[1].strip().startswith(first_hidden)
    assert "23296-1-1598" in hidden and "23296-1-1599" not in hidden  # 100 listed
    assert "và 101 lỗi nữa / and 101 more problem(s)" in hidden  # of the 201 not shown
    assert "không tìm thấy thửa / parcel not found: 700" in report


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_a_list_over_the_cap_is_refused_naming_the_cap_before_it_is_read_whole(tmp_path, kind):
    if kind == "xlsx":
        path = xlsx_with_poison_after(tmp_path / "dai.xlsx", 51)
        with pytest.raises(StatusListError, match="the sheet cannot be read"):
            read_status_list(path, max_rows=1000)  # what reading past the cap meets
    else:
        path = repeated_csv(tmp_path / "dai.csv", 51)
        # past the cap: a field longer than any csv reader accepts
        with open(path, "a", encoding="utf-8") as fh:
            fh.write('"' + "x" * 200_000 + '",inventoried\r\n')
        with pytest.raises(StatusListError, match="not a readable CSV"):
            read_status_list(path, max_rows=1000)
    with pytest.raises(StatusListTooLong) as err:
        read_status_list(path, max_rows=50)
    message = str(err.value)
    assert path.name in message and "more than 50 data rows" in message
    assert "quá 50 dòng" in message and "max_list_rows" in message
    assert re.search(r"stopped at row 52\b", message)


def test_a_list_of_exactly_the_cap_is_read(tmp_path):
    rows = read_status_list(repeated_csv(tmp_path / "du.csv", 50), max_rows=50)
    assert len(rows) == 50 and rows["row"].iloc[-1] == 51


def test_a_list_over_the_cap_writes_nothing(store, tmp_path):
    path = repeated_csv(tmp_path / "dai.csv", 30)
    before = store.read_layer("status_events")
    batches = len(store.list_batches("status_events"))
    with pytest.raises(StatusListTooLong, match="more than 20 data rows"):
        import_status_list(store, path, "clearance_status", write=True, skip_bad_rows=True,
                           max_rows=20, **DOC)
    assert store.read_layer("status_events").equals(before)
    assert len(store.list_batches("status_events")) == batches

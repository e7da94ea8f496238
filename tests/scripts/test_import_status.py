"""scripts/import_status.py run as a planner runs it, against a temporary GeoPackage."""

import os
import subprocess
import sys

import openpyxl
import pytest

from landgis.config import PROJECT_DIR
from landgis.ledger import current_status

DOC = ["--document-no", "123/QĐ-UBND", "--document-date", "30/06/2019"]


def run(store, *args, user="lan", env=None):
    env = dict(os.environ, **(env or {}))
    env.pop("LANDGIS_DATABASE_URL", None)
    cmd = [sys.executable, "scripts/import_status.py", *map(str, args), "--db", store.url]
    if user:
        cmd += ["--user", user]
    return subprocess.run(cmd, cwd=PROJECT_DIR, env=env, capture_output=True, text=True,
                          timeout=120)


def write_xlsx(path, rows):
    wb = openpyxl.Workbook()
    for row in rows:
        wb.active.append(list(row))
    wb.save(path)
    return path


def status(store, field="clearance_status"):
    ids = [f"23296-1-{i}" for i in range(1, 5)]
    return current_status(store.read_layer("status_events"), ids)[field].tolist()


@pytest.fixture
def mixed(tmp_path):
    """A council list with a title line, one good row of each spelling, and one of each error."""
    return write_xlsx(tmp_path / "ds-gpmb.xlsx", [
        ["DANH SÁCH THỬA ĐẤT KÈM QUYẾT ĐỊNH 123/QĐ-UBND"],
        ["STT", "Mã xã", "Tờ bản đồ", "Số thửa", "Trạng thái", "Ghi chú"],
        [1, 23296, 1.0, 2.0, "Đã bàn giao mặt bằng", "'); DROP TABLE parcels; --"],  # row 3
        [2, 23296, 1, 3, "inventoried", None],                                   # row 4
        [3, 23296, 1, 4, "đã xong", None],                          # row 5: unknown status
        [4, 23296, 1, 9, "inventoried", None],                      # row 6: no such parcel
        [5, 23296, 1, 1, "da kiem ke", None],                       # row 7: backwards
        [6, 23296, 1, 1, "compensated", None],                      # row 8: duplicate of 7
    ])


def test_a_good_list_appends_events_and_moves_the_status(store, tmp_path):
    path = write_xlsx(tmp_path / "ok.xlsx", [
        ["Danh sách kèm Quyết định"],
        ["Mã xã", "Tờ", "Thửa", "Trạng thái", "Ghi chú"],
        [23296, 1, 2, "Đã bàn giao mặt bằng", None],
        [23296, 1, 3, "plan_approved", "hộ ông A"],
        [23296, 1, 1, "đã chi trả", None],  # already compensated: unchanged
    ])
    done = run(store, path, "--field", "clearance_status", *DOC, "--effective-date", "2019-07-01")
    assert done.returncode == 0, done.stderr
    assert "Đã ghi 2 sự kiện" in done.stdout and "2 event(s) written" in done.stdout
    assert "không đổi / unchanged" in done.stdout
    assert status(store) == ["compensated", "handed_over", "plan_approved", "not_started"]
    new = store.read_layer("status_events").iloc[4:]
    assert set(new["document_no"]) == {"123/QĐ-UBND"}
    assert set(new["document_date"]) == {"2019-06-30"}
    assert set(new["effective_date"]) == {"2019-07-01"}
    assert set(new["recorded_by"]) == {"lan"}
    assert all(t.endswith("+07:00") for t in new["recorded_at"])
    assert new["event_id"].is_unique
    batch = store.list_batches("status_events").iloc[-1]
    assert (batch["source_name"], batch["user"], batch["features"]) == ("ok.xlsx", "lan", 2)
    assert batch["action"] == "status_list" and len(batch["source_sha256"]) == 64


def test_errors_are_named_by_row_and_nothing_is_written(store, mixed):
    before = store.read_layer("status_events")
    done = run(store, mixed, "--field", "clearance_status", *DOC)
    assert done.returncode == 1
    out = done.stdout
    assert "'đã xong'" in out and "đã bàn giao mặt bằng / site handed over" in out
    assert "23296-1-9 not found" in out
    assert "lùi từ đã chi trả về đã kiểm kê" in out
    assert "lặp lại ở dòng 8" in out and "also on row(s) 8" in out
    assert "same parcel as row 7" in out
    assert "Không ghi gì" in done.stderr and "rows 5, 6, 7, 8" in done.stderr
    assert store.read_layer("status_events").equals(before)


def test_dry_run_writes_nothing_and_skip_bad_rows_writes_only_the_good_rows(store, mixed):
    before = store.read_layer("status_events")
    dry = run(store, mixed, "--field", "clearance_status", *DOC, "--skip-bad-rows", "--dry-run")
    assert dry.returncode == 0, dry.stderr
    assert "would write 2 event(s)" in dry.stdout
    assert store.read_layer("status_events").equals(before)

    done = run(store, mixed, "--field", "clearance_status", *DOC, "--skip-bad-rows")
    assert done.returncode == 0, done.stderr
    assert "skipped 4 row(s) in error: 5, 6, 7, 8" in done.stdout
    assert status(store) == ["compensated", "handed_over", "inventoried", "not_started"]
    ledger = store.read_layer("status_events")
    assert len(ledger) == 6
    assert ledger.iloc[-2:]["note"].str.contains("DROP TABLE parcels", regex=False).any()
    assert len(store.read_layer("parcels")) == 4


def test_csv_with_bom_auction_labels_and_the_login_name(store, tmp_path):
    path = tmp_path / "dau-gia.csv"
    path.write_bytes("\ufeffparcel_id,status,note\r\n"
                     "23296-1-1,đã lập hồ sơ,\r\n"
                     "23296-1-3,co trong ke hoach dau gia,\"lô 1; 'A'\"\r\n".encode())
    login = {"LOGNAME": "thu", "USER": "thu", "LNAME": "thu", "USERNAME": "thu"}
    done = run(store, path, "--field", "auction_status", "--document-no", "45/TB-TTPTQĐ",
               "--document-date", "2019-08-01", user=None, env=login)
    assert done.returncode == 0, done.stderr
    assert status(store, "auction_status") == ["dossier_ready", "not_planned", "planned",
                                               "not_planned"]
    assert set(store.read_layer("status_events").iloc[4:]["recorded_by"]) == {"thu"}


@pytest.mark.backends("gpkg")  # a refused file: nothing reaches the store
def test_a_wrong_header_is_a_clear_error(store, tmp_path):
    path = write_xlsx(tmp_path / "bang-ke.xlsx", [["Họ tên", "Số tiền"], ["A", 1]])
    done = run(store, path, "--field", "clearance_status", *DOC)
    assert done.returncode == 1
    assert "bang-ke.xlsx" in done.stderr and "'Họ tên', 'Số tiền'" in done.stderr
    assert "Trạng thái" in done.stderr
    assert len(store.read_layer("status_events")) == 4


@pytest.mark.backends("gpkg")  # argument checks only
def test_an_impossible_date_is_a_bad_argument(store, mixed):
    done = run(store, mixed, "--field", "clearance_status", "--document-no", "1/QĐ",
               "--document-date", "31/02/2019")
    assert done.returncode == 2 and "31/02/2019" in done.stderr
    assert len(store.read_layer("status_events")) == 4


def test_a_parcel_repeated_6000_times_is_named_once_in_a_short_report(store, tmp_path):
    path = tmp_path / "lap.csv"
    path.write_text("parcel_id,status\r\n" + "23296-1-3,inventoried\r\n" * 6000)
    done = run(store, path, "--field", "clearance_status", *DOC)
    assert done.returncode == 1
    assert len(done.stdout) + len(done.stderr) < 150_000
    assert done.stdout.count("also on row(s)") == 1 and "and 5994 more" in done.stdout
    assert "6000 row(s) in error (rows 2, 3, 4" in done.stderr
    assert "and 5980 more" in done.stderr
    assert len(store.read_layer("status_events")) == 4


@pytest.mark.backends("gpkg")  # a refused file: nothing reaches the store
def test_a_list_over_the_configured_cap_is_refused(store, tmp_path):
    config = tmp_path / "landgis.toml"
    config.write_text("max_list_rows = 3\n")
    path = write_xlsx(tmp_path / "dai.xlsx", [["Mã thửa", "Trạng thái"]]
                      + [[f"23296-1-{i}", "inventoried"] for i in (1, 2, 3, 4)])
    done = run(store, path, "--field", "clearance_status", *DOC, "--skip-bad-rows",
               "--config", config)
    assert done.returncode == 1
    assert "dai.xlsx" in done.stderr and "more than 3 data rows" in done.stderr
    assert len(store.read_layer("status_events")) == 4
    assert len(store.list_batches("status_events")) == 0

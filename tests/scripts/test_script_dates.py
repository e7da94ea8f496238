"""01/02/2020 is 1 February 2020 for the scripts as for the web app (tests/webmap/test_dates.py);
a date that cannot be read without doubt is a bad argument (exit 2) naming the formats wanted."""

import json
import os
import subprocess
import sys

import pandas as pd
import pytest

from landgis.config import PROJECT_DIR
from landgis.dates import WANTED
from tests.conftest import event, snapshot
from tests.workbooks import xlsx

SOME_BAD = ["12/31/2019", "01/02/20"]
ROWS = [["Mã xã", "Tờ", "Thửa", "Trạng thái"], [23296, 1, 4, "Đã kiểm kê"]]


@pytest.fixture
def store_2020(store):
    """Parcel 3 inventoried on 15 January 2020: between the two readings of 01/02/2020."""
    store.append_events(pd.DataFrame([
        event("23296-1-3", "clearance_status", "inventoried", "2020-01-15", 20)]))
    return store



def run(script, *args):
    env = dict(os.environ)
    env.pop("LANDGIS_DATABASE_URL", None)
    return subprocess.run([sys.executable, f"scripts/{script}", *map(str, args)],
                          cwd=PROJECT_DIR, env=env, capture_output=True, text=True, timeout=300)


def test_the_scripts_read_day_first(store_2020, tmp_path):
    out = tmp_path / "quy_dat.json"
    done = run("parcel_area.py", "--db", store_2020.url, "--as-of", "01/02/2020", "--out", out)
    assert done.returncode == 0, done.stderr
    day_first = json.loads(out.read_text())
    assert day_first["meta"]["as_of"] == "2020-02-01"
    run("parcel_area.py", "--db", store_2020.url, "--as-of", "2020-01-02", "--out", out)
    assert json.loads(out.read_text())["tables"] != day_first["tables"]

    listing = xlsx(ROWS, tmp_path / "ds.xlsx")
    done = run("import_status.py", listing, "--db", store_2020.url, "--user", "lan",
               "--field", "clearance_status", "--document-no", "77/BB",
               "--document-date", "01/02/2020")
    assert done.returncode == 0, done.stderr
    events = store_2020.read_layer("status_events")
    row = events[events["parcel_id"] == "23296-1-4"].iloc[-1]
    assert (row["effective_date"], row["document_date"]) == ("2020-02-01", "2020-02-01")


@pytest.mark.backends("gpkg")  # argument checks only
@pytest.mark.parametrize("text", SOME_BAD)
def test_scripts_refuse_a_date_that_is_no_date_as_a_bad_argument(store, tmp_path, text):
    before = snapshot(store)
    area = run("parcel_area.py", "--db", store.url, "--as-of", text)
    assert area.returncode == 2 and "--as-of" in area.stderr and WANTED in area.stderr
    listing = xlsx(ROWS, tmp_path / "ds.xlsx")
    status = run("import_status.py", listing, "--db", store.url, "--user", "lan",
                 "--field", "clearance_status", "--document-no", "77/BB",
                 "--document-date", "30/06/2019", "--effective-date", text)
    assert status.returncode == 2 and "--effective-date" in status.stderr
    assert WANTED in status.stderr
    assert snapshot(store) == before


def test_a_status_list_dated_after_today_or_before_the_floor_writes_nothing(store, tmp_path):
    listing = xlsx(ROWS, tmp_path / "ds.xlsx")
    before = snapshot(store)
    args = [listing, "--db", store.url, "--user", "lan", "--field", "clearance_status",
            "--document-no", "77/BB", "--document-date", "30/06/2019"]
    future = run("import_status.py", *args, "--effective-date", "31/12/9999")
    assert future.returncode == 1 and "is after today" in future.stderr
    config = tmp_path / "landgis.toml"
    config.write_text("[landgis]\nmin_effective_date = 2019-07-01\n")  # a TOML date
    early = run("import_status.py", *args, "--config", config)
    assert early.returncode == 1
    assert "before the earliest effective date accepted (2019-07-01)" in early.stderr
    assert snapshot(store) == before

"""A bulk status upload killed in the middle leaves no partial batch, on either backend."""

import signal
import subprocess
import sys

import geopandas as gpd
import numpy as np
import shapely

from tests.conftest import X0, Y0
from tests.scripts.conftest import ROOT

N = 20_000


def test_killed_status_upload_leaves_all_or_nothing(store, tmp_path):
    ids = [f"23296-5-{i}" for i in range(1, N + 1)]
    i = np.arange(N)
    store.write_layer("parcels", gpd.GeoDataFrame({
        "parcel_id": ids, "commune_code": "23296", "commune_name": "Phường Ngô Mây",
        "sheet_no": 5, "parcel_no": range(1, N + 1), "land_use_code": "CLN",
        "legal_area_m2": 100.0, "zone_code": "KCN-T1", "owner_kind": "household"},
        geometry=shapely.box(X0 + 10.0 * (i % 200), Y0 + 10.0 * (i // 200),
                             X0 + 10.0 * (i % 200) + 10, Y0 + 10.0 * (i // 200) + 10),
        crs=9216))
    listing = tmp_path / "ds.csv"
    listing.write_text("Mã thửa,Trạng thái\n" + "".join(f"{pid},đã kiểm kê\n" for pid in ids),
                       encoding="utf-8")
    before = len(store.read_layer("status_events"))
    batches = len(store.list_batches())
    proc = subprocess.Popen(
        [sys.executable, str(ROOT / "scripts" / "import_status.py"), str(listing),
         "--field", "clearance_status", "--document-no", "1/BB", "--document-date",
         "2020-01-01", "--user", "lan", "--db", store.url],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    # the report is printed once every row is checked, right before the one transaction that
    # appends them: kill it there
    for line in proc.stdout:
        if line.strip() == "":
            break
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    after = store.read_layer("status_events")
    added = len(after) - before
    assert added in (0, N), f"a partial batch of {added} events"
    assert len(store.list_batches()) - batches == (1 if added else 0)

"""Twenty editors at once against the production server: nothing lost, nothing overwritten."""

from __future__ import annotations

import os
import random
import socket
import subprocess
import sys
import threading
import time
from collections import defaultdict
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
import requests
import shapely

from landgis.accounts import open_accounts
from landgis.ledger import current_status
from tests.conftest import X0, Y0

ROOT = Path(__file__).resolve().parents[2]
EDITORS = int(os.environ.get("LANDGIS_TEST_EDITORS", 20))
EDITS_EACH = int(os.environ.get("LANDGIS_TEST_EDITS", 25))
PARCELS_PER_EDIT = 10          # 20 x 25 x 10 = 5,000 events tried
POOL = 60                      # parcels the editors share: they overlap all the time
PASSWORD = "mật-khẩu-đủ-dài"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def server(store, tmp_path, zones_gdf):
    ids = [f"23296-2-{i}" for i in range(1, POOL + 1)]
    store.write_layer("parcels", gpd.GeoDataFrame({
        "parcel_id": ids, "commune_code": "23296", "commune_name": "Phường Ngô Mây",
        "sheet_no": 2, "parcel_no": range(1, POOL + 1), "land_use_code": "CLN",
        "legal_area_m2": 400.0, "zone_code": "KCN-T1", "owner_kind": "household"},
        geometry=[shapely.box(X0 + 20 * (i % 10), Y0 + 20 * (i // 10),
                              X0 + 20 * (i % 10) + 20, Y0 + 20 * (i // 10) + 20)
                  for i in range(POOL)], crs=9216))
    instance = tmp_path / "instance"
    accounts = open_accounts(store.url, str(instance))
    for n in range(EDITORS):
        accounts.create(f"editor{n}", PASSWORD, "editor")
    port = free_port()
    env = {**os.environ, "LANDGIS_DATABASE_URL": store.url,
           "LANDGIS_INSTANCE_DIR": str(instance)}
    errors = open(tmp_path / "server.log", "wb")
    proc = subprocess.Popen([sys.executable, "-m", "waitress", f"--listen=127.0.0.1:{port}",
                             "--threads=8", "--call", "webmap:create_app"], cwd=ROOT, env=env,
                            stdout=subprocess.DEVNULL, stderr=errors)
    base = f"http://127.0.0.1:{port}"
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            if requests.get(base + "/healthz", timeout=2).ok:
                break
        except requests.ConnectionError:
            time.sleep(0.2)
    else:
        proc.kill()
        pytest.fail("the server did not start: "
                    + (tmp_path / "server.log").read_text(errors="replace")[-2000:])
    yield base, ids
    proc.terminate()
    proc.wait(timeout=20)


def editor(base, n, ids, log, lock):
    s = requests.Session()
    token = s.get(base + "/auth/login").text.split('name="csrf_token" value="')[1].split('"')[0]
    assert s.post(base + "/auth/login", data={"username": f"editor{n}", "password": PASSWORD,
                                              "csrf_token": token}).ok
    csrf = {"X-CSRFToken": s.get(base + "/auth/me").json()["csrf_token"]}
    rng = random.Random(n)
    codes = ["inventoried", "plan_approved", "compensated", "handed_over", "disputed"]
    for k in range(EDITS_EACH):
        body = {"parcel_ids": rng.sample(ids, PARCELS_PER_EDIT), "field": "clearance_status",
                "value": rng.choice(codes), "effective_date": "2020-01-01",
                "document_no": f"{n}-{k}/BB", "allow_backwards": True}
        preview = s.post(base + "/edit/preview", json=body, headers=csrf, timeout=120)
        assert preview.status_code == 200, preview.text[-2000:]
        seen = preview.json()["expected"]
        resp = s.post(base + "/edit/status", json={**body, "expected": seen}, headers=csrf,
                      timeout=120)
        with lock:
            log.append((resp.status_code, body, seen,
                        resp.json() if resp.headers.get("Content-Type", "").startswith(
                            "application/json") else {"text": resp.text[-2000:]}))


def test_twenty_concurrent_editors_lose_nothing(server, store):
    base, ids = server
    log, lock = [], threading.Lock()
    threads = [threading.Thread(target=editor, args=(base, n, ids, log, lock))
               for n in range(EDITORS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=600)
    assert len(log) == EDITORS * EDITS_EACH
    codes = {code for code, *_ in log}
    assert codes <= {201, 409}, codes            # every refusal is a conflict, never a 500
    accepted = [entry for entry in log if entry[0] == 201]
    refused = [entry for entry in log if entry[0] == 409]
    assert accepted and refused                  # they did overlap

    ledger = store.read_layer("status_events")
    written = ledger[ledger["parcel_id"].isin(ids)]
    accepted_ids = {eid for *_x, result in accepted for eid in result["event_ids"]}
    assert accepted_ids == set(written["event_id"])  # every accepted event, and only those
    assert len(written) == PARCELS_PER_EDIT * len(accepted)

    # no lost update: per parcel, each accepted edit saw the value the previous one wrote
    by_event = written.set_index("event_id")
    chains = defaultdict(list)
    for _code, body, seen, result in accepted:
        for pid, eid in zip(body["parcel_ids"], result["event_ids"]):
            chains[pid].append((by_event.loc[eid, "recorded_at"], seen[pid], body["value"]))
    replay = {}
    for pid, chain in chains.items():
        previous = "not_started"
        for _at, expected, value in sorted(chain):
            assert expected == previous, pid
            previous = value
        replay[pid] = previous
    now = current_status(ledger, ids)["clearance_status"]
    assert {pid: now[pid] for pid in replay} == replay
    for _code, body, _seen, result in refused:
        assert result["conflicts"], result

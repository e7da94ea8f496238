"""Twenty editors at once against the production server: nothing lost, nothing overwritten,
for status edits and for progress events (on GeoPackage and PostGIS)."""

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
from tests.progress_web_data import seed

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


def serve(store, tmp_path):
    """The production server (waitress, 8 threads) on ``store`` with :data:`EDITORS` editor
    accounts; yields its base URL."""
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
    try:
        yield base
    finally:
        proc.terminate()
        proc.wait(timeout=20)


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
    for base in serve(store, tmp_path):
        yield base, ids


def log_in(base, n) -> tuple[requests.Session, dict]:
    """A session of editor ``n`` and the CSRF header its requests carry."""
    s = requests.Session()
    token = s.get(base + "/auth/login").text.split('name="csrf_token" value="')[1].split('"')[0]
    assert s.post(base + "/auth/login", data={"username": f"editor{n}", "password": PASSWORD,
                                              "csrf_token": token}).ok
    return s, {"X-CSRFToken": s.get(base + "/auth/me").json()["csrf_token"]}


def editor(base, n, ids, log, lock):
    s, csrf = log_in(base, n)
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


# --------------------------------------------------------------------------- progress events

#: the projects the editors of the second test each record an event of, one each
PROJECTS = [f"DA-C{n:02d}" for n in range(EDITORS)]


@pytest.fixture
def progress_server(store, tmp_path, zones_gdf):
    seed(store, zones_gdf, extra_projects=PROJECTS)
    for base in serve(store, tmp_path):
        yield base


def at_once(base, bodies) -> list[tuple[int, dict]]:
    """Editor ``n`` posts ``bodies[n]``, all at the same moment (after every login)."""
    sessions = [log_in(base, n) for n in range(len(bodies))]
    start = threading.Barrier(len(bodies))
    answers = [None] * len(bodies)

    def post(n):
        s, csrf = sessions[n]
        start.wait()
        resp = s.post(base + "/api/progress/events", json=bodies[n], headers=csrf, timeout=120)
        answers[n] = (resp.status_code, resp.json())

    threads = [threading.Thread(target=post, args=(n,)) for n in range(len(bodies))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=300)
    return answers


def disbursement(n: int, version: int) -> dict:
    return {"subject_kind": "project", "subject_id": "DA-T1", "kind": "disbursement",
            "date": "15/10/2019", "amount": f"{n + 1} triệu", "document_no": f"UNC {n}",
            "document_date": "15/10/2019", "version": version}


def test_twenty_editors_on_one_project_one_wins(progress_server, store):
    before = store.read_table("progress_events")
    seen = requests.get(progress_server + "/api/projects/DA-T1/history").json()["version"]
    answers = at_once(progress_server, [disbursement(n, seen) for n in range(EDITORS)])
    codes = sorted(code for code, _ in answers)
    assert codes == [201] + [409] * (EDITORS - 1), answers
    [won] = [body for code, body in answers if code == 201]
    for code, body in answers:
        if code == 409:
            assert body["conflicts"][0]["seen"] == seen and body["conflicts"][0]["now"] == \
                seen + 1, body
    ledger = store.read_table("progress_events")
    new = ledger[~ledger["event_id"].isin(before["event_id"])]
    assert list(new["event_id"]) == won["event_ids"]  # exactly the one accepted
    history = requests.get(progress_server + "/api/projects/DA-T1/history").json()
    assert history["version"] == seen + 1


def test_twenty_editors_on_twenty_projects_all_record(progress_server, store):
    before = store.read_table("progress_events")
    bodies = [{"subject_kind": "project", "subject_id": code, "kind": "progress_report",
               "date": "01/10/2024", "document_no": f"BC {code}", "document_date": "01/10/2024",
               "note": f"báo cáo của editor{n}", "version": 0}
              for n, code in enumerate(PROJECTS)]
    answers = at_once(progress_server, bodies)
    assert [code for code, _ in answers] == [201] * EDITORS, answers
    ledger = store.read_table("progress_events")
    new = ledger[~ledger["event_id"].isin(before["event_id"])]
    assert sorted(new["subject_id"]) == PROJECTS
    assert set(new["event_id"]) == {body["event_ids"][0] for _, body in answers}
    assert set(new["recorded_by"]) == {f"editor{n}" for n in range(EDITORS)}
    for code in PROJECTS:
        history = requests.get(f"{progress_server}/api/projects/{code}/history").json()
        assert history["version"] == 1

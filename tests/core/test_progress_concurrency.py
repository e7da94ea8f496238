"""Twenty editors recording progress events at once, each on the version of the subject it saw:
every edit made on a stale view is refused (ConflictError), none is lost. Both backends."""

from __future__ import annotations

import random
import threading
from collections import defaultdict

import pandas as pd

from landgis.progress import load_book, record_progress
from landgis.store import open_store
from landgis.store.errors import ConflictError
from tests.progress_ledger_data import TODAY, investment, register, setup

EDITORS, EDITS_EACH = 20, 5
SUBJECTS = ["I1", "I2", "I3"]  # few: the editors overlap all the time


def editor(url, n, log, lock):
    store = open_store(url)
    rng = random.Random(n)
    try:
        for k in range(EDITS_EACH):
            subject = rng.choice(SUBJECTS)
            book = load_book(store)
            seen = len(book.history("investment", subject))
            event = pd.DataFrame([{
                "subject_kind": "investment", "subject_id": subject, "kind": "progress_report",
                "effective_date": "2024-01-15", "document_no": f"{n}-{k}/BC",
                "note": f"editor {n} edit {k}"}])
            try:
                result = record_progress(store, event, user=f"editor{n}", book=book,
                                         expect={("investment", subject): seen}, today=TODAY)
                outcome = ("recorded", result.events["event_id"].iloc[0])
            except ConflictError as exc:
                outcome = ("conflict", exc.conflicts)
            with lock:
                log.append((subject, seen, *outcome))
    finally:
        store.close()


def test_twenty_editors_lose_no_progress_event(store, parcels_gdf):
    setup(store, parcels_gdf)
    store.write_layer("investments", register(
        [investment(s, plot_codes=f"P{i + 1}") for i, s in enumerate(SUBJECTS)], "investments"))
    log, lock = [], threading.Lock()
    threads = [threading.Thread(target=editor, args=(store.url, n, log, lock))
               for n in range(EDITORS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=600)
    assert len(log) == EDITORS * EDITS_EACH
    recorded = [entry for entry in log if entry[2] == "recorded"]
    refused = [entry for entry in log if entry[2] == "conflict"]
    assert recorded and refused  # they did overlap

    ledger = load_book(store).events
    assert set(ledger["event_id"]) == {entry[3] for entry in recorded}  # all, and only those
    versions = defaultdict(list)
    for subject, seen, _outcome, _eid in recorded:
        versions[subject].append(seen)
    for subject, seen in versions.items():
        # each version of a subject was built on exactly once: nothing overwritten, nothing lost
        assert sorted(seen) == list(range(len(seen))), subject
    for subject, seen, _outcome, conflicts in refused:
        assert conflicts[0]["subject_id"] == subject and conflicts[0]["seen"] == seen
        assert conflicts[0]["now"] > seen

"""One view of the data per version (landgis.dataview) and its one byte-bounded cache."""

from __future__ import annotations

import threading
import time

import pandas as pd

from landgis import service
from landgis.cache import ByteCache
from landgis.dataview import DataViews
from tests.conftest import event


class BusyEditors:
    """The store as a server thread sees it while other editors keep recording: every look at
    its version comes after one more real status event in the ledger."""

    def __init__(self, store):
        self._store, self.edits = store, 0

    def version(self):
        self.edits += 1
        self._store.append_events(pd.DataFrame([event(
            "23296-1-3", "clearance_status", "inventoried", "2020-01-02", 900 + self.edits)]))
        return self._store.version()

    def __getattr__(self, name):
        return getattr(self._store, name)


def test_answers_hold_while_the_ledger_moves_between_two_reads(store):
    # on main, the land fund was cached under one version and the ledger looked up under the
    # next one: KeyError (a 500) for every as_of summary and parcel history during edits
    busy = BusyEditors(store)
    views = DataViews()
    answer = service.summary(busy, as_of="02/01/2020", views=views)
    assert answer["as_of"] == "2020-01-02" and answer["tables"]
    detail = service.parcel_detail(busy, "23296-1-3", views=views)
    assert any(h["event_id"] for h in detail["properties"]["history"])
    assert busy.edits >= 2  # the version did move under the answers


def test_the_cache_keeps_at_most_its_budget_least_recently_used_out():
    cache = ByteCache(10_000)
    for i in range(50):
        cache.put(i, b"x" * 1000)
        assert cache.nbytes <= 10_000
    assert cache.get(49) is not None and cache.get(0) is None
    cache.put("huge", b"x" * 20_000)  # larger than the whole budget: not kept
    assert cache.get("huge") is None and cache.get(49) is not None


def test_one_build_however_many_ask_at_once():
    cache, builds = ByteCache(1 << 20), []

    def build():
        builds.append(1)
        time.sleep(0.2)
        return b"value"

    answers = []
    threads = [threading.Thread(target=lambda: answers.append(cache.get_or_build("k", build)))
               for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert answers == [b"value"] * 6 and len(builds) == 1


def test_a_view_is_built_once_per_version_and_a_status_edit_keeps_the_geometry(store):
    views = DataViews()
    first = views.current(store)
    index, fund = first.parcel_index(), first.land_fund()
    assert views.current(store).land_fund() is fund
    store.append_events(pd.DataFrame([event("23296-1-3", "clearance_status", "inventoried",
                                            "2020-01-02", 990)]))
    after = views.current(store)
    assert after.version != first.version
    assert after.land_fund() is not fund  # today's statuses follow the ledger
    assert after.parcel_index() is index  # the parcels were not read again
    assert views.cache.nbytes > 0


def test_the_web_app_holds_one_views_object_with_the_configured_budget(tmp_path, store):
    from webmap import create_app
    from webmap.data import get_views

    app = create_app({"database_url": store.url, "instance_dir": str(tmp_path / "i"),
                      "TESTING": True, "cache_mb": 3})
    assert get_views(app).cache.max_bytes == 3 << 20
    app.test_client().get("/api/summary")
    assert get_views(app).cache.nbytes > 0  # the answers were kept there, not elsewhere


def test_the_parcel_index_keeps_one_copy_of_each_repeated_value(store):
    # a million parcels of a few communes: on main a store read row by row (PostGIS) kept a
    # copy of the commune's name, code, zone… per parcel in the warm server, hundreds of MB
    from landgis.parcel_index import PARCEL_COLUMNS

    index = DataViews().current(store).parcel_index()
    parcels = store.read_layer("parcels", columns=PARCEL_COLUMNS)
    for column in ("commune_code", "commune_name", "land_use_code", "zone_code", "sheet_no"):
        values = index.columns[column]
        assert list(values) == parcels[column].tolist(), column
        assert len({id(v) for v in values}) == parcels[column].nunique(), column

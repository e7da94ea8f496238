import os
import signal
import subprocess
import sys
import time

import pandas as pd
import pytest
import shapely

from landgis.contract import ContractError
from landgis.store import LayerNotFoundError, LedgerError, StoreError, open_store
from landgis.store.geopackage import GeoPackageStore
from tests.conftest import X0, Y0, backend, event, snapshot, square


def test_round_trip_keeps_geometry_and_attributes(store, parcels_gdf):
    back = store.read_layer("parcels")
    assert back.crs.to_epsg() == 9216
    assert list(back["parcel_id"]) == list(parcels_gdf["parcel_id"])
    assert back.geometry.geom_equals_exact(parcels_gdf.geometry, tolerance=0).all()
    assert back["legal_area_m2"].tolist() == parcels_gdf["legal_area_m2"].tolist()
    assert back["sheet_no"].dtype.kind == "i"
    assert sorted(store.layers()) == ["parcels", "status_events", "zones"]


def test_bbox_and_attribute_filters(store):
    east = store.read_layer("parcels", bbox=(X0 + 150, Y0, X0 + 300, Y0 + 300))
    assert sorted(east["parcel_id"]) == ["23296-1-2", "23296-1-4"]
    picked = store.read_layer("parcels", where={"parcel_no": [1, 3]})
    assert sorted(picked["parcel_id"]) == ["23296-1-1", "23296-1-3"]
    only = store.read_layer("parcels", where={"parcel_id": "23296-1-4"}, columns=["parcel_no"])
    assert only["parcel_no"].tolist() == [4]


def test_filter_values_are_data_not_sql(store):
    hostile = "x' OR '1'='1"
    assert len(store.read_layer("parcels", where={"commune_name": hostile})) == 0
    with pytest.raises(StoreError, match="not a valid layer or column name"):
        store.read_layer("parcels", where={"parcel_id = parcel_id OR 1": "x"})


def test_unknown_layer_and_column(store):
    with pytest.raises(LayerNotFoundError, match="parcels"):
        store.read_layer("parcel")
    with pytest.raises(StoreError, match="no column 'owner'"):
        store.read_layer("parcels", where={"owner": "x"})


@pytest.mark.parametrize("breakage", ["missing column", "wrong crs", "invalid geometry"])
def test_bad_layer_is_refused_and_nothing_changes(store, parcels_gdf, breakage):
    before = snapshot(store)
    bad = parcels_gdf.copy()
    if breakage == "missing column":
        bad = bad.drop(columns=["land_use_code"])
    elif breakage == "wrong crs":
        bad = bad.to_crs(4326)
    else:
        bad.loc[0, "geometry"] = shapely.Polygon(
            [(X0, Y0), (X0 + 10, Y0 + 10), (X0 + 10, Y0), (X0, Y0 + 10)])
    with pytest.raises(ContractError) as info:
        store.write_layer("parcels", bad)
    assert {"missing column": "land_use_code", "wrong crs": "EPSG:9216",
            "invalid geometry": "Self-intersection"}[breakage] in str(info.value)
    assert snapshot(store) == before


def test_failure_midway_leaves_the_old_layer(store, parcels_gdf, monkeypatch):
    if backend(store) == "gpkg":
        import pyogrio

        real_write = pyogrio.write_dataframe

        def write_then_fail(df, path, **kwargs):
            real_write(df.iloc[:1], path, **kwargs)  # the layer is half replaced in the copy …
            raise OSError("No space left on device")  # … when the disk fills up

        monkeypatch.setattr(pyogrio, "write_dataframe", write_then_fail)
    else:
        from landgis.store import postgis

        real_rows = postgis._rows

        def rows_then_fail(start, values):
            yield next(iter(real_rows(start, values)))  # one row is in the new table …
            raise OSError("No space left on device")  # … when the disk fills up

        monkeypatch.setattr(postgis, "_rows", rows_then_fail)
    before = snapshot(store)
    with pytest.raises(StoreError, match="not written: No space left"):
        store.write_layer("parcels", parcels_gdf)
    assert snapshot(store) == before
    if backend(store) == "gpkg":
        assert not list(store.path.parent.glob(".*.tmp-*"))
    else:
        assert store.layers() == ["parcels", "status_events", "zones"]  # no parcels__new


def test_ledger_is_append_only(store, events_df):
    with pytest.raises(LedgerError, match="append-only"):
        store.write_layer("status_events", events_df)
    new = pd.DataFrame([event("23296-1-3", "clearance_status", "inventoried", "2019-07-01", 9)])
    assert store.append_events(new) == 1
    ledger = store.read_layer("status_events")
    assert len(ledger) == len(events_df) + 1
    assert ledger["event_id"].iloc[-1] == "t-9"


@pytest.mark.parametrize("change,expected", [
    ({"parcel_id": "nowhere-1-1"}, "unknown parcel"),
    ({"value": "sold"}, "is not a clearance_status"),
    ({"field": "owner"}, "unknown field"),
    ({"event_id": "t-1"}, "already in the ledger"),
])
def test_bad_events_append_nothing(store, change, expected):
    good = event("23296-1-3", "clearance_status", "inventoried", "2019-07-01", 10)
    bad = {**event("23296-1-4", "clearance_status", "inventoried", "2019-07-01", 11), **change}
    before = len(store.read_layer("status_events"))
    with pytest.raises(LedgerError, match=expected):
        store.append_events(pd.DataFrame([good, bad]))
    assert len(store.read_layer("status_events")) == before


def test_open_store_messages(tmp_path):
    with pytest.raises(StoreError, match="no GeoPackage at .*none.gpkg") as err:
        open_store(tmp_path / "none.gpkg")
    assert err.value.option == "database_url"
    with pytest.raises(StoreError, match="cannot connect to PostgreSQL at postgresql://an:\\*"):
        open_store("postgresql://an:secret@127.0.0.1:1/landgis?connect_timeout=2")
    with pytest.raises(StoreError, match=".gpkg"):
        GeoPackageStore(tmp_path / "x.shp", create=True)


WRITER = """
import sys, geopandas as gpd, shapely, numpy as np
from landgis.store.geopackage import GeoPackageStore
n = 300_000
xs = 552_000 + (np.arange(n) % 500) * 10.0
ys = 1_590_000 + (np.arange(n) // 500) * 10.0
g = gpd.GeoDataFrame({
    "parcel_id": [f"23296-9-{i}" for i in range(n)], "commune_code": "23296",
    "commune_name": "Phường Ngô Mây", "sheet_no": 9, "parcel_no": np.arange(n),
    "land_use_code": "CLN", "legal_area_m2": 100.0, "zone_code": "KCN-T1",
    "owner_kind": "household"}, geometry=shapely.box(xs, ys, xs + 10, ys + 10), crs=9216)
print("ready", flush=True)
GeoPackageStore(sys.argv[1]).write_layer("parcels", g)
"""


@pytest.mark.backends("gpkg")  # the PostGIS kill tests are in test_postgis.py
def test_killed_write_leaves_the_store_unchanged(store):
    before = store.path.read_bytes()
    proc = subprocess.Popen([sys.executable, "-c", WRITER, str(store.path)],
                            stdout=subprocess.PIPE, text=True,
                            cwd=os.path.dirname(os.path.dirname(os.path.dirname(__file__))))
    assert proc.stdout.readline().strip() == "ready"
    deadline = time.time() + 60
    while not list(store.path.parent.glob(".*.tmp-*")) and time.time() < deadline:
        time.sleep(0.01)
    time.sleep(0.3)  # let GDAL get well into the copy
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert store.path.read_bytes() == before
    assert len(store.read_layer("parcels")) == 4
    # the next writer clears the stale copy and succeeds
    store.write_layer("zones", store.read_layer("zones"))
    assert not list(store.path.parent.glob(".*.tmp-*"))


def test_batches_are_recorded_and_the_previous_version_restored(store, parcels_gdf):
    from landgis.store.base import Batch

    assert store.list_batches().empty
    smaller = parcels_gdf.iloc[:2]
    first = store.write_layer("parcels", smaller, batch=Batch(
        "survey-2024.zip", "an", source_sha256="ab" * 32, counts={"features": 2}))
    batches = store.list_batches("parcels")
    assert batches["batch_id"].tolist() == [first]
    row = batches.iloc[0]
    assert (row["source_name"], row["user"], row["features"], row["has_previous"]) == \
        ("survey-2024.zip", "an", 2, True)
    assert len(store.read_layer("parcels")) == 2
    assert len(store.read_previous(first)) == 4

    restored = store.restore_layer(first, user="binh")
    assert len(store.read_layer("parcels")) == 4
    last = store.list_batches().iloc[-1]
    assert (last["batch_id"], last["action"], last["user"]) == (restored, "restore", "binh")
    # the ledger is untouched by imports and restores
    assert len(store.read_layer("status_events")) == 4


def test_restore_of_unknown_batch_is_refused(store):
    with pytest.raises(StoreError, match="no batch 99"):
        store.restore_layer(99, user="x")


def test_a_correction_voids_the_event_it_names(store):
    from landgis.ledger import current_status

    fix = event("23296-1-1", "clearance_status", "plan_approved", "2019-05-02", 50)
    fix["corrects_event_id"] = "t-2"  # t-2 said "compensated" by mistake
    store.append_events(pd.DataFrame([fix]))
    ledger = store.read_layer("status_events")
    assert {"t-2", "t-50"} <= set(ledger["event_id"])  # the mistake stays visible
    now = current_status(ledger, ["23296-1-1"])
    assert now.loc["23296-1-1", "clearance_status"] == "plan_approved"
    bad = event("23296-1-1", "clearance_status", "compensated", "2019-06-01", 51)
    bad["corrects_event_id"] = "t-999"
    with pytest.raises(LedgerError, match="corrects 't-999', which is not in the ledger"):
        store.append_events(pd.DataFrame([bad]))


def test_an_edit_that_did_not_see_a_change_is_refused(store):
    from landgis.store.base import ConflictError

    # the editor saw 23296-1-2 as disputed; meanwhile someone recorded an inventory
    store.append_events(pd.DataFrame([event("23296-1-2", "clearance_status", "inventoried",
                                            "2019-07-01", 60, "2019-07-01T09:00:00+07:00")]))
    edit = pd.DataFrame([event("23296-1-2", "clearance_status", "compensated", "2019-07-02", 61)])
    before = len(store.read_layer("status_events"))
    with pytest.raises(ConflictError) as info:
        store.append_events(edit, expect={("23296-1-2", "clearance_status"): "disputed"})
    [conflict] = info.value.conflicts
    assert (conflict["expected"], conflict["current"]) == ("disputed", "inventoried")
    assert conflict["current_event"]["event_id"] == "t-60"
    assert len(store.read_layer("status_events")) == before
    store.append_events(edit, expect={("23296-1-2", "clearance_status"): "inventoried"})
    assert len(store.read_layer("status_events")) == before + 1


def test_a_layer_version_moves_when_its_layer_is_written_not_with_the_ledger(store,
                                                                               parcels_gdf):
    parcels, zones = store.layer_version("parcels"), store.layer_version("zones")
    assert isinstance(parcels, str) and isinstance(zones, str) and parcels != zones
    assert store.layer_version("zoning_plots") is None  # not in this store
    before = store.version()
    store.append_events(pd.DataFrame([event("23296-1-4", "clearance_status", "inventoried",
                                            "2020-01-02", 51)]))
    assert store.version() != before
    assert (store.layer_version("parcels"), store.layer_version("zones")) == (parcels, zones)
    moved = parcels_gdf.copy()
    moved.loc[0, "geometry"] = square(10, 10, 90)
    store.write_layer("parcels", moved)
    assert store.layer_version("parcels") not in (None, parcels)
    assert store.layer_version("zones") == zones
    again = open_store(store.url)  # another process's view of the same store
    try:
        assert again.layer_version("parcels") == store.layer_version("parcels")
    finally:
        again.close()

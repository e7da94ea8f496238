"""Feature ids kept across updates and restores, and what each batch touched
(:meth:`Store.layer_changes`, :meth:`Store.batch_mark`), on both stores."""

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import pytest
import shapely

from landgis.store import LedgerError, StoreError
from landgis.store.base import Batch
from tests.conftest import backend, event, snapshot, square


def fids(store) -> dict:
    df = store.read_layer("parcels", with_fid=True)
    return dict(zip(df["parcel_id"], df["fid"].astype(int)))


def parcel(no, geom, **extra):
    row = {"parcel_id": f"23296-1-{no}", "commune_code": "23296",
           "commune_name": "Phường Ngô Mây", "sheet_no": 1, "parcel_no": no,
           "land_use_code": "CLN", "legal_area_m2": 100.0, "zone_code": "KCN-T1",
           "owner_kind": "household", "geometry": geom}
    return {**row, **extra}


def update(store, rows, remove=(), events=None):
    return store.update_layer("parcels", gpd.GeoDataFrame(rows, crs=9216), remove=remove,
                              events=events, batch=Batch("to1.gpkg", "an"))


def boxes_of(*geoms) -> set:
    return {tuple(round(v, 6) for v in shapely.bounds(g)) for g in geoms}


def as_set(boxes) -> set:
    return {tuple(round(float(v), 6) for v in row) for row in boxes}


def test_an_update_keeps_the_ids_of_the_rows_it_does_not_cover(store):
    assert fids(store) == {"23296-1-1": 1, "23296-1-2": 2, "23296-1-3": 3, "23296-1-4": 4}
    # parcel 2 is replaced, parcel 3 removed, parcel 5 is new
    update(store, [parcel(2, square(100, 0, 90)), parcel(5, square(200, 0))],
           remove=["23296-1-3"])
    assert fids(store) == {"23296-1-1": 1, "23296-1-4": 4, "23296-1-2": 5, "23296-1-5": 6}
    # the next update numbers above the highest id the layer holds; no kept row takes
    # the removed parcel's id 3
    update(store, [parcel(6, square(300, 0))], remove=["23296-1-5"])
    assert fids(store) == {"23296-1-1": 1, "23296-1-4": 4, "23296-1-2": 5, "23296-1-6": 7}
    # the feature id is never a data column: not in a read, not in what GDAL reads of the file
    assert "fid" not in store.read_layer("parcels").columns
    if backend(store) == "gpkg":
        assert "fid" not in pyogrio.read_info(store.path, layer="parcels")["fields"]
        assert "fid" not in pyogrio.read_dataframe(store.path, layer="parcels").columns


def test_a_restore_gives_back_the_ids_and_records_the_rows_that_differ(store):
    first = update(store, [parcel(2, square(100, 0, 90)), parcel(5, square(200, 0))],
                   remove=["23296-1-3"])
    mark = store.batch_mark()
    assert mark == first
    store.restore_layer(first, user="binh")
    assert fids(store) == {"23296-1-1": 1, "23296-1-2": 2, "23296-1-3": 3, "23296-1-4": 4}
    # parcels 1 and 4 are the same rows in both versions: the restore does not list them
    changed = store.layer_changes("parcels", mark)
    assert as_set(changed) == boxes_of(square(100, 0, 90), square(200, 0),  # taken away
                                       square(100, 0), square(0, 100))  # put back
    assert len(changed) == 4


def test_the_changes_of_an_update_are_the_old_and_new_geometries_it_covers(store):
    assert store.batch_mark() == 0
    assert store.layer_changes("parcels", 0).shape == (0, 4)
    mark = store.batch_mark()
    update(store, [parcel(2, square(100, 0, 90)), parcel(5, square(200, 0))],
           remove=["23296-1-3"])
    changed = store.layer_changes("parcels", mark)
    assert changed.dtype == np.float64 and changed.shape == (4, 2 * 2)
    assert as_set(changed) == boxes_of(square(100, 0), square(0, 100),  # old 2, removed 3
                                       square(100, 0, 90), square(200, 0))  # new 2, 5
    # parcels 1 and 4 are not covered: no box of theirs is recorded
    assert not as_set(changed) & boxes_of(square(0, 0), square(100, 100))
    # nothing since the latest batch; another layer was not touched
    assert store.layer_changes("parcels", store.batch_mark()).shape == (0, 4)
    assert store.layer_changes("zones", mark).shape == (0, 4)
    # a row with no geometry (written unchecked: the contract wants one) touches nothing
    again = store.batch_mark()
    store.update_layer("parcels", gpd.GeoDataFrame([parcel(6, None)], crs=9216),
                       batch=Batch("to1.gpkg", "an"), validate=False)
    assert store.layer_changes("parcels", again).shape == (0, 4)
    assert len(store.layer_changes("parcels", mark)) == 4
    # the change table is the store's own, not a layer
    assert sorted(store.layers()) == ["parcels", "status_events", "zones"]


def test_a_whole_write_with_a_batch_means_everything_may_have_changed(store, parcels_gdf):
    mark = store.batch_mark()
    update(store, [parcel(5, square(200, 0))])
    store.write_layer("parcels", parcels_gdf, batch=Batch("all.gpkg", "an"))
    assert store.layer_changes("parcels", mark) is None
    assert store.layer_changes("parcels", store.batch_mark()).shape == (0, 4)
    # a whole write numbers the rows 1..n again
    assert sorted(fids(store).values()) == [1, 2, 3, 4]


def test_a_failed_update_records_no_change(store):
    mark = store.batch_mark()
    before = snapshot(store)
    bad = pd.DataFrame([event("23296-9-9", "clearance_status", "inventoried", "2024-01-10",
                              "x1")])  # a parcel that does not exist: the ledger refuses it
    with pytest.raises(LedgerError, match="unknown parcel"):
        update(store, [parcel(5, square(200, 0))], events=bad)
    assert snapshot(store) == before
    assert store.batch_mark() == mark
    assert store.layer_changes("parcels", mark).shape == (0, 4)
    # the next batch takes the next id, and only its own changes are listed
    update(store, [parcel(6, square(300, 0))])
    assert as_set(store.layer_changes("parcels", mark)) == boxes_of(square(300, 0))


def test_a_whole_write_takes_the_ids_of_a_fid_column(store, parcels_gdf):
    numbered = parcels_gdf.assign(fid=[10, 3, 7, 42])
    store.write_layer("parcels", numbered)
    assert fids(store) == {"23296-1-1": 10, "23296-1-2": 3, "23296-1-3": 7, "23296-1-4": 42}
    assert "fid" not in store.read_layer("parcels").columns
    before = snapshot(store)
    for bad, message in (([1, 2, 2, 3], "repeated: 2"), ([1, 0, 2, 3], "row 2"),
                         ([1, 2.5, 3, 4], "row 2"), ([1, None, 3, 4], "row 2")):
        with pytest.raises(StoreError, match=message):
            store.write_layer("parcels", parcels_gdf.assign(fid=bad))
    assert snapshot(store) == before

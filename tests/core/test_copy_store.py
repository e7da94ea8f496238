"""landgis.store.copy_store: a GeoPackage's layers into a PostGIS schema, all or none."""

import hashlib

import pytest

from landgis.contract import ContractError
from landgis.store import StoreError, open_store
from landgis.store.copy import copy_order, copy_store
from tests.conftest import snapshot


def test_the_ledger_goes_last_after_the_contracts_layers():
    assert copy_order(["status_events", "extra", "parcels", "zones"]) == \
        ["zones", "parcels", "extra", "status_events"]


@pytest.mark.backends("gpkg")  # the source is the GeoPackage store; the target PostGIS
def test_every_layer_is_copied_as_a_batch_of_the_source_file(store, postgis_url):
    target = open_store(postgis_url, create=True)
    copied = copy_store(store, target, user="lan", note="first load")
    assert [name for name, _n, _b in copied.layers] == ["zones", "parcels", "status_events"]
    assert copied.source_sha256 == hashlib.sha256(store.path.read_bytes()).hexdigest()
    ours, theirs = snapshot(store), snapshot(target)
    assert {k: v for k, v in ours.items() if k != ":batches"} == \
        {k: v for k, v in theirs.items() if k != ":batches"}
    batches = target.list_batches()
    assert batches["source_name"].tolist() == ["test.gpkg"] * 3
    assert set(batches["user"]) == {"lan"} and set(batches["note"]) == {"first load"}
    before = snapshot(target)
    with pytest.raises(StoreError, match="already holds parcels, status_events, zones"):
        copy_store(store, target, user="lan")
    assert snapshot(target) == before


@pytest.mark.backends("gpkg")
def test_a_layer_breaking_the_contract_copies_nothing(store, postgis_url):
    bad = store.read_layer("parcels")
    bad.loc[0, "land_use_code"] = None
    store.write_layer("parcels", bad, validate=False)
    target = open_store(postgis_url, create=True)
    with pytest.raises(ContractError):
        copy_store(store, target, user="lan")
    assert target.layers() == [] and len(target.list_batches()) == 0


@pytest.mark.backends("gpkg")
def test_a_geopackage_target_is_refused(store, tmp_path):
    other = open_store(tmp_path / "other.gpkg", create=True)
    with pytest.raises(StoreError, match="PostGIS store only"):
        copy_store(store, other, user="lan")
    assert not (tmp_path / "other.gpkg").exists()


@pytest.mark.backends("gpkg")
def test_the_copy_keeps_each_rows_feature_id(store, postgis_url):
    from landgis.store.base import Batch

    # an update left a hole (parcel 2 replaced: ids 1, 3, 4, 5): the copy keeps the ids, so
    # the parcels' k in the tiles is the same from either store
    row = store.read_layer("parcels", where={"parcel_id": "23296-1-2"})
    store.update_layer("parcels", row, batch=Batch("to1.gpkg", "an"))
    ids = store.read_layer("parcels", with_fid=True)[["fid", "parcel_id"]]
    assert ids["fid"].tolist() == [1, 3, 4, 5]
    target = open_store(postgis_url, create=True)
    copy_store(store, target, user="lan")
    assert target.read_layer("parcels", with_fid=True)[["fid", "parcel_id"]].equals(ids)

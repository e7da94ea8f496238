"""A survey of some sheets updates those sheets: the rest of the parcels layer stays, what
is added, changed and removed is counted, and statuses follow split and merged parcels."""

import json

import geopandas as gpd
import pandas as pd
import pytest
import shapely

from landgis.ingest.derive import derive_communes
from landgis.ingest.importer import ImportOptions, run_import
from landgis.landfund import load_land_fund
from tests.conftest import X0, Y0, event, snapshot, square

COLUMNS = ("commune_code", "commune_name", "sheet_no", "parcel_no", "land_use_code",
           "legal_area_m2", "owner_kind")


def parcel(no, geom, sheet=1, land_use="CLN", zone="KCN-T1"):
    """A parcel; those of the fixture have a legal area of 10,000 m² plus their number."""
    legal = 10_000.0 + no if sheet == 1 and no <= 4 else round(geom.area, 1)
    return {"parcel_id": f"23296-{sheet}-{no}", "commune_code": "23296",
            "commune_name": "Phường Ngô Mây", "sheet_no": sheet, "parcel_no": no,
            "land_use_code": land_use, "legal_area_m2": legal,
            "zone_code": zone, "owner_kind": "household", "geometry": geom}


@pytest.fixture
def two_sheets(store, parcels_gdf):
    """The four parcels of sheet 1 and two of sheet 2 (east of the zone)."""
    sheet2 = [parcel(n, square(100 + 100 * n, 0), sheet=2, zone=None) for n in (1, 2)]
    layer = pd.concat([parcels_gdf, gpd.GeoDataFrame(sheet2, crs=9216)], ignore_index=True)
    # as an import stores them, with the unit each commune belongs to now
    layer = derive_communes(gpd.GeoDataFrame(layer, crs=9216), "parcels", [], [])
    store.write_layer("parcels", layer)
    return store


def survey(tmp_path, rows, name="to1.gpkg"):
    path = tmp_path / name
    gpd.GeoDataFrame(rows, crs=9216)[list(COLUMNS) + ["geometry"]].to_file(path)
    return path


def sheet2(store):
    df = store.read_layer("parcels")
    return df[df["sheet_no"] == 2].sort_values("parcel_id").reset_index(drop=True)


def test_a_survey_of_one_sheet_updates_that_sheet_only(two_sheets, tmp_path):
    store = two_sheets
    before = sheet2(store)
    rows = [parcel(1, shapely.affinity.translate(square(0, 0), 1e-6)),  # noise: unchanged
            parcel(2, square(100, 0), land_use="ONT"),                   # attribute changed
            parcel(3, shapely.affinity.translate(square(0, 100), 0.01)),  # geometry changed
            parcel(5, shapely.box(X0 + 100, Y0 + 100, X0 + 150, Y0 + 200))]  # 4 is gone
    result = run_import(store, survey(tmp_path, rows), "parcels", user="an", write=True)
    assert result.refused is None and result.batch, result.plan.report.to_text()
    counts = result.plan.counts()
    assert {k: counts[k] for k in ("added", "changed", "unchanged", "removed")} == \
        {"added": 1, "changed": 2, "unchanged": 1, "removed": 1}
    after = store.read_layer("parcels")
    assert sorted(after["parcel_id"]) == ["23296-1-1", "23296-1-2", "23296-1-3", "23296-1-5",
                                          "23296-2-1", "23296-2-2"]
    pd.testing.assert_frame_equal(sheet2(store), before)
    assert after.set_index("parcel_id").loc["23296-1-2", "land_use_code"] == "ONT"
    recorded = store.list_batches("parcels").iloc[-1]
    assert recorded["batch_id"] == result.batch and recorded["has_previous"]
    assert json.loads(recorded["counts"])["removed"] == 1
    # the version the update replaced can be read back whole
    assert len(store.read_previous(result.batch)) == 6


def test_removed_parcels_with_history_are_refused_unless_confirmed(two_sheets, tmp_path):
    store = two_sheets
    rows = [parcel(1, square(0, 0)), parcel(3, square(0, 100)), parcel(4, square(100, 100))]
    path = survey(tmp_path, rows)  # parcel 2 (disputed since 2019) is not in the file
    before = snapshot(store)
    result = run_import(store, path, "parcels", user="an", write=True)
    assert result.batch is None and result.option == "confirm_removed"
    assert "23296-1-2" in result.refused
    assert snapshot(store) == before
    result = run_import(store, path, "parcels", ImportOptions(confirm_removed=True),
                        user="an", write=True)
    assert result.batch is not None
    parcels = set(store.read_layer("parcels")["parcel_id"])
    assert "23296-1-2" not in parcels and "23296-2-1" in parcels
    note = store.list_batches("parcels").iloc[-1]["note"]
    # the orphaned events stay in the history; every one of them is listed in the batch
    ledger = store.read_layer("status_events")
    orphans = set(ledger["parcel_id"]) - parcels
    assert orphans == {"23296-1-2"} and all(p in note for p in orphans)


def test_split_and_merge_carry_statuses_with_lineage(two_sheets, tmp_path):
    store = two_sheets
    store.append_events(pd.DataFrame([
        event("23296-1-1", "clearance_status", "handed_over", "2020-01-15", 11),
        event("23296-1-3", "clearance_status", "handed_over", "2020-02-01", 12),
        event("23296-1-4", "clearance_status", "inventoried", "2019-07-01", 13)]))
    handed = load_land_fund(store).by_status("clearance_status").set_index("status")
    west, east = (shapely.box(X0, Y0, X0 + 50, Y0 + 100),
                  shapely.box(X0 + 50, Y0, X0 + 100, Y0 + 100))
    rows = [parcel(11, west), parcel(12, east), parcel(2, square(100, 0)),
            parcel(20, shapely.box(X0, Y0 + 100, X0 + 200, Y0 + 200))]
    result = run_import(store, survey(tmp_path, rows), "parcels", user="an", write=True)
    assert result.batch is not None, result.refused
    batch = result.batch
    lineage = store.read_layer("parcel_lineage").sort_values(["child_id", "parent_id"])
    assert lineage[["parent_id", "child_id", "kind"]].values.tolist() == [
        ["23296-1-1", "23296-1-11", "split"], ["23296-1-1", "23296-1-12", "split"],
        ["23296-1-3", "23296-1-20", "merge"], ["23296-1-4", "23296-1-20", "merge"]]
    assert (lineage["batch_id"] == batch).all()
    assert lineage["share"].tolist() == pytest.approx([0.5] * 4)
    ledger = store.read_layer("status_events")
    carried = ledger[ledger["event_id"].str.startswith(f"{batch}-")].set_index(
        ["parcel_id", "field"]).sort_index()
    assert len(carried) == 5 and (carried["document_no"] == f"lô nhập / import batch {batch}"
                                  ).all()
    assert carried.loc[("23296-1-11", "clearance_status"), "value"] == "handed_over"
    assert carried.loc[("23296-1-11", "clearance_status"), "effective_date"] == "2020-01-15"
    assert carried.loc[("23296-1-12", "auction_status"), "value"] == "planned"
    assert "23296-1-1" in carried.loc[("23296-1-12", "auction_status"), "note"]
    assert "split" in carried.loc[("23296-1-12", "auction_status"), "note"]
    # a merge of a handed-over and an inventoried parcel takes the least advanced, warned
    merged = carried.loc[("23296-1-20", "clearance_status")]
    assert (merged["value"], merged["effective_date"]) == ("inventoried", "2019-07-01")
    assert "merge" in merged["note"] and "23296-1-3" in merged["note"]
    assert any(f.check == "lineage_status" for f in result.plan.report.warnings)
    # the land fund keeps the cleared land of the split parcel
    after = load_land_fund(store).by_status("clearance_status").set_index("status")
    assert after.loc["handed_over", "area_ha"] == pytest.approx(1.0)
    assert handed.loc["handed_over", "area_ha"] == pytest.approx(
        after.loc["handed_over", "area_ha"] + 1.0)  # parcel 3's hectare went into the merge


def test_replace_mode_replaces_the_whole_layer(two_sheets, tmp_path):
    store = two_sheets
    rows = [parcel(n, square(x, y)) for n, (x, y) in
            enumerate([(0, 0), (100, 0), (0, 100), (100, 100)], start=1)]
    result = run_import(store, survey(tmp_path, rows), "parcels",
                        ImportOptions(mode="replace"), user="an", write=True)
    assert result.batch is not None and "added" not in result.plan.counts()
    assert sorted(store.read_layer("parcels")["parcel_id"]) == [f"23296-1-{n}"
                                                                for n in (1, 2, 3, 4)]


def test_a_dry_run_reports_the_counts_and_writes_nothing(two_sheets, tmp_path):
    store = two_sheets
    before = snapshot(store)
    rows = [parcel(n, square(x, y)) for n, (x, y) in
            enumerate([(0, 0), (100, 0), (0, 100), (100, 100)], start=1)]
    result = run_import(store, survey(tmp_path, rows), "parcels", user="an", write=False)
    assert result.refused is None and result.batch is None
    assert result.plan.counts()["unchanged"] == 4
    assert "0 thêm / added" in result.plan.report.to_text()
    assert snapshot(store) == before


def test_a_resurvey_splitting_a_handed_over_parcel_keeps_the_land_fund(two_sheets, tmp_path):
    store = two_sheets
    store.append_events(pd.DataFrame([
        event("23296-1-1", "clearance_status", "handed_over", "2020-01-15", 11)]))
    fund = load_land_fund(store).by_status("clearance_status").set_index("status")
    rows = [parcel(11, shapely.box(X0, Y0, X0 + 30, Y0 + 100)),
            parcel(12, shapely.box(X0 + 30, Y0, X0 + 100, Y0 + 100)),
            parcel(2, square(100, 0)), parcel(3, square(0, 100)), parcel(4, square(100, 100))]
    result = run_import(store, survey(tmp_path, rows), "parcels", user="an", write=True)
    assert result.batch is not None, result.refused
    after = load_land_fund(store).by_status("clearance_status").set_index("status")
    assert after.loc["handed_over", "area_ha"] == pytest.approx(
        fund.loc["handed_over", "area_ha"])
    assert after.loc["handed_over", "parcels"] == 2

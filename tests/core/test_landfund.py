import geopandas as gpd
import pandas as pd
import pytest
import shapely

from landgis.landfund import OUTSIDE_PLAN, land_fund, load_land_fund
from tests.conftest import event, square


@pytest.fixture
def plots_gdf():
    """Over the 200 m x 200 m test zone: a leased factory plot over the west half (2 ha),
    a vacant factory plot over the south-east quarter (1 ha) and a road over the rest but a
    10 m strip along the east edge, which no plot covers."""
    return gpd.GeoDataFrame({
        "plot_code": ["T1-CN-01", "T1-CN-02", "T1-GT-01"],
        "zone_code": ["KCN-T1"] * 3,
        "function": ["factory", "factory", "roads"],
        "lease_status": ["leased", "vacant", None],
    }, geometry=[square(0, 0, 100).union(square(0, 100, 100)), square(100, 0),
                 shapely.box(*square(100, 100).bounds[:2], square(100, 100).bounds[2] - 10,
                             square(100, 100).bounds[3])], crs=9216)


@pytest.fixture
def targets():
    return pd.DataFrame({"zone_code": ["KCN-T1", "KCN-T1"], "function": ["factory", "roads"],
                         "planned_area_ha": [3.0, 1.0], "source": ["test plan", "test plan"]})


@pytest.fixture
def fund(parcels_gdf, events_df, plots_gdf, targets):
    return land_fund(parcels_gdf, events_df, plots=plots_gdf, targets=targets)


def test_overlay_pieces_add_up_to_each_parcel(fund, parcels_gdf):
    pieces = fund.parcel_functions()
    total = pieces.groupby("parcel_id")["area_m2"].sum()
    plane = parcels_gdf.set_index("parcel_id").geometry.area
    assert (total.reindex(plane.index) - plane).abs().max() < 0.01
    p4 = pieces[pieces["parcel_id"] == "23296-1-4"].set_index("function")["area_m2"]
    assert p4["roads"] == pytest.approx(9_000) and p4[OUTSIDE_PLAN] == pytest.approx(1_000)


def test_zone_totals_equal_the_sum_of_their_parcels(fund, parcels_gdf):
    by_zone = fund.by_zone().set_index("zone_code")
    assert by_zone.loc["KCN-T1", "parcels"] == 4
    assert by_zone.loc["KCN-T1", "area_ha"] == pytest.approx(parcels_gdf.area.sum() / 10_000)
    clearance = fund.by_status("clearance_status")
    assert clearance["area_ha"].sum() == pytest.approx(by_zone["area_ha"].sum())


def test_area_by_zone_and_status(fund):
    table = fund.by_status("clearance_status").set_index("status")
    assert table.loc["compensated", ["parcels", "area_ha"]].tolist() == [1, pytest.approx(1.0)]
    assert table.loc["disputed", "parcels"] == 1
    assert table.loc["not_started", ["parcels", "area_ha"]].tolist() == [2, pytest.approx(2.0)]
    assert table.loc["disputed", "status_vi"] == "đang khiếu nại"
    auction = fund.by_status("auction_status").set_index("status")
    assert auction.loc["planned", "parcels"] == 1 and auction.loc["not_planned", "parcels"] == 3


def test_as_of_a_date_before_an_event_gives_the_earlier_status(fund, events_df):
    then = fund.at(events_df, "2019-03-31").by_status("clearance_status").set_index("status")
    assert then.loc["inventoried", "parcels"] == 1 and "compensated" not in then.index
    assert fund.at(events_df, "2019-03-31").as_of == "2019-03-31"


def test_plan_functions_against_planned_figures(fund):
    table = fund.function_totals().set_index("function")
    assert table.loc["factory", "plots_ha"] == pytest.approx(3.0)
    assert table.loc["roads", "plots_ha"] == pytest.approx(0.9)
    assert table.loc["roads", "difference_ha"] == pytest.approx(-0.1)
    assert table.loc["roads", "planned_source"] == "test plan"


def test_occupancy_is_leased_over_leasable_industrial_land(fund):
    row = fund.occupancy().set_index("zone_code").loc["KCN-T1"]
    assert row["leasable_ha"] == pytest.approx(3.0) and row["leased_ha"] == pytest.approx(2.0)
    assert row["occupancy_pct"] == pytest.approx(200 / 3)


def test_clean_land_fund(parcels_gdf, events_df, plots_gdf):
    ev = pd.concat([events_df, pd.DataFrame([
        event(pid, "clearance_status", "handed_over", "2019-08-01", 100 + i)
        for i, pid in enumerate(["23296-1-1", "23296-1-2", "23296-1-3", "23296-1-4"])])])
    fund = land_fund(parcels_gdf, ev, plots=plots_gdf)
    # 1 and 3 lie in the leased plot; 4 is mostly road; only 2 (a vacant factory lot) is clean
    assert fund.clean_parcels()["parcel_id"].tolist() == ["23296-1-2"]
    sold = pd.concat([ev, pd.DataFrame([event("23296-1-2", "auction_status", "sold",
                                              "2019-09-01", 200)])])
    assert land_fund(parcels_gdf, sold, plots=plots_gdf).clean_fund().empty


def test_filters(fund):
    assert fund.filtered(status="disputed").by_zone()["parcels"].tolist() == [1]
    assert fund.filtered(zone="KCN-XX").by_zone().empty
    assert fund.filtered(land_use=["CLN"]).by_zone()["parcels"].tolist() == [4]


def test_load_from_a_store(store):
    fund = load_land_fund(store)
    assert fund.by_zone()["parcels"].tolist() == [4]
    assert set(fund.tables()) == {"by_zone", "clearance", "auction", "plan_functions",
                                  "occupancy", "clean_fund"}


def _same_land_fund(ours, theirs):
    for name in ("parcels", "overlay", "plots", "targets"):
        pd.testing.assert_frame_equal(getattr(ours, name).reset_index(drop=True),
                                      getattr(theirs, name).reset_index(drop=True),
                                      check_exact=True, obj=name)
    for name, table in theirs.tables().items():
        pd.testing.assert_frame_equal(ours.tables()[name], table, check_exact=True, obj=name)


def test_a_store_gives_the_land_fund_of_its_layers_read_whole(store, plots_gdf, targets):
    """load_land_fund reads plain frames of the columns it needs (Store.read_table, no
    GeoDataFrame): the same land fund, to the last bit, as from the whole layers read as
    GeoDataFrames (statuses now and in the past, plots, leases, clean fund)."""
    store.write_layer("zoning_plots", plots_gdf, validate=False)
    store.write_layer("plan_targets", targets, validate=False)
    for as_of in (None, "2019-04-01"):
        theirs = land_fund(store.read_layer("parcels"), store.read_layer("status_events"),
                           plots=store.read_layer("zoning_plots"),
                           targets=store.read_layer("plan_targets"), as_of=as_of)
        assert theirs.clean_fund()["parcels"].sum() + theirs.occupancy()["leased_ha"].sum() > 0
        _same_land_fund(load_land_fund(store, as_of=as_of), theirs)


@pytest.mark.demo
def test_the_demo_land_fund_is_the_same_read_either_way():
    from landgis.config import DEFAULT_DATABASE
    from landgis.store import open_store
    from tests.conftest import need

    need(DEFAULT_DATABASE.exists(), f"{DEFAULT_DATABASE} is missing: run `make layers`")
    store = open_store(DEFAULT_DATABASE)
    theirs = land_fund(store.read_layer("parcels"), store.read_layer("status_events"),
                       plots=store.read_layer("zoning_plots"),
                       targets=store.read_layer("plan_targets"))
    _same_land_fund(load_land_fund(store), theirs)

"""The one smoke test on the embedded demo GeoPackage (built by `make layers`)."""

import pandas as pd
import pytest
import shapely

from landgis import contract
from landgis.config import DEFAULT_DATABASE, PROJECT_DIR
from landgis.ledger import current_status
from landgis.store import open_store
from tests.conftest import need

pytestmark = pytest.mark.demo


@pytest.fixture(scope="module")
def demo():
    need(DEFAULT_DATABASE.exists(), f"{DEFAULT_DATABASE} is missing: run `make layers`")
    store = open_store(DEFAULT_DATABASE)
    return {name: store.read_layer(name) for name in store.layers()}


def test_every_layer_meets_the_contract(demo):
    for name, layer in contract.LAYERS.items():
        if name == contract.PARCEL_LINEAGE.name and name not in demo:
            continue  # made by the first import that splits or merges parcels
        epsg = contract.STORAGE_EPSG if layer.is_spatial else None
        assert contract.check_layer(demo[name], name, crs_epsg=epsg) == [], name


def test_zone_areas_match_the_published_figures(demo):
    facts = pd.read_csv(PROJECT_DIR / "layers" / "sources" / "zones.csv").set_index("zone_code")
    zones = demo["zones"].set_index("zone_code")
    assert set(zones.index) == {"KKT-BOY", "KCN-HB1", "KCN-HB2", "KCN-SM", "KCN-DT", "KCN-DL",
                                "CCN-NMDC", "CCN-DLA"}
    assert (zones["source"] == "illustrative").all()
    for code, planned in facts["planned_area_ha"].dropna().items():
        assert zones.loc[code, "geometry"].area / 10_000 == pytest.approx(planned, rel=0.01), code
    assert pd.isna(zones.loc["CCN-DLA", "planned_area_ha"])


def test_parcels_tile_their_zones(demo):
    parcels, zones = demo["parcels"], demo["zones"].set_index("zone_code")
    assert len(parcels) >= 5000
    geoms = parcels.geometry.values
    tree = shapely.STRtree(geoms)
    a, b = tree.query(geoms, predicate="intersects")
    pairs = a < b
    overlap = shapely.area(shapely.intersection(geoms[a[pairs]], geoms[b[pairs]])).sum()
    assert overlap < 1.0  # m² in all
    for code, group in parcels.groupby("zone_code"):
        zone = zones.loc[code, "geometry"].buffer(0.01)
        assert shapely.within(group.geometry.values, zone).all(), code


def test_the_2019_story(demo):
    parcels = demo["parcels"]
    status = current_status(demo["status_events"], parcels["parcel_id"])
    by_zone = status.join(parcels.set_index("parcel_id")["zone_code"])
    hb1 = by_zone[by_zone["zone_code"] == "KCN-HB1"]
    assert (hb1["clearance_status"] == "handed_over").all()
    hb2 = by_zone[by_zone["zone_code"] == "KCN-HB2"]["clearance_status"]
    assert (hb2 == "disputed").any() and (hb2 != "handed_over").any()
    boy = by_zone[by_zone["zone_code"] == "KKT-BOY"]["auction_status"]
    assert boy.isin(["announced", "sold", "unsold"]).any()
    plots = demo["zoning_plots"]
    hb1_factories = plots[(plots["zone_code"] == "KCN-HB1") & (plots["function"] == "factory")]
    assert len(hb1_factories) and (hb1_factories["lease_status"] == "leased").all()


def test_land_fund_of_the_demo():
    from landgis.landfund import load_land_fund

    need(DEFAULT_DATABASE.exists(), f"{DEFAULT_DATABASE} is missing: run `make layers`")
    fund = load_land_fund(open_store(DEFAULT_DATABASE))
    occupancy = fund.occupancy().set_index("zone_code")["occupancy_pct"]
    assert occupancy["KCN-HB1"] == pytest.approx(100.0)  # reported fully let
    plan = fund.function_totals()
    hb2 = plan[plan["zone_code"] == "KCN-HB2"].set_index("function")
    published = {"factory": 40, "technical": 2.5, "admin_services": 1.3, "roads": 13.2,
                 "housing": 4.2, "green": 8.6}
    for function, ha in published.items():
        assert hb2.loc[function, "plots_ha"] == pytest.approx(ha, rel=0.005), function
        assert hb2.loc[function, "planned_ha"] == ha
    by_zone = fund.by_zone().set_index("zone_code")["area_ha"]
    assert by_zone["KCN-HB2"] == pytest.approx(69.8, rel=1e-6)

"""The one smoke test on the embedded demo GeoPackage (built by `make layers`)."""

import pandas as pd
import pytest
import shapely

from landgis import contract
from landgis.config import DEFAULT_DATABASE, PROJECT_DIR
from landgis.demo import DEMO_TODAY
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


# ------------------------------------------------------------------ progress (issue 13)

BOY, HB1, HB2 = "KKT-BOY", "KCN-HB1", "KCN-HB2"
PROGRESS = ("investments", "auction_lots", "progress_events")


@pytest.fixture(scope="module")
def book():
    from landgis.progress import load_book

    need(DEFAULT_DATABASE.exists(), f"{DEFAULT_DATABASE} is missing: run `make layers`")
    return load_book(open_store(DEFAULT_DATABASE))


def test_the_progress_registers_and_ledger_were_recorded_by_the_demo(demo):
    for name in PROGRESS:
        assert name in demo and len(demo[name]), name  # and the contract test checks them
    events = demo["progress_events"]
    assert (events["recorded_by"] == "demo").all() and events["event_id"].is_unique
    assert set(events["subject_kind"]) == {"project", "investment", "lot"}
    assert events["effective_date"].between("2016-01-01", DEMO_TODAY).all()


def test_as_of_today_there_are_investments_in_every_state(book):
    inv = book.investments(DEMO_TODAY)
    assert 25 <= len(inv) <= 40
    assert {HB1, HB2, BOY} == set(inv["zone_code"])
    assert set(inv["state"]) == {"on_schedule", "behind", "revocable", "revoked"}
    for _, row in inv[inv["state"].isin(["behind", "revocable"])].iterrows():
        assert row["flag_details"], row["investment_id"]  # the rule that raised it …
        assert all("Điều" in f["basis_vi"] for f in row["flag_details"])  # … and its article
        assert row["state"] in {f["state"] for f in row["flag_details"]}
    assert inv.loc[inv["state"] == "revoked", "revoked_date"].notna().all()
    on_time = inv[inv["state"] == "on_schedule"]
    assert (on_time["days_behind"] == 0).all() and (on_time["flags"] == "").all()


def test_every_invented_row_and_event_says_it_is_illustrative(demo):
    investments, lots = demo["investments"], demo["auction_lots"]
    assert (investments["source"] == "illustrative").all()
    assert investments["investor"].str.endswith("(minh họa)").all()
    assert (lots["source"] == "illustrative").all()
    events = demo["progress_events"]
    assert events["note"].str.contains("illustrative").all()
    winners = events.loc[events["result"] == "sold", "party"]
    assert len(winners) and winners.str.endswith("(minh họa)").all()
    status = demo["status_events"]  # the sold/unsold events the auction results wrote too
    assert status["note"].str.contains("illustrative").all()


def test_no_plot_or_parcel_is_ever_held_by_two_live_investments(book):
    inv = book.investments(DEMO_TODAY)
    spans = {}
    for _, row in inv.iterrows():
        end = row["revoked_date"] if isinstance(row["revoked_date"], str) else "9999-12-31"
        for kind, column in (("plot", "plot_codes"), ("parcel", "parcel_ids")):
            for code in str(row[column] or "").split(";"):
                if code and code != "None":
                    spans.setdefault((kind, code), []).append((row["certificate_date"], end))
    assert any(len(s) > 1 for s in spans.values())  # a revoked plot was let again
    for land, held in spans.items():
        held.sort()
        for (_, end), (start, _) in zip(held, held[1:]):
            assert end <= start, land


def test_bo_y_lots_raise_revenue_for_the_gate_some_of_it_overdue(book):
    by_zone, by_project = book.revenue(DEMO_TODAY)
    boy = by_zone.set_index("zone_code").loc[BOY]
    assert boy["won_vnd"] > 0 and 0 < boy["collected_vnd"] <= boy["won_vnd"]
    assert boy["outstanding_vnd"] > 0 and boy["overdue_vnd"] > 0
    assert by_project.set_index("funds_project_code").loc["DA-BOY-QM", "won_vnd"] > 0
    lots = book.auctions(DEMO_TODAY)
    assert (lots["collected_vnd"] <= lots["won_vnd"]).all()
    assert (lots["winning_price_vnd"].dropna() >= lots["starting_price_vnd"].dropna()).all()
    assert lots["result"].isna().any()  # a lot still waiting for its auction
    early = book.auctions("2019-01-01")
    assert {"sold", "unsold"} <= set(early["result"].dropna())


def test_the_lots_parcels_walk_to_their_auction_in_the_status_ledger(demo, book):
    events = demo["status_events"]
    for _, lot in book.lots_register.iterrows():
        parcels = lot["parcel_ids"].split(";")
        results = book.history("lot", lot["lot_code"])
        results = results[results["kind"] == "auction_result"]
        if results.empty:
            now = current_status(events, parcels, as_of=DEMO_TODAY)
            assert now["auction_status"].isin(["planned", "dossier_ready", "announced"]).all()
            continue
        first = results["effective_date"].min()
        eve = (pd.Timestamp(first) - pd.Timedelta(days=1)).strftime("%Y-%m-%d")
        before = current_status(events, parcels, as_of=eve)
        assert (before["clearance_status"] == "handed_over").all(), lot["lot_code"]
        assert (before["auction_status"] == "announced").all(), lot["lot_code"]
        for _, result in results.iterrows():
            then = current_status(events, parcels, as_of=result["effective_date"])
            assert (then["auction_status"] == result["result"]).all(), lot["lot_code"]


def test_the_projects_tell_the_story_of_the_2019_review(book, demo):
    review = book.projects("2019-07-10").set_index("project_code")
    for code in ("DA-BOY-QM", "DA-SM-XLNT"):  # have capital: push disbursement to plan
        assert review.loc[code, "plan_year_vnd"] > 0 and review.loc[code, "disbursed_year_vnd"] > 0
    for code in ("DA-DLA-XLNT", "DA-KT-HO"):  # still in preparation
        assert pd.isna(review.loc[code, "total_investment_vnd"])
    assert review.loc["DA-HB2-GPMB", "disbursed_total_vnd"] > 0  # clearance under way
    today = book.projects(DEMO_TODAY).set_index("project_code")
    assert (today["disbursed_total_vnd"] > 0).all()
    assert (today["disbursed_total_vnd"] <= today["total_investment_vnd"]).all()
    assert (today["milestones_late"] > 0).any() and (today["max_days_late"] > 0).any()
    hb2 = {m["milestone"]: m for m in book.project_milestones("DA-HB2-GPMB", DEMO_TODAY)}
    assert hb2["completion"]["reached_date"] is None and hb2["completion"]["days_late"] > 0
    events = demo["progress_events"]
    flagged = events[events["flags"].fillna("").str.contains("over_plan")]
    assert len(flagged) == 1
    year_end = f"{flagged['effective_date'].iloc[0][:4]}-12-31"
    row = book.projects(year_end).set_index("project_code").loc[flagged["subject_id"].iloc[0]]
    assert row["over_plan_events"] == 1 and row["disbursed_year_vnd"] > row["plan_year_vnd"]

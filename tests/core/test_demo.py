"""The demo-layer generator: what a planner opening the demo map would notice."""

from __future__ import annotations

import pandas as pd
import pytest
import shapely

from landgis.contract import AUCTION_STATUS, CLEARANCE_STATUS, check_layer
from landgis.demo import build_demo_layers, read_sources
from landgis.ledger import current_status

SPATIAL = ("zones", "zoning_plots", "parcels", "projects")
PARKS_AND_CLUSTERS = ("KCN-HB1", "KCN-HB2", "KCN-SM", "KCN-DT", "KCN-DL", "CCN-NMDC", "CCN-DLA")


@pytest.fixture(scope="module")
def layers():
    return build_demo_layers()


@pytest.fixture(scope="module")
def other_seed():
    return build_demo_layers(seed=7)


def _wkb(gdf):
    return [g.wkb for g in gdf.geometry.values]


def test_every_layer_meets_the_contract(layers):
    for name in SPATIAL:
        assert check_layer(layers[name], name) == [], name
    assert check_layer(layers["status_events"], "status_events", crs_epsg=None) == []
    assert list(layers["plan_targets"].columns) == ["zone_code", "function", "planned_area_ha",
                                                    "source"]


def test_same_seed_same_layers_other_seed_other_parcels(layers, other_seed):
    again = build_demo_layers(seed=2019)
    for name, df in layers.items():
        other = again[name]
        if name in SPATIAL:
            assert _wkb(df) == _wkb(other), name
            df, other = df.drop(columns="geometry"), other.drop(columns="geometry")
        pd.testing.assert_frame_equal(pd.DataFrame(df), pd.DataFrame(other), obj=name)
    different = other_seed
    assert _wkb(different["parcels"]) != _wkb(layers["parcels"])
    assert _wkb(different["zones"]) == _wkb(layers["zones"])  # the zones are the drawing


def test_zones_have_their_planned_areas_and_do_not_overlap(layers):
    zones = layers["zones"]
    assert set(zones.zone_code) == {"KKT-BOY", *PARKS_AND_CLUSTERS}
    for _, z in zones.iterrows():
        assert z.geometry.area == pytest.approx(z.drawn_area_ha * 1e4, rel=1e-3)
        if pd.notna(z.planned_area_ha):
            assert z.geometry.area == pytest.approx(z.planned_area_ha * 1e4, rel=0.01), z.zone_code
    assert zones.set_index("zone_code").planned_area_ha.isna().loc["CCN-DLA"]
    geoms = zones.geometry.values
    left, right = shapely.STRtree(geoms).query(geoms, predicate="intersects")
    pairs = left < right
    assert shapely.area(shapely.intersection(geoms[left[pairs]], geoms[right[pairs]])).sum() == 0


def test_the_border_gate_lies_in_the_zone_at_its_west_edge(layers):
    kkt = layers["zones"].set_index("zone_code").geometry.loc["KKT-BOY"]
    gate = layers["projects"].set_index("project_code").geometry.loc["DA-BOY-QM"]
    assert kkt.contains(gate)
    assert kkt.boundary.distance(gate) < 1000
    assert gate.x - kkt.bounds[0] < 0.2 * (kkt.bounds[2] - kkt.bounds[0])


def test_hb2_plan_functions_match_the_published_plan(layers):
    plots = layers["zoning_plots"]
    hb2 = plots[plots.zone_code == "KCN-HB2"]
    areas = hb2.geometry.area.groupby(hb2.function.to_numpy()).sum() / 1e4
    published = {"factory": 40, "technical": 2.5, "admin_services": 1.3, "roads": 13.2,
                 "housing": 4.2, "green": 8.6}
    assert set(areas.index) == set(published)
    for function, target in published.items():
        assert areas[function] == pytest.approx(target, rel=0.005), function
    factory = hb2[hb2.function == "factory"]
    assert len(factory) >= 5 and set(factory.lease_status) == {"leased", "reserved", "vacant"}


def test_plots_tile_their_parks_and_leases_follow_the_story(layers):
    plots = layers["zoning_plots"]
    zones = layers["zones"].set_index("zone_code").geometry
    for code, group in plots.groupby("zone_code"):
        assert abs(shapely.union_all(group.geometry.values).area - zones[code].area) < 1
        assert abs(group.geometry.area.sum() - zones[code].area) < 1
    hb1 = plots[(plots.zone_code == "KCN-HB1") & (plots.function == "factory")]
    assert (hb1.lease_status == "leased").all() and hb1.tenant.str.endswith("(minh họa)").all()
    dl = plots[(plots.zone_code == "KCN-DL") & plots.lease_status.notna()]
    assert (dl.lease_status == "vacant").all()
    open_land = plots[plots.function.isin(["roads", "green", "technical", "water"])]
    assert open_land.lease_status.isna().all()


def test_parcels_cover_each_park_and_cluster_without_overlap(layers):
    parcels = layers["parcels"]
    zones = layers["zones"].set_index("zone_code").geometry
    assert 5000 <= len(parcels) <= 7000
    for code in PARKS_AND_CLUSTERS:
        geoms = parcels.geometry.values[(parcels.zone_code == code).to_numpy()]
        assert abs(shapely.union_all(geoms).area - zones[code].area) < 1, code
    geoms = parcels.geometry.values
    left, right = shapely.STRtree(geoms).query(geoms, predicate="intersects")
    pairs = left < right
    overlaps = shapely.area(shapely.intersection(geoms[left[pairs]], geoms[right[pairs]]))
    assert overlaps.sum() < 1 and overlaps.max() < 0.01


def test_every_parcel_lies_in_its_zone(layers):
    parcels = layers["parcels"]
    zones = layers["zones"].set_index("zone_code").geometry
    within = shapely.within(parcels.geometry.values,
                            zones.loc[parcels.zone_code].buffer(0.01).values)
    assert within.all()
    kkt = parcels[parcels.zone_code == "KKT-BOY"]
    assert set(kkt.area_code) == {"BOY-TT", "BOY-PK"}


def test_parcel_ids_are_commune_sheet_parcel(layers):
    p = layers["parcels"]
    assert p.parcel_id.is_unique
    expected = p.commune_code + "-" + p.sheet_no.astype(str) + "-" + p.parcel_no.astype(str)
    assert (p.parcel_id == expected).all()
    for _, sheets in p.groupby("commune_code").sheet_no:
        assert sorted(sheets.unique()) == list(range(1, sheets.max() + 1))
    assert set(p.commune_code) == {"23296", "23311", "23338", "23377", "23395", "23401",
                                   "23437", "23524"}
    assert (p.current_valid_from == "2025-07-01").all()
    assert p.set_index("commune_code").current_commune_code.loc["23338"].eq("23302").all()


def test_some_legal_areas_are_far_off_and_most_are_close(layers):
    p = layers["parcels"]
    error = (p.legal_area_m2 - p.geometry.area).abs() / p.geometry.area
    assert 0.005 <= (error > 0.05).mean() <= 0.03
    assert (error < 0.01).mean() > 0.95


def test_projects_are_the_five_of_the_2019_review_with_no_figures(layers):
    projects = layers["projects"].set_index("project_code")
    assert len(projects) == 5
    assert projects[["budget_vnd", "disbursed_vnd", "progress_pct"]].isna().all().all()
    zones = layers["zones"].set_index("zone_code").geometry
    assert zones["KCN-SM"].contains(projects.geometry["DA-SM-XLNT"])
    assert zones["CCN-DLA"].contains(projects.geometry["DA-DLA-XLNT"])
    assert projects.geometry["DA-HB2-GPMB"].equals(zones["KCN-HB2"].geoms[0])
    assert pd.isna(projects.zone_code["DA-KT-HO"])


def test_ledger_statuses_only_move_forward(layers):
    events = layers["status_events"]
    assert events.event_id.is_unique and set(events.parcel_id) <= set(layers["parcels"].parcel_id)
    vocab = {"clearance_status": CLEARANCE_STATUS, "auction_status": AUCTION_STATUS}
    disputed_after = {CLEARANCE_STATUS.rank("inventoried"), CLEARANCE_STATUS.rank("plan_approved")}
    for (parcel, field), group in events.sort_values("effective_date").groupby(
            ["parcel_id", "field"]):
        dates = group.effective_date.tolist()
        assert dates == sorted(set(dates)), (parcel, field)
        ranks = [vocab[field].rank(v) for v in group.value]
        for before, after, value in zip(ranks, ranks[1:], group.value.iloc[1:]):
            if value == "disputed":
                assert before in disputed_after
            else:
                assert after == before + 1 or (value == "unsold" and before == 3), (parcel, field)
    hb1 = layers["parcels"].query("zone_code == 'KCN-HB1'").parcel_id
    last = events.sort_values("effective_date").groupby(["parcel_id", "field"]).value.last()
    assert (last.loc[list(hb1), "clearance_status"] == "handed_over").all()
    assert events.recorded_at.str.endswith("+07:00").all()
    assert events.note.str.contains("illustrative").all()


@pytest.mark.parametrize("seed", [2019, 7])
def test_lots_and_bo_y_investors_hold_the_land_their_tables_ask_whatever_the_seed(
        seed, layers, other_seed):
    built = layers if seed == 2019 else other_seed
    sources = read_sources()
    parcels = built["parcels"].set_index("parcel_id")
    held = []
    for table, register, key in ((sources.auction_lots, built["auction_lots"], "lot_code"),
                                 (sources.investments, built["investments"], "investment_id")):
        wanted = table.dropna(subset=["parcels"]).set_index(key)
        got = register.set_index(key)["parcel_ids"]
        for code, row in wanted.iterrows():
            ids = got[code].split(";")
            assert len(ids) == row["parcels"], code
            assert (parcels.loc[ids, "area_code"] == row["area_code"]).all(), code
            assert not parcels.loc[ids, "land_use_code"].isin(["DGT", "SON"]).any(), code
            held += ids
    assert len(held) == len(set(held))  # no parcel in two lots, or in a lot and an investment
    status = current_status(built["status_events"], held)
    assert (status["clearance_status"] == "handed_over").all()


def test_plots_held_by_a_live_investment_are_leased_to_its_investor(layers):
    plots = layers["zoning_plots"].set_index("plot_code")
    events = layers["progress_events"]
    revoked = set(events.loc[events["kind"] == "revocation", "subject_id"])
    investments = layers["investments"].dropna(subset=["plot_codes"])
    live = investments[~investments["investment_id"].isin(revoked)]
    for _, row in live.iterrows():
        for code in row["plot_codes"].split(";"):
            assert plots.loc[code, "lease_status"] == "leased", code
            assert plots.loc[code, "tenant"] == row["investor"], code
    let_again = {c for v in live["plot_codes"] for c in v.split(";")}
    freed = {c for v in investments[investments["investment_id"].isin(revoked)]["plot_codes"]
             for c in v.split(";")} - let_again
    assert freed and (plots.loc[sorted(freed), "lease_status"] == "vacant").all()
    assert let_again & {c for v in investments[investments["investment_id"].isin(revoked)]
                        ["plot_codes"] for c in v.split(";")}  # a revoked plot let again


def test_a_bad_cell_of_a_hand_made_table_is_named_with_its_file_row_and_column(tmp_path):
    from landgis.demo.progress import DemoSourceError
    from landgis.demo.sources import DEFAULT_SOURCES_DIR

    for f in DEFAULT_SOURCES_DIR.glob("*.csv"):
        (tmp_path / f.name).write_bytes(f.read_bytes())
    events = pd.read_csv(tmp_path / "progress_events.csv", dtype=str, keep_default_na=False)
    i = int(events.index[events["amount_vnd"] != ""][0])
    events.loc[i, "amount_vnd"] = "abc"
    events.to_csv(tmp_path / "progress_events.csv", index=False)
    with pytest.raises(DemoSourceError, match=rf"progress_events.csv, row {i + 2}, "
                                              r"column 'amount_vnd'.*'abc'"):
        build_demo_layers(sources_dir=tmp_path)


def test_many_parcels_are_edge_matched_block_by_block_into_the_same_coverage():
    """Above ``chunk`` parcels (a million take 5.5 GB in one clean) the cells are edge-matched
    block by block of map sheets: the parcels are those of one clean of the whole set (up to
    where a ring starts), a valid coverage without gaps or overlaps across block edges."""
    import numpy as np

    from landgis.demo.tessellate import clean_coverage, tessellate

    region = shapely.Point(1_000_250, 1_600_100).buffer(1600)  # cut by about 50 map sheets
    cells = tessellate(region, 3000, (2019, 3), wkb=True)
    whole = shapely.coverage_clean(shapely.from_wkb(cells.geoms), snapping_distance=0.001)
    assert not shapely.coverage_is_valid(shapely.from_wkb(cells.geoms))  # T-junctions to mend
    blocks = clean_coverage(cells.geoms, cells.sheet_i, cells.sheet_j, chunk=400)
    assert shapely.coverage_is_valid(blocks)
    assert np.array_equal(shapely.to_wkb(shapely.normalize(blocks)),
                          shapely.to_wkb(shapely.normalize(whole)))
    assert shapely.area(blocks).sum() == pytest.approx(region.area, rel=1e-9)


def test_parcels_written_block_by_block_read_back_as_one_write(layers, tmp_path, monkeypatch):
    """A million parcels go into the new GeoPackage block by block (memory): the layer read
    back is the one a single write gives, row for row, MultiPolygons included."""
    import numpy as np

    from landgis.demo import build
    from landgis.store.geopackage import GeoPackageStore

    monkeypatch.setattr(build, "WRITE_BLOCK", 2000)
    blocks = GeoPackageStore(tmp_path / "blocks.gpkg", create=True)
    build.write_parcels(blocks, layers["parcels"])
    one = GeoPackageStore(tmp_path / "one.gpkg", create=True)
    one.write_layer("parcels", layers["parcels"])
    a, b = blocks.read_layer("parcels"), one.read_layer("parcels")
    assert len(a) == len(layers["parcels"]) > 3 * 2000
    pd.testing.assert_frame_equal(pd.DataFrame(a.drop(columns="geometry")),
                                  pd.DataFrame(b.drop(columns="geometry")))
    assert np.array_equal(shapely.to_wkb(a.geometry.values), shapely.to_wkb(b.geometry.values))

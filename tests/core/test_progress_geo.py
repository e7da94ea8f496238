"""Investments and public projects on the map (landgis.progress.geo), on both backends: each
investment drawn on the union of the plots and parcels its register row links, measured on the
VN-2000 plane and moved to WGS 84 by the pinned datum shift; its state as of a date as the
ledger says; projects with their progress figures."""

from __future__ import annotations

import json

import numpy as np
import pytest
import shapely
from pyproj import Transformer
from shapely.geometry import shape

from landgis.dataview import DataViews
from landgis.params import BadRequest
from landgis.progress import load_book
from landgis.progress.geo import investment_shapes, map_investments, map_projects
from tests import map_progress_data as data
from tests.conftest import X0, Y0
from tests.core.test_crs import EXPLICIT_9216_TO_WGS84


@pytest.fixture
def progress_store(store, zones_gdf, parcels_gdf):
    data.build(store, zones_gdf, parcels_gdf)
    return store


def by_id(fc):
    return {f["id"]: f for f in fc["features"]}


def test_an_investment_on_two_plots_is_their_union_on_the_plane(progress_store):
    book = load_book(progress_store)
    shapes = investment_shapes(progress_store, book.investments_register).set_index(
        "investment_id")
    a = shapes.loc["INV-A"]
    # two adjacent 100 m squares: one 200 m x 100 m rectangle, not two parts, 2 ha exactly
    assert a.geometry.geom_type == "Polygon"
    assert a.geometry.area == pytest.approx(data.INV_A_AREA_M2, abs=1e-6)
    assert a.geometry.equals(shapely.box(X0, Y0, X0 + 200, Y0 + 100))
    assert a["missing_codes"] == []
    b = shapes.loc["INV-B"]  # linked by parcel: parcel 4, the square at (100, 100)
    assert b.geometry.equals(shapely.box(X0 + 100, Y0 + 100, X0 + 200, Y0 + 200))


def test_the_map_feature_is_the_union_moved_by_the_decision_parameters(progress_store):
    fc = map_investments(progress_store, as_of="01/01/2019", views=DataViews())
    feature = by_id(fc)["INV-A"]
    assert feature["properties"]["plane_area_m2"] == pytest.approx(data.INV_A_AREA_M2)
    drawn = shape(feature["geometry"])
    assert drawn.geom_type == "Polygon"
    # every vertex is the plane union's moved by the seven parameters of QĐ 05/2007
    # (written out in tests/core/test_crs.py, not through landgis.crs), to 1e-7°
    plane = investment_shapes(progress_store, load_book(progress_store).investments_register)
    plane = plane.set_index("investment_id").geometry.loc["INV-A"]
    ref = Transformer.from_pipeline(EXPLICIT_9216_TO_WGS84)
    xy = np.array(plane.exterior.coords)
    want = np.column_stack(ref.transform(xy[:, 0], xy[:, 1]))
    got = np.array(drawn.exterior.coords)
    assert len(got) == len(want)
    for x, y in got:
        assert np.abs(want - [x, y]).max(axis=1).min() <= 1e-7
    # and back on the plane (the inverse of the reference) it is the 2 ha rectangle, to the
    # 1e-7° (about 1.1 cm) the vertices are written to along its 600 m of boundary
    back = shapely.transform(drawn, lambda c: np.column_stack(
        ref.transform(c[:, 0], c[:, 1], direction="INVERSE")))
    assert back.area == pytest.approx(data.INV_A_AREA_M2, abs=600 * 0.012)
    assert drawn.contains(shapely.Point(feature["properties"]["anchor"]))
    json.dumps(fc, allow_nan=False)  # plain JSON


def test_states_as_of_two_dates_follow_the_ledger(progress_store):
    views = DataViews()
    for day, state in data.STATE_DATES.items():
        inv = by_id(map_investments(progress_store, as_of=day, views=views))["INV-A"]
        assert inv["properties"]["state"] == state, day
    early = by_id(map_investments(progress_store, as_of="2018-01-01", views=views))
    late = by_id(map_investments(progress_store, as_of="2021-01-01", views=views))
    assert "INV-B" not in early  # its certificate is of 01/03/2018
    a = late["INV-A"]["properties"]
    assert early["INV-A"]["properties"]["days_behind"] == 0
    # construction start due 01/06/2018, not reached by 01/01/2021
    assert a["days_behind"] == 945
    revocable = [f for f in a["flags"] if f["state"] == "revocable"]
    assert [f["rule_id"] for f in revocable] == ["revocable_unused"]
    assert "Điều 81" in revocable[0]["basis_vi"] and "art. 81" in revocable[0]["basis_en"]
    assert a["capital_contributed_vnd"] == 1_234_567_890
    assert a["committed_capital_vnd"] == 50_000_000_000
    assert a["investor"] == "Công ty TNHH Thử" and a["certificate_no"] == "12/QĐ-BQLKKT"
    kinds = [e["kind"] for e in a["events"]]
    assert kinds == ["milestone_reached", "capital_contributed", "inspection"]
    assert a["event_count"] == 3
    before = early["INV-A"]["properties"]
    assert [e["kind"] for e in before["events"]] == ["milestone_reached",
                                                    "capital_contributed"]
    milestones = {m["milestone"]: m for m in a["milestones"]}
    assert milestones["land_handover"]["reached_date"] == "2017-05-20"
    assert milestones["construction_start"]["days_late"] == 945
    revoked = by_id(map_investments(progress_store, as_of="2023-01-01", views=views))["INV-B"]
    assert revoked["properties"]["state"] == "revoked"
    assert revoked["properties"]["revoked_date"] == "2022-06-01"


def test_projects_carry_their_progress_as_of_a_date(progress_store):
    fc = map_projects(progress_store, as_of="31/12/2019", views=DataViews())
    assert fc["as_of"] == "2019-12-31"
    p = by_id(fc)["DA-T1"]
    assert p["geometry"]["type"] == "Point"
    props = p["properties"]
    assert props["total_investment_vnd"] == 120_000_000_000
    assert props["plan_year"] == 2019 and props["plan_year_vnd"] == 30_000_000_000
    assert props["disbursed_year_vnd"] == 10_000_000_000
    assert props["disbursed_total_vnd"] == 10_000_000_000
    assert props["disbursed_year_pct"] == pytest.approx(33.3)
    # construction start planned for 01/03/2019 and not reached by 31/12/2019
    assert props["milestones_late"] == 1 and props["max_days_late"] == 305
    assert props["next_milestone"] == "construction_start"
    assert props["milestones"] == [{"milestone": "construction_start",
                                    "planned_date": "2019-03-01", "reached_date": None,
                                    "days_late": 305, "reached_late_days": 0}]
    assert [e["kind"] for e in props["events"]][-1] == "disbursement"
    polygon = by_id(fc)["DA-T2"]
    assert polygon["geometry"]["type"] == "Polygon"
    assert polygon["properties"]["total_investment_vnd"] is None  # no event yet
    next_year = by_id(map_projects(progress_store, as_of="2020-06-30", views=DataViews()))
    assert next_year["DA-T1"]["properties"]["plan_year_vnd"] is None  # no plan for 2020
    assert next_year["DA-T1"]["properties"]["disbursed_year_vnd"] == 0
    assert next_year["DA-T1"]["properties"]["disbursed_total_vnd"] == 10_000_000_000


def test_zone_limit_and_bad_input(progress_store):
    views = DataViews()
    assert len(map_investments(progress_store, as_of="2019-01-01", zone="KCN-T1",
                               views=views)["features"]) == 2
    capped = map_investments(progress_store, as_of="2019-01-01", limit=1, views=views)
    assert len(capped["features"]) == 1 and capped["truncated"] is True
    with pytest.raises(BadRequest, match="KCN-XX"):
        map_investments(progress_store, zone="KCN-XX", views=views)
    with pytest.raises(BadRequest, match="as_of"):
        map_projects(progress_store, as_of="12/31/2019", views=views)


def test_a_code_the_layers_no_longer_hold_is_named(progress_store, zones_gdf):
    from tests.map_progress_data import plots_gdf

    plots = plots_gdf()
    progress_store.write_layer("zoning_plots", plots[plots["plot_code"] != "T1-CN-02"])
    inv = by_id(map_investments(progress_store, as_of="2019-01-01",
                                views=DataViews()))["INV-A"]["properties"]
    assert inv["missing_codes"] == ["T1-CN-02"]
    assert inv["plane_area_m2"] == pytest.approx(10_000.0)


def test_the_answer_follows_a_new_event(progress_store):
    """The book and shapes are kept per store version: a new event shows at once."""
    import pandas as pd

    from landgis.progress import record_progress

    views = DataViews()
    before = by_id(map_investments(progress_store, as_of="2019-06-01", views=views))
    assert before["INV-A"]["properties"]["state"] == "behind"
    record_progress(progress_store, pd.DataFrame([dict(
        subject_kind="investment", subject_id="INV-A", kind="revocation",
        effective_date="2019-05-01", document_no="99/QĐ-UBND")]), user="t",
        source_name="t.xlsx")
    after = by_id(map_investments(progress_store, as_of="2019-06-01", views=views))
    assert after["INV-A"]["properties"]["state"] == "revoked"


def test_project_milestones_planned_and_not_reached(progress_store):
    """A milestone planned and not yet reached has no reached date (the book read the empty
    date as the text "<NA>" and failed)."""
    rows = load_book(progress_store).project_milestones("DA-T1", "2019-12-31")
    assert rows[0]["reached_date"] is None and rows[0]["days_late"] == 305

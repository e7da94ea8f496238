import pandas as pd

from landgis.ledger import current_status, with_status
from tests.conftest import event


def test_latest_event_per_field_wins(events_df):
    now = current_status(events_df, ["23296-1-1", "23296-1-2", "23296-1-3"])
    assert now.loc["23296-1-1", "clearance_status"] == "compensated"
    assert now.loc["23296-1-1", "clearance_status_document"] == "2/QĐ-UBND"
    assert now.loc["23296-1-1", "auction_status"] == "planned"
    assert now.loc["23296-1-2", "clearance_status"] == "disputed"
    assert now.loc["23296-1-3", "clearance_status"] == "not_started"
    assert now.loc["23296-1-3", "auction_status"] == "not_planned"


def test_as_of_a_date_before_an_event_gives_the_earlier_status(events_df):
    then = current_status(events_df, ["23296-1-1"], as_of="2019-03-31")
    assert then.loc["23296-1-1", "clearance_status"] == "inventoried"
    assert then.loc["23296-1-1", "auction_status"] == "not_planned"
    before_all = current_status(events_df, ["23296-1-1"], as_of="2018-12-31")
    assert before_all.loc["23296-1-1", "clearance_status"] == "not_started"


def test_same_day_events_resolve_by_recording_time():
    ev = pd.DataFrame([
        event("p", "clearance_status", "compensated", "2019-05-02", 2, "2019-05-03T09:00:00+07:00"),
        event("p", "clearance_status", "disputed", "2019-05-02", 1, "2019-05-04T09:00:00+07:00"),
    ])
    assert current_status(ev).loc["p", "clearance_status"] == "disputed"


def test_with_status_joins_every_parcel(parcels_gdf, events_df):
    joined = with_status(parcels_gdf, events_df)
    assert len(joined) == len(parcels_gdf)
    assert joined.set_index("parcel_id").loc["23296-1-4", "clearance_status"] == "not_started"

"""Dates are kept as ISO text on every path into a store, whatever the caller hands it."""

import datetime as dt

import pandas as pd
import pyogrio
import pytest

from landgis.contract import ContractError
from landgis.demo.sources import read_sources
from landgis.demo.zones import build_zones
from landgis.ingest.importer import commit_import, prepare_import
from landgis.store.geopackage import GeoPackageStore
from tests.conftest import event, snapshot


def test_date_values_written_to_a_layer_come_back_as_iso_text(store, zones_gdf):
    zones = zones_gdf.assign(decision_date=[dt.date(2013, 6, 19)],
                             checked=pd.to_datetime(["2020-02-01T08:30:00"]))  # an extra column
    store.write_layer("zones", zones)
    back = store.read_layer("zones")
    assert back["decision_date"].tolist() == ["2013-06-19"]
    assert back["checked"].tolist() == ["2020-02-01T08:30:00"]


def test_a_day_first_date_is_kept_as_the_day_it_names(store, zones_gdf):
    store.write_layer("zones", zones_gdf.assign(decision_date=["01/02/2020"]))
    assert store.read_layer("zones")["decision_date"].tolist() == ["2020-02-01"]


@pytest.mark.parametrize("validate", [True, False])
def test_a_date_column_holding_no_date_is_refused_and_nothing_changes(store, zones_gdf,
                                                                      validate):
    before = snapshot(store)
    with pytest.raises(ContractError, match=r"decision_date.*'31/02/2013'.*not a real date"):
        store.write_layer("zones", zones_gdf.assign(decision_date=["31/02/2013"]),
                          validate=validate)
    assert snapshot(store) == before


def test_ledger_events_with_date_values_are_kept_as_iso_text(store):
    new = event("23296-1-3", "clearance_status", "inventoried", "2019-07-01", 9)
    new.update(effective_date=pd.Timestamp("2019-07-01"), document_date=dt.date(2019, 6, 28))
    store.append_events(pd.DataFrame([new]))
    row = store.read_layer("status_events").set_index("event_id").loc["t-9"]
    assert (row["effective_date"], row["document_date"]) == ("2019-07-01", "2019-06-28")


@pytest.mark.backends("gpkg")
def test_a_geopackage_written_with_a_date_field_reads_as_iso_text(store, zones_gdf):
    """A store written before dates were kept as text still serves its dates as text."""
    pyogrio.write_dataframe(zones_gdf.assign(decision_date=pd.to_datetime(["2013-06-19"])),
                            store.path, layer="zones", driver="GPKG")
    assert pyogrio.read_info(store.path, layer="zones")["dtypes"][6].startswith("datetime64")
    assert GeoPackageStore(store.path).read_layer("zones")["decision_date"].tolist() == [
        "2013-06-19"]


def test_the_demo_zones_keep_their_decision_dates_as_iso_text():
    zones = build_zones(read_sources()).set_index("zone_code")
    assert zones.loc["KCN-HB1", "decision_date"] == "2013-06-19"
    assert zones["decision_date"].map(lambda v: v is None or isinstance(v, str)).all()


def test_a_decision_date_set_for_a_whole_import_is_read_day_first(store, zones_gdf, tmp_path):
    path = tmp_path / "khu.geojson"
    zones_gdf.drop(columns=["decision_date"]).to_file(path, driver="GeoJSON")
    plan = prepare_import(path, "zones", constants={"decision_date": "01/02/2020"})
    assert plan.ok, plan.report.to_text()
    commit_import(store, plan, user="an")
    assert store.read_layer("zones")["decision_date"].tolist() == ["2020-02-01"]
    bad = prepare_import(path, "zones", constants={"decision_date": "02/31/2020"})
    assert not bad.ok and "no month 31" in bad.report.to_text()

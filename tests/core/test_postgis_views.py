"""The PostGIS store's read-only views for QGIS (issue 15, item 5): ``parcels_status`` gives the
ledger's current statuses, stays in step with appends and corrections, survives a re-import of
the parcels, and a reader role may read the views and nothing else."""

from __future__ import annotations

import uuid

import pandas as pd
import pytest

from landgis.accounts import open_accounts
from landgis.ledger import current_status
from landgis.store import pg_views
from landgis.store.base import Batch
from tests.conftest import event

pytestmark = pytest.mark.backends("postgis")

STATUS_COLUMNS = ["clearance_status", "clearance_status_date", "clearance_status_document",
                  "auction_status", "auction_status_date", "auction_status_document"]


def view_rows(store, view="parcels_status") -> pd.DataFrame:
    conn = store._connection()
    cur = conn.execute(f'SELECT * FROM "{store.schema}"."{view}"')
    return pd.DataFrame(cur.fetchall(), columns=[d.name for d in cur.description])


def assert_view_is_ledger(store):
    parcels = store.read_layer("parcels")
    expected = current_status(store.read_layer("status_events"), parcels["parcel_id"])
    got = view_rows(store).set_index("parcel_id")
    assert sorted(got.index) == sorted(parcels["parcel_id"])
    expected = expected.astype(object).where(expected.notna(), None)
    got = got.loc[expected.index, STATUS_COLUMNS].astype(object)
    got = got.where(got.notna(), None)
    assert got.to_dict("index") == expected[STATUS_COLUMNS].to_dict("index")


def test_view_equals_the_ledger_after_events_and_corrections(store):
    assert_view_is_ledger(store)
    store.append_events(pd.DataFrame([
        # same effective date as t-2: recorded later, so it wins
        event("23296-1-1", "clearance_status", "handed_over", "2019-05-02", 10,
              recorded_at="2019-05-03T09:00:00+07:00"),
        # a mistaken later event, then its correction (an earlier, different value)
        event("23296-1-2", "clearance_status", "compensated", "2020-01-01", 11),
        event("23296-1-3", "auction_status", "planned", "2020-02-01", 12),
    ]))
    store.append_events(pd.DataFrame([
        {**event("23296-1-2", "clearance_status", "inventoried", "2019-12-01", 13),
         "corrects_event_id": "t-11"},
        {**event("23296-1-3", "auction_status", "planned", "2020-02-01", 14),
         "corrects_event_id": "t-12"},
    ]))
    store.append_events(pd.DataFrame([  # a correcting event corrected in turn
        {**event("23296-1-3", "auction_status", "not_planned", "2020-02-01", 15),
         "corrects_event_id": "t-14"}]))
    rows = view_rows(store).set_index("parcel_id")
    assert rows.loc["23296-1-1", "clearance_status"] == "handed_over"
    assert rows.loc["23296-1-2", "clearance_status"] == "inventoried"
    assert rows.loc["23296-1-2", "clearance_status_document"] == "13/QĐ-UBND"
    assert rows.loc["23296-1-4", "clearance_status"] == "not_started"
    assert rows.loc["23296-1-4", "auction_status_date"] is None
    assert_view_is_ledger(store)


def test_the_view_is_a_multipolygon_layer_of_9216(store):
    row = store._connection().execute(
        "SELECT type, srid, coord_dimension FROM geometry_columns WHERE f_table_schema = %s "
        "AND f_table_name = 'parcels_status' AND f_geometry_column = 'geom'",
        (store.schema,)).fetchone()
    assert row == ("MULTIPOLYGON", 9216, 2)
    assert view_rows(store)["geom"].notna().all()


def test_views_survive_a_reimport_of_the_parcels(store, parcels_gdf, postgres_database):
    role = f"landgis_reader_{uuid.uuid4().hex[:8]}"
    try:
        pg_views.grant_reader(store, role, "secret-1")
        changed = parcels_gdf.copy()
        changed.loc[0, "land_use_code"] = "LUC"
        store.write_layer("parcels", changed, batch=Batch("parcels.gpkg", "test"))
        rows = view_rows(store).set_index("parcel_id")
        assert rows.loc["23296-1-1", "land_use_code"] == "LUC"  # the new table, not the old
        assert rows.loc["23296-1-1", "clearance_status"] == "compensated"
        with reader(postgres_database, role, "secret-1") as conn:  # its grant kept
            assert conn.execute(f"SELECT count(*) FROM {store.schema}.parcels_status"
                                ).fetchone()[0] == 4
    finally:
        drop_role(store, role)


def reader(database_url, role, password):
    import psycopg
    from psycopg.conninfo import conninfo_to_dict, make_conninfo

    from landgis.store.postgis import split_url

    base = conninfo_to_dict(split_url(database_url)[0])
    return psycopg.connect(make_conninfo(dbname=base["dbname"], host="127.0.0.1",
                                         port=base.get("port", 5432), user=role,
                                         password=password), autocommit=True)


def drop_role(store, role):
    conn = store._connection()
    conn.execute(f'DROP OWNED BY "{role}"')
    conn.execute(f'DROP ROLE IF EXISTS "{role}"')


def test_reader_role_reads_the_views_and_nothing_else(store, postgis_url, postgres_database):
    import psycopg

    accounts = open_accounts(postgis_url, "/nonexistent")
    accounts.create("chief", "a long password 1", "admin")
    role = f"landgis_reader_{uuid.uuid4().hex[:8]}"
    try:
        assert pg_views.grant_reader(store, role, "pw-reader") == ["parcels_status"]
        s = store.schema
        with reader(postgres_database, role, "pw-reader") as conn:
            count = conn.execute(f"SELECT count(*) FROM {s}.parcels_status").fetchone()[0]
            assert count == 4
            assert conn.execute("SHOW jit").fetchone()[0] == "off"  # see grant_reader
            for statement in (
                f"SELECT * FROM {s}.landgis_users",
                f"SELECT * FROM {s}.status_events",
                f"INSERT INTO {s}.status_events (event_id) VALUES ('x')",
                f"UPDATE {s}.parcels SET land_use_code = 'x'",
                f"CREATE TABLE {s}.mine (a int)",
            ):
                with pytest.raises(psycopg.errors.InsufficientPrivilege):
                    conn.execute(statement)
            with pytest.raises(psycopg.Error, match="cannot update view|permission denied"):
                conn.execute(f"UPDATE {s}.parcels_status SET land_use_code = 'x'")
        assert store.read_layer("parcels")["land_use_code"].eq("CLN").all()
        assert len(store.read_layer("status_events")) == 4
    finally:
        accounts.engine.dispose()
        drop_role(store, role)


def test_no_role_is_made_without_parcels_and_ledger(postgis_url):
    from landgis.store.base import StoreError
    from landgis.store.postgis import PostGISStore

    empty = PostGISStore(postgis_url, create=True)
    role = f"landgis_reader_{uuid.uuid4().hex[:8]}"
    with pytest.raises(StoreError, match="no parcels and status ledger"):
        pg_views.grant_reader(empty, role, "pw")
    assert empty._connection().execute("SELECT 1 FROM pg_roles WHERE rolname = %s",
                                       (role,)).fetchone() is None
    empty.close()


def test_investments_current_gives_each_investments_latest_uncorrected_event(store):
    from tests.progress_ledger_data import event as pev
    from tests.progress_ledger_data import events, investment, register

    store.write_layer("investments", register(
        [investment("NDT-1"), investment("NDT-2")], "investments"))
    assert "investments_current" not in set(view_names(store))  # no progress ledger yet
    store.append_progress(events(
        pev(1, "investment", "NDT-1", "milestone_reached", "2020-03-01",
            milestone="land_handover"),
        pev(2, "investment", "NDT-1", "inspection", "2021-05-01"),
    ))
    store.append_progress(events(  # the inspection was recorded by mistake: corrected
        pev(3, "investment", "NDT-1", "progress_report", "2020-04-01", corrects_event_id="e2")))
    rows = view_rows(store, "investments_current").set_index("investment_id")
    assert rows.loc["NDT-1", "last_event_kind"] == "progress_report"
    assert rows.loc["NDT-1", "last_event_date"] == "2020-04-01"
    assert rows.loc["NDT-1", "events"] == 2
    assert rows.loc["NDT-2", "events"] == 0 and rows.loc["NDT-2", "last_event_kind"] is None
    assert rows.loc["NDT-2", "investor"] == "Công ty NDT-2"


def view_names(store):
    return [r[0] for r in store._connection().execute(
        "SELECT table_name FROM information_schema.views WHERE table_schema = %s",
        (store.schema,)).fetchall()]


def test_a_layer_cannot_take_a_views_name(store, parcels_gdf):
    from landgis.store.base import StoreError

    with pytest.raises(StoreError, match="own table or view"):
        store.write_layer("parcels_status", parcels_gdf[["parcel_id", "geometry"]])
    assert len(view_rows(store)) == 4

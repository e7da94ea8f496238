"""The PostGIS store: what only it has (URL, schema set-up, EPSG:9216, a killed write, several
servers) and what both backends must give alike (DataFrames, SQL metacharacters as data)."""

import os
import signal
import subprocess
import sys
import threading
import time

import geopandas as gpd
import numpy as np
import pandas as pd
import psycopg
import pytest

from landgis.store import LedgerError, StoreError, open_store
from landgis.store.base import Batch
from landgis.store.postgis import PostGISStore, mask, split_url, srid_definition
from tests.conftest import X0, Y0, backend, event, make_store, snapshot, with_password

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def sql(url, query, params=()):
    with psycopg.connect(split_url(url)[0], autocommit=True) as conn:
        return conn.execute(query, params).fetchall()


# --------------------------------------------------------------------------- no server needed


def test_url_schema_and_password():
    assert split_url("postgresql:///landgis") == ("postgresql:///landgis", "public")
    assert split_url("postgres://gis:pw@db:5433/landgis?schema=kontum&sslmode=require") == \
        ("postgresql://gis:pw@db:5433/landgis?sslmode=require", "kontum")
    assert split_url("postgresql+psycopg://h/d?schema=a_1")[1] == "a_1"
    # libpq's own way, which psql and SQLAlchemy understand too; PostGIS stays on the path
    assert split_url("postgresql:///d?options=-csearch_path%3Dkontum&options=-c%20a%3D1") == \
        ("postgresql:///d?options=-csearch_path%3Dkontum%2Cpublic%20-c%20a%3D1", "kontum")
    assert mask("postgresql://gis:pw@db/landgis") == "postgresql://gis:***@db/landgis"
    for bad in ("schema=x;DROP SCHEMA public", "options=-csearch_path%3D%22x%22%22%3B"):
        with pytest.raises(StoreError, match="in the database URL"):
            split_url(f"postgresql:///landgis?{bad}")


def test_a_password_is_masked_wherever_it_is_written():
    assert mask("postgresql:///d?user=gis&password=pw&sslmode=require") == \
        "postgresql:///d?user=gis&password=***&sslmode=require"
    assert mask("postgresql://gis:p:w@h1:5432,h2/d") == "postgresql://gis:***@h1:5432,h2/d"
    assert mask("postgresql://:pw@/d?options=-csearch_path%3Dk") == \
        "postgresql://:***@/d?options=-csearch_path%3Dk"
    assert mask("layers/kontum.gpkg") == "layers/kontum.gpkg"
    with pytest.raises(StoreError, match="not a store") as refused:
        open_store("postgis://gis:s3cret-pw@db/landgis")
    assert "s3cret-pw" not in str(refused.value) and "gis:***@db" in str(refused.value)


@pytest.mark.backends("postgis")
def test_what_browsers_are_sent_owes_nothing_to_the_password(store):
    """The tiles' data version and the status snapshot's ETag go to every browser: two URLs
    of the same store that differ only by their password give the same ones."""
    from landgis import status_snapshot, tiles

    seen = []
    for secret in ("first-password", "second-password"):
        with PostGISStore(with_password(store.url, secret)[0]) as other:
            seen.append((tiles.data_version(other), status_snapshot.snapshot_gzip(other)[0]))
    assert seen[0] == seen[1]


def test_epsg_9216_definition_comes_from_pyproj():
    srtext, proj4 = srid_definition()
    assert srtext.startswith('PROJCS["VN-2000 / TM-3 107-30"')
    assert "+lon_0=107.5" in proj4 and "+k=0.9999" in proj4 and "+type=crs" not in proj4


# --------------------------------------------------------------------------- schema set-up


@pytest.mark.backends("postgis")
def test_set_up_registers_epsg_9216_and_indexes_every_spatial_layer(store):
    [(srid, proj4)] = sql(store.url, "SELECT srid, proj4text FROM spatial_ref_sys "
                                     "WHERE srid = 9216")
    assert proj4 == srid_definition()[1]
    # a point of the plane goes to WGS 84 in the database itself (Kon Tum: 108.0 E, 14.4 N)
    [(lon, lat)] = sql(store.url, "SELECT ST_X(p), ST_Y(p) FROM ST_Transform(ST_SetSRID("
                                  "ST_MakePoint(%s, %s), 9216), 4326) p", (X0, Y0))
    assert 107.9 < lon < 108.1 and 14.3 < lat < 14.5
    schema = store.schema
    srids = dict(sql(store.url, "SELECT f_table_name, srid FROM geometry_columns "
                                "WHERE f_table_schema = %s", (schema,)))
    # the tables, and the read-only view for desktop clients (tests/core/test_postgis_views.py)
    assert srids == {"zones": 9216, "parcels": 9216, "parcels_status": 9216}
    gist = {t for (t,) in sql(store.url, "SELECT tablename FROM pg_indexes WHERE schemaname = "
                                        "%s AND indexdef LIKE '%%USING gist (geom)%%'", (schema,))}
    assert gist == {"zones", "parcels"}
    [(unique,)] = sql(store.url, "SELECT count(*) FROM pg_indexes WHERE schemaname = %s AND "
                                 "tablename = 'status_events' AND indexdef LIKE 'CREATE UNIQUE%%"
                                 "(event_id)'", (schema,))
    assert unique == 1


def test_a_database_never_set_up_says_to_create_the_store(postgis_url):
    with pytest.raises(StoreError, match="holds no landgis store; create it") as err:
        open_store(postgis_url)
    assert err.value.option == "init_store"
    assert open_store(postgis_url, create=True).layers() == []


# --------------------------------------------------------------------------- both backends alike


def test_both_backends_give_the_same_dataframes(request, tmp_path, zones_gdf, parcels_gdf,
                                                events_df):
    parcels = parcels_gdf.copy()
    parcels["note"] = [None, "x", None, "ghi chú"]
    parcels["survey_year"] = [2019, 2019, 2020, 2021]
    parcels["share"] = [0.5, np.nan, 1.0, 0.25]
    parcels["checked"] = [True, False, True, True]
    stores = [make_store(b, request, tmp_path) for b in ("gpkg", "postgis")]
    for s in stores:
        s.write_layer("zones", zones_gdf)
        s.write_layer("parcels", parcels)
        s.write_layer("status_events", events_df)
        s.write_layer("parcels", parcels.iloc[:3], batch=Batch("a.zip", "an", counts={"n": 3}))
        s.append_events(pd.DataFrame([event("23296-1-3", "auction_status", "planned",
                                            "2019-08-01", 7)]))
    queries = [("parcels", {}), ("zones", {}), ("status_events", {}),
               ("parcels", {"bbox": (X0 + 150, Y0, X0 + 300, Y0 + 300)}),
               ("parcels", {"where": {"parcel_no": [1, 3], "note": [None, "x"]}}),
               ("parcels", {"where": {"share": 0.5}, "columns": ["share", "parcel_id"]}),
               ("status_events", {"where": {"field": "auction_status"}})]
    gpkg, pg = stores
    for name, kw in queries:
        a, b = gpkg.read_layer(name, **kw), pg.read_layer(name, **kw)
        assert type(a) is type(b), (name, kw)
        pd.testing.assert_frame_equal(pd.DataFrame(b), pd.DataFrame(a), obj=f"{name} {kw}")
        if isinstance(a, gpd.GeoDataFrame):
            assert b.crs == a.crs and b.geometry.name == a.geometry.name
    pd.testing.assert_frame_equal(pg.read_previous(1), gpkg.read_previous(1))
    a, b = gpkg.list_batches(), pg.list_batches()
    pd.testing.assert_frame_equal(b.drop(columns="recorded_at"), a.drop(columns="recorded_at"))
    assert sorted(gpkg.layers()) == sorted(pg.layers()) == ["parcels", "status_events", "zones"]


def test_sql_metacharacters_are_data_or_refused(store, parcels_gdf, zones_gdf):
    hostile = "x'); DROP TABLE zones; --"
    g = parcels_gdf.copy()
    g.loc[0, "commune_name"] = hostile
    g['ghi chú"; DROP TABLE zones; --'] = ["a", "b", "c", "d"]  # a column name is data too
    store.write_layer("parcels", g)
    back = store.read_layer("parcels", where={"commune_name": hostile})
    assert back["parcel_id"].tolist() == ["23296-1-1"]
    assert back['ghi chú"; DROP TABLE zones; --'].tolist() == ["a"]
    assert store.read_layer("parcels", where={"commune_name": ["' OR '1'='1", "%"]}).empty
    assert store.read_layer("parcels", where={"parcel_no": ["1 OR 1=1", "1; DROP"]}).empty
    assert store.read_layer("parcels", where={"legal_area_m2": "0) OR (1=1"}).empty
    for bad in ("parcels; DROP TABLE zones", 'parcels"--', "zones' OR '1'='1", "pg_class)"):
        with pytest.raises(StoreError, match="not a valid layer or column name"):
            store.read_layer(bad)
        with pytest.raises(StoreError, match="not a valid layer or column name"):
            store.write_layer(bad, g)
    for bad in ('parcel_id"; DROP TABLE zones; --', "1=1 OR parcel_id", "geom) --"):
        with pytest.raises(StoreError):
            store.read_layer("parcels", columns=[bad])
        with pytest.raises(StoreError):
            store.read_layer("parcels", where={bad: "x"})
    nasty = event("23296-1-2", "clearance_status", "inventoried", "2019-07-01", 8)
    nasty["document_no"] = "1/QĐ'); DELETE FROM status_events; --"
    assert store.append_events(pd.DataFrame([nasty])) == 1
    assert len(store.read_layer("status_events")) == 5
    assert len(store.read_layer("zones")) == 1
    assert sorted(store.layers()) == ["parcels", "status_events", "zones"]


def test_replaced_versions_are_kept_where_the_readme_says(store, parcels_gdf):
    batch = store.write_layer("parcels", parcels_gdf.iloc[:1], batch=Batch("a.zip", "an"))
    if backend(store) == "gpkg":
        assert (store.history_dir / f"batch-{batch}.gpkg").exists()
    else:
        kept = sql(store.url, "SELECT count(*) FROM " f"{store.schema}_history."
                              f"parcels__batch_{batch}")
        assert kept == [(4,)]
    assert len(store.read_previous(batch)) == 4


# --------------------------------------------------------------------------- a killed writer

WRITER = """
import sys, time, geopandas as gpd, shapely, numpy as np
from landgis.store import postgis
from landgis.store.base import Batch
url, point = sys.argv[1], sys.argv[2]
n = 20_000
xs = 552_000 + (np.arange(n) % 200) * 10.0
ys = 1_590_000 + (np.arange(n) // 200) * 10.0
g = gpd.GeoDataFrame({
    "parcel_id": [f"23296-9-{i}" for i in range(n)], "commune_code": "23296",
    "commune_name": "Phường Ngô Mây", "sheet_no": 9, "parcel_no": np.arange(n),
    "land_use_code": "CLN", "legal_area_m2": 100.0, "zone_code": "KCN-T1",
    "owner_kind": "household"}, geometry=shapely.box(xs, ys, xs + 10, ys + 10), crs=9216)
store = postgis.PostGISStore(url)
if point == "copy":            # half the rows sent to the server
    real_rows = postgis._rows
    def rows(start, values):
        for i, row in enumerate(real_rows(start, values)):
            if i == n // 2:
                print("stopped", flush=True)
                time.sleep(120)
            yield row
    postgis._rows = rows
else:                          # everything done (old table moved, new one renamed) but COMMIT
    real_write = postgis.PostGISStore._write
    def write(self, *args, **kwargs):
        out = real_write(self, *args, **kwargs)
        print("stopped", flush=True)
        time.sleep(120)
        return out
    postgis.PostGISStore._write = write
store.write_layer("parcels", g, batch=Batch("big.gpkg", "killed"))
"""


@pytest.mark.backends("postgis")
@pytest.mark.parametrize("point,state", [("copy", "active"), ("commit", "idle in transaction")])
def test_killed_write_leaves_the_data_unchanged(store, zones_gdf, point, state):
    before = snapshot(store)
    proc = subprocess.Popen([sys.executable, "-c", WRITER, store.url, point],
                            stdout=subprocess.PIPE, text=True, cwd=ROOT)
    try:
        assert proc.stdout.readline().strip() == "stopped"
        # the writer's transaction is open on the server, midway
        seen = sql(store.url, "SELECT state, query FROM pg_stat_activity WHERE pid <> "
                              "pg_backend_pid() AND datname = current_database() AND "
                              "application_name = 'landgis' AND "
                              "query LIKE %s", ("COPY%" if point == "copy" else "%",))
        assert (state, point) in {(s, point) for s, _q in seen}, seen
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    # a fresh connection that will not wait long for the dead writer's locks
    after = PostGISStore(store.url + "&options=-c%20lock_timeout%3D20000")
    assert snapshot(after) == before
    assert len(after.read_layer("parcels")) == 4 and after.list_batches().empty
    assert sql(store.url, "SELECT count(*) FROM pg_tables WHERE schemaname IN (%s, %s) AND "
                          "tablename LIKE 'parcels\\_\\_%%'",
               (store.schema, store.history_schema)) == [(0,)]
    batch = after.write_layer("zones", zones_gdf, batch=Batch("zones.gpkg", "next"))
    assert batch == 1  # the next writer goes ahead, and no batch id was used up
    after.close()


# --------------------------------------------------------------------------- several servers


@pytest.mark.backends("postgis")
def test_servers_see_each_others_writes_and_take_turns(store, parcels_gdf):
    other = PostGISStore(store.url)  # another app server: its own connection
    v0, parcels_v0 = other.version(), other.layer_version("parcels")
    store.append_events(pd.DataFrame([event("23296-1-4", "clearance_status", "inventoried",
                                            "2019-07-01", 20)]))
    assert other.version() != v0 and other.layer_version("parcels") == parcels_v0
    store.write_layer("parcels", parcels_gdf)
    assert other.layer_version("parcels") != parcels_v0

    # two servers record the same event at once: the writer lock makes them take turns and the
    # second is refused by the ledger's checks, never duplicated
    holder = psycopg.connect(split_url(store.url)[0])
    holder.execute(f"UPDATE {store.schema}.landgis_meta SET value = value WHERE key = 'version'")
    same = pd.DataFrame([event("23296-1-3", "clearance_status", "inventoried", "2019-07-02", 21)])
    results = []

    def append(s):
        try:
            results.append(s.append_events(same))
        except LedgerError as exc:
            results.append(str(exc))

    threads = [threading.Thread(target=append, args=(s,)) for s in (store, other)]
    for t in threads:
        t.start()
    time.sleep(0.2)
    assert results == []  # both wait for the holder of the writer lock
    holder.commit()
    holder.close()
    for t in threads:
        t.join(30)
    assert sorted(map(str, results))[0] == "1" and "already in the ledger" in str(results)
    assert (store.read_layer("status_events")["event_id"] == "t-21").sum() == 1
    other.close()


def test_an_edit_is_ordered_after_the_status_it_was_checked_against(store):
    """An app server stamps an edit before it waits for the writer lock (and its clock may be
    behind): the store records it after the event it was checked against, or it would be lost
    under that event."""
    from landgis.ledger import current_status

    key = ("23296-1-3", "clearance_status")
    first = event(*key, "inventoried", "2020-01-01", 30, "2030-01-01T10:00:00.000000+07:00")
    store.append_events(pd.DataFrame([first]), expect={key: "not_started"})
    late = event(*key, "compensated", "2020-01-01", 31, "2030-01-01T09:59:59.000000+07:00")
    store.append_events(pd.DataFrame([late]), expect={key: "inventoried"})
    ledger = store.read_layer("status_events").set_index("event_id")
    assert ledger.loc["t-31", "recorded_at"] == "2030-01-01T10:00:00.000001+07:00"
    assert current_status(ledger.reset_index(), [key[0]]).loc[key] == "compensated"
    # without expect (a status list, a migration) recorded_at is kept as given
    old = event("23296-1-4", "clearance_status", "inventoried", "2019-01-01", 32)
    store.append_events(pd.DataFrame([old]))
    assert store.read_layer("status_events", where={"event_id": "t-32"})["recorded_at"].tolist() \
        == ["2019-01-01T08:00:00+07:00"]

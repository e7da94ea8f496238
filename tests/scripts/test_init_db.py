"""scripts/init_db.py: a PostGIS store set up and loaded from a GeoPackage, the same figures."""

import numpy as np
import pandas as pd
import psycopg
import pytest

from landgis.config import DEFAULT_DATABASE
from landgis.landfund import load_land_fund
from landgis.store import open_store
from landgis.store.postgis import split_url
from tests.conftest import need


def test_bad_arguments_and_refusals(script, postgis_url, tmp_path):
    gpkg = script("init_db.py", "--db", tmp_path / "x.gpkg")
    assert gpkg.returncode == 2 and "postgresql://" in gpkg.stderr
    missing = script("init_db.py", "--db", postgis_url, "--from", tmp_path / "none.gpkg")
    assert missing.returncode == 1 and "none.gpkg" in missing.stderr
    down = script("init_db.py", "--db", "postgresql://an:secret@127.0.0.1:1/x?connect_timeout=2")
    assert down.returncode == 1 and "cannot connect" in down.stderr
    assert "secret" not in down.stderr + down.stdout


@pytest.mark.backends("gpkg")  # the source of the load is the GeoPackage store
def test_refused_load_writes_nothing(script, postgis_url, store):
    """A GeoPackage with a layer breaking the contract: exit 1, not one layer loaded."""
    bad = store.read_layer("zones")
    bad.loc[0, "kind"] = "airport"
    store.write_layer("zones", bad, validate=False)
    out = script("init_db.py", "--db", postgis_url, "--from", store.url)
    assert out.returncode == 1 and "airport" in out.stderr
    assert open_store(postgis_url).layers() == []


@pytest.mark.demo
def test_the_demo_loads_and_both_backends_give_the_same_land_fund(script, postgis_url):
    need(DEFAULT_DATABASE.exists(), f"{DEFAULT_DATABASE} is missing: run `make layers`")
    out = script("init_db.py", "--db", postgis_url, "--from", DEFAULT_DATABASE)
    assert out.returncode == 0, out.stderr
    assert "parcels" in out.stdout and "status_events" in out.stdout
    gpkg, pg = open_store(DEFAULT_DATABASE), open_store(postgis_url)
    assert sorted(pg.layers()) == sorted(gpkg.layers())
    for name in gpkg.layers():
        pd.testing.assert_frame_equal(pd.DataFrame(pg.read_layer(name)),
                                      pd.DataFrame(gpkg.read_layer(name)), obj=name)
    ours, theirs = load_land_fund(gpkg).tables(), load_land_fund(pg).tables()
    assert ours.keys() == theirs.keys()
    for name, a in ours.items():
        b = theirs[name]
        assert list(a.columns) == list(b.columns) and len(a) == len(b), name
        for col in a.columns:
            if col.endswith("_ha"):  # 0.01 m² = 1e-6 ha
                assert np.allclose(a[col], b[col], rtol=0, atol=1e-6, equal_nan=True), (name, col)
            else:
                assert a[col].astype(str).tolist() == b[col].astype(str).tolist(), (name, col)
    # and PostGIS's own ST_Area agrees zone by zone with the land fund's plane areas
    conninfo, schema = split_url(postgis_url)
    with psycopg.connect(conninfo) as conn:
        sums = dict(conn.execute(f"SELECT zone_code, SUM(ST_Area(geom)) FROM {schema}.parcels "
                                 "GROUP BY zone_code").fetchall())
    by_zone = ours["by_zone"].set_index("zone_code")["area_ha"] * 10_000
    for zone, area in by_zone.items():
        assert abs(sums[zone] - area) <= 0.01, zone
    again = script("init_db.py", "--db", postgis_url, "--from", DEFAULT_DATABASE)
    assert again.returncode == 1 and "already holds" in again.stderr


@pytest.mark.backends("gpkg")  # the source of the load is the GeoPackage store
def test_reader_role_made_with_the_load_reads_statuses(script, postgis_url, postgres_database,
                                                       store):
    import uuid

    from tests.core.test_postgis_views import reader

    role = f"landgis_reader_{uuid.uuid4().hex[:8]}"
    out = script("init_db.py", "--db", postgis_url, "--from", store.url, "--reader", role,
                 env={"LANDGIS_NEW_PASSWORD": "pw-from-script"})
    try:
        assert out.returncode == 0, out.stderr
        assert "parcels_status" in out.stdout and "pw-from-script" not in out.stdout
        schema = split_url(postgis_url)[1]
        with reader(postgres_database, role, "pw-from-script") as conn:
            rows = dict(conn.execute(f"SELECT parcel_id, clearance_status FROM "
                                     f"{schema}.parcels_status").fetchall())
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                conn.execute(f"SELECT * FROM {schema}.parcels")
        assert rows == {"23296-1-1": "compensated", "23296-1-2": "disputed",
                        "23296-1-3": "not_started", "23296-1-4": "not_started"}
    finally:
        with psycopg.connect(split_url(postgis_url)[0], autocommit=True) as conn:
            conn.execute(f'DROP OWNED BY "{role}"')
            conn.execute(f'DROP ROLE IF EXISTS "{role}"')

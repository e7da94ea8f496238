"""Shared fixtures: tiny layers made in the test, in EPSG:9216, and a store holding them.

The ``store`` fixture runs each test that uses it on both backends (ids ``gpkg`` and
``postgis``): a temporary GeoPackage, and a fresh schema of a database made for this test
session on the PostgreSQL server named by ``LANDGIS_TEST_POSTGRES_URL`` (default
``postgresql:///postgres``, the local socket; ``make test`` installs and starts one). The
schema is dropped after the test, the database after the session. A test that holds only for
some backends says so with ``@pytest.mark.backends("gpkg")``.
"""

from __future__ import annotations

import os
import uuid
from urllib.parse import urlsplit

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from landgis.store.geopackage import GeoPackageStore

REQUIRE_ALL = os.environ.get("LANDGIS_REQUIRE_ALL") == "1"
POSTGRES_URL = os.environ.get("LANDGIS_TEST_POSTGRES_URL", "postgresql:///postgres")
BACKENDS = ("gpkg", "postgis")

# An origin on the Kon Tum plane (EPSG:9216), near KCN Hòa Bình.
X0, Y0 = 552_000.0, 1_590_000.0


def need(condition: bool, reason: str) -> None:
    """Skip when a service is missing, or fail when LANDGIS_REQUIRE_ALL=1 (CI)."""
    if not condition:
        if REQUIRE_ALL:
            pytest.fail(f"required in CI (LANDGIS_REQUIRE_ALL=1): {reason}")
        pytest.skip(reason)


def square(x, y, size=100.0):
    return shapely.box(X0 + x, Y0 + y, X0 + x + size, Y0 + y + size)


@pytest.fixture
def zones_gdf():
    return gpd.GeoDataFrame(
        {
            "zone_code": ["KCN-T1"],
            "name_vi": ["KCN thử"],
            "name_en": ["Test park"],
            "kind": ["kcn"],
            "phase": [None],
            "decision_no": [None],
            "decision_date": [None],
            "planned_area_ha": [4.0],
            "status": ["planned"],
            "source": ["illustrative"],
        },
        geometry=[shapely.MultiPolygon([square(0, 0, 200)])],
        crs=9216,
    )


@pytest.fixture
def parcels_gdf():
    """Four 1-ha parcels tiling a 200 m x 200 m zone (2 x 2 squares of 100 m)."""
    rows = []
    for i, (x, y) in enumerate([(0, 0), (100, 0), (0, 100), (100, 100)], start=1):
        rows.append({
            "parcel_id": f"23296-1-{i}",
            "commune_code": "23296",
            "commune_name": "Phường Ngô Mây",
            "sheet_no": 1,
            "parcel_no": i,
            "land_use_code": "CLN",
            "legal_area_m2": 10_000.0 + i,
            "zone_code": "KCN-T1",
            "owner_kind": "household",
            "geometry": square(x, y),
        })
    return gpd.GeoDataFrame(rows, crs=9216)


def event(parcel_id, field, value, date, n, recorded_at=None):
    return {
        "event_id": f"t-{n}",
        "parcel_id": parcel_id,
        "field": field,
        "value": value,
        "effective_date": date,
        "document_no": f"{n}/QĐ-UBND",
        "document_date": date,
        "note": None,
        "recorded_by": "test",
        "recorded_at": recorded_at or f"{date}T08:00:00+07:00",
    }


@pytest.fixture
def events_df():
    return pd.DataFrame([
        event("23296-1-1", "clearance_status", "inventoried", "2019-01-10", 1),
        event("23296-1-1", "clearance_status", "compensated", "2019-05-02", 2),
        event("23296-1-2", "clearance_status", "disputed", "2019-03-01", 3),
        event("23296-1-1", "auction_status", "planned", "2019-06-01", 4),
    ])


# --------------------------------------------------------------------------- the two backends


def pytest_configure(config):
    config.addinivalue_line("markers", "backends(*names): run a test using the `store` fixture "
                                       "only on these backends (gpkg, postgis)")


def pytest_collection_modifyitems(config, items):
    """Drop the backends a ``backends`` mark excludes (they are not skips: they never apply)."""
    keep, drop = [], []
    for item in items:
        mark = item.get_closest_marker("backends")
        backend = getattr(item, "callspec", None) and item.callspec.params.get("store")
        if mark is not None and backend is not None and backend not in mark.args:
            drop.append(item)
        else:
            keep.append(item)
    if drop:
        config.hook.pytest_deselected(items=drop)
        items[:] = keep


def _with_database(url: str, dbname: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}/{dbname}" + (f"?{parts.query}" if parts.query
                                                          else "")


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


@pytest.fixture(scope="session")
def postgres_database():
    """A database of its own for this test session on the test server; yields its URL.

    PostGIS and EPSG:9216 are set up in it by the first store opened with ``create=True``
    (so every session exercises the registration of EPSG:9216).
    """
    try:
        import psycopg

        from landgis.store.postgis import split_url

        admin = psycopg.connect(split_url(POSTGRES_URL)[0], autocommit=True, connect_timeout=5)
    except Exception as exc:  # no driver, no server, no role
        need(False, f"no PostgreSQL server at {POSTGRES_URL} ({str(exc).strip()}); "
                    "`make test` installs and starts one")
    name = f"landgis_test_{os.getpid()}"
    with admin:
        for (stale,) in admin.execute("SELECT datname FROM pg_database WHERE datname LIKE "
                                      "'landgis\\_test\\_%'").fetchall():
            if stale.rsplit("_", 1)[-1].isdigit() and not _alive(int(stale.rsplit("_", 1)[-1])):
                admin.execute(f'DROP DATABASE IF EXISTS "{stale}" WITH (FORCE)')  # a killed run
        admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        admin.execute(f"CREATE DATABASE {name}")
        try:
            yield _with_database(POSTGRES_URL, name)
        finally:
            admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


@pytest.fixture(scope="session")
def _postgis_admin(postgres_database):
    """One connection to the session's database that drops the tests' schemas."""
    import psycopg

    from landgis.store.postgis import split_url

    with psycopg.connect(split_url(postgres_database)[0], autocommit=True) as conn:
        yield conn


@pytest.fixture
def postgis_url(postgres_database, _postgis_admin):
    """A store URL naming a fresh schema (dropped after the test, its history schema too).

    The schema is named the libpq way (``options=-csearch_path=…``), so that what else the app
    keeps in the database through SQLAlchemy (the accounts) lands in that schema too.
    """
    schema = f"t_{uuid.uuid4().hex[:12]}"
    sep = "&" if "?" in postgres_database else "?"
    yield f"{postgres_database}{sep}options=-csearch_path%3D{schema}"
    _postgis_admin.execute(f"DROP SCHEMA IF EXISTS {schema}, {schema}_history CASCADE")


def with_password(url: str, secret: str | None = None) -> tuple[str, str]:
    """``url`` with a password in it, and that password. Local trust or peer authentication
    never asks for it, yet libpq takes it and connects: the URL works as a user would write
    it. A URL that already has a password keeps it (that one is then the secret)."""
    parts = urlsplit(url)
    if parts.password:
        return url, parts.password
    secret = secret or f"pw{uuid.uuid4().hex[:12]}"
    hosts = parts.netloc.rpartition("@")[2]
    query = f"?{parts.query}" if parts.query else ""
    return f"{parts.scheme}://{parts.username or ''}:{secret}@{hosts}{parts.path}{query}", secret


def make_store(backend: str, request, tmp_path):
    """An empty store of ``backend`` for a test."""
    if backend == "gpkg":
        return GeoPackageStore(tmp_path / "test.gpkg", create=True)
    from landgis.store.postgis import PostGISStore

    return PostGISStore(request.getfixturevalue("postgis_url"), create=True)


@pytest.fixture(params=BACKENDS)
def store(request, tmp_path, zones_gdf, parcels_gdf, events_df):
    """Zones, the four parcels and their ledger, in a GeoPackage or a PostGIS schema."""
    s = make_store(request.param, request, tmp_path)
    s.write_layer("zones", zones_gdf)
    s.write_layer("parcels", parcels_gdf)
    s.write_layer("status_events", events_df)
    yield s
    s.close()


def backend(store) -> str:
    return "postgis" if store.url.startswith("postgresql://") else "gpkg"


def _plain(df: pd.DataFrame) -> tuple:
    """A frame as plain, comparable values: columns, dtypes, rows (geometry as WKB)."""
    df = pd.DataFrame(df).copy()
    for col in df.columns:
        if isinstance(df[col].dtype, gpd.array.GeometryDtype):
            df[col] = shapely.to_wkb(np.asarray(df[col].values, dtype=object))
    rows = df.astype(object).where(df.notna(), None)
    return (tuple(df.columns), tuple(str(t) for t in df.dtypes),
            tuple(map(tuple, rows.itertuples(index=False, name=None))))


def snapshot(store) -> dict:
    """Everything a store holds, read back: every layer and the batch list.

    Tests compare two snapshots (``snapshot(store) == before``) to say "nothing changed" on
    any backend, where a GeoPackage test once compared the file's bytes.
    """
    out = {name: _plain(store.read_layer(name)) for name in sorted(store.layers())}
    out[":batches"] = _plain(store.list_batches())
    return out

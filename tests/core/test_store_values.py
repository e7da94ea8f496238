"""Values that a store's reading could bend: text with separators, quotes, line breaks and
Vietnamese letters, NULL beside the empty text, integers with gaps, exact floats, a polygon of
many vertices, an empty layer and a box that holds nothing. Each reads back as written, on both
backends; on PostGIS also across the chunks of its column reader."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from tests.conftest import X0, Y0, backend, square

TEXTS = [
    "Phường Ngô Mây", "a,b", 'say "hi"', "line\nbreak", "cr\r\nlf", "tab\there",
    "back\\slash", "\\N", "NULL", "", None, "  spaced  ", "\\.", "Đăk Hà, \"Kon Tum\"\n\t\\",
    "ờ ữ ỹ ặ", ",", '"', "\n",
]
N = len(TEXTS)


def _odd() -> gpd.GeoDataFrame:
    ints = [None if i % 3 == 1 else i * 1_000_000_007 for i in range(N)]
    many = shapely.Polygon(shapely.buffer(shapely.Point(X0, Y0), 500, quad_segs=20_000)
                           .exterior.coords)  # ~80,000 vertices: a row of over 1 MB of hex
    geoms = [square(i * 10, 0, 5) for i in range(N)]
    geoms[3], geoms[5] = None, many
    return gpd.GeoDataFrame({
        "label": TEXTS,
        "gaps": pd.array(ints, dtype="Int64"),
        "whole": [-(2 ** 62), *range(1, N - 1), 2 ** 62],
        "ratio": [0.1 + 0.2, 1e-300, -0.0, 1 / 3, None, 123456789.123456789,
                  *[float(i) / 7 for i in range(N - 6)]],
        "flag": [i % 2 == 0 for i in range(N)],
    }, geometry=geoms, crs=9216)


def _check_same(back: pd.DataFrame, written: gpd.GeoDataFrame) -> None:
    assert back["label"].tolist() == written["label"].tolist()  # None stays None, "" stays ""
    assert back["label"].dtype == object
    assert back["gaps"].dtype == np.float64  # an integer column with gaps, as GDAL gives it
    assert back["gaps"].isna().tolist() == written["gaps"].isna().tolist()
    assert back["gaps"].dropna().tolist() == written["gaps"].dropna().astype(float).tolist()
    assert back["whole"].dtype == np.int64
    assert back["whole"].tolist() == written["whole"].tolist()
    assert back["ratio"].dtype == np.float64
    assert np.array_equal(back["ratio"].to_numpy(), written["ratio"].to_numpy(), equal_nan=True)
    assert back["flag"].tolist() == written["flag"].tolist()
    geoms = np.asarray(back["geometry"].values, dtype=object)
    assert shapely.is_missing(geoms).tolist() == written.geometry.isna().tolist()
    kept = ~written.geometry.isna().to_numpy()
    assert shapely.equals_exact(geoms[kept], written.geometry.to_numpy()[kept],
                                tolerance=0).all()


def test_text_numbers_and_geometries_read_back_as_written(store):
    written = _odd()
    store.write_layer("odd", written, validate=False)
    back = store.read_layer("odd")
    assert isinstance(back, gpd.GeoDataFrame) and back.crs.to_epsg() == 9216
    _check_same(back, written)
    _check_same(store.read_table("odd"), written)
    fids = store.read_layer("odd", with_fid=True)["fid"]
    assert fids.dtype == np.int64 and fids.tolist() == list(range(1, N + 1))
    for value in ["a,b", 'say "hi"', "line\nbreak", "\\N", "", "Đăk Hà, \"Kon Tum\"\n\t\\"]:
        picked = store.read_layer("odd", where={"label": value})
        assert picked["label"].tolist() == [value]


def test_an_empty_layer_and_a_box_that_holds_nothing(store, parcels_gdf):
    store.write_layer("parcels", parcels_gdf)
    nothing = store.read_layer("parcels", bbox=(X0 - 1000, Y0 - 1000, X0 - 900, Y0 - 900))
    assert isinstance(nothing, gpd.GeoDataFrame) and nothing.crs.to_epsg() == 9216
    assert len(nothing) == 0
    assert list(nothing.columns) == list(parcels_gdf.columns)
    assert nothing["sheet_no"].dtype == np.int64
    assert nothing["legal_area_m2"].dtype == np.float64
    assert nothing["parcel_id"].dtype == object
    store.write_layer("odd", _odd().iloc[:0], validate=False)
    empty = store.read_layer("odd")
    assert len(empty) == 0 and empty.crs.to_epsg() == 9216
    assert list(empty.columns) == ["label", "gaps", "whole", "ratio", "flag", "geometry"]
    assert len(store.read_table("odd")) == 0


@pytest.mark.backends("postgis")
def test_postgis_reads_in_chunks_the_same_frame(store, monkeypatch):
    from landgis.store import pg_read

    written = _odd()
    store.write_layer("odd", written, validate=False)
    whole = store.read_layer("odd", with_fid=True)
    monkeypatch.setattr(pg_read, "CHUNK_BYTES", 64)  # a chunk every row or two
    pieces = store.read_layer("odd", with_fid=True)
    pd.testing.assert_frame_equal(pd.DataFrame(pieces).drop(columns="geometry"),
                                  pd.DataFrame(whole).drop(columns="geometry"), check_exact=True)
    _check_same(pieces, written)


@pytest.mark.backends("postgis")
def test_postgis_makes_one_text_object_per_distinct_value(store, parcels_gdf):
    """A million parcels share a few hundred commune names: the reader keeps one string of
    each, not one per parcel (1.4 GB of them at 1,000,000 parcels)."""
    many = pd.concat([parcels_gdf] * 500, ignore_index=True)
    many["parcel_id"] = [f"23296-1-{i}" for i in range(len(many))]
    many["parcel_no"] = range(len(many))
    store.write_layer("parcels", many)
    back = store.read_table("parcels", columns=["commune_name", "zone_code"])
    assert len({id(v) for v in back["commune_name"]}) == 1
    assert len({id(v) for v in back["zone_code"]}) == 1
    assert back["commune_name"].tolist() == many["commune_name"].tolist()
    assert backend(store) == "postgis"


@pytest.mark.backends("postgis")
def test_postgis_columns_added_in_the_database_read_as_their_types(store, parcels_gdf):
    """Columns a user adds in PostgreSQL itself (QGIS, psql) read as the row reader read
    them: timestamps as pandas datetimes, booleans, real and numeric as float64, bytes, and
    dates or JSON as their text."""
    store.write_layer("parcels", parcels_gdf)
    conn = store._connection()
    table = f"{store.schema}.parcels"
    conn.execute(f"ALTER TABLE {table} ADD COLUMN seen timestamp, ADD COLUMN seen_tz "
                 "timestamptz, ADD COLUMN checked boolean, ADD COLUMN kept boolean NOT NULL "
                 "DEFAULT false, ADD COLUMN r real, ADD COLUMN amount numeric, ADD COLUMN raw "
                 "bytea, ADD COLUMN day date, ADD COLUMN extra jsonb")
    conn.execute(f"UPDATE {table} SET seen = '2020-01-02 03:04:05.123456', seen_tz = "
                 "'2020-01-02 03:04:05.5+07', checked = true, kept = true, r = 0.1, amount = "
                 "1.25, raw = '\\x00ff2c0a', day = '2021-02-03', extra = '{\"a\": [1, \"x,y\"]}' "
                 "WHERE parcel_no = 1")
    back = store.read_layer("parcels")
    assert back["seen"].dtype == "datetime64[ms]"
    assert back["seen"].tolist()[:2] == [pd.Timestamp("2020-01-02 03:04:05.123"), pd.NaT]
    assert str(back["seen_tz"].dtype) == "datetime64[ns, UTC]"
    assert back["seen_tz"][0] == pd.Timestamp("2020-01-01 20:04:05.5", tz="UTC")
    assert back["checked"].tolist() == [True, None, None, None]
    assert back["kept"].dtype == bool and back["kept"].tolist() == [True, False, False, False]
    assert back["r"][0] == float(np.float32(0.1)) and back["amount"][0] == 1.25
    assert back["raw"].tolist() == [b"\x00\xff,\n", None, None, None]
    assert back["day"].tolist() == ["2021-02-03", None, None, None]
    assert back["extra"][0] == '{"a": [1, "x,y"]}'

"""Store.read_table: a layer as a plain DataFrame, the same as read_layer gives."""

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from landgis.store import LayerNotFoundError, StoreError
from tests.conftest import square


def _plain(df: pd.DataFrame) -> pd.DataFrame:
    """A frame with its geometry as WKB, comparable value by value."""
    df = pd.DataFrame(df).copy()
    if "geometry" in df.columns:
        df["geometry"] = shapely.to_wkb(np.asarray(df["geometry"].values, dtype=object))
    return df


def _same(store, name, columns=None):
    ours = store.read_table(name, columns=columns)
    assert not isinstance(ours, gpd.GeoDataFrame)
    if "geometry" in ours.columns:
        assert ours["geometry"].dtype == object
    pd.testing.assert_frame_equal(_plain(ours), _plain(store.read_layer(name, columns=columns)),
                                  check_exact=True, obj=name)
    return ours


def test_every_layer_reads_as_read_layer_gives_it(store):
    for name in store.layers():
        _same(store, name)
    parcels = _same(store, "parcels", columns=["zone_code", "parcel_id"])
    assert list(parcels.columns) == ["parcel_id", "zone_code", "geometry"]  # the layer's order
    assert shapely.area(parcels["geometry"].to_numpy()).tolist() == [10_000.0] * 4
    events = _same(store, "status_events")
    assert events["event_id"].tolist() == ["t-1", "t-3", "t-2", "t-4"]  # in recorded order


def test_numbers_nulls_dates_and_empty_geometries(store):
    """Integers with gaps come as floats, as GDAL gives them; a date column (which GDAL
    converts) still comes as read_layer gives it."""
    odd = gpd.GeoDataFrame({
        "code": ["a", None, "c"],
        "count": pd.array([1, None, 3], dtype="Int64"),
        "whole": [1, 2, 3],
        "ratio": [0.5, None, 1.5],
        "day": pd.to_datetime(["2020-01-02", None, "2021-03-04"]),
    }, geometry=[square(0, 0), None, shapely.Polygon()], crs=9216)
    store.write_layer("odd", odd, validate=False)
    ours = _same(store, "odd")
    assert ours["count"].dtype == float and ours["whole"].dtype == np.int64
    assert ours["geometry"].isna().tolist() == [False, True, False]
    _same(store, "odd", columns=["whole", "code"])


def test_unknown_layer_or_column(store):
    with pytest.raises(LayerNotFoundError, match="no layer 'nowhere'.*parcels"):
        store.read_table("nowhere")
    with pytest.raises(StoreError, match="no column 'area'"):
        store.read_table("parcels", columns=["parcel_id", "area"])

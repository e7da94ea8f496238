"""The parcels layer in memory for the JSON API, and today's statuses aligned to parcel ids.

:func:`parcel_index` gives the :class:`ParcelIndex` of the data version of the tiled layers
(:func:`landgis.tiles.data_version`), kept by :mod:`landgis.dataview`, so ``/api/parcels`` reads nothing from the store once warm
and a status edit costs no re-read; :func:`align_statuses` puts the land fund's statuses in the
order of any list of parcel ids (the index's, the vector tiles').
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from landgis import crs as crsmod
from landgis.contract import STATUS_FIELDS
from landgis.landfund import LandFund

#: The parcel columns the API answers with.
PARCEL_COLUMNS = ["parcel_id", "commune_code", "commune_name", "sheet_no", "parcel_no",
                  "land_use_code", "legal_area_m2", "zone_code", "owner_kind"]


def align_statuses(fund: LandFund, keys) -> dict[str, np.ndarray]:
    """Today's value of each status field (:data:`STATUS_FIELDS`) for each parcel id of
    ``keys``, in that order, as object arrays of codes (None for a parcel the land fund does
    not know)."""
    pos = pd.Index(fund.parcels["parcel_id"].to_numpy()).get_indexer(
        np.asarray(keys, dtype=object))
    out = {}
    for field in STATUS_FIELDS:
        values = fund.parcels[field].astype(object)
        values = values.where(values.notna(), None).to_numpy()
        out[field] = np.full(len(pos), None, dtype=object)
        out[field][pos >= 0] = values[pos[pos >= 0]]
    return out


def _json_values(column: pd.Series) -> np.ndarray:
    """A column as an object array of Python scalars (None for missing values), as the API
    writes them; equal values are one object (a million parcels name a few communes: one
    string each, not a million; a store read row by row gives a copy per row)."""
    codes, uniques = pd.factorize(column, use_na_sentinel=True)
    table = np.empty(len(uniques) + 1, dtype=object)  # the last one: None, for code -1
    table[:-1] = [v.item() if isinstance(v, np.generic) else v for v in uniques.tolist()]
    return table[codes]


class ParcelIndex:
    """The parcels layer of one data version in memory, for :func:`parcels_in_bbox`.

    Reading a box through the store (GDAL's spatial filter on the GeoPackage) and turning the
    rows into Python values took most of a request; here the geometries stay in the storage
    CRS in an STRtree and the properties are kept as Python values, in layer order; the
    geometries as the GeoJSON gives them are made when first asked for (:meth:`wgs84`). The
    statuses change with every ledger append, the layer does not, so they are aligned to it
    per land fund (:meth:`statuses`) instead of being part of it.
    """

    def __init__(self, gdf: gpd.GeoDataFrame):
        self.crs = gdf.crs
        self.geoms = np.asarray(gdf.geometry.values, dtype=object)
        self.tree = shapely.STRtree(self.geoms)
        self.columns = {c: _json_values(gdf[c]) for c in PARCEL_COLUMNS}
        self._wgs84 = np.full(len(self.geoms), None, dtype=object)
        self._made = np.zeros(len(self.geoms), dtype=bool)

    def query(self, box) -> np.ndarray:
        """Positions (in layer order) of the parcels meeting a storage-CRS box, the features
        GDAL's spatial filter answers: the geometry itself meets the box, not only its
        bounding box."""
        return np.sort(self.tree.query(shapely.box(*box), predicate="intersects"))

    def wgs84(self, hits: np.ndarray) -> np.ndarray:
        """The parcels at positions ``hits`` in WGS 84 on the 1e-7° grid (about 1 cm), each
        made once, when first asked for: snapping a polygon to the grid (GEOS's precision
        reducer) costs 35 µs, most of the time of an answer, and all 100,000 up front would
        cost the first request 4 s more. They are kept as WKB: 18 MB once all 100,000 bench
        parcels are made, against 56 MB as geometries. Threads making the same parcel make the
        same one."""
        todo = hits[~self._made[hits]]
        if len(todo):
            self._wgs84[todo] = shapely.to_wkb(shapely.set_precision(
                crsmod.transform_geometries(self.geoms[todo], self.crs, crsmod.WGS84), 1e-7))
            self._made[todo] = True
        return shapely.from_wkb(self._wgs84[hits])

    def statuses(self, fund: LandFund) -> dict[str, np.ndarray]:
        """Each status field of the land fund along the layer, as text (None for a parcel the
        land fund does not know); kept per land fund by
        :meth:`landgis.dataview.DataView.parcel_statuses`."""
        return align_statuses(fund, self.columns["parcel_id"])

    @property
    def nbytes(self) -> int:
        """About the memory the index holds (for the byte-bounded cache): 16 bytes a
        coordinate, twice (the geometries, their WGS 84 copies as made), and the columns."""
        from landgis.cache import estimate_bytes

        return (int(shapely.get_num_coordinates(self.geoms).sum()) * 32
                + sum(estimate_bytes(v) for v in self.columns.values()) + 200 * len(self.geoms))


def parcel_index(store, views=None) -> ParcelIndex:
    """The parcels of the store's current data version in memory, built once per version by
    ``views`` (default: the process's; :meth:`landgis.dataview.DataView.parcel_index`).

    Keyed by the tiled layers' :func:`landgis.tiles.data_version`, which moves when the parcels
    are rewritten but not when the ledger grows: a status edit costs no re-read of 100,000
    geometries (about 1.5 s). One build at a time; an index read while the layer changed
    answers its request uncached.
    """
    from landgis.dataview import views_of

    return views_of(views).current(store).parcel_index()

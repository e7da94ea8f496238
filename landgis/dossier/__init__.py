"""Auction lot dossiers (hồ sơ lô đất đấu giá): select a lot's parcels and write its files.

    from landgis.dossier import export_dossier
    export_dossier(store, "ho_so_BOY-01.zip", code="BOY-01", name="Lô dịch vụ cửa khẩu",
                   parcels=["23296-12-345", "12/346"], formats=["shp", "kml"])

One folder or zip holds:

==================  ============================================================================
``lot.geojson``     RFC 7946 (WGS 84 lon/lat via the pinned EPSG:6960, CCW outer rings, CW
                    holes, 7 decimals, ``bbox``, no ``crs``); one feature per parcel with its
                    ids, land use, plane / ellipsoidal / legal areas, statuses and zone; the
                    lot's code, name and totals in the FeatureCollection's foreign member
                    ``lot`` (not a feature, so GDAL and QGIS read only parcels)
``lot.gpkg``        the same parcels on EPSG:9216, layer ``lot``, for QGIS
``toa_do.csv``      the coordinate table: per parcel and ring, points numbered clockwise from
``toa_do.xlsx``     the north-west vertex, X = northing, Y = easting (m, 3 decimals), edge
                    lengths and the plane area (the workbook adds the lot's parcel table)
``ho_so.pdf``       A4: the lot's page (map with neighbours, parcels, totals, CRS statement,
                    date), then one page per parcel (sketch, vertex numbers, coordinates)
``manifest.json``   lot, parcel ids, how they were selected, the store's data version, time,
                    user, landgis version, and the SHA-256 of every other file
``lot_shp/``        on request (``shp``): the Shapefile (EPSG:9216, UTF-8)
``lot.kml``         on request (``kml``): WGS 84 via EPSG:6960
==================  ============================================================================

:func:`parcels_geojson` writes every parcel of a store as RFC 7946 GeoJSON (the fast path,
about 3 times faster than ``ogr2ogr -f GeoJSON -lco RFC7946=YES`` on 100,000 parcels).
"""

from landgis.dossier.export import (CORE_FILES, FORMATS, SHAPEFILE_DIR, Dossier, check_formats,
                                    export_dossier, write_files, zip_folder)
from landgis.dossier.geojson import parcels_geojson, to_rfc7946, write_geojson
from landgis.dossier.selection import (DossierError, Lot, LotTooLarge, UnknownParcelError,
                                       check_code, polygon_frame, select_lot)
from landgis.dossier.sheet import CRS_STATEMENT, FONT_DIR, check_fonts

__all__ = ["export_dossier", "select_lot", "write_files", "zip_folder", "parcels_geojson",
           "write_geojson", "to_rfc7946", "polygon_frame", "check_code", "check_formats",
           "check_fonts", "Dossier", "DossierError", "UnknownParcelError", "LotTooLarge", "Lot",
           "CORE_FILES", "FORMATS", "SHAPEFILE_DIR", "CRS_STATEMENT", "FONT_DIR"]

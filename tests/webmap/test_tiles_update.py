"""What a map user sees right after an import: the tiles over the imported sheet show the new
parcels at every zoom at once, the others come unchanged from the previous pyramid, and once the
new pyramid is installed every tile comes from it, the same bytes."""

from __future__ import annotations

import gzip
import sqlite3

import geopandas as gpd
import mapbox_vector_tile
import shapely

from landgis import crs as crsmod
from landgis import tiles
from tests.core.test_tiles_update import a_sheet_import, parcel, strip
from webmap import create_app

GZIP = {"Accept-Encoding": "gzip"}


def stored(directory) -> dict:
    """(z, x, y) -> gzip bytes of the parcels' tiles of a pyramid (XYZ rows)."""
    with sqlite3.connect(directory / "parcels.mbtiles") as con:
        return {(z, x, (1 << z) - 1 - row): bytes(data)
                for z, x, row, data in con.execute("SELECT * FROM tiles")}


def served(client, z, x, y):
    resp = client.get(f"/tiles/parcels/{z}/{x}/{y}.pbf", headers=GZIP)
    assert resp.status_code in (200, 204)
    return (resp.data or None), resp.headers["X-Tile-Source"]


def parcels_in(data) -> dict:
    if data is None:
        return {}
    (layer,) = mapbox_vector_tile.decode(gzip.decompress(data),
                                         default_options={"y_coord_down": True}).values()
    return {f["properties"]["parcel_id"]: f for f in layer["features"]}


def merc_tile(geom, z):
    lon, lat = crsmod.transformer(9216, 4326).transform(*geom.centroid.coords[0])
    x, y = crsmod.transformer(4326, 3857).transform(lon, lat)
    ((tx, ty),) = tiles.tiles_covering((x, y, x, y), z)
    return tx, ty


def test_an_imported_sheet_is_on_the_map_at_once_then_from_the_new_pyramid(store, tmp_path):
    store.write_layer("parcels", gpd.GeoDataFrame(
        [parcel(i, j, strip(i, j)) for i in range(60) for j in range(5)], crs=9216))
    instance = tmp_path / "instance"
    first = tiles.install_pyramid(store, instance / "tiles")  # yesterday's pyramid
    before = stored(first)
    app = create_app({"database_url": store.url, "instance_dir": str(instance),
                      "TESTING": True, "tiles_build": "off"})
    client = app.test_client()
    served(client, 14, *merc_tile(strip(22, 0), 14))  # the server has read the old version

    a_sheet_import(store)
    full = tmp_path / "full"
    tiles.build_pyramid(store, full)
    after = stored(full)
    sources = {}
    for (z, x, y) in sorted(before.keys() | after.keys()):
        data, source = served(client, z, x, y)
        assert data == after.get((z, x, y)), (z, x, y, source)  # the new tile, byte for byte
        sources[(z, x, y)] = source
    # over the sheet, at every zoom: encoded now; elsewhere: yesterday's pyramid, unchanged
    changed = {k for k in sources if before.get(k) != after.get(k)}
    assert {k[0] for k in changed} == {13, 14, 15, 16}
    assert all(sources[k] == "encoded" for k in changed)
    assert {sources[k] for k in sources.keys() - changed} == {"previous"}
    for z in range(13, 17):  # the moved parcel is drawn where the sheet puts it
        x, y = merc_tile(strip(22, 0, 37, 11), z)
        data, _ = served(client, z, x, y)
        feature = parcels_in(data)["23296-7-23"]
        minx, _, _, maxy = tiles.tile_bounds(z, x, y)
        unit = tiles.tile_unit_m(z)
        drawn = shapely.geometry.shape(feature["geometry"])
        drawn = crsmod.transform_geometries([shapely.transform(drawn, lambda c: c * [unit, -unit]
                                                               + [minx, maxy])],
                                            3857, crsmod.STORAGE_CRS)[0]
        assert shapely.hausdorff_distance(drawn, strip(22, 0, 37, 11)) < 2 * unit
        assert "23296-8-41" not in parcels_in(served(client, z, *merc_tile(strip(40, 1), z))[0])

    tiles.install_pyramid(store, instance / "tiles")  # what the child does meanwhile
    for (z, x, y) in sorted(after):
        data, source = served(client, z, x, y)
        assert (data, source) == (after[(z, x, y)], "pyramid")

"""QGIS 3.22 (headless) reads landgis's vector tiles as its users would add them: a vector tile
layer of the TileJSON's tile address, styled by /tiles/style.json. One QGIS process for all
the checks (starting QGIS costs seconds)."""

from __future__ import annotations

import gzip
import json
import urllib.request

import geopandas as gpd
import mapbox_vector_tile

from landgis import tiles
from tests.qgis_harness import DEMO_GPKG, demo_server, qgis  # noqa: F401 (fixtures)
from webmap.pagemap import LAND_USE_GROUPS

SNIPPET = """
import json, urllib.request
from qgis.PyQt.QtCore import QSize
from qgis.PyQt.QtGui import QColor

style_url = CASE['style_url']
style = json.load(urllib.request.urlopen(style_url))
result['layers'] = {}
for name, tj in CASE['tilejson'].items():
    source = (f"type=xyz&url={tj['tiles'][0]}&zmin={tj['minzoom']}&zmax={tj['maxzoom']}"
              f"&styleUrl={style_url}")
    layer = QgsVectorTileLayer(source, name)
    message, loaded = layer.loadDefaultStyle()
    names = [s.styleName() for s in layer.renderer().styles() if s.layerName() == name] \\
        if layer.renderer() else []
    result['layers'][name] = {'valid': layer.isValid(), 'style_loaded': loaded,
                              'message': message, 'styles': names}
    if name == 'parcels':
        parcels = layer

# one tile, read by QGIS's OGR provider (GDAL's MVT reader)
tile = QgsVectorLayer('/vsicurl/' + CASE['tile_url'], 'tile', 'ogr')
result['tile'] = {'valid': tile.isValid(), 'count': tile.featureCount(),
                  'fields': tile.fields().names(),
                  'ids': sorted(f['parcel_id'] for f in tile.getFeatures())}

# the parcels drawn by the vector tile layer in the style's colours, on white
x, y = CASE['point']
settings = QgsMapSettings()
settings.setLayers([parcels])
settings.setDestinationCrs(parcels.crs())
settings.setOutputSize(QSize(256, 256))
settings.setExtent(QgsRectangle(x - 100, y - 100, x + 100, y + 100))
settings.setBackgroundColor(QColor(255, 255, 255))
job = QgsMapRendererSequentialJob(settings)
job.start()
job.waitForFinished()
image = job.renderedImage()
centre = QColor(image.pixel(128, 128))
result['centre'] = [centre.red(), centre.green(), centre.blue()]
result['white'] = sum(image.pixel(i, j) & 0xffffff == 0xffffff
                      for i in range(0, 256, 4) for j in range(0, 256, 4)) / 64 ** 2
result['render_errors'] = [e.message for e in job.errors()]
"""


def _get_json(url: str) -> dict:
    with urllib.request.urlopen(url) as answer:
        return json.load(answer)


def _blend(colour: str, opacity: float) -> list[int]:
    """``colour`` drawn at ``opacity`` over white."""
    rgb = [int(colour[i:i + 2], 16) for i in (1, 3, 5)]
    return [round(c * opacity + 255 * (1 - opacity)) for c in rgb]


def test_qgis_adds_the_tiles_with_the_style_and_reads_and_draws_the_parcels(qgis, demo_server):
    base = demo_server.url
    style_url = f"{base}/tiles/style.json"
    style = _get_json(style_url)
    tilejson = {name: _get_json(src["url"]) for name, src in style["sources"].items()
                if src["type"] == "vector"}
    assert set(tilejson) == {"parcels", "zones", "zoning_plots"}

    # a parcel of the demo: a point inside it, on the web-mercator plane, and its tile at z16
    parcel = gpd.read_file(DEMO_GPKG, layer="parcels", rows=1).to_crs(3857).iloc[0]
    point = parcel.geometry.representative_point()
    ((tx, ty),) = tiles.tiles_covering((point.x, point.y, point.x, point.y), 16)
    tile_url = tilejson["parcels"]["tiles"][0].format(z=16, x=tx, y=ty)
    with urllib.request.urlopen(tile_url) as answer:  # what the server put in that tile
        data = answer.read()
    data = gzip.decompress(data) if data[:2] == b"\x1f\x8b" else data
    served = mapbox_vector_tile.decode(data)["parcels"]["features"]

    case = {"style_url": style_url, "tilejson": tilejson, "tile_url": tile_url,
            "point": [point.x, point.y]}
    result = qgis(f"CASE = json.loads({json.dumps(case)!r})\n" + SNIPPET)

    for name, layer in result["layers"].items():
        assert layer["valid"], name
        assert layer["style_loaded"], (name, layer["message"])
        # the legend QGIS shows: the style's entries for this layer, in its order
        assert layer["styles"] == [la["id"] for la in style["layers"]
                                   if la.get("source-layer") == name], name
    assert result["tile"]["valid"]
    assert result["tile"]["count"] == len(served) > 0
    assert set(tilejson["parcels"]["vector_layers"][0]["fields"]) <= set(result["tile"]["fields"])
    assert parcel["parcel_id"] in result["tile"]["ids"]
    assert result["render_errors"] == []
    assert result["white"] < 0.9  # parcels drawn, not a blank image
    parcel_fill = next(la for la in style["layers"] if la.get("source-layer") == "parcels")
    expected = _blend(LAND_USE_GROUPS[parcel["land_use_code"]],
                      parcel_fill["paint"]["fill-opacity"])
    assert all(abs(a - b) <= 3 for a, b in zip(result["centre"], expected)), \
        (result["centre"], expected, parcel["land_use_code"])

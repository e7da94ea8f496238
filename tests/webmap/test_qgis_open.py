"""The QGIS project opened by QGIS itself (headless, Debian's QGIS 3.22), served by a live app.

A project whose layers cannot reach the server still opens, so opening proves nothing: the test
checks that every layer is valid, that each vector layer counts features, and that a map of the
parcels' extent renders with the project's styles into an image that is not blank. One QGIS
process runs every check.
"""

from __future__ import annotations

import urllib.request

from landgis.contract import CLEARANCE_STATUS
from landgis.qgis_project import LABEL_SCALE
from tests.qgis_harness import demo_server, qgis  # noqa: F401 - fixtures
from webmap.pagemap import CLEARANCE_COLOURS

SNIPPET = """
import os
from qgis.PyQt.QtCore import QSize
from qgis.PyQt.QtGui import QColor
project = QgsProject.instance()
result["read"] = project.read(os.environ["QGZ"])
result["crs"] = project.crs().authid()
layers = {}
for layer in project.mapLayers().values():
    entry = {"valid": layer.isValid(), "provider": layer.providerType(),
             "vector": isinstance(layer, QgsVectorLayer)}
    if entry["vector"] and layer.isValid():
        entry["features"] = layer.featureCount()
        entry["renderer"] = layer.renderer().type()
    layers[layer.name()] = entry
result["layers"] = layers
parcels = [l for l in project.mapLayers().values()
           if isinstance(l, QgsVectorLayer) and "typename='parcels'" in l.source()][0]
# the styles as QGIS read them: the parcels' categories and their labels' scale
result["categories"] = {c.value(): c.symbol().color().name()
                        for c in parcels.renderer().categories() if c.value()}
labels = parcels.labeling().settings()
result["labels"] = [parcels.labelsEnabled(), labels.fieldName, labels.scaleVisibility,
                    labels.minimumScale]
if parcels.isValid():
    field = parcels.fields().indexOf("clearance_status")
    result["statuses"] = sorted(str(v) for v in parcels.uniqueValues(field)) if field >= 0 else []
    extent = QgsCoordinateTransform(parcels.crs(), project.crs(), project) \\
        .transformBoundingBox(parcels.extent())
    settings = QgsMapSettings()
    root = project.layerTreeRoot()
    settings.setLayers([l for l in root.layerOrder() if l.isValid()])
    settings.setDestinationCrs(project.crs())
    settings.setExtent(extent)
    settings.setOutputSize(QSize(400, 400))
    job = QgsMapRendererParallelJob(settings)
    job.start()
    job.waitForFinished()
    image = job.renderedImage()
    image.save(os.environ["PNG"])
    colours = {image.pixel(x, y) for x in range(0, 400, 4) for y in range(0, 400, 4)}
    result["colours"] = len(colours)
    # the basemap is grey: pixels of clear colour are the layers' own
    def vivid(pixel):
        c = QColor(pixel)
        return max(c.red(), c.green(), c.blue()) - min(c.red(), c.green(), c.blue()) > 60
    result["vivid"] = sum(vivid(image.pixel(x, y)) for x in range(0, 400, 2) for y in range(0, 400, 2))
"""


def test_qgis_opens_the_served_project_with_every_layer_live(qgis, demo_server, tmp_path):
    qgz, png = tmp_path / "landgis.qgz", tmp_path / "map.png"
    with urllib.request.urlopen(f"{demo_server.url}/qgis/landgis.qgz", timeout=60) as resp:
        qgz.write_bytes(resp.read())
    out = qgis(SNIPPET, env={"QGZ": str(qgz), "PNG": str(png)}, timeout=300)
    assert out["read"] is True
    assert out["crs"] == "EPSG:9216"
    layers = out["layers"]
    assert len(layers) == 6  # five OGC API collections and the basemap
    invalid = sorted(name for name, layer in layers.items() if not layer["valid"])
    assert invalid == [], f"layers QGIS cannot read: {invalid}"
    empty = sorted(name for name, layer in layers.items()
                   if layer["vector"] and not layer["features"] > 0)
    assert empty == [], f"layers without features: {empty}"
    assert layers["Thửa đất / Parcels"]["features"] == 6440
    assert layers["Thửa đất / Parcels"]["renderer"] == "categorizedSymbol"
    assert out["categories"] == CLEARANCE_COLOURS  # the web map's colours, status by status
    assert out["labels"] == [True, "parcel_no", True, LABEL_SCALE]
    assert {layer["provider"] for layer in layers.values()} == {"OAPIF", "wms"}
    # the parcels' status colours, the basemap's greys and the outlines: many colours
    assert out["colours"] > 20, out["colours"]
    assert out["vivid"] > 100, out["vivid"]  # the status colours and the zones' outlines
    assert png.stat().st_size > 5000
    # the parcels carry their status, in the vocabulary the project's categories are made of
    assert out["statuses"] and set(out["statuses"]) <= set(CLEARANCE_STATUS.codes)

"""GET /qgis/landgis.qgz and scripts/export_qgis_project.py: a QGIS project on this server.

Read back as a QGIS user's copy would be: the zip, the XML inside, its layers' datasources,
CRS and styles (the QGIS test, tests/webmap/test_qgis_open.py, opens it in QGIS itself).
"""

from __future__ import annotations

import io
import zipfile
from xml.etree import ElementTree as ET

import pytest

from landgis.contract import CLEARANCE_STATUS, PLAN_FUNCTION
from landgis.qgis_project import LABEL_SCALE, QGS_NAME
from landgis.vocabularies import SCHEDULE_STATE
from tests.scripts.conftest import run_script
from webmap.pagemap import CLEARANCE_COLOURS, FUNCTION_COLOURS
from webmap.pagemap_progress import SCHEDULE_COLOURS

COLLECTIONS = {"zones", "zoning_plots", "parcels", "projects", "investments"}


def read_qgz(data: bytes) -> ET.Element:
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        assert zf.namelist() == [QGS_NAME]
        return ET.fromstring(zf.read(QGS_NAME).decode("utf-8").split("\n", 1)[1])


def rgb(hex_colour: str) -> str:
    h = hex_colour.lstrip("#")
    return ",".join(str(int(h[i:i + 2], 16)) for i in (0, 2, 4))


def layers_of(root: ET.Element) -> dict:
    return {m.findtext("id"): m for m in root.iter("maplayer")}


def categories(layer: ET.Element) -> dict:
    """value -> fill colour (r,g,b) of a categorised layer."""
    renderer = layer.find("renderer-v2")
    symbols = {s.get("name"): s for s in renderer.find("symbols")}
    out = {}
    for cat in renderer.find("categories"):
        options = symbols[cat.get("symbol")].find("layer/Option")
        colour = {o.get("name"): o.get("value") for o in options}["color"]
        out[cat.get("value")] = colour.rsplit(",", 1)[0]
    return out


def check_project(root: ET.Element, base: str) -> None:
    assert root.find("projectCrs/spatialrefsys/authid").text == "EPSG:9216"
    layers = layers_of(root)
    oapif = {lid: m for lid, m in layers.items() if m.findtext("provider") == "OAPIF"}
    sources = {m.findtext("datasource") for m in oapif.values()}
    assert sources == {f"pagingEnabled='true' preferCoordinatesForWfsT11='false' "
                       f"restrictToRequestBBOX='1' typename='{c}' url='{base}/ogc'"
                       for c in COLLECTIONS}
    # every map layer is in the layer tree with the same source
    tree = {t.get("id"): t.get("source") for t in root.iter("layer-tree-layer")}
    assert tree == {lid: m.findtext("datasource") for lid, m in layers.items()}
    basemap = [m for m in layers.values() if m.get("type") == "raster"]
    assert len(basemap) == 1 and basemap[0].findtext("provider") == "wms"
    assert (f"type=xyz&url={base}/tiles/basemap/%7Bz%7D/%7Bx%7D/%7By%7D.png"
            in basemap[0].findtext("datasource"))

    parcels = next(m for m in oapif.values() if "typename='parcels'" in m.findtext("datasource"))
    assert parcels.find("renderer-v2").get("attr") == "clearance_status"
    got = categories(parcels)
    assert {k: v for k, v in got.items() if k} == {s: rgb(CLEARANCE_COLOURS[s])
                                                   for s in CLEARANCE_STATUS.codes}
    assert parcels.get("labelsEnabled") == "1"
    settings = parcels.find("labeling/settings")
    assert settings.find("text-style").get("fieldName") == "parcel_no"
    rendering = settings.find("rendering")
    assert rendering.get("scaleVisibility") == "1"
    assert float(rendering.get("scaleMax")) == LABEL_SCALE

    plots = next(m for m in oapif.values() if "typename='zoning_plots'" in m.findtext("datasource"))
    assert {k: v for k, v in categories(plots).items() if k} == {
        f: rgb(FUNCTION_COLOURS[f]) for f in PLAN_FUNCTION.codes}
    inv = next(m for m in oapif.values() if "typename='investments'" in m.findtext("datasource"))
    assert {k: v for k, v in categories(inv).items() if k} == {
        s: rgb(SCHEDULE_COLOURS[s]) for s in SCHEDULE_STATE.codes}


@pytest.mark.backends("gpkg")
def test_served_project_points_to_the_address_asked(client):
    resp = client.get("/qgis/landgis.qgz", base_url="http://gis.example.vn:8080")
    assert resp.status_code == 200
    assert resp.mimetype == "application/zip"
    assert "landgis.qgz" in resp.headers["Content-Disposition"]
    root = read_qgz(resp.data)
    check_project(root, "http://gis.example.vn:8080")
    # opens on the zones of the store, in metres on the VN-2000 plane
    box = [float(root.findtext(f"mapcanvas/extent/{k}")) for k in ("xmin", "ymin", "xmax",
                                                                    "ymax")]
    assert 100_000 < box[0] < box[2] < 900_000 and 1_000_000 < box[1] < box[3] < 2_500_000


@pytest.mark.backends("gpkg")
def test_api_key_goes_into_every_layer_url(client):
    resp = client.get("/qgis/landgis.qgz?api_key=s3cret")
    assert resp.headers["Cache-Control"] == "no-store"
    root = read_qgz(resp.data)
    for layer in root.iter("maplayer"):
        assert "api_key=s3cret" in layer.findtext("datasource")


@pytest.mark.backends("gpkg")
def test_script_writes_the_same_project(store, tmp_path):
    out = tmp_path / "p.qgz"
    done = run_script("export_qgis_project.py", "--db", store.url, "--url",
                      "http://10.0.0.5:5000/", "--out", out)
    assert done.returncode == 0, done.stderr
    check_project(read_qgz(out.read_bytes()), "http://10.0.0.5:5000")


@pytest.mark.backends("gpkg")
def test_script_refuses_an_address_that_is_not_a_server(store, tmp_path):
    out = tmp_path / "p.qgz"
    done = run_script("export_qgis_project.py", "--db", store.url, "--url", "gis.example.vn",
                      "--out", out)
    assert done.returncode != 0
    assert "gis.example.vn" in done.stderr and "http://host:port" in done.stderr
    assert not out.exists()

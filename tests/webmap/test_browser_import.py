"""Importing a survey on the map page, in a real browser (Debian's Chromium, Playwright).

An editor logs in, uploads a zipped Shapefile with no .prj (its name is HTML), is pointed at
the CRS field, picks the CRS and checks again without uploading again, sees the report's rows
and the problems on the map, clicks a row (the map goes there and highlights it), confirms,
and the new parcels are served. A screenshot is kept in ``test-artifacts/import.png``.
"""

from __future__ import annotations

import dataclasses
import time
from pathlib import Path

import pytest

from landgis.accounts import open_accounts
from landgis.raster import make_demo_hillshade
from tests.webmap import browser as br
from tests.webmap.test_auth_edit import PASSWORD
from tests.webmap.test_browser import ARTIFACTS, HOSTILE, chromium  # noqa: F401
from tests.webmap.test_layer_upload import sheet7

pytestmark = pytest.mark.backends("gpkg")  # the page, not the store, is under test here


@pytest.fixture
def server(app, store, zones_gdf, tmp_path):
    """The webmap conftest's app (tiles encoded in the request) with a small demo hillshade as
    its basemap and an editor, served by waitress."""
    basemap = make_demo_hillshade(tmp_path / "hillshade.tif", zones_gdf, resolution=50.0)
    app.config["LANDGIS"] = dataclasses.replace(app.config["LANDGIS"],
                                                basemap_raster=str(basemap))
    open_accounts(store.url, str(tmp_path / "instance")).create("lan", PASSWORD, "editor")
    with br.LiveServer(app) as live:
        yield live


def wait_until(page, script: str, what: str, errors, timeout_s: float = 15):
    deadline = time.monotonic() + timeout_s
    while not page.evaluate(script):
        uncaught = [e for e in errors if e.startswith("uncaught")]
        if uncaught or time.monotonic() > deadline:
            pytest.fail(f"{what}: " + "; ".join(uncaught or ["timed out"]))
        page.wait_for_timeout(100)


def test_an_editor_imports_a_survey_on_the_map(server, chromium, parcels_gdf, tmp_path):
    survey = sheet7(parcels_gdf, tmp_path / "src", prj=False).read_bytes()
    context = chromium.new_context(viewport=br.VIEWPORT, locale="vi-VN")
    context.set_default_timeout(15_000)
    w = br.watch(context)
    page = w.page
    page.goto(server.url + "/auth/login")
    page.fill("input[name=username]", "lan")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(server.url + "/")
    wait_until(page, "() => window.landgisReady === true && "
               "!!document.querySelector('#landgis-import')", "the import box", w.errors)

    page.click("#landgis-import summary")
    page.set_input_files("#landgis-import-file", files=[{
        "name": HOSTILE + ".zip", "mimeType": "application/zip", "buffer": survey}])
    page.click("#landgis-import-check")
    fix = page.locator(".landgis-import-fix")
    fix.wait_for()
    # the page names its own field; the file's name is shown as text, never run
    assert "«Hệ tọa độ»" in fix.inner_text()
    assert page.locator("label.landgis-need #landgis-import-crs").count() == 1
    error = page.locator("#landgis-import-error").inner_text()
    assert error.startswith(HOSTILE + ".zip: ") and "--crs" not in error
    assert page.evaluate("() => document.querySelectorAll('#landgis-import img').length") == 0
    assert "Đã tải lên: " + HOSTILE + ".zip" in page.locator("#landgis-import-uploaded").inner_text()
    assert page.locator("#landgis-import-confirm").is_disabled()

    # the same upload checked again with the CRS picked in the form
    page.select_option("#landgis-import-crs", "EPSG:9216")
    page.click("#landgis-import-check")
    rows = page.locator("#landgis-import-report tr.located")
    rows.first.wait_for()
    assert "DT pháp lý" not in rows.first.inner_text()  # the core's message, as it is
    assert "legal 12,000.0 m²" in rows.first.inner_text()
    assert page.locator("#landgis-import-confirm").is_enabled()
    assert page.evaluate("() => landgisLayerUpload.state.markers.getLayers().length") == \
        rows.count()

    # a click on a row takes the map there and highlights the place
    target = page.evaluate("() => landgisLayerUpload.state.answer.report.findings["
                           "+document.querySelector('#landgis-import-report tr.located')"
                           ".dataset.index]")
    before = page.evaluate("() => landgis.state.map.getCenter()")
    rows.first.click()
    after = page.evaluate("() => [landgis.state.map.getCenter(), landgis.state.map.getZoom()]")
    assert abs(after[0]["lat"] - target["lat"]) < 1e-6 and abs(after[0]["lng"] - target["lon"]) < 1e-6
    assert (before["lat"], before["lng"]) != (after[0]["lat"], after[0]["lng"]) and after[1] >= 18
    assert "landgis-import-selected" in rows.first.get_attribute("class")
    assert page.evaluate("() => landgisLayerUpload.state.markers.getLayers()"
                         ".filter((m) => m.getRadius() === 14).length") == 1
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(Path(ARTIFACTS) / "import.png"))

    # the panel in English keeps the report
    page.click("#landgis-lang")
    page.locator("#landgis-import-confirm").wait_for()
    assert page.locator("#landgis-import summary").inner_text() == "Import a survey"
    assert rows.count() >= 1
    page.click("#landgis-lang")

    page.locator("#landgis-import-confirm").click()
    page.locator("#landgis-import-result .landgis-ok").wait_for()
    assert "Đã ghi: 4 parcels" in page.locator("#landgis-import-result .landgis-ok").inner_text()
    assert page.locator("#landgis-import-report").is_hidden()
    served = page.evaluate("() => fetch('/api/parcels/23296-7-1').then((r) => r.json())")
    assert served["properties"]["sheet_no"] == 7
    assert served["properties"]["legal_area_m2"] == 12_000.0
    # the browser logs the first check's answer, 422, as a failed load: nothing else failed
    expected = [e for e in w.errors if "422" in e and e.endswith("/edit/layer/check)")]
    assert len(expected) == 1 and w.errors == expected
    assert w.dialogs == [] and w.outside == []
    context.close()

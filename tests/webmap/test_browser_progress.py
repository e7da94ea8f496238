"""The progress overlays in a real browser (Debian's headless Chromium, the app served by
waitress): a planner switches the investor projects on in the layer switch, sees them coloured
by schedule state as of the date chosen in the panel, opens one and reads its investor (a name
holding HTML, shown as text) and the article behind its flag."""

from __future__ import annotations

import pytest

from landgis.raster import make_demo_hillshade
from landgis.store.geopackage import GeoPackageStore
from tests import map_progress_data as data
from tests.webmap import browser as br
from tests.webmap.test_browser import ARTIFACTS, HOSTILE, chromium  # noqa: F401 - fixture
from webmap import create_app
from webmap.pagemap_progress import INVESTMENTS_NAME, SCHEDULE_COLOURS

#: the features the investors' layer drew, once it has drawn the date asked for
DRAWN = """(day) => {
    const layer = landgisProgress.state.layers.find((l) => l.options.kind === "investments");
    return layer && layer.data && layer.data.as_of === day && !layer.loading
        ? layer.data.features.map((f) => [f.id, f.properties.state, f.properties.anchor]) : null;
}"""


@pytest.fixture
def server(tmp_path, zones_gdf, parcels_gdf, events_df):
    store = GeoPackageStore(tmp_path / "progress.gpkg", create=True)
    data.build(store, zones_gdf, parcels_gdf, investor=HOSTILE, status_events=events_df)
    basemap = make_demo_hillshade(tmp_path / "hillshade.tif", zones_gdf, resolution=20.0)
    app = create_app({"database_url": str(store.path), "basemap_raster": str(basemap),
                      "instance_dir": str(tmp_path / "instance"), "tiles_build": "off"})
    with br.LiveServer(app) as live:
        yield live


def fill_colours(page) -> dict:
    return page.evaluate("""() => Object.fromEntries(Array.from(
        document.querySelectorAll("path.landgis-inv")).map((p) => [
            Array.from(p.classList).find((c) => c.startsWith("landgis-inv-")).slice(12),
            p.getAttribute("fill")]))""")


#: whether every progress layer (investors and public projects) has drawn the date asked for
ALL_DRAWN = """(day) => landgisProgress.state.layers.every(
    (l) => l.data && l.data.as_of === day && !l.loading)"""


def show_as_of(page, day: str) -> dict:
    page.fill("#landgis-progress-date", day)
    page.wait_for_function(ALL_DRAWN, arg=day)  # both layers: the projects' markers too
    page.wait_for_function(DRAWN, arg=day)
    return {i: (state, anchor) for i, state, anchor in page.evaluate(DRAWN, day)}


def test_investor_projects_coloured_by_state_with_their_popup(chromium, server):  # noqa: F811
    context = chromium.new_context(viewport=br.VIEWPORT, locale="vi-VN")
    context.set_default_timeout(15_000)
    w = br.watch(context)
    page = w.page
    try:
        page.goto(server.url + "/", wait_until="domcontentloaded")
        page.wait_for_function("() => window.landgisReady === true")
        assert page.locator("path.landgis-inv").count() == 0  # off until asked for
        page.locator(".leaflet-control-layers").hover()
        page.locator(".leaflet-control-layers-list label", has_text=INVESTMENTS_NAME) \
            .locator("input").check()

        drawn = show_as_of(page, "2019-12-31")
        assert {i: s for i, (s, _) in drawn.items()} == {"INV-A": "behind", "INV-B": "behind"}
        assert fill_colours(page) == {"behind": SCHEDULE_COLOURS["behind"]}
        # the public projects (on from the start) show the share of the year's plan disbursed
        marker = page.locator(".landgis-project[data-project='DA-T1']")
        assert marker.inner_text().split() == ["DA-T1", "33", "%"]
        marker.click()
        project = page.locator(".landgis-progress-popup").inner_text()
        assert "Nhà máy xử lý nước thải KCN thử" in project
        assert "Kế hoạch vốn năm 2019\t30,00 tỷ đ (ngân sách tỉnh)" in project
        assert "Tỷ lệ giải ngân kế hoạch năm\t33,3 %" in project
        assert "Mốc chậm\t1 (chậm 305 ngày)" in project
        assert "/api/projects/DA-T1/history" in page.locator(
            ".landgis-progress-popup a").get_attribute("href")
        page.click(".leaflet-popup-close-button")
        page.locator(".landgis-progress-popup").wait_for(state="detached")

        drawn = show_as_of(page, "2021-01-01")
        assert drawn["INV-A"][0] == "revocable"
        assert fill_colours(page) == {"revocable": SCHEDULE_COLOURS["revocable"],
                                      "behind": SCHEDULE_COLOURS["behind"]}
        legend = page.inner_text("#landgis-progress")
        assert "đủ điều kiện thu hồi (1)" in legend and "chậm tiến độ (1)" in legend
        assert "đúng tiến độ (0)" in legend and "đã thu hồi (0)" in legend

        lon, lat = drawn["INV-A"][1]
        x, y = page.evaluate(br.PAGE_POINT, [lat, lon])
        page.mouse.click(x, y)
        popup = page.locator(".landgis-progress-popup")
        popup.wait_for(state="visible")
        text = popup.inner_text()
        assert HOSTILE in text  # the investor's name, as text
        assert page.locator("img[src='x']").count() == 0 and w.dialogs == []
        assert "Luật Đất đai 2024, Điều 81 khoản 8" in popup.locator(  # the flag's article
            "[data-rule='revocable_unused']").inner_text()
        assert "đủ điều kiện thu hồi – chậm 945 ngày" in text
        assert "10/01/2017" in text and "50,00 tỷ đ" in text and "1,23 tỷ đ" in text
        page.wait_for_function("() => getComputedStyle(document.querySelector('.leaflet-popup'))"
                               ".opacity === '1'")
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "progress.png"))  # the layers and the popup
        link = popup.locator("a.landgis-progress-history")
        assert link.get_attribute("href") == "/api/investments/INV-A/history"
        assert page.locator(".landgis-popup").count() == 1  # no parcel popup beside it
        assert w.errors == [] and w.outside == []
    finally:
        context.close()

"""The web map in a real browser: Debian's headless Chromium driven by Playwright, against the
app served by waitress over a small GeoPackage built from the demo generator.

Each test checks what a planner would notice: the page works with no internet, parcels appear
and answer a click, search finds a parcel, a drawn polygon shows its area, the pointer shows
VN-2000 coordinates, the panel speaks English on request, and text from the data cannot run as
script. A screenshot of the map is kept in ``test-artifacts/map.png``.
"""

from __future__ import annotations

import json
import re
import time
import urllib.request
from dataclasses import dataclass
from importlib.util import find_spec
from pathlib import Path

import numpy as np
import pytest
import shapely
import shapely.geometry

from landgis import crs as crsmod
from landgis.contract import CLEARANCE_STATUS
from landgis.demo import build_demo_layers
from landgis.ledger import current_status
from landgis.raster import make_demo_hillshade
from landgis.store.geopackage import GeoPackageStore
from tests.conftest import need
from tests.webmap import browser as br
from webmap import create_app
from webmap.pagemap import AUCTION_COLOURS, CLEARANCE_COLOURS

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"
HOSTILE = "<img src=x onerror=alert(1)>"
LAYERS = ("Thửa đất / Parcels", "Lô quy hoạch / Zoning plots",
          "Khu công nghiệp / Industrial parks", "Khu kinh tế / Economic zone",
          "Cụm công nghiệp / Industrial clusters", "Dự án đầu tư công / Public projects",
          "Dự án nhà đầu tư / Investor projects", "Nền địa hình (minh họa) / Hillshade")


@dataclass(frozen=True)
class Parcel:
    """A parcel of the test data as the tests expect to see it."""

    parcel_id: str
    sheet_no: int
    parcel_no: int
    lat: float
    lon: float
    x: float  # its centroid on the plane (EPSG:9216)
    y: float
    plane_area_m2: float
    clearance_vi: str
    clearance: str  # its code


def _pick(parcels, status, unique, exclude=()):
    """A parcel whose sheet/parcel pair is unique, whose centroid lies well inside it and that
    has a clearance status other than the default: a safe point to click and search for."""
    areas = shapely.area(parcels.geometry.values)
    for i in np.argsort(-areas):  # the largest first: easiest to hit
        row = parcels.iloc[i]
        geom = row.geometry
        c = geom.centroid
        if (row.parcel_id in exclude or not unique[(row.sheet_no, row.parcel_no)]
                or geom.exterior.distance(c) < 10 or not geom.contains(c)
                or status.loc[row.parcel_id, "clearance_status"] == "not_started"):
            continue
        lon, lat = crsmod.transformer(9216, 4326).transform(c.x, c.y)
        code = status.loc[row.parcel_id, "clearance_status"]
        return Parcel(row.parcel_id, int(row.sheet_no), int(row.parcel_no), lat, lon, c.x, c.y,
                      float(areas[i]), CLEARANCE_STATUS.label(code), code)
    raise AssertionError("no parcel fits")


@dataclass(frozen=True)
class WebData:
    path: Path
    basemap: Path
    known: Parcel
    hostile: Parcel
    unstated: Parcel  # its survey states neither land use nor legal area


@pytest.fixture(scope="module")
def web_data(tmp_path_factory) -> WebData:
    """The demo generator's layers (not the embedded demo file) in a temporary GeoPackage, one
    parcel renamed to a commune called ``<img src=x onerror=alert(1)>``, and a coarse demo
    hillshade as the basemap."""
    layers = build_demo_layers()
    parcels = layers["parcels"]
    status = current_status(layers["status_events"], parcels["parcel_id"])
    unique = parcels.groupby(["sheet_no", "parcel_no"])["parcel_id"].transform("size").eq(1)
    unique = dict(zip(zip(parcels.sheet_no, parcels.parcel_no), unique))
    known = _pick(parcels, status, unique)
    hostile = _pick(parcels, status, unique, exclude={known.parcel_id})
    parcels.loc[parcels.parcel_id == hostile.parcel_id, "commune_name"] = HOSTILE
    unstated = _pick(parcels, status, unique, exclude={known.parcel_id, hostile.parcel_id})
    parcels.loc[parcels.parcel_id == unstated.parcel_id,
                ["land_use_code", "legal_area_m2"]] = ["not_stated", np.nan]
    folder = tmp_path_factory.mktemp("browser")
    store = GeoPackageStore(folder / "webmap.gpkg", create=True)
    for name in ("zones", "zoning_plots", "plan_targets", "projects", "status_events",
                 "parcels"):
        store.write_layer(name, layers[name])
    basemap = make_demo_hillshade(folder / "hillshade.tif", layers["zones"], resolution=100.0)
    return WebData(store.path, basemap, known, hostile, unstated)


@pytest.fixture(scope="module")
def server(web_data, tmp_path_factory):
    app = create_app({"database_url": str(web_data.path),
                      "basemap_raster": str(web_data.basemap),
                      "instance_dir": str(tmp_path_factory.mktemp("instance"))})
    with br.LiveServer(app) as live:
        yield live


@pytest.fixture(scope="module")
def chromium():
    need(find_spec("playwright") is not None,
         "Playwright for Python is missing: pip install -e '.[test]'")
    executable = br.chromium_path()
    need(executable is not None, "Chromium is missing: apt-get install chromium (make test)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = br.launch(p, executable)
        yield browser
        browser.close()


@pytest.fixture
def opened(server, chromium):
    """The map page opened in a fresh browser context (no stored language, no cache)."""
    context = chromium.new_context(viewport=br.VIEWPORT, locale="vi-VN")
    context.set_default_timeout(15_000)
    w = br.watch(context)
    w.page.goto(server.url + "/", wait_until="domcontentloaded")
    yield w
    context.close()


@pytest.fixture
def web(opened):
    """The map page once its own script has started and the map has stopped its opening
    zoom animation (fails at once on a script error)."""
    deadline = time.monotonic() + 15
    while not opened.page.evaluate("() => window.landgisReady === true && "
                                   "!landgis.state.map._animatingZoom"):
        uncaught = [e for e in opened.errors if e.startswith("uncaught")]
        if uncaught or time.monotonic() > deadline:
            pytest.fail("the map page's script did not start: "
                        + "; ".join(uncaught or ["no landgis.init after 15 s"]))
        opened.page.wait_for_timeout(100)
    return opened


def zoom_to(page, parcel: Parcel, zoom: int = 17) -> None:
    """Centre the map on a parcel and wait until its tiles are drawn."""
    got = page.evaluate(br.SET_VIEW_AND_WAIT, [parcel.lat, parcel.lon, zoom])
    assert got == zoom


def click_on(web, parcel: Parcel) -> str:
    """Click a parcel as a planner would; the text of the popup it opens."""
    page = web.page
    x, y = page.evaluate(br.PAGE_POINT, [parcel.lat, parcel.lon])
    page.mouse.click(x, y)
    popup = page.locator(".landgis-popup")
    try:
        popup.wait_for(state="visible", timeout=8_000)
    except Exception:  # say what the click met instead
        top = page.evaluate("([x, y]) => document.elementsFromPoint(x, y).slice(0, 3).map("
                            "(e) => e.tagName + ' ' + (e.getAttribute('class') || ''))", [x, y])
        pytest.fail(f"no popup after a click on parcel {parcel.parcel_id} at zoom "
                    f"{page.evaluate('() => landgis.state.map.getZoom()')}; under the pointer: "
                    f"{top}; page errors: {web.errors}")
    return popup.inner_text()


def popup_text(page) -> str:
    popup = page.locator(".landgis-popup")
    popup.wait_for(state="visible")
    return popup.inner_text()


def test_page_loads_offline_with_no_errors(opened):
    page = opened.page
    page.wait_for_load_state("networkidle")
    assert opened.errors == []
    assert opened.requests, "no request recorded"
    assert opened.outside == [], "requests left the server"
    assert page.evaluate("() => window.landgisReady") is True
    assert page.evaluate("() => Object.keys(window).some(k => k.startsWith('map_') && "
                         "window[k] === landgis.state.map)")


def test_layer_control_lists_the_layers(web):
    page = web.page
    page.locator(".leaflet-control-layers").hover()
    names = page.locator(".leaflet-control-layers-list label").all_inner_texts()
    names = [" ".join(n.split()) for n in names]
    for name in LAYERS:
        assert name in names, (name, names)
    assert page.locator(".leaflet-control-layers-list label", has_text="Thửa đất / Parcels") \
        .locator("input").is_checked()


def test_parcels_are_drawn_and_a_click_opens_the_parcel(web, web_data):
    page, known = web.page, web_data.known
    with page.expect_response(lambda r: "/tiles/parcels/" in r.url) as tile:
        zoom_to(page, known)
    assert tile.value.status == 200
    assert page.evaluate("landgis.state.snap !== null")  # today's statuses came with the page
    assert page.evaluate("landgis.state.parcels.getContainer().querySelectorAll('canvas')"
                         ".length") > 0
    # the tile under the parcel is painted there in the colour of its clearance status
    assert page.evaluate(br.PAINTED_AT, [known.lat, known.lon])
    assert_colour_at(page, known, CLEARANCE_COLOURS[known.clearance])
    ARTIFACTS.mkdir(exist_ok=True)
    shot = ARTIFACTS / "map.png"
    page.screenshot(path=str(shot))  # the parcels, coloured by clearance status

    text = click_on(web, known)
    assert known.parcel_id in text
    assert br.vi_number(known.plane_area_m2, 1) + " m²" in text
    assert known.clearance_vi in text
    page.wait_for_function("() => getComputedStyle(document.querySelector('.leaflet-popup'))"
                           ".opacity === '1'")  # the popup has faded in
    page.screenshot(path=str(shot))  # … with the parcel's popup
    assert shot.stat().st_size > 10_000
    assert web.errors == [] and web.outside == []


def assert_colour_at(page, parcel: Parcel, colour: str) -> None:
    pixel = page.evaluate(br.PIXEL_AT, [parcel.lat, parcel.lon])
    assert pixel is not None, f"nothing is drawn at parcel {parcel.parcel_id}"
    r, g, b, a = pixel
    want = tuple(int(colour[i:i + 2], 16) for i in (1, 3, 5))
    assert a == pytest.approx(0.65 * 255, abs=3), (r, g, b, a)  # the fill's opacity
    assert max(abs(r - want[0]), abs(g - want[1]), abs(b - want[2])) <= 3, ((r, g, b), colour)


def test_legend_filter_hides_a_status_and_the_auction_mode_recolours(web, web_data):
    page, known = web.page, web_data.known
    zoom_to(page, known)
    box = page.locator(f"#landgis-legend input[data-status='{known.clearance}']")
    box.uncheck()
    assert not page.evaluate(br.PAINTED_AT, [known.lat, known.lon])  # hidden, not white
    assert page.evaluate("(p) => landgis.state.parcels.featureAt(p)",
                         {"lat": known.lat, "lng": known.lon}) is None  # nor clickable
    box.check()
    assert_colour_at(page, known, CLEARANCE_COLOURS[known.clearance])
    page.check("#mode-auction_status")
    code = page.evaluate("(p) => landgis.statusOf('auction_status', "
                         "landgis.state.parcels.featureAt(p))", {"lat": known.lat, "lng": known.lon})
    assert code in AUCTION_COLOURS
    assert_colour_at(page, known, AUCTION_COLOURS[code])


def test_search_by_sheet_and_parcel_zooms_to_it(web, web_data):
    page, known = web.page, web_data.known
    page.fill("#landgis-search", f"tờ {known.sheet_no} thửa {known.parcel_no}")
    page.press("#landgis-search", "Enter")
    text = popup_text(page)
    assert known.parcel_id in text
    # the map may still be moving when the popup opens (a slow machine): wait for it to settle
    page.wait_for_function("landgis.state.map.getZoom() >= 16", timeout=10_000)
    centre = page.evaluate("(() => { const c = landgis.state.map.getCenter(); "
                           "return [c.lat, c.lng]; })()")
    assert shapely.Point(crsmod.transformer(4326, 9216).transform(centre[1], centre[0])) \
        .distance(shapely.Point(known.x, known.y)) < 100
    assert page.locator("#landgis-results li").all_inner_texts()[0].startswith(
        f"Tờ {known.sheet_no} thửa {known.parcel_no}")


def test_drawn_polygon_shows_its_area_and_the_parcels_it_touches(web, web_data, server):
    page, known = web.page, web_data.known
    zoom_to(page, known)
    square = shapely.box(known.x - 45, known.y - 45, known.x + 45, known.y + 45)
    to_ll = crsmod.transformer(9216, 4326)
    latlngs = [[lat, lon] for lon, lat in
               (to_ll.transform(x, y) for x, y in square.exterior.coords[:-1])]
    geometry = page.evaluate(br.DRAW_POLYGON, latlngs)
    page.locator(".landgis-area h4").wait_for(state="visible")
    rows = dict(page.evaluate(br.TABLE_ROWS, ".landgis-area"))

    request = urllib.request.Request(server.url + "/api/area", json.dumps(geometry).encode(),
                                     {"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=10) as resp:
        answer = json.load(resp)
    assert answer["parcel_count"] >= 3
    assert rows["Số thửa chạm"] == br.vi_number(answer["parcel_count"], 0)
    plane = rows["DT mặt phẳng VN-2000"]
    assert plane.startswith(br.vi_number(answer["plane_area_m2"], 1) + " m²")
    # the area shown is that of the polygon sent, on the VN-2000 plane (pyproj + shapely) …
    sent = shapely.transform(shapely.geometry.shape(geometry),
                             crsmod.transformer(4326, 9216).transform, interleaved=False)
    assert br.parse_vi_number(plane.split(" m²")[0]) == pytest.approx(sent.area, abs=0.05)
    # … which is the 90 m × 90 m square drawn: the page sends full precision, not Leaflet's
    # default six decimals (which would lose about 1 m² here)
    assert sent.area == pytest.approx(8100, abs=0.05)


def test_pointer_position_shows_vn2000(web, web_data):
    page, known = web.page, web_data.known
    page.evaluate("([lat, lon]) => { landgis.state.map.setView([lat, lon], 16, "
                  "{animate: false}); }", [known.lat, known.lon])
    page.evaluate("() => { landgis.state.map.on('mousemove', (e) => "
                  "{ window.lastPointer = [e.latlng.lat, e.latlng.lng]; }); }")
    x, y = page.evaluate(br.PAGE_POINT, [known.lat, known.lon])
    page.mouse.move(x + 37, y - 23)
    page.wait_for_function(
        "() => document.getElementById('landgis-position').textContent !== ''")
    text = page.inner_text("#landgis-position")
    m = re.search(r"([\d.,]+)° N, ([\d.,]+)° E .*X ([\d.,]+) m, Y ([\d.,]+) m", text)
    assert m, text
    lat, lon, x_shown, y_shown = (br.parse_vi_number(g) for g in m.groups())
    exact = page.evaluate("window.lastPointer")
    # the latitude and longitude shown are the pointer's, to the 6 decimals written …
    assert (lat, lon) == (round(exact[0], 6), round(exact[1], 6))
    # … and X (northing), Y (easting) are the pinned VN-2000 transformation of that point
    easting, northing = crsmod.transformer(4326, 9216).transform(exact[1], exact[0])
    assert x_shown == pytest.approx(northing, abs=0.01)
    assert y_shown == pytest.approx(easting, abs=0.01)
    # a pixel is about 2 m at zoom 16: the point is near the parcel, not anywhere on the map
    assert abs(northing - known.y) < 200 and abs(easting - known.x) < 200


def test_language_switch_turns_the_panel_to_english(web):
    page = web.page
    panel = page.locator("#landgis-panel-box")
    assert "Tô màu thửa đất theo" in panel.inner_text()
    page.click("#landgis-lang")
    text = panel.inner_text()
    assert "Colour parcels by" in text and "Site clearance" in text
    assert "Tô màu thửa đất theo" not in text
    assert page.get_attribute("#landgis-search", "placeholder").startswith("Find:")
    assert page.inner_text("#landgis-lang") == "Tiếng Việt"
    assert page.evaluate("document.documentElement.lang") == "en"


def test_hostile_commune_name_is_shown_as_text(web, web_data):
    page, hostile = web.page, web_data.hostile
    page.fill("#landgis-search", hostile.parcel_id)
    page.press("#landgis-search", "Enter")
    text = popup_text(page)
    assert hostile.parcel_id in text
    assert HOSTILE in text
    assert HOSTILE in page.inner_text("#landgis-results")
    assert page.locator("img[src='x']").count() == 0
    assert web.dialogs == []
    assert web.errors == []


def test_land_use_and_legal_area_not_stated_read_as_such(web, web_data):
    page, unstated = web.page, web_data.unstated
    page.fill("#landgis-search", unstated.parcel_id)
    page.press("#landgis-search", "Enter")
    text = popup_text(page)
    assert unstated.parcel_id in text
    assert re.search(r"Loại đất\s+chưa xác định", text)
    assert re.search(r"DT pháp lý\s+chưa xác định", text)
    assert "not_stated" not in text and "NaN" not in text
    page.check("#mode-land_use_code")
    legend = page.inner_text("#landgis-legend")
    assert "chưa xác định" in legend and "not_stated" not in legend
    assert "CLN" in legend  # national codes are listed by code
    assert web.errors == []


def test_page_decodes_tiles_as_a_reference_decoder_does(web, web_data, server):
    """The page's own MVT decoder (mvt.js) against mapbox-vector-tile's, on the tile under the
    known parcel at zooms 14 and 16: the same features, properties and rings, vertex for
    vertex."""
    import gzip

    import mapbox_vector_tile

    lon, lat = web_data.known.lon, web_data.known.lat
    for z in (14, 16):
        x, y = crsmod.transformer(4326, 3857).transform(lon, lat)
        n, half = 1 << z, 20037508.342789244
        tx, ty = int((x + half) / (2 * half) * n), int((half - y) / (2 * half) * n)
        with urllib.request.urlopen(f"{server.url}/tiles/parcels/{z}/{tx}/{ty}.pbf",
                                    timeout=30) as resp:
            data = resp.read()
            if resp.headers.get("Content-Encoding") == "gzip":
                data = gzip.decompress(data)
        (ref,) = mapbox_vector_tile.decode(
            data, default_options={"y_coord_down": True, "geojson": False}).values()
        ours = web.page.evaluate("""async ([z, x, y]) => {
            const r = await fetch(`/tiles/parcels/${z}/${x}/${y}.pbf`);
            const layer = landgisMVT.attach(
                landgisMVT.decodeTile(new Uint8Array(await r.arrayBuffer())).parcels);
            const out = [];
            for (let i = 0; i < layer.count; i++) {
                const rings = [];
                for (let q = layer.first[i]; q < layer.first[i + 1]; q++) {
                    rings.push(Array.from(layer.xy.subarray(layer.rings[q], layer.rings[q + 1])));
                }
                out.push({props: layer.props(i), id: layer.parcelId(i), k: layer.k[i], rings});
            }
            return out; }""", [z, tx, ty])
        assert len(ours) == len(ref["features"]) > 0
        for mine, theirs in zip(ours, ref["features"]):
            assert mine["props"] == theirs["properties"]
            assert mine["id"] == theirs["properties"]["parcel_id"]
            assert mine["k"] == theirs["properties"]["k"]
            geometry = theirs["geometry"]
            polygons = (geometry["coordinates"] if geometry["type"] == "MultiPolygon"
                        else [geometry["coordinates"]])
            expected = [[v for point in ring for v in point]
                        for polygon in polygons for ring in polygon]
            assert [open_ring(r) for r in mine["rings"]] == [open_ring(r) for r in expected], \
                mine["id"]


def open_ring(flat: list) -> list:
    """A ring's x, y pairs without a last vertex that repeats the first (drawn closed anyway;
    encoders differ on whether they repeat it before MVT's ClosePath)."""
    return flat[:-2] if len(flat) > 2 and flat[-2:] == flat[:2] else flat

"""The dashboard in a real browser (Debian's Chromium, Playwright): the cards and the charts
drawn, with nothing asked of another server and no console error; the date slider replays
the ledger; a chart's table of the same numbers; English on the switch; a bar clicked opens
the map filtered on its zone and status. A screenshot is kept in
``test-artifacts/dashboard.png``."""

from __future__ import annotations

import pytest

from tests.progress_web_data import seed
from tests.webmap import browser as br
from tests.webmap.test_browser import ARTIFACTS, chromium  # noqa: F401

pytestmark = pytest.mark.backends("gpkg")  # the page, not the store, is under test here

READY = "() => window.landgisDashboard && landgisDashboard.state.ready && " \
        "!document.getElementById('dashboard').hasAttribute('aria-busy')"

#: the first bar of a chart that opens the map, with a value: where to click, and the link
LINKED_BAR = """() => {
    for (const fig of document.querySelectorAll("figure.db-chart")) {
        const chart = Chart.getChart(fig.querySelector("canvas"));
        const spec = landgisDashboard.state.answer.report.sections.flatMap((s) => s.charts)
            .find((c) => c.name === fig.dataset.chart);
        if (!spec.link.zone && !spec.link.field) { continue; }
        for (let d = 0; d < spec.datasets.length; d++) {
            const data = spec.datasets[d].data;
            for (let i = 0; i < data.length; i++) {
                if (!data[i] || (spec.link.zone && !spec.labels[i])) { continue; }
                const bar = chart.getDatasetMeta(d).data[i], box = chart.canvas.getBoundingClientRect();
                const p = bar.getCenterPoint();
                return {x: box.left + p.x, y: box.top + p.y, zone: spec.link.zone ? spec.labels[i] : null,
                        field: spec.link.field, status: spec.link.field ? spec.datasets[d].key : null};
            }
        }
    }
    return null;
}"""


@pytest.fixture
def server(app, store, zones_gdf):
    seed(store, zones_gdf)
    with br.LiveServer(app) as live:
        yield live


def test_the_dashboard_replays_the_ledger_and_opens_the_map(server, chromium):
    context = chromium.new_context(viewport=br.VIEWPORT, locale="vi-VN")
    context.set_default_timeout(20_000)
    w = br.watch(context)
    page = w.page
    page.goto(server.url + "/dashboard?as_of=31/12/2016")
    page.wait_for_function(READY)
    assert page.locator(".db-card").count() >= 4
    assert page.locator("figure.db-chart canvas").count() >= 3
    drawn = page.eval_on_selector_all(
        "figure.db-chart canvas", "(cs) => cs.map((c) => !!Chart.getChart(c) && c.width > 0)")
    assert drawn and all(drawn)
    assert page.locator("html").get_attribute("lang") == "vi"
    before = page.locator("#db-cards").inner_text() + page.locator("#db-sections").inner_text()

    # the slider to its last stop (today): the ledger replayed to its end
    last = page.eval_on_selector("#db-slider", "(s) => s.max")
    page.eval_on_selector("#db-slider", """(s, v) => { s.value = v;
        s.dispatchEvent(new Event("input", {bubbles: true})); }""", last)
    page.wait_for_function("() => landgisDashboard.state.answer && "
                           "landgisDashboard.state.answer.as_of === landgisDashboard.state.asOf")
    page.wait_for_function(READY)
    after = page.locator("#db-cards").inner_text() + page.locator("#db-sections").inner_text()
    assert after != before
    assert page.locator("#db-asof").inner_text() != "31/12/2016"

    # a chart's text alternative: a table with the same numbers as the chart's data
    fig = page.locator("figure.db-chart").first
    table = fig.locator("table")
    assert "visually-hidden" in table.get_attribute("class")
    assert fig.locator("canvas").get_attribute("role") == "img"
    assert fig.locator("canvas").get_attribute("aria-label")
    fig.locator("button.db-toggle").click()
    assert table.is_visible() and fig.locator("button.db-toggle").get_attribute(
        "aria-expanded") == "true"
    name = fig.get_attribute("data-chart")
    spec = page.evaluate("""(name) => landgisDashboard.state.answer.report.sections
        .flatMap((s) => s.charts).find((c) => c.name === name)""", name)
    rows = table.locator("tbody tr")
    assert rows.count() == len(spec["labels"])
    first = rows.first.locator("td").all_inner_texts()
    label = spec["labels"][0]
    if spec["category_unit"] == "date":  # day first, as every date the page shows
        label = "/".join(reversed(label.split("-")))
    assert first[0] == label
    value = spec["datasets"][0]["data"][0]
    if isinstance(value, (int, float)):
        decimals = 2 if spec["unit"] in ("ha", "pct") else 0
        assert br.parse_vi_number(first[1]) == pytest.approx(value, abs=10 ** -decimals)
    page.screenshot(path=str(ARTIFACTS / "dashboard.png"), full_page=True)

    # English on the switch: the same cards, labelled in English
    vi_title = page.locator("#db-title").inner_text()
    page.click("#db-lang")
    page.wait_for_function("() => landgisDashboard.state.answer.lang === 'en'")
    page.wait_for_function(READY)
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.locator("#db-title").inner_text() == "Review dashboard" != vi_title
    assert "lang=en" in page.locator("#db-download [data-format=pdf]").get_attribute("href")
    page.click("#db-lang")  # back to Vietnamese for the map
    page.wait_for_function("() => landgisDashboard.state.answer.lang === 'vi'")
    page.wait_for_function(READY)

    # a bar clicked: the map, on its zone and status
    bar = page.evaluate(LINKED_BAR)
    assert bar, "no chart opens the map"
    page.mouse.click(bar["x"], bar["y"])
    page.wait_for_url(lambda url: "/dashboard" not in url)
    page.wait_for_function("() => window.landgisFilter")
    applied = page.evaluate("() => window.landgisFilter")
    assert applied["zone"] == bar["zone"] and applied["status"] == bar["status"]
    if bar["zone"]:
        assert applied["zoneFound"]
    if bar["status"]:
        ticked = page.eval_on_selector_all(
            "#landgis-legend input[data-status]",
            "(bs) => bs.filter((b) => b.checked).map((b) => b.dataset.status)")
        assert ticked == [bar["status"]]
        assert page.locator(f"#mode-{bar['field']}").is_checked()
    assert page.locator("#landgis-filter").is_visible()

    assert w.outside == [], w.outside
    assert w.errors == [], w.errors
    context.close()

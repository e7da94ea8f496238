"""The progress page in a real browser (Debian's Chromium, Playwright): an editor logs in,
fills a disbursement, previews it, saves it and sees it in the projects table; a second
event made stale by another editor meanwhile answers 409, keeps the form, and goes through
after a reload of the subject. Names from the data are HTML and never run. A screenshot is
kept in ``test-artifacts/progress-page.png``."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from landgis.accounts import open_accounts
from landgis.progress import record_progress
from tests.progress_web_data import seed
from tests.webmap import browser as br
from tests.webmap.test_auth_edit import PASSWORD
from tests.webmap.test_browser import ARTIFACTS, chromium  # noqa: F401

pytestmark = pytest.mark.backends("gpkg")  # the page, not the store, is under test here


@pytest.fixture
def server(app, store, zones_gdf, tmp_path):
    seed(store, zones_gdf)
    open_accounts(store.url, str(tmp_path / "instance")).create("lan", PASSWORD, "editor")
    with br.LiveServer(app) as live:
        yield live


def test_an_editor_records_a_disbursement(server, chromium, store):
    context = chromium.new_context(viewport=br.VIEWPORT, locale="vi-VN")
    context.set_default_timeout(15_000)
    w = br.watch(context)
    page = w.page
    page.goto(server.url + "/auth/login?next=/progress")
    page.fill("input[name=username]", "lan")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(server.url + "/progress")
    page.wait_for_function("() => window.landgisProgress && window.landgisProgress.ready")
    total = "#progress-projects tr[data-code='DA-T1'] .disbursed-total"
    assert page.locator(total).inner_text() == "15.000.000.000"
    assert page.locator("#progress-investments td.investor").first.inner_text() == \
        "<img src=x onerror=alert(1)>"

    page.select_option("#pf-subject", "project:DA-T1")
    kinds = page.eval_on_selector_all("#pf-kind option", "(os) => os.map((o) => o.value)")
    assert "disbursement" in kinds and "payment" not in kinds and "extension" not in kinds
    page.select_option("#pf-kind", "disbursement")
    assert page.locator("label[data-field=amount]").is_visible()
    assert page.locator("label[data-field=over_plan]").is_visible()
    assert page.locator("label[data-field=milestone]").is_hidden()
    assert page.locator("label[data-field=result]").is_hidden()
    page.fill("input[name=date]", "15/10/2019")
    page.fill("input[name=amount]", "1,2 tỷ")
    page.fill("input[name=document_no]", "UNC 7/2019")
    page.fill("input[name=document_date]", "15/10/2019")
    assert page.locator("#pf-save").is_disabled()  # preview first

    before = len(store.read_table("progress_events"))
    page.click("#pf-preview")
    page.locator("#pf-preview-events").wait_for()
    shown = page.locator("#pf-preview-events").inner_text()
    assert "1.200.000.000 đồng" in shown and "15/10/2019" in shown and "UNC 7/2019" in shown
    assert len(store.read_table("progress_events")) == before  # a preview writes nothing
    assert page.locator("#pf-save").is_enabled()
    page.click("#pf-save")
    page.locator("#progress-recorded").wait_for()
    assert "giải ngân" in page.locator("#progress-recorded").inner_text()
    assert page.locator(total).inner_text() == "16.200.000.000"
    assert len(store.read_table("progress_events")) == before + 1

    # another editor records an event of DA-T1 while this form is open: 409, form kept
    page.select_option("#pf-subject", "project:DA-T1")
    page.select_option("#pf-kind", "disbursement")
    page.fill("input[name=date]", "16/10/2019")
    page.fill("input[name=amount]", "850 triệu")
    page.fill("input[name=document_no]", "UNC 8/2019")
    page.fill("input[name=document_date]", "16/10/2019")
    record_progress(store, pd.DataFrame([{
        "subject_kind": "project", "subject_id": "DA-T1", "kind": "progress_report",
        "effective_date": "2019-10-16", "document_no": "BC 1"}]), user="hoa")
    page.click("#pf-preview")
    page.locator("#pf-conflict").wait_for()
    assert "reload" in page.locator("#pf-conflict").inner_text()
    assert page.input_value("input[name=amount]") == "850 triệu"  # the form is kept
    page.click("#pf-reload")
    page.locator("#pf-latest").wait_for()
    assert "hoa" in page.locator("#pf-latest").inner_text()
    page.click("#pf-preview")
    page.locator("#pf-preview-events").wait_for()
    page.click("#pf-save")
    page.wait_for_function("() => /recorded=/.test(location.search) && "
                           "document.querySelector('#progress-recorded') && "
                           "document.querySelector('#progress-recorded').textContent"
                           ".includes('16/10/2019')")
    assert page.locator(total).inner_text() == "17.050.000.000"
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(Path(ARTIFACTS) / "progress-page.png"), full_page=True)

    # the browser logs the 409 answer as a failed load: nothing else failed
    expected = [e for e in w.errors if "409" in e]
    assert len(expected) == 1 and w.errors == expected, w.errors
    assert w.dialogs == [] and w.outside == []

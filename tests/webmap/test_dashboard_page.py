"""The dashboard page (/dashboard) as served: its scripts and the chart library from this
server (no CDN, no inline script), zones from the data escaped, linked from the map and the
progress pages; bad dates, zones, languages and formats answer 400; one report at a time."""

from __future__ import annotations

import re

import pytest

from tests.progress_web_data import seed
from webmap import create_app, dashboard
from webmap.dashboard_json import dashboard_answer

from tests.dashboard_sample import sample_report


@pytest.fixture
def app(store, tmp_path, zones_gdf):
    seed(store, zones_gdf)
    return create_app({"database_url": store.url, "instance_dir": str(tmp_path / "instance"),
                       "TESTING": True, "tiles_build": "off"})


def test_the_page_and_its_assets_come_from_this_server(client):
    resp = client.get("/dashboard?as_of=30/06/2019")
    assert resp.status_code == 200
    html = resp.get_data(as_text=True)
    assert "<title>Bảng điều khiển sơ kết / Review dashboard" in html
    assert 'data-as-of="2019-06-30"' in html and 'lang="vi"' in html
    scripts = re.findall(r"<script([^>]*)>", html)
    assert scripts and all(re.search(r'src="/(vendor|static)/', s) for s in scripts)
    assert "https://" not in html and "http://" not in html
    csp = resp.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp.split("script-src")[1].split(";")[0]
    for src in re.findall(r'(?:src|href)="(/(?:vendor|static)/[^"]+)"', html):
        asset = client.get(src)
        assert asset.status_code == 200, src
        assert b"cdn." not in asset.data.lower() or src.endswith(".min.js")
    assert '<option value="KCN-T2">KCN-T2 — KCN thử 2</option>' in html
    assert 'href="/dashboard"' in client.get("/progress").get_data(as_text=True)


def test_the_map_page_links_to_the_dashboard_and_reads_its_filter(client):
    html = client.get("/").get_data(as_text=True)
    assert 'id="landgis-dashboard-link"' in html and 'href="/dashboard"' in html
    assert '<script src="/static/map-filter.js"></script>' in html
    assert client.get("/static/map-filter.js").status_code == 200


@pytest.mark.parametrize("query, named", [
    ("as_of=31/02/2019", "as_of"), ("as_of=hôm qua", "as_of"), ("zone=KCN-X", "KCN-X"),
    ("lang=fr", "fr")])
def test_bad_questions_answer_400_with_what_is_wrong(client, query, named):
    for path in ("/api/dashboard", "/dashboard"):
        resp = client.get(f"{path}?{query}")
        assert resp.status_code == 400, path
        assert named in resp.get_json()["error"]


@pytest.mark.parametrize("query, named", [
    ("period=2019-H1&format=odt", "odt"), ("format=pdf", "period"),
    ("period=2019-H1&zone=<b>", "<b>")])
def test_a_bad_download_answers_400(client, query, named):
    resp = client.get(f"/report/download?{query}")
    assert resp.status_code == 400
    assert named in resp.get_json()["error"]


def test_one_report_at_a_time(client):
    assert dashboard._WRITING.acquire(blocking=False)  # another request is writing one
    try:
        resp = client.get("/report/download?period=2019-H1&format=pdf")
    finally:
        dashboard._WRITING.release()
    assert resp.status_code == 429 and resp.headers["Retry-After"]
    assert "another report" in resp.get_json()["error"]


def test_reading_closed_needs_a_login(store, tmp_path, zones_gdf):
    seed(store, zones_gdf)
    app = create_app({"database_url": store.url, "instance_dir": str(tmp_path / "i2"),
                      "TESTING": True, "tiles_build": "off", "read_open": False})
    client = app.test_client()
    assert client.get("/api/dashboard").status_code == 401
    for path in ("/dashboard", "/report/download?period=2019-H1"):  # links: to the login
        assert "/auth/login" in client.get(path).headers["Location"]


# ------------------------------------------------------------------ the layout of the answer

def test_cards_and_charts_carry_the_report_s_own_cells():
    report = sample_report()
    answer = dashboard_answer(report, as_of="2019-06-30", lang="vi")
    cards = {c["key"]: c for c in answer["cards"]}
    assert cards["handed_over"]["value"] == report.table("handed_over").rows[-1][
        "handed_over_ha"] == 12.5
    assert (cards["revenue"]["value"], cards["revenue"]["of"]) == (500_000_000, 1_500_000_000)
    assert cards["investors_revocable"]["value"] == 1
    chart = answer["report"]["sections"][0]["charts"][0]
    rows = report.table("clearance_status").rows[:-1]  # the total is no bar
    assert chart["labels"] == [r["zone_code"] for r in rows]
    assert chart["datasets"][0]["data"] == [r["handed_over"] for r in rows]
    assert chart["link"] == {"zone": True, "field": "clearance_status"}
    revenue = answer["report"]["sections"][2]["charts"][0]
    assert revenue["link"] == {"zone": False, "field": None}  # quarters open nothing


def test_english_labels_the_same_figures():
    vi = dashboard_answer(sample_report(), as_of="2019-06-30", lang="vi")
    en = dashboard_answer(sample_report(), as_of="2019-06-30", lang="en")
    assert [c["value"] for c in vi["cards"]] == [c["value"] for c in en["cards"]]
    assert en["cards"][0]["label"] == "Area handed over"
    assert en["report"]["period"]["label"] == "first half of 2019"
    assert vi["report"]["sections"][0]["title"] == "Giải phóng mặt bằng"


@pytest.mark.backends("gpkg")  # the files, not the store, are under test here
def test_the_report_downloaded_is_the_script_s(client):
    pytest.importorskip("landgis.report.write", reason="the report's files (issue 14, R2)")
    import io
    import json
    import zipfile

    import docx
    import openpyxl

    resp = client.get("/report/download?period=2019-H2&zone=KCN-T1&lang=vi&format=zip")
    assert resp.status_code == 200, resp.get_data(as_text=True)[:300]
    assert resp.headers["Content-Disposition"].startswith("attachment")
    assert "bao_cao_2019-H2_KCN-T1_vi.zip" in resp.headers["Content-Disposition"]
    with zipfile.ZipFile(io.BytesIO(resp.data)) as zf:
        names = set(zf.namelist())
        assert {"bao_cao.docx", "bao_cao.xlsx", "bao_cao.pdf", "manifest.json"} <= names
        manifest = json.loads(zf.read("manifest.json"))
        text = "\n".join(p.text for p in docx.Document(io.BytesIO(zf.read("bao_cao.docx")))
                         .paragraphs)
        sheets = openpyxl.load_workbook(io.BytesIO(zf.read("bao_cao.xlsx"))).sheetnames
    assert "KCN-T1" in json.dumps(manifest, ensure_ascii=False)
    assert "6 tháng cuối năm 2019" in text and sheets
    pdf = client.get("/report/download?period=2019-H2&format=pdf")
    assert pdf.status_code == 200 and pdf.data[:5] == b"%PDF-"

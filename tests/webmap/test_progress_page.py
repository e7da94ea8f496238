"""The progress page (/progress) and the history pages, rendered on the server: the three
tables as of a date and for a zone, flags with their articles, names from the data escaped,
the editors' form only for editors, reading closed when the setting says so."""

from __future__ import annotations

import re

import pytest

from landgis.accounts import open_accounts
from tests.progress_web_data import HOSTILE_INVESTOR, HOSTILE_WINNER, seed
from tests.webmap.test_auth_edit import PASSWORD, login
from webmap import create_app


def make_app(store, tmp_path, **settings):
    app = create_app({"database_url": store.url, "instance_dir": str(tmp_path / "instance"),
                      "tiles_build": "off", **settings})
    accounts = open_accounts(store.url, str(tmp_path / "instance"))
    accounts.create("xem", PASSWORD, "viewer")
    accounts.create("lan", PASSWORD, "editor")
    return app


@pytest.fixture
def app(store, tmp_path, zones_gdf):
    seed(store, zones_gdf)
    return make_app(store, tmp_path)


def row_of(html: str, table: str, key: str) -> str:
    """The HTML of the row of ``key`` in the table ``table``."""
    body = re.search(rf'<table id="{table}".*?</table>', html, re.S).group(0)
    found = re.search(rf'<tr data-[a-z]+="{re.escape(key)}".*?</tr>', body, re.S)
    return found.group(0) if found else ""


def cell(row: str, css: str) -> str:
    return re.search(rf'<td class="[^"]*\b{css}\b[^"]*">([^<]*)', row).group(1)


def test_the_three_tables_vietnamese_first(client):
    resp = client.get("/progress?as_of=31/12/2019")
    assert resp.status_code == 200 and resp.headers["Cache-Control"] == "no-store"
    html = resp.get_data(as_text=True)
    assert "<title>Tiến độ dự án, nhà đầu tư và đấu giá / Progress" in html
    for heading in ("Dự án đầu tư công <span class=\"en\">/ Public investment projects",
                    "Dự án của nhà đầu tư <span class=\"en\">/ Investor projects",
                    "Đấu giá quyền sử dụng đất <span class=\"en\">/ Land-use rights auctions"):
        assert heading in html
    t1 = row_of(html, "progress-projects", "DA-T1")
    assert cell(t1, "disbursed-total") == "15.000.000.000" and "50,0 %" in t1
    assert 'href="/progress/history/project/DA-T1"' in t1
    assert 'value="2019-12-31"' in html and "Figures as of 31/12/2019" in html
    # no script but the page's own file, none inline
    assert re.findall(r"<script[^>]*>", html) == []  # a viewer gets no form and no script


def test_investments_show_their_state_and_the_article_of_each_flag(client):
    html = client.get("/progress").get_data(as_text=True)
    late = row_of(html, "progress-investments", "NDT-1")
    assert 'class="state-revocable"' in late
    assert "đủ điều kiện thu hồi<span class=\"en\"> / revocable" in late
    assert "Căn cứ / Basis: Luật Đất đai 2024, Điều 81 khoản 8" in late
    assert "Luật Đầu tư 2020, Điều 48 khoản 2 điểm d" in late
    fine = row_of(html, "progress-investments", "NDT-2")
    assert "đúng tiến độ" in fine and "Căn cứ" not in fine


def test_a_rule_fired_by_several_milestones_is_listed_once(client):
    """NDT-1 is late on three milestones: one 'overdue' item naming them all, one article."""
    html = client.get("/progress").get_data(as_text=True)
    late = row_of(html, "progress-investments", "NDT-1")
    items = re.findall(r'<li class="flag[^"]*"><b>([^<]*)</b>', late)
    assert items.count("Mốc tiến độ đã quá hạn mà chưa đạt") == 1
    assert len(items) == len(set(items))
    overdue = late.split("Mốc tiến độ đã quá hạn mà chưa đạt", 1)[1].split("</li>", 1)[0]
    assert "khởi công" in overdue and "đi vào hoạt động" in overdue
    assert overdue.count("Căn cứ / Basis") == 1


def test_imported_names_are_escaped(client):
    for path in ("/progress", "/progress/history/investment/NDT-1",
                 "/progress/history/lot/LOT-1"):
        html = client.get(path).get_data(as_text=True)
        assert "<img" not in html and "<b>B</b>" not in html, path
    html = client.get("/progress").get_data(as_text=True)
    assert "&lt;img src=x onerror=alert(1)&gt;" in html
    assert "Công ty &lt;b&gt;B&lt;/b&gt; &amp; cộng sự" in html
    assert HOSTILE_INVESTOR not in html and HOSTILE_WINNER not in html


def test_as_of_and_zone(client):
    before = client.get("/progress?as_of=09/09/2019").get_data(as_text=True)
    assert cell(row_of(before, "progress-projects", "DA-T1"), "disbursed-total") == \
        "10.000.000.000"
    zone = client.get("/progress?zone=KCN-T2").get_data(as_text=True)
    assert row_of(zone, "progress-projects", "DA-T2") and \
        not row_of(zone, "progress-projects", "DA-T1")
    assert '<option value="KCN-T2" selected>' in zone
    bad = client.get("/progress?as_of=31/02/2019")
    assert bad.status_code == 400  # JSON, as every error of the app
    assert bad.get_json()["error"].startswith("as_of: '31/02/2019' không có trong lịch / is "
                                              "not a real date")
    unknown = client.get("/progress?zone=<script>")
    assert unknown.status_code == 400 and unknown.mimetype == "application/json"
    assert "unknown zone '<script>'" in unknown.get_json()["error"]


def test_history_page(client):
    html = client.get("/progress/history/project/DA-T1").get_data(as_text=True)
    assert 'id="progress-version">5<' in html
    assert "giải ngân<span class=\"en\"> / disbursement" in html
    assert "10/04/2019" in html and "10.000.000.000" in html and "UNC 5" in html
    assert "khởi công<span class=\"en\"> / construction start" in html  # its milestone
    missing = client.get("/progress/history/lot/LOT-X")
    assert missing.status_code == 404 and "LOT-X" in missing.get_json()["error"]


def test_only_editors_get_the_form(client):
    assert 'id="progress-form"' not in client.get("/progress").get_data(as_text=True)
    login(client, "xem")
    assert 'id="progress-form"' not in client.get("/progress").get_data(as_text=True)
    client.post("/auth/logout", data={"csrf_token": re.search(
        r'name="csrf_token" value="([^"]+)"',
        client.get("/progress").get_data(as_text=True)).group(1)})
    login(client, "lan")
    html = client.get("/progress").get_data(as_text=True)
    assert '<script src="/static/progress.js" defer></script>' in html
    assert re.search(r'<meta name="csrf-token" content="[^"]+">', html)
    # each subject with the version its history gives
    for kind, code in (("project", "DA-T1"), ("investment", "NDT-1"), ("lot", "LOT-1")):
        version = client.get(f"/api/{dict(project='projects', investment='investments', lot='auctions')[kind]}/{code}/history").get_json()["version"]
        assert f'data-kind="{kind}" data-id="{code}" data-version="{version}"' in html
    for name in ("date", "document_no", "document_date", "amount", "over_plan"):
        assert f'name="{name}"' in html
    assert client.get("/static/progress.js").status_code == 200
    assert client.get("/static/progress.css").status_code == 200


def test_reading_closed_needs_a_login(store, tmp_path, zones_gdf):
    seed(store, zones_gdf)
    client = make_app(store, tmp_path, read_open=False).test_client()
    resp = client.get("/progress")
    assert resp.status_code == 302 and "/auth/login" in resp.headers["Location"]
    assert client.get("/api/investments").status_code == 401
    assert client.get("/api/projects/DA-T1/history").status_code == 401
    login(client, "xem")
    assert client.get("/progress").status_code == 200
    answer = client.get("/api/investments")
    assert answer.status_code == 200 and "private" in answer.headers["Cache-Control"]

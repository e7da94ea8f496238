"""Logins: throttled per user name and client address, the same cost whatever the account, and
sessions that end on logout, on a password change and after eight hours."""

import datetime as dt
import re
import statistics
import time
from email.utils import parsedate_to_datetime

import pytest

from landgis.accounts import open_accounts
from tests.webmap.test_auth_edit import PASSWORD, csrf_token, edit, login
from webmap import create_app


def make_app(store, tmp_path, **settings):
    instance = str(tmp_path / "instance")
    app = create_app({"database_url": store.url, "instance_dir": instance, **settings})
    accounts = open_accounts(store.url, instance)
    if accounts.get("lan") is None:
        accounts.create("lan", PASSWORD, "editor", "Nguyễn Thị Lan")
        accounts.create("khoa", PASSWORD, "editor")
        accounts.update("khoa", active=False)
    return app, accounts


def try_login(client, username, password, address="127.0.0.1"):
    token = re.search(r'name="csrf_token" value="([^"]+)"',
                      client.get("/auth/login").get_data(as_text=True)).group(1)
    return client.post("/auth/login", data={"username": username, "password": password,
                                            "csrf_token": token},
                       environ_base={"REMOTE_ADDR": address})


def test_a_login_costs_the_same_whatever_the_account(store, tmp_path):
    app, _ = make_app(store, tmp_path, login_max_failures=0, login_max_failures_per_address=0)
    client = app.test_client()
    token = re.search(r'name="csrf_token" value="([^"]+)"',
                      client.get("/auth/login").get_data(as_text=True)).group(1)
    kinds = {"unknown": "không-có-ai", "wrong password": "lan", "disabled": "khoa"}
    took = {kind: [] for kind in kinds}
    for _ in range(9):
        for kind, name in kinds.items():
            start = time.perf_counter()
            resp = client.post("/auth/login", data={"username": name, "password": PASSWORD
                                                    if kind == "disabled" else "sai-mật-khẩu-rồi",
                                                    "csrf_token": token})
            took[kind].append(time.perf_counter() - start)
            assert resp.status_code == 401
            assert "wrong user name or password" in resp.get_data(as_text=True)
    median = {kind: statistics.median(t) for kind, t in took.items()}
    for a in median:
        for b in median:
            assert 0.5 <= median[a] / median[b] <= 2, median


def test_failed_logins_lock_the_name_everywhere_until_the_lock_ends(store, tmp_path):
    app, _ = make_app(store, tmp_path, login_lockout_minutes=0.05)  # 3 s
    client = app.test_client()
    for _ in range(5):
        assert try_login(client, "lan", "sai-mật-khẩu-rồi").status_code == 401
    locked = try_login(client, "lan", PASSWORD)
    assert locked.status_code == 429
    assert 1 <= int(locked.headers["Retry-After"]) <= 3
    page = locked.get_data(as_text=True)
    assert "thử lại sau" in page and "too many failed logins" in page
    # another app server on the same accounts sees the lock, from another address too
    other, _ = make_app(store, tmp_path, login_lockout_minutes=0.05)
    assert try_login(other.test_client(), "lan", PASSWORD, "10.0.0.8").status_code == 429
    time.sleep(int(locked.headers["Retry-After"]) + 0.2)
    done = try_login(client, "lan", PASSWORD)
    assert done.status_code == 302
    assert client.get("/auth/me").get_json()["user"] == "lan"


def test_failed_logins_lock_the_client_address_whatever_the_names(store, tmp_path):
    app, _ = make_app(store, tmp_path, login_max_failures_per_address=3)
    client = app.test_client()
    for name in ("an", "binh", "chi"):
        assert try_login(client, name, "đoán-bừa-thôi", "10.0.0.9").status_code == 401
    assert try_login(client, "lan", PASSWORD, "10.0.0.9").status_code == 429
    assert try_login(app.test_client(), "lan", PASSWORD, "10.0.0.10").status_code == 302


def test_manage_users_lifts_a_lock(store, tmp_path):
    from tests.scripts.conftest import run_script as script

    app, _ = make_app(store, tmp_path)
    client = app.test_client()
    for _ in range(6):
        try_login(client, "lan", "sai-mật-khẩu-rồi")
    assert try_login(client, "lan", PASSWORD).status_code == 429
    env = {"LANDGIS_INSTANCE_DIR": str(tmp_path / "instance")}
    listing = script("manage_users.py", "list", "--db", store.url, env=env)
    assert "lan" in listing.stdout and "login locked" in listing.stdout, listing.stderr
    out = script("manage_users.py", "unlock", "lan", "--db", store.url, env=env)
    assert out.returncode == 0, out.stderr
    assert try_login(client, "lan", PASSWORD).status_code == 302


def test_a_copied_session_cookie_dies_on_logout(store, tmp_path):
    app, _ = make_app(store, tmp_path)
    client = login(app.test_client(), "lan")
    copied = client.get_cookie("session").value
    client.post("/auth/logout", headers={"X-CSRFToken": csrf_token(client)})
    thief = app.test_client()
    thief.set_cookie("session", copied)
    assert thief.get("/auth/me").get_json()["user"] is None
    assert edit(thief).status_code == 401


@pytest.mark.parametrize("change", ["password", "disable"])
def test_a_copied_session_cookie_dies_with_a_new_password(store, tmp_path, change):
    app, accounts = make_app(store, tmp_path)
    client = login(app.test_client(), "lan")
    thief = app.test_client()
    thief.set_cookie("session", client.get_cookie("session").value)
    assert thief.get("/auth/me").get_json()["user"] == "lan"
    # what manage_users.py password / disable calls
    accounts.update("lan", **({"password": "mật-khẩu-mới-dài"} if change == "password"
                              else {"active": False}))
    assert thief.get("/auth/me").get_json()["user"] is None
    assert edit(thief).status_code == 401
    assert edit(client).status_code == 401


def session_cookie(resp) -> str:
    [cookie] = [h for h in resp.headers.getlist("Set-Cookie") if h.startswith("session=")]
    return cookie


@pytest.mark.parametrize("secure", [False, True])
def test_the_session_cookie_lasts_eight_hours_and_is_secure_when_asked(store, tmp_path, secure):
    app, _ = make_app(store, tmp_path, secure_cookies=secure)
    resp = try_login(app.test_client(), "lan", PASSWORD)
    assert resp.status_code == 302
    cookie = session_cookie(resp)
    expires = parsedate_to_datetime(re.search(r"Expires=([^;]+)", cookie).group(1))
    left = expires - dt.datetime.now(dt.timezone.utc)
    assert dt.timedelta(hours=7, minutes=58) < left <= dt.timedelta(hours=8, minutes=1)
    assert ("; Secure" in cookie) is secure
    # a key the caller gives create_app is kept
    short = create_app({"database_url": store.url, "instance_dir": str(tmp_path / "instance"),
                        "PERMANENT_SESSION_LIFETIME": dt.timedelta(hours=1)})
    cookie = session_cookie(try_login(short.test_client(), "lan", PASSWORD))
    left = parsedate_to_datetime(re.search(r"Expires=([^;]+)", cookie).group(1)) \
        - dt.datetime.now(dt.timezone.utc)
    assert left <= dt.timedelta(hours=1, minutes=1)


def test_a_session_ends_after_eight_hours_on_the_server(store, tmp_path):
    _, accounts = make_app(store, tmp_path)
    now = time.time()
    account, token = accounts.log_in("lan", PASSWORD, "127.0.0.1", now=now)
    assert accounts.session_account(token, now=now + 7.9 * 3600) == account
    assert accounts.session_account(token, now=now + 8 * 3600 + 1) is None

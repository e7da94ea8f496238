"""Accounts on the web: login and logout pages, roles, CSRF protection and cookie settings.

Reading is open or closed by the ``read_open`` setting; writing always needs an editor. Every
form and every state-changing API call carries a CSRF token (Flask-WTF): forms in a hidden field,
the page's script in the ``X-CSRFToken`` header, from ``GET /auth/me``.

A login is a server-side session (:meth:`landgis.accounts.Accounts.log_in`): the signed session
cookie carries its random token, checked against the accounts database on every request, so a
copied cookie stops working on logout, on a password change and when the account is disabled.
Failed logins answer 401 with one message whatever was wrong; too many answer 429 with
``Retry-After``.
"""

from __future__ import annotations

import datetime as dt
from functools import wraps
from urllib.parse import urlsplit

from flask import (Blueprint, current_app, flash, jsonify, redirect, render_template, request,
                   session, url_for)
from flask_login import LoginManager, UserMixin, current_user, login_user, logout_user
from flask_wtf.csrf import CSRFError, CSRFProtect, generate_csrf

from landgis.accounts import ROLES, Accounts, LoginLocked, LoginPolicy, open_accounts

bp = Blueprint("auth", __name__, url_prefix="/auth")
login_manager = LoginManager()
csrf = CSRFProtect()

#: paths anyone may reach even when reading is closed
PUBLIC = ("/auth/", "/static/", "/vendor/", "/healthz")
#: paths a read-only API key (header ``X-API-Key`` or ``?api_key=``) opens when reading is
#: closed: the OGC API and the tiles, for desktop clients; a key never opens editing
KEY_PATHS = ("/ogc", "/tiles/", "/qgis/")


def api_key_valid() -> bool:
    """Whether this GET/HEAD/OPTIONS request to :data:`KEY_PATHS` carries an active key."""
    if request.method not in ("GET", "HEAD", "OPTIONS") or not (
            request.path == "/ogc" or request.path.startswith(("/ogc/",) + KEY_PATHS[1:])):
        return False
    key = request.headers.get("X-API-Key") or request.args.get("api_key")
    return bool(key) and accounts().key_name(key) is not None


class User(UserMixin):
    """The logged-in account; ``id`` is the user name, ``get_id()`` the session token that
    Flask-Login keeps in the cookie."""

    def __init__(self, account, token: str):
        self.account = account
        self.id = account.username
        self.token = token

    def get_id(self) -> str:
        return self.token

    def can(self, role: str) -> bool:
        return self.account.can(role)


def accounts() -> Accounts:
    return current_app.extensions["landgis_accounts"]


@login_manager.user_loader
def _load(token: str):
    account = accounts().session_account(token)
    return User(account, token) if account else None


def _wants_json() -> bool:
    return request.path.startswith(("/api/", "/edit/")) or request.is_json


def role_required(role: str):
    """Views that need a login with ``role`` (or a higher one): 401 without, 403 with less."""
    assert role in ROLES

    def decorate(view):
        @wraps(view)
        def wrapper(*args, **kwargs):
            if not current_user.is_authenticated:
                if _wants_json():
                    return jsonify(error="cần đăng nhập / login required"), 401
                return redirect(url_for("auth.login", next=request.full_path))
            if not current_user.can(role):
                return jsonify(error=f"cần quyền {role} / the {role} role is required"), 403
            return view(*args, **kwargs)
        return wrapper
    return decorate


def _safe_next(target: str | None) -> str:
    if not target:
        return "/"
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return "/"
    return target


@bp.route("/login", methods=["GET", "POST"])
def login():
    if request.method == "POST":
        policy = LoginPolicy.from_settings(current_app.config["LANDGIS"])
        try:
            done = accounts().log_in(request.form.get("username", "").strip(),
                                     request.form.get("password", ""), request.remote_addr,
                                     policy)
        except LoginLocked as exc:
            flash(str(exc))
            return render_template("login.html"), 429, {"Retry-After": str(exc.retry_after)}
        if done is None:
            flash("Sai tên đăng nhập hoặc mật khẩu / wrong user name or password")
            return render_template("login.html"), 401
        session.permanent = True  # the cookie expires with the server-side session
        login_user(User(*done))
        return redirect(_safe_next(request.args.get("next")))
    return render_template("login.html")


@bp.post("/logout")
def logout():
    if current_user.is_authenticated:
        accounts().end_session(current_user.token)
    logout_user()
    return redirect(url_for("auth.login"))


@bp.get("/me")
def me():
    """Who is logged in, what they may do, and the CSRF token for the page's script."""
    user = current_user if current_user.is_authenticated else None
    return jsonify(user=user.id if user else None,
                   role=user.account.role if user else None,
                   can_edit=bool(user and user.can("editor")),
                   csrf_token=generate_csrf())


def _csrf_error(exc: CSRFError):
    if _wants_json():
        return jsonify(error=f"CSRF: {exc.description}"), 400
    return f"CSRF: {exc.description}", 400


def cookie_config(settings) -> dict:
    """The Flask keys for the session and remember cookies and the CSRF token from the
    settings; ``create_app`` sets them before the caller's own keys (``setdefault`` would meet
    Flask's defaults: no Secure flag, 31 days)."""
    lifetime = dt.timedelta(hours=settings.session_hours)
    return {"SESSION_COOKIE_SECURE": settings.secure_cookies,
            "REMEMBER_COOKIE_SECURE": settings.secure_cookies,
            "REMEMBER_COOKIE_HTTPONLY": True, "REMEMBER_COOKIE_SAMESITE": "Lax",
            "PERMANENT_SESSION_LIFETIME": lifetime, "REMEMBER_COOKIE_DURATION": lifetime,
            "WTF_CSRF_TIME_LIMIT": int(lifetime.total_seconds())}


def init_app(app) -> None:
    settings = app.config["LANDGIS"]
    app.extensions["landgis_accounts"] = open_accounts(settings.database_url,
                                                       settings.instance_dir)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    csrf.init_app(app)
    app.register_error_handler(CSRFError, _csrf_error)
    app.register_blueprint(bp)

    @app.before_request
    def _reading_closed():
        if settings.read_open or request.path.startswith(PUBLIC):
            return None
        if not current_user.is_authenticated:
            if api_key_valid():
                return None
            if _wants_json() or request.path.startswith(KEY_PATHS):
                return jsonify(error="cần đăng nhập / login required"), 401
            return redirect(url_for("auth.login", next=request.full_path))
        return None

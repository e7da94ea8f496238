"""User accounts and roles, kept with SQLAlchemy in any SQL database.

Roles, each including the ones before it:

``viewer``  reads the map and the API;
``editor``  records status events (clearance and auction officers);
``admin``   manages accounts and imports.

Passwords are hashed with scrypt (RFC 7914, Python's ``hashlib.scrypt``) with a random salt per
password, stored as ``scrypt$n$r$p$salt$hash``; a password is never stored or logged. With a
GeoPackage store the accounts live in ``instance/accounts.sqlite``; with PostGIS, in the same
database (table ``landgis_users``), so that every office sees the same accounts.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass

import sqlalchemy as sa

ROLES = ("viewer", "editor", "admin")
ROLE_LABELS = {"viewer": ("xem", "viewer"), "editor": ("cập nhật", "editor"),
               "admin": ("quản trị", "administrator")}
_USERNAME = re.compile(r"^[A-Za-z0-9._-]{2,64}$")
MIN_PASSWORD = 10
_SCRYPT = {"n": 2**14, "r": 8, "p": 1}

_metadata = sa.MetaData()
users = sa.Table(
    "landgis_users", _metadata,
    sa.Column("username", sa.String(64), primary_key=True),
    sa.Column("full_name", sa.String(200)),
    sa.Column("role", sa.String(16), nullable=False),
    sa.Column("password_hash", sa.String(300), nullable=False),
    sa.Column("active", sa.Boolean, nullable=False, default=True),
    sa.Column("created_at", sa.String(32), nullable=False),
)


class AccountError(ValueError):
    """An account that cannot be made or changed as asked; the message says why."""


@dataclass(frozen=True)
class Account:
    username: str
    full_name: str | None
    role: str
    active: bool

    def can(self, role: str) -> bool:
        """Whether this account holds ``role`` or a higher one."""
        return self.active and ROLES.index(self.role) >= ROLES.index(role)


def hash_password(password: str) -> str:
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, dklen=32, **_SCRYPT)
    b64 = base64.b64encode
    return (f"scrypt${_SCRYPT['n']}${_SCRYPT['r']}${_SCRYPT['p']}$"
            f"{b64(salt).decode()}${b64(digest).decode()}")


def check_password(password: str, stored: str) -> bool:
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
    except ValueError:
        return False
    if scheme != "scrypt":
        return False
    got = hashlib.scrypt(password.encode(), salt=base64.b64decode(salt), dklen=32,
                         n=int(n), r=int(r), p=int(p))
    return hmac.compare_digest(got, base64.b64decode(digest))


def open_accounts(database_url: str, instance_dir: str) -> "Accounts":
    """The accounts that go with a store (see the module docstring): in the PostgreSQL
    database and schema of a PostGIS store, else in ``<instance_dir>/accounts.sqlite``."""
    if database_url.startswith(("postgresql://", "postgres://", "postgresql+psycopg://")):
        from landgis.store.postgis import split_url

        libpq, schema = split_url(database_url)
        return Accounts("postgresql+psycopg://" + libpq.split("://", 1)[1], schema=schema)
    return Accounts(f"sqlite:///{instance_dir}/accounts.sqlite")


class Accounts:
    """The accounts of one database (an SQLAlchemy URL), in ``schema`` if given."""

    def __init__(self, url: str, *, schema: str | None = None):
        if url.startswith("sqlite:///"):
            from pathlib import Path

            Path(url[len("sqlite:///"):]).parent.mkdir(parents=True, exist_ok=True)
        options = {"schema_translate_map": {None: schema}} if schema else {}
        self.engine = sa.create_engine(url, future=True, pool_pre_ping=True,
                                       execution_options=options)
        _metadata.create_all(self.engine)

    def _row(self, username: str):
        with self.engine.connect() as con:
            return con.execute(sa.select(users).where(users.c.username == username)).first()

    def get(self, username: str) -> Account | None:
        row = self._row(username)
        if row is None:
            return None
        return Account(row.username, row.full_name, row.role, bool(row.active))

    def authenticate(self, username: str, password: str) -> Account | None:
        """The account if the password is right and the account active, else None."""
        row = self._row(username)
        if row is None:
            check_password(password, hash_password("timing"))  # same time either way
            return None
        if not row.active or not check_password(password, row.password_hash):
            return None
        return Account(row.username, row.full_name, row.role, True)

    @staticmethod
    def _check(username: str | None = None, password: str | None = None,
               role: str | None = None) -> None:
        if username is not None and not _USERNAME.match(username):
            raise AccountError(f"tên đăng nhập không hợp lệ / invalid user name {username!r}: "
                               "2-64 letters, digits, '.', '_' or '-'")
        if password is not None and len(password) < MIN_PASSWORD:
            raise AccountError(f"mật khẩu quá ngắn / password too short: at least "
                               f"{MIN_PASSWORD} characters")
        if role is not None and role not in ROLES:
            raise AccountError(f"vai trò không hợp lệ / unknown role {role!r}; roles: "
                               f"{', '.join(ROLES)}")

    def create(self, username: str, password: str, role: str = "viewer",
               full_name: str | None = None) -> Account:
        self._check(username, password, role)
        now = dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")
        try:
            with self.engine.begin() as con:
                con.execute(users.insert().values(
                    username=username, full_name=full_name, role=role, active=True,
                    password_hash=hash_password(password), created_at=now))
        except sa.exc.IntegrityError:
            raise AccountError(f"đã có tài khoản / the account {username!r} exists") from None
        return Account(username, full_name, role, True)

    def update(self, username: str, *, password: str | None = None, role: str | None = None,
               active: bool | None = None) -> Account:
        self._check(password=password, role=role)
        values = {}
        if password is not None:
            values["password_hash"] = hash_password(password)
        if role is not None:
            values["role"] = role
        if active is not None:
            values["active"] = active
        with self.engine.begin() as con:
            done = con.execute(users.update().where(users.c.username == username)
                               .values(**values)).rowcount
        if not done:
            raise AccountError(f"không có tài khoản / no account {username!r}")
        return self.get(username)

    def list(self) -> list[Account]:
        with self.engine.connect() as con:
            rows = con.execute(sa.select(users).order_by(users.c.username)).all()
        return [Account(r.username, r.full_name, r.role, bool(r.active)) for r in rows]

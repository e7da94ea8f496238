"""User accounts and roles, kept with SQLAlchemy in any SQL database.

Roles, each including the ones before it:

``viewer``  reads the map and the API;
``editor``  records status events (clearance and auction officers);
``admin``   manages accounts and imports.

Passwords are hashed with scrypt (RFC 7914, Python's ``hashlib.scrypt``) with a random salt per
password, stored as ``scrypt$n$r$p$salt$hash``; a password is never stored or logged. With a
GeoPackage store the accounts live in ``instance/accounts.sqlite``; with PostGIS, in the same
database (table ``landgis_users``), so that every office sees the same accounts.

Logging in (:meth:`Accounts.log_in`) costs one scrypt whatever the account (unknown, disabled or
not), so that the answer's time does not tell which user names exist. Failed logins are counted
per user name and per client address in the same database (``landgis_login_throttle``), so that
every app process and server sees them: after :attr:`LoginPolicy.max_failures` failures within
:attr:`LoginPolicy.lockout_seconds` the name (or address) is refused for that long
(:class:`LoginLocked`). A login opens a server-side session (``landgis_sessions``, keyed by a
hash of a random token the session cookie carries) that ends on logout, after
:attr:`LoginPolicy.session_seconds`, or for every session of the account when its password
changes or it is disabled.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import math
import re
import secrets
import time
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
#: failed logins per key (``name:<user name>`` or ``addr:<client address>``); times in epoch s
throttle = sa.Table(
    "landgis_login_throttle", _metadata,
    sa.Column("key", sa.String(300), primary_key=True),
    sa.Column("failures", sa.Integer, nullable=False),
    sa.Column("window_start", sa.Float, nullable=False),
    sa.Column("locked_until", sa.Float, nullable=False),
)
#: open sessions: the SHA-256 of the token in the session cookie, whose account, until when
sessions = sa.Table(
    "landgis_sessions", _metadata,
    sa.Column("token_hash", sa.String(64), primary_key=True),
    sa.Column("username", sa.String(64), nullable=False, index=True),
    sa.Column("created_at", sa.Float, nullable=False),
    sa.Column("expires_at", sa.Float, nullable=False),
)
#: read-only keys for desktop clients (QGIS, GDAL): the SHA-256 of the key, never the key
api_keys = sa.Table(
    "landgis_api_keys", _metadata,
    sa.Column("name", sa.String(64), primary_key=True),
    sa.Column("key_hash", sa.String(64), nullable=False, unique=True),
    sa.Column("created_at", sa.String(32), nullable=False),
    sa.Column("active", sa.Boolean, nullable=False, default=True),
)
#: what a key starts with, so that a leaked one is recognised
KEY_PREFIX = "lgk_"


class AccountError(ValueError):
    """An account that cannot be made or changed as asked; the message says why."""


class LoginLocked(Exception):
    """Too many failed logins for this user name or client address; ``retry_after`` seconds."""

    def __init__(self, retry_after: int):
        self.retry_after = retry_after
        minutes = max(1, math.ceil(retry_after / 60))
        super().__init__(f"sai quá nhiều lần, đăng nhập tạm khóa; thử lại sau {minutes} phút / "
                         f"too many failed logins; try again in {minutes} minute(s)")


@dataclass(frozen=True)
class LoginPolicy:
    """How many failed logins lock a user name or a client address (0: no limit), for how
    long (the failures are counted over the same span), and how long a login lasts."""
    max_failures: int = 5
    max_failures_per_address: int = 20
    lockout_seconds: float = 15 * 60
    session_seconds: float = 8 * 3600

    @classmethod
    def from_settings(cls, settings) -> "LoginPolicy":
        return cls(settings.login_max_failures, settings.login_max_failures_per_address,
                   settings.login_lockout_minutes * 60, settings.session_hours * 3600)


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


_DUMMY_HASH: list[str] = []


def _dummy_hash() -> str:
    """A hash no password matches, checked for unknown and disabled accounts (same cost)."""
    if not _DUMMY_HASH:
        _DUMMY_HASH.append(hash_password(secrets.token_hex(16)))
    return _DUMMY_HASH[0]


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


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
        """The account if the password is right and the account active, else None. One scrypt
        whatever the account: the disabled check comes after the hash, never before."""
        row = self._row(username)
        right = check_password(password, row.password_hash if row is not None else _dummy_hash())
        if row is None or not right or not row.active:
            return None
        return Account(row.username, row.full_name, row.role, True)

    def log_in(self, username: str, password: str, address: str | None,
               policy: LoginPolicy = LoginPolicy(), *, now: float | None = None
               ) -> tuple[Account, str] | None:
        """The account and a new session token if the password is right, else None (and the
        failure counted against the name and the address). Raises :class:`LoginLocked`
        without looking at the password while either is locked."""
        now = time.time() if now is None else now
        keys = {f"name:{username[:200]}": policy.max_failures,
                f"addr:{address or '-'}": policy.max_failures_per_address}
        keys = {k: limit for k, limit in keys.items() if limit > 0}
        wait = self._locked_for(list(keys), now)
        if wait > 0:
            raise LoginLocked(math.ceil(wait))
        account = self.authenticate(username, password)
        if account is None:
            self._count_failure(keys, now, policy.lockout_seconds)
            return None
        with self.engine.begin() as con:
            con.execute(throttle.delete().where(throttle.c.key == f"name:{username[:200]}"))
        return account, self._open_session(account.username, now, policy.session_seconds)

    def _locked_for(self, keys: list[str], now: float) -> float:
        if not keys:
            return 0.0
        with self.engine.connect() as con:
            until = con.execute(sa.select(sa.func.max(throttle.c.locked_until))
                                .where(throttle.c.key.in_(keys))).scalar()
        return max(0.0, (until or 0.0) - now)

    def _count_failure(self, keys: dict[str, int], now: float, span: float) -> None:
        """One more failure per key, in one transaction of atomic updates (so that concurrent
        processes lose no count); a key that reaches its limit is locked for ``span``."""
        if self.engine.dialect.name == "postgresql":
            from sqlalchemy.dialects.postgresql import insert
        else:
            from sqlalchemy.dialects.sqlite import insert
        c = throttle.c
        with self.engine.begin() as con:
            con.execute(throttle.delete().where(c.window_start < now - span,
                                                c.locked_until < now))
            for key, limit in keys.items():
                con.execute(insert(throttle).values(key=key, failures=0, window_start=now,
                                                    locked_until=0.0).on_conflict_do_nothing())
                stale = c.window_start < now - span
                con.execute(throttle.update().where(c.key == key, c.locked_until <= now).values(
                    failures=sa.case((stale, 1), else_=c.failures + 1),
                    window_start=sa.case((stale, now), else_=c.window_start)))
                con.execute(throttle.update().where(c.key == key, c.failures >= limit)
                            .values(failures=0, window_start=now, locked_until=now + span))

    def unlock(self, username: str | None = None, address: str | None = None) -> int:
        """Forget the failed logins of a user name and/or a client address; how many locks
        (or counts) were lifted."""
        keys = ([f"name:{username}"] if username else []) + ([f"addr:{address}"] if address else [])
        with self.engine.begin() as con:
            return con.execute(throttle.delete().where(throttle.c.key.in_(keys))).rowcount

    def locked_until(self, username: str) -> float | None:
        """When the lock of a user name ends (epoch seconds), or None if it is not locked."""
        with self.engine.connect() as con:
            until = con.execute(sa.select(throttle.c.locked_until)
                                .where(throttle.c.key == f"name:{username}")).scalar()
        return until if until and until > time.time() else None

    def _open_session(self, username: str, now: float, lifetime: float) -> str:
        token = secrets.token_urlsafe(32)
        with self.engine.begin() as con:
            con.execute(sessions.delete().where(sessions.c.expires_at < now))
            con.execute(sessions.insert().values(token_hash=_token_hash(token), username=username,
                                                 created_at=now, expires_at=now + lifetime))
        return token

    def session_account(self, token: str, *, now: float | None = None) -> Account | None:
        """The active account whose open, unexpired session ``token`` names, else None."""
        now = time.time() if now is None else now
        with self.engine.connect() as con:
            row = con.execute(sa.select(users).join(
                sessions, sessions.c.username == users.c.username).where(
                sessions.c.token_hash == _token_hash(token), sessions.c.expires_at > now,
                users.c.active)).first()
        return None if row is None else Account(row.username, row.full_name, row.role, True)

    def end_session(self, token: str) -> None:
        """Log one session out: its token no longer names an account."""
        with self.engine.begin() as con:
            con.execute(sessions.delete().where(sessions.c.token_hash == _token_hash(token)))

    def end_sessions(self, username: str) -> int:
        """Log every session of an account out; how many there were."""
        with self.engine.begin() as con:
            return con.execute(sessions.delete().where(sessions.c.username == username)).rowcount

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
        if password is not None or active is False:
            self.end_sessions(username)  # a copied cookie dies with the old password
        if active:
            self.unlock(username)
        return self.get(username)

    # ------------------------------------------------------------ read-only keys

    def add_key(self, name: str) -> str:
        """A new read-only key named ``name``; the key is returned once and stored hashed."""
        self._check(username=name)
        key = KEY_PREFIX + secrets.token_urlsafe(32)
        now = dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")
        try:
            with self.engine.begin() as con:
                con.execute(api_keys.insert().values(name=name, key_hash=_token_hash(key),
                                                     created_at=now, active=True))
        except sa.exc.IntegrityError:
            raise AccountError(f"đã có khóa / the key {name!r} exists") from None
        return key

    def list_keys(self) -> list[tuple[str, str, bool]]:
        """``(name, created_at, active)`` of every key."""
        with self.engine.connect() as con:
            rows = con.execute(sa.select(api_keys).order_by(api_keys.c.name)).all()
        return [(r.name, r.created_at, bool(r.active)) for r in rows]

    def revoke_key(self, name: str) -> None:
        with self.engine.begin() as con:
            done = con.execute(api_keys.update().where(api_keys.c.name == name)
                               .values(active=False)).rowcount
        if not done:
            raise AccountError(f"không có khóa / no key {name!r}")

    def key_name(self, key: str) -> str | None:
        """The name of the active key ``key``, None for an unknown or revoked one."""
        if not key or len(key) > 200:
            return None
        with self.engine.connect() as con:
            row = con.execute(sa.select(api_keys.c.name).where(
                api_keys.c.key_hash == _token_hash(key), api_keys.c.active)).first()
        return None if row is None else row.name

    def list(self) -> list[Account]:
        with self.engine.connect() as con:
            rows = con.execute(sa.select(users).order_by(users.c.username)).all()
        return [Account(r.username, r.full_name, r.role, bool(r.active)) for r in rows]

"""Read-only views of the PostGIS store for desktop clients (QGIS's PostgreSQL connection), and
a login role that may read only them.

``<schema>.parcels_status``
    Every column of ``parcels`` and, per status field (``clearance_status``,
    ``auction_status``), its current value, ``<field>_date`` and ``<field>_document``: the
    latest event of the ledger that no other event corrects, by ``effective_date``, then
    ``recorded_at``, then ``event_id`` (the rule of :func:`landgis.ledger.current_status`,
    in SQL; strings compared by code point, a missing date sorting last as pandas does), the
    field's default status when a parcel has none. The geometry is ``geom``,
    ``geometry(MultiPolygon, 9216)``, so PostGIS lists the view in ``geometry_columns`` and
    QGIS offers it as a polygon layer.
``<schema>.investments_current``
    The investments register with, per investment, the number of its progress events that no
    event corrects and the latest of them (kind, date, document). Its schedule state (on time,
    late) needs the schedule rules and is computed in Python only (reports, the web map): it is
    not in the view.

Being views, they are always in step with the ledger. Writing a layer drops them and makes them
again in the same transaction (a view follows its table's oid, so it would otherwise follow the
replaced table into the history schema), keeping the SELECT grants they had.
"""

from __future__ import annotations

from landgis import contract
from landgis.store.base import StoreError, check_identifier
from landgis.store.pg_schema import EVENTS, GEOM, PARCELS, SRID, _ident, mask, psycopg, sql

PARCELS_STATUS = "parcels_status"
INVESTMENTS_CURRENT = "investments_current"
VIEWS = (PARCELS_STATUS, INVESTMENTS_CURRENT)
INVESTMENTS = contract.INVESTMENTS.name
PROGRESS = contract.PROGRESS_EVENTS.name


def _columns(conn, schema: str, table: str) -> list[str]:
    return [r[0] for r in conn.execute(
        "SELECT a.attname FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid "
        "JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = %s AND c.relname = %s "
        "AND c.relkind IN ('r', 'p') AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum",
        (schema, table)).fetchall()]


def _latest_order(alias: str) -> sql.Composable:
    """The ledger's "latest first": effective date, recording time, event id, descending, as
    pandas sorts them ascending (code-point order, missing values last)."""
    return sql.SQL(", ").join(
        sql.SQL('{}.{}::text COLLATE "C" DESC NULLS FIRST').format(sql.Identifier(alias),
                                                                   sql.Identifier(c))
        for c in ("effective_date", "recorded_at", "event_id"))


def _active(schema: str, table: str, columns: list[str], alias: str) -> sql.Composable:
    """``AND <alias> is not corrected by any event of the table`` (nothing when the table has
    no ``corrects_event_id`` column yet)."""
    if "corrects_event_id" not in columns:
        return sql.SQL("")
    return sql.SQL(" AND NOT EXISTS (SELECT 1 FROM {t} c WHERE c.corrects_event_id = "
                   "{a}.event_id)").format(a=sql.Identifier(alias), t=_ident(schema, table))


def _index_corrections(conn, schema: str, table: str, columns: list[str]) -> None:
    """An index on ``corrects_event_id``: each event's "is it corrected?" is then one index
    probe (an uncorrelated ``NOT IN`` was costed so high per row that PostgreSQL's JIT took
    over a second compiling a page of 1,000 parcels)."""
    if "corrects_event_id" in columns:
        conn.execute(sql.SQL("CREATE INDEX IF NOT EXISTS {} ON {} (corrects_event_id)").format(
            sql.Identifier(f"{table}_corrects_idx"), _ident(schema, table)))


def _parcels_status(conn, schema: str) -> sql.Composable | None:
    parcel_cols = _columns(conn, schema, PARCELS)
    event_cols = _columns(conn, schema, EVENTS)
    if not parcel_cols or not event_cols:
        return None
    _index_corrections(conn, schema, EVENTS, event_cols)
    fields = contract.STATUS_FIELDS
    derived = {f for field in fields for f in (field, f"{field}_date", f"{field}_document")}
    select = [sql.SQL("p.{}").format(sql.Identifier(c)) for c in parcel_cols
              if c != GEOM and c not in derived]
    joins = []
    for i, field in enumerate(fields):
        alias = f"s{i}"
        select += [
            sql.SQL("COALESCE({a}.value, {d}) AS {n}").format(
                a=sql.Identifier(alias), d=sql.Literal(contract.DEFAULT_STATUS[field]),
                n=sql.Identifier(field)),
            sql.SQL("{}.effective_date::text AS {}").format(
                sql.Identifier(alias), sql.Identifier(f"{field}_date")),
            sql.SQL("{}.document_no AS {}").format(
                sql.Identifier(alias), sql.Identifier(f"{field}_document"))]
        joins.append(sql.SQL(
            "LEFT JOIN LATERAL (SELECT e.value, e.effective_date, e.document_no FROM {t} e "
            "WHERE e.parcel_id = p.parcel_id AND e.field = {f}{active} ORDER BY {order} "
            "LIMIT 1) {a} ON true").format(
            t=_ident(schema, EVENTS), f=sql.Literal(field),
            active=_active(schema, EVENTS, event_cols, "e"), order=_latest_order("e"),
            a=sql.Identifier(alias)))
    if GEOM in parcel_cols:
        select.append(sql.SQL("ST_Multi(p.{g})::geometry(MultiPolygon, {srid}) AS {g}").format(
            g=sql.Identifier(GEOM), srid=sql.Literal(SRID)))
    return sql.SQL("SELECT {} FROM {} p {}").format(
        sql.SQL(", ").join(select), _ident(schema, PARCELS), sql.SQL(" ").join(joins))


def _investments_current(conn, schema: str) -> sql.Composable | None:
    cols = _columns(conn, schema, INVESTMENTS)
    event_cols = _columns(conn, schema, PROGRESS)
    if not cols or not event_cols:
        return None
    _index_corrections(conn, schema, PROGRESS, event_cols)
    select = [sql.SQL("i.{}").format(sql.Identifier(c)) for c in cols]
    where = sql.SQL("e.subject_kind = 'investment' AND e.subject_id = i.investment_id{}").format(
        _active(schema, PROGRESS, event_cols, "e"))
    t = _ident(schema, PROGRESS)
    return sql.SQL(
        "SELECT {cols}, n.events, l.kind AS last_event_kind, "
        "l.effective_date::text AS last_event_date, l.document_no AS last_event_document "
        "FROM {inv} i "
        "LEFT JOIN LATERAL (SELECT count(*) AS events FROM {t} e WHERE {w}) n ON true "
        "LEFT JOIN LATERAL (SELECT e.kind, e.effective_date, e.document_no FROM {t} e "
        "WHERE {w} ORDER BY {order} LIMIT 1) l ON true").format(
        cols=sql.SQL(", ").join(select), inv=_ident(schema, INVESTMENTS), t=t, w=where,
        order=_latest_order("e"))


_DEFINITIONS = {PARCELS_STATUS: _parcels_status, INVESTMENTS_CURRENT: _investments_current}


def drop_views(conn, schema: str) -> dict[str, list[str]]:
    """Drop the views (in the caller's transaction); returns the roles each granted SELECT."""
    grants = {}
    for name in VIEWS:
        rows = conn.execute(
            "SELECT r.rolname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "CROSS JOIN LATERAL aclexplode(c.relacl) x JOIN pg_roles r ON r.oid = x.grantee "
            "WHERE n.nspname = %s AND c.relname = %s AND c.relkind = 'v' "
            "AND x.privilege_type = 'SELECT' AND x.grantee <> c.relowner",
            (schema, name)).fetchall()
        grants[name] = [r[0] for r in rows]
        conn.execute(sql.SQL("DROP VIEW IF EXISTS {}").format(_ident(schema, name)))
    return grants


def create_views(conn, schema: str, grants: dict[str, list[str]] | None = None) -> list[str]:
    """Make the views whose tables exist (in the caller's transaction), granting SELECT to the
    roles of ``grants``; returns the views made."""
    made = []
    for name, define in _DEFINITIONS.items():
        query = define(conn, schema)
        if query is None:
            continue
        conn.execute(sql.SQL("CREATE VIEW {} AS ").format(_ident(schema, name)) + query)
        conn.execute(sql.SQL("COMMENT ON VIEW {} IS {}").format(
            _ident(schema, name), sql.Literal(
                "landgis: read-only, computed from the ledger at each query")))
        for role in (grants or {}).get(name, ()):
            conn.execute(sql.SQL("GRANT SELECT ON {} TO {}").format(
                _ident(schema, name), sql.Identifier(role)))
        made.append(name)
    return made


def refresh_views(conn, schema: str) -> list[str]:
    """Drop and make the views again, keeping their grants (in the caller's transaction)."""
    return create_views(conn, schema, drop_views(conn, schema))


def grant_reader(store, role: str, password: str | None) -> list[str]:
    """A login role of the store's database that may read the views and nothing else.

    Creates ``role`` (or sets its password when it exists; ``None`` keeps it; its sessions run
    without PostgreSQL's JIT, slower than the views' index probes), makes the views
    again and grants it CONNECT on the database, USAGE on the schema and SELECT on the views
    only: no table (the layers, the ledgers, the accounts) and no writing. Needs a store owner
    allowed to create roles (CREATEROLE). Returns the views granted.
    """
    check_identifier(role)
    if role.lower() in ("public", "postgres") or role.startswith("pg_"):
        raise StoreError(f"tên vai trò không dùng được / role name not allowed: {role!r}")
    conn = store._connection()
    try:
        with conn.transaction():
            store._lock_writers(conn)
            exists = conn.execute("SELECT rolsuper, rolcreaterole FROM pg_roles "
                                  "WHERE rolname = %s", (role,)).fetchone()
            if exists and (exists[0] or exists[1]):
                raise StoreError(f"vai trò / role {role!r} is a superuser or may create roles: "
                                 "not a read-only role")
            if exists is None:
                conn.execute(sql.SQL("CREATE ROLE {} LOGIN NOINHERIT").format(
                    sql.Identifier(role)))
            # the views' queries are index probes per parcel, costed high enough that the
            # JIT would spend longer compiling a page than running it
            conn.execute(sql.SQL("ALTER ROLE {} SET jit = off").format(sql.Identifier(role)))
            if password is not None:
                conn.execute(sql.SQL("ALTER ROLE {} LOGIN PASSWORD {}").format(
                    sql.Identifier(role), sql.Literal(password)))
            conn.execute(sql.SQL("GRANT CONNECT ON DATABASE {} TO {}").format(
                sql.Identifier(conn.info.dbname), sql.Identifier(role)))
            conn.execute(sql.SQL("GRANT USAGE ON SCHEMA {} TO {}").format(
                sql.Identifier(store.schema), sql.Identifier(role)))
            grants = drop_views(conn, store.schema)
            for name in VIEWS:
                grants[name] = sorted(set(grants.get(name, [])) | {role})
            made = create_views(conn, store.schema, grants)
            if not made:  # rolled back: no role without anything to read
                raise StoreError(f"{mask(store.url)}: chưa có lớp thửa đất và sổ trạng thái / "
                                 "no parcels and status ledger yet: the views need both")
    except psycopg.Error as exc:
        raise StoreError(f"{mask(store.url)}: vai trò chỉ đọc không tạo được / read-only role "
                         f"{role!r} not set up: {str(exc).strip()}") from None
    return made


__all__ = ["VIEWS", "PARCELS_STATUS", "INVESTMENTS_CURRENT", "create_views", "drop_views",
           "refresh_views", "grant_reader"]

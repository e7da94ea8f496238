"""The PostGIS store's status ledger (appends, checked in the writers' transaction) and its
record of batches (the import history and the versions they replaced)."""

from __future__ import annotations

import datetime as dt
import json
from typing import Mapping

import numpy as np
import pandas as pd

from landgis import contract
from landgis.store.base import (
    BATCH_COLUMNS,
    Batch,
    LedgerError,
    StoreError,
    check_events,
    check_expected,
    dates_as_text,
    recorded_no_earlier_than,
    stamp_batch,
)
from landgis.store.changes import change_rows, changes_answer, merge_update
from landgis.store.pg_schema import (
    BATCHES,
    CHANGES,
    EVENTS,
    FID,
    PARCELS,
    SRID,
    _as_store_errors,
    ensure_changes,
    mask,
    psycopg,
    sql,
)
from landgis.store.pg_values import _prepare, _rows, _to_python
from landgis.store.pg_views import refresh_views

PROGRESS = contract.PROGRESS_EVENTS.name


class LedgerAndBatches:
    """The ledger and batch methods of :class:`~landgis.store.postgis.PostGISStore` (which
    provides the connection, the table helpers and the reading)."""

    def _insert_batch(self, conn, layer: str, features: int, batch: Batch,
                      replaced: bool) -> int:
        """Record a batch in the open transaction (writers take turns, so max + 1 is safe)."""
        now = dt.datetime.now(dt.timezone.utc).astimezone().isoformat(timespec="seconds")
        row = conn.execute(sql.SQL(
            "INSERT INTO {t} (batch_id, layer, action, source_name, source_sha256, \"user\", "
            "recorded_at, features, counts, note, has_previous) SELECT "
            "COALESCE(MAX(batch_id), 0) + 1, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s FROM {t} "
            "RETURNING batch_id").format(t=self._t(BATCHES)),
            (layer, batch.action, batch.source_name, batch.source_sha256, batch.user, now,
             int(features), json.dumps(dict(batch.counts), ensure_ascii=False), batch.note,
             bool(replaced))).fetchone()
        return int(row[0])

    def _insert_changes(self, conn, batch_id: int, layer: str, boxes) -> None:
        """Record what a batch touched in the open transaction (COPY): one row a box, one
        row with no box (``boxes`` None) for a whole write."""
        ensure_changes(conn, self.schema)
        copy_sql = sql.SQL("COPY {} (batch_id, layer, minx, miny, maxx, maxy) FROM STDIN"
                           ).format(self._t(CHANGES))
        with conn.cursor().copy(copy_sql) as copy:
            for row in change_rows(batch_id, layer, boxes):
                copy.write_row(row)

    # ------------------------------------------------------------------ batches

    @_as_store_errors
    def batch_mark(self) -> int:
        row = self._connection().execute(sql.SQL(
            "SELECT COALESCE(MAX(batch_id), 0) FROM {}").format(self._t(BATCHES))).fetchone()
        return int(row[0])

    @_as_store_errors
    def layer_changes(self, name: str, after_batch: int):
        conn = self._connection()
        after = int(after_batch)
        with conn.transaction():  # one snapshot for both reads
            later = conn.execute(sql.SQL("SELECT count(*) FROM {} WHERE layer = %s AND "
                                         "batch_id > %s").format(self._t(BATCHES)),
                                 (name, after)).fetchone()[0]
            recorded = self._table_exists(conn, CHANGES)
            rows = [] if not later or not recorded else conn.execute(sql.SQL(
                "SELECT minx, miny, maxx, maxy FROM {} WHERE layer = %s AND batch_id > %s"
            ).format(self._t(CHANGES)), (name, after)).fetchall()
        return changes_answer(
            [tuple(float("nan") if v is None else v for v in r) for r in rows], later,
            recorded)

    @_as_store_errors
    def list_batches(self, layer: str | None = None) -> pd.DataFrame:
        conn = self._connection()
        cols = sql.SQL(", ").join(map(sql.Identifier, BATCH_COLUMNS))
        if layer is None:
            rows = conn.execute(sql.SQL("SELECT {} FROM {} ORDER BY batch_id").format(
                cols, self._t(BATCHES))).fetchall()
        else:
            rows = conn.execute(sql.SQL("SELECT {} FROM {} WHERE layer = %s ORDER BY batch_id"
                                        ).format(cols, self._t(BATCHES)), (layer,)).fetchall()
        if not rows:
            return pd.DataFrame(columns=BATCH_COLUMNS)
        df = pd.DataFrame.from_records(rows, columns=BATCH_COLUMNS, coerce_float=True)
        df["has_previous"] = df["has_previous"].astype(bool)
        return df

    @_as_store_errors
    def read_previous(self, batch_id: int, *, with_fid: bool = False) -> pd.DataFrame:
        batches = self.list_batches()
        row = batches[batches["batch_id"] == batch_id]
        if row.empty:
            raise StoreError(f"{mask(self.url)}: no batch {batch_id}")
        layer = row["layer"].iloc[0]
        if not row["has_previous"].iloc[0]:
            raise StoreError(f"batch {batch_id} created layer {layer!r}; there is no earlier "
                             "version to restore")
        kept = f"{layer}__batch_{int(batch_id)}"
        conn = self._connection()
        if not self._table_exists(conn, kept, self.history_schema):
            raise StoreError(f"the version before batch {batch_id} is no longer kept "
                             f"({self.history_schema}.{kept})")
        return self._read(conn, layer, schema=self.history_schema, table=kept,
                          with_fid=with_fid)

    # ------------------------------------------------------------------ updates

    def update_layer(self, name: str, df: pd.DataFrame, *, remove=(), events=None,
                     lineage=None, batch: Batch, validate: bool = True) -> int:
        """:meth:`Store.update_layer` in one transaction: the layer is rewritten as
        :meth:`write_layer` does (the replaced table goes to the history schema), then the
        events and lineage rows are appended, and all commit together, with the boxes the
        batch touched. The kept rows keep their feature ids, the new ones get ids above."""
        layer = contract.get_layer(name)
        if validate:
            contract.validate_layer(df, layer, crs_epsg=SRID)
        df = dates_as_text(df, name)
        conn = self._connection()
        try:
            with conn.transaction():
                self._lock_writers(conn)  # the rows kept are read under the writer lock
                rows, boxes = merge_update(self._read(conn, name, with_fid=True), df,
                                           layer.key, remove)
                fids = rows.pop(FID).to_numpy()
                columns, values, spatial = _prepare(name, rows)
                del rows
                batch_id = self._write(conn, name, columns, values, spatial, batch, len(df),
                                       fids=fids, boxes=boxes)
                events, lineage = stamp_batch(events, lineage, batch_id)
                if events is not None and len(events):
                    self._append(conn, events.reset_index(drop=True), None, None)
                if lineage is not None and len(lineage):
                    self._insert_lineage(conn, lineage)
        except psycopg.errors.UniqueViolation as exc:
            raise LedgerError(f"status events not recorded: {str(exc).strip()}") from None
        except (StoreError, contract.ContractError):
            raise
        except Exception as exc:  # the transaction is rolled back: nothing changed
            raise StoreError(f"{mask(self.url)}: layer {name!r} not updated: "
                             f"{str(exc).strip()}") from exc
        return batch_id

    # ------------------------------------------------------------------ the ledger

    def append_events(self, events: pd.DataFrame, *, batch: Batch | None = None,
                      expect: Mapping[tuple[str, str], str] | None = None) -> int:
        if len(events) == 0:
            return 0
        events = events.reset_index(drop=True)
        conn = self._connection()
        try:
            with conn.transaction():
                self._append(conn, events, batch, expect)
        except psycopg.errors.UniqueViolation as exc:  # the database's own guard on event ids
            raise LedgerError(f"status events not recorded: {str(exc).strip()}") from None
        except psycopg.Error as exc:
            raise StoreError(f"{mask(self.url)}: status events not recorded: "
                             f"{str(exc).strip()}") from exc
        return len(events)

    def _append(self, conn, events: pd.DataFrame, batch, expect) -> None:
        self._lock_writers(conn)
        if not self._table_exists(conn, EVENTS):
            raise LedgerError(f"{mask(self.url)}: no status ledger; write the layers first")
        have = dict(self._columns(conn, EVENTS))
        grew = False
        for column in contract.STATUS_EVENTS.column_names:
            if column in events.columns and column not in have:  # the contract grew
                conn.execute(sql.SQL("ALTER TABLE {} ADD COLUMN {} text").format(
                    self._t(EVENTS), sql.Identifier(column)))
                grew = True
        if grew:  # e.g. corrects_event_id: the views read it from now on
            refresh_views(conn, self.schema)
        existing = self._present(conn, EVENTS, "event_id", events.get("event_id"))
        targets = self._present(conn, EVENTS, "event_id", events.get("corrects_event_id"))
        parcels = (self._present(conn, PARCELS, "parcel_id", events.get("parcel_id"))
                   if self._table_exists(conn, PARCELS) else set())
        check_events(events, existing, parcels, targets)
        events = dates_as_text(events, EVENTS)
        if expect:
            rows = self._read(conn, EVENTS, where={"parcel_id": sorted({p for p, _f in expect})})
            for column in contract.STATUS_EVENTS.column_names:
                if column not in rows.columns:
                    rows[column] = pd.Series(dtype=object)
            check_expected(expect, rows)
            # the database's clock, read under the writer lock: one clock for every app server
            now = conn.execute("SELECT clock_timestamp()").fetchone()[0]
            events = recorded_no_earlier_than(events, now, rows)
        cols = [c for c in contract.STATUS_EVENTS.column_names if c in events.columns]
        values = [_to_python(events[c], "text", contract.STATUS_EVENTS.column(c).kind)
                  for c in cols]
        start = conn.execute(sql.SQL("SELECT COALESCE(MAX({}), 0) + 1 FROM {}").format(
            sql.Identifier(FID), self._t(EVENTS))).fetchone()[0]
        copy_sql = sql.SQL("COPY {} ({}) FROM STDIN").format(
            self._t(EVENTS), sql.SQL(", ").join(map(sql.Identifier, [FID] + cols)))
        with conn.cursor().copy(copy_sql) as copy:
            for row in _rows(int(start), values):
                copy.write_row(row)
        if batch is not None:
            self._insert_batch(conn, EVENTS, len(events), batch, replaced=False)

    def append_progress(self, events: pd.DataFrame, *, status_events=None, batch=None,
                        expect=None) -> int | None:
        """:meth:`Store.append_progress` in one transaction, under the writers' lock."""
        from landgis.store.errors import ConflictError
        from landgis.store.gpkg_ledger import progress_conflicts

        events = dates_as_text(events.reset_index(drop=True), PROGRESS)
        conn = self._connection()
        try:
            with conn.transaction():
                self._lock_writers(conn)
                table = self._t(PROGRESS)
                if not self._table_exists(conn, PROGRESS):
                    kinds = {"int": "bigint", "float": "double precision"}
                    cols = sql.SQL(", ").join(
                        sql.SQL("{} {}").format(sql.Identifier(c.name),
                                                sql.SQL(kinds.get(c.kind, "text")))
                        for c in contract.PROGRESS_EVENTS.columns)
                    conn.execute(sql.SQL("CREATE TABLE {} ({} bigint PRIMARY KEY, {}, "
                                         "UNIQUE (event_id))").format(
                        table, sql.Identifier(FID), cols))
                    conn.execute(sql.SQL("CREATE INDEX ON {} (subject_kind, subject_id)")
                                 .format(table))
                    refresh_views(conn, self.schema)  # investments_current needs this table
                existing = self._present(conn, PROGRESS, "event_id", events["event_id"])
                ids = [str(v) for v in events["event_id"]]
                if existing or len(set(ids)) < len(ids):
                    raise LedgerError(f"progress event id(s) already recorded: "
                                      f"{', '.join(sorted(existing)[:5]) or 'repeated'}")
                wanted = events.get("corrects_event_id")
                targets = self._present(conn, PROGRESS, "event_id", wanted)
                named = {v for v in (wanted if wanted is not None else [])
                         if isinstance(v, str) and v}
                if named - targets:
                    raise LedgerError(f"correction of unknown event "
                                      f"{sorted(named - targets)[0]!r}")
                if expect:
                    counts = {}
                    for kind, sid in expect:
                        counts[(kind, sid)] = conn.execute(sql.SQL(
                            "SELECT count(*) FROM {} WHERE subject_kind = %s AND "
                            "subject_id = %s").format(table), (kind, sid)).fetchone()[0]
                    stale = progress_conflicts(expect, counts)
                    if stale:
                        raise ConflictError(stale)
                cols = list(contract.PROGRESS_EVENTS.column_names)
                values = [_to_python(events[c] if c in events else pd.Series(
                    [None] * len(events), dtype=object),
                    "bigint" if contract.PROGRESS_EVENTS.column(c).kind == "int" else "text",
                    contract.PROGRESS_EVENTS.column(c).kind) for c in cols]
                start = conn.execute(sql.SQL("SELECT COALESCE(MAX({}), 0) + 1 FROM {}").format(
                    sql.Identifier(FID), table)).fetchone()[0]
                copy_sql = sql.SQL("COPY {} ({}) FROM STDIN").format(
                    table, sql.SQL(", ").join(map(sql.Identifier, [FID] + cols)))
                with conn.cursor().copy(copy_sql) as copy:
                    for row in _rows(int(start), values):
                        copy.write_row(row)
                if status_events is not None and len(status_events):
                    self._append(conn, status_events.reset_index(drop=True), None, None)
                batch_id = None
                if batch is not None:
                    batch_id = self._insert_batch(conn, PROGRESS, len(events), batch,
                                                  replaced=False)
        except psycopg.errors.UniqueViolation as exc:
            raise LedgerError(f"progress events not recorded: {str(exc).strip()}") from None
        except psycopg.Error as exc:
            raise StoreError(f"{mask(self.url)}: progress events not recorded: "
                             f"{str(exc).strip()}") from exc
        return batch_id

    def _insert_lineage(self, conn, lineage: pd.DataFrame) -> None:
        """Append lineage rows in the open transaction, making the table on first use."""
        table = self._t(contract.PARCEL_LINEAGE.name)
        conn.execute(sql.SQL("CREATE TABLE IF NOT EXISTS {} ({} bigint PRIMARY KEY, "
                             "batch_id bigint, parent_id text, child_id text, kind text, "
                             "share double precision)").format(table, sql.Identifier(FID)))
        start = conn.execute(sql.SQL("SELECT COALESCE(MAX({}), 0) + 1 FROM {}").format(
            sql.Identifier(FID), table)).fetchone()[0]
        rows = lineage[list(contract.PARCEL_LINEAGE.column_names)].itertuples(index=False,
                                                                               name=None)
        with conn.cursor() as cur:
            cur.executemany(sql.SQL("INSERT INTO {} ({}, batch_id, parent_id, child_id, kind, "
                                    "share) VALUES (%s, %s, %s, %s, %s, %s)").format(
                table, sql.Identifier(FID)),
                [(int(start) + i, int(b), str(p), str(c), str(k), float(s))
                 for i, (b, p, c, k, s) in enumerate(rows)])

    def _present(self, conn, table: str, column: str, values) -> set[str]:
        """Which of ``values`` are in ``table.column``, asked in SQL inside the transaction."""
        if values is None:
            return set()
        wanted = sorted({v if isinstance(v, str) else str(v) for v in values
                         if v is not None and not (isinstance(v, float) and np.isnan(v))
                         and (not isinstance(v, str) or v)})
        if not wanted:
            return set()
        rows = conn.execute(sql.SQL("SELECT DISTINCT {c} FROM {t} WHERE {c} = ANY(%s::text[])"
                                    ).format(c=sql.Identifier(column), t=self._t(table)),
                            (wanted,)).fetchall()
        return {r[0] for r in rows}

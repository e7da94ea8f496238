"""The GeoPackage store's status ledger (appends checked inside one SQLite transaction), its
record of batches, and updates of part of a layer with their events and lineage rows."""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import sqlite3

import pandas as pd
import pyogrio

from landgis import contract
from landgis.store.base import (
    Batch,
    LedgerError,
    StoreError,
    check_events,
    check_expected,
    dates_as_text,
    recorded_no_earlier_than,
    stamp_batch,
)
from landgis.store.changes import CHANGES, FID, change_rows, merge_update

EVENTS = contract.STATUS_EVENTS.name
BATCHES = "import_batches"
BATCHES_DDL = f"""CREATE TABLE IF NOT EXISTS "{BATCHES}" (
    batch_id INTEGER PRIMARY KEY, layer TEXT NOT NULL, action TEXT NOT NULL,
    source_name TEXT, source_sha256 TEXT, user TEXT, recorded_at TEXT NOT NULL,
    features INTEGER, counts TEXT, note TEXT, has_previous INTEGER NOT NULL)"""


def _insert_batch(con: sqlite3.Connection, layer: str, features: int, batch: Batch,
                  replaced: bool) -> int:
    """Record a batch in the open transaction of ``con``; returns its id."""
    now = dt.datetime.now(dt.timezone.utc).astimezone().isoformat(timespec="seconds")
    con.execute(BATCHES_DDL)
    con.execute(
        "INSERT OR IGNORE INTO gpkg_contents (table_name, data_type, identifier, "
        "last_change) VALUES (?, 'attributes', ?, strftime('%Y-%m-%dT%H:%M:%fZ','now'))",
        (BATCHES, BATCHES))
    cur = con.execute(
        f'INSERT INTO "{BATCHES}" (layer, action, source_name, source_sha256, user, '
        "recorded_at, features, counts, note, has_previous) VALUES (?,?,?,?,?,?,?,?,?,?)",
        (layer, batch.action, batch.source_name, batch.source_sha256, batch.user, now,
         features, json.dumps(dict(batch.counts), ensure_ascii=False), batch.note,
         int(replaced)))
    return int(cur.lastrowid)


CHANGES_DDL = (f'CREATE TABLE IF NOT EXISTS "{CHANGES}" (fid INTEGER PRIMARY KEY AUTOINCREMENT, '
               "batch_id INTEGER NOT NULL, layer TEXT NOT NULL, minx REAL, miny REAL, "
               "maxx REAL, maxy REAL)")


def _insert_changes(con: sqlite3.Connection, batch_id: int, layer: str, boxes) -> None:
    """Record what batch ``batch_id`` touched on ``layer`` in the open transaction: one row a
    box, or one row with no box (``boxes`` None) for a whole replacement. The table is made
    on first use, an attributes table of the GeoPackage (as the batch table), not a layer."""
    con.execute(CHANGES_DDL)
    con.execute(f'CREATE INDEX IF NOT EXISTS "{CHANGES}_layer_batch" ON "{CHANGES}" '
                "(layer, batch_id)")
    con.execute(
        "INSERT OR IGNORE INTO gpkg_contents (table_name, data_type, identifier, "
        "last_change) VALUES (?, 'attributes', ?, strftime('%Y-%m-%dT%H:%M:%fZ','now'))",
        (CHANGES, CHANGES))
    con.executemany(f'INSERT INTO "{CHANGES}" (batch_id, layer, minx, miny, maxx, maxy) '
                    "VALUES (?,?,?,?,?,?)", change_rows(batch_id, layer, boxes))


def read_with_fid(path, name: str, **kwargs) -> pd.DataFrame:
    """A layer of a GeoPackage file with its feature ids as the first column, ``fid``, and its
    dates as ISO text (call it under the lock)."""
    df = pyogrio.read_dataframe(path, layer=name, use_arrow=True, fid_as_index=True, **kwargs)
    df.insert(0, FID, df.index.to_numpy(dtype="int64"))
    return df.reset_index(drop=True)


def _insert_lineage(con: sqlite3.Connection, lineage: pd.DataFrame) -> None:
    """Append lineage rows in the open transaction, making the table on first use."""
    name = contract.PARCEL_LINEAGE.name
    con.execute(f'CREATE TABLE IF NOT EXISTS "{name}" (fid INTEGER PRIMARY KEY AUTOINCREMENT, '
                "batch_id INTEGER, parent_id TEXT, child_id TEXT, kind TEXT, share REAL)")
    con.execute("INSERT OR IGNORE INTO gpkg_contents (table_name, data_type, identifier, "
                "last_change) VALUES (?, 'attributes', ?, "
                "strftime('%Y-%m-%dT%H:%M:%fZ','now'))", (name, name))
    con.executemany(f'INSERT INTO "{name}" (batch_id, parent_id, child_id, kind, share) '
                    "VALUES (?,?,?,?,?)",
                    [(int(b), str(p), str(c), str(k), float(s)) for b, p, c, k, s in
                     lineage[list(contract.PARCEL_LINEAGE.column_names)].itertuples(
                         index=False, name=None)])


PROGRESS = contract.PROGRESS_EVENTS.name
_SQL_KIND = {"int": "INTEGER", "float": "REAL"}


def _ensure_progress(con: sqlite3.Connection) -> None:
    """Make the progress ledger in the open transaction on first use (an attributes table)."""
    if con.execute("SELECT 1 FROM sqlite_master WHERE name = ?", (PROGRESS,)).fetchone():
        return
    cols = ", ".join(f'"{c.name}" {_SQL_KIND.get(c.kind, "TEXT")}'
                     for c in contract.PROGRESS_EVENTS.columns)
    con.execute(f'CREATE TABLE "{PROGRESS}" (fid INTEGER PRIMARY KEY AUTOINCREMENT, {cols})')
    con.execute(f'CREATE UNIQUE INDEX "{PROGRESS}_event_id" ON "{PROGRESS}" (event_id)')
    con.execute(f'CREATE INDEX "{PROGRESS}_subject" ON "{PROGRESS}" (subject_kind, subject_id)')
    con.execute("INSERT OR IGNORE INTO gpkg_contents (table_name, data_type, identifier, "
                "last_change) VALUES (?, 'attributes', ?, "
                "strftime('%Y-%m-%dT%H:%M:%fZ','now'))", (PROGRESS, PROGRESS))


def progress_conflicts(expect, counts) -> list[dict]:
    """Subjects whose number of events differs from what the editor saw."""
    return [{"subject_kind": kind, "subject_id": sid, "seen": int(seen),
             "now": counts.get((kind, sid), 0)}
            for (kind, sid), seen in expect.items() if counts.get((kind, sid), 0) != int(seen)]


def progress_rows(events: pd.DataFrame):
    cols = list(contract.PROGRESS_EVENTS.column_names)
    df = events.reindex(columns=cols)
    for c in ("year", "amount_vnd", "base_vnd"):
        df[c] = [None if v is None or pd.isna(v) else int(v) for v in df[c]]
    df = dates_as_text(df, PROGRESS)
    return cols, df.astype(object).where(df.notna(), None).itertuples(index=False, name=None)


class GpkgLedger:
    """The ledger and update methods of :class:`~landgis.store.geopackage.GeoPackageStore`
    (which provides the path, the lock, the copies and the batch history)."""

    def update_layer(self, name: str, df: pd.DataFrame, *, remove=(), events=None,
                     lineage=None, batch: Batch, validate: bool = True) -> int:
        """:meth:`Store.update_layer`: the layer is rewritten whole in the copy of the file
        (kept rows with their feature ids, new ones above the highest), the events, lineage
        rows and the boxes the batch touched go into the same copy, and the copy replaces the
        file, as :meth:`write_layer` does."""
        layer = contract.get_layer(name)
        if validate:
            contract.validate_layer(df, layer, crs_epsg=contract.STORAGE_EPSG)
        df = dates_as_text(df, name)
        with self._lock():
            self._require(name)
            old = dates_as_text(read_with_fid(self.path, name), name, reading=True)
            rows, boxes = merge_update(old, df, layer.key, remove)
            del old
            self._remove_stale_copies()
            tmp = self.path.with_name(f"{self._tmp_prefix()}{os.getpid()}.gpkg")
            try:
                shutil.copyfile(self.path, tmp)
                pyogrio.write_dataframe(rows, tmp, layer=name, driver="GPKG", use_arrow=True)
                con = sqlite3.connect(tmp, isolation_level=None)
                try:
                    con.execute("BEGIN IMMEDIATE")
                    batch_id = _insert_batch(con, name, len(df), batch, True)
                    _insert_changes(con, batch_id, name, boxes)
                    events, lineage = stamp_batch(events, lineage, batch_id)
                    if events is not None and len(events):
                        if not con.execute("SELECT 1 FROM sqlite_master WHERE name = ?",
                                           (EVENTS,)).fetchone():
                            raise LedgerError(f"{self.path}: no status ledger")
                        self._append_in(con, events.reset_index(drop=True))
                    if lineage is not None and len(lineage):
                        _insert_lineage(con, lineage)
                    con.execute("COMMIT")
                finally:
                    con.close()
                with open(tmp, "rb+") as fh:
                    os.fsync(fh.fileno())
                self._keep_previous(batch_id)
                os.replace(tmp, self.path)
            except Exception as exc:
                tmp.unlink(missing_ok=True)
                if isinstance(exc, (StoreError, contract.ContractError)):
                    raise
                raise StoreError(f"{self.path}: layer {name!r} not updated: {exc}") from exc
        return batch_id

    def append_events(self, events: pd.DataFrame, *, batch: Batch | None = None,
                      expect=None) -> int:
        if len(events) == 0:
            return 0
        events = events.reset_index(drop=True)
        with self._lock():
            if EVENTS not in self._layer_names():
                raise LedgerError(f"{self.path}: no status ledger; write the layers first")
            con = sqlite3.connect(self.path, timeout=30, isolation_level=None)
            try:
                con.execute("BEGIN IMMEDIATE")
                self._append_in(con, events, expect)
                if batch is not None:
                    _insert_batch(con, EVENTS, len(events), batch, replaced=False)
                con.execute("COMMIT")
            except BaseException:
                if con.in_transaction:
                    con.execute("ROLLBACK")
                raise
            finally:
                con.close()
        return len(events)

    def append_progress(self, events: pd.DataFrame, *, status_events=None, batch=None,
                        expect=None) -> int | None:
        """:meth:`Store.append_progress` in one SQLite transaction."""
        from landgis.store.errors import ConflictError

        events = events.reset_index(drop=True)
        with self._lock():
            con = sqlite3.connect(self.path, timeout=30, isolation_level=None)
            try:
                con.execute("BEGIN IMMEDIATE")
                _ensure_progress(con)
                ids = [str(v) for v in events["event_id"]]
                dup = {r[0] for i in range(0, len(ids), 900) for r in con.execute(
                    f'SELECT event_id FROM "{PROGRESS}" WHERE event_id IN '
                    f'({",".join("?" * len(ids[i:i + 900]))})', ids[i:i + 900])}
                if dup or len(set(ids)) < len(ids):
                    raise LedgerError(f"{self.path}: progress event id(s) already recorded: "
                                      f"{', '.join(sorted(dup)[:5]) or 'repeated in the batch'}")
                targets = sorted({str(v) for v in events.get("corrects_event_id", [])
                                  if isinstance(v, str) and v})
                for t in targets:
                    if not con.execute(f'SELECT 1 FROM "{PROGRESS}" WHERE event_id = ?',
                                       (t,)).fetchone():
                        raise LedgerError(f"{self.path}: correction of unknown event {t!r}")
                if expect:
                    counts = {}
                    for kind, sid in expect:
                        counts[(kind, sid)] = con.execute(
                            f'SELECT count(*) FROM "{PROGRESS}" WHERE subject_kind = ? AND '
                            "subject_id = ?", (kind, sid)).fetchone()[0]
                    stale = progress_conflicts(expect, counts)
                    if stale:
                        raise ConflictError(stale)
                cols, rows = progress_rows(events)
                con.executemany(f'INSERT INTO "{PROGRESS}" ({", ".join(cols)}) '
                                f'VALUES ({", ".join("?" * len(cols))})', rows)
                if status_events is not None and len(status_events):
                    if not con.execute("SELECT 1 FROM sqlite_master WHERE name = ?",
                                       (EVENTS,)).fetchone():
                        raise LedgerError(f"{self.path}: no status ledger")
                    self._append_in(con, status_events.reset_index(drop=True))
                batch_id = None
                if batch is not None:
                    batch_id = _insert_batch(con, PROGRESS, len(events), batch, replaced=False)
                con.execute(f"UPDATE gpkg_contents SET last_change = "
                            f"strftime('%Y-%m-%dT%H:%M:%fZ','now') WHERE table_name = ?",
                            (PROGRESS,))
                con.execute("COMMIT")
            except BaseException:
                if con.in_transaction:
                    con.execute("ROLLBACK")
                raise
            finally:
                con.close()
        return batch_id

    def _append_in(self, con: sqlite3.Connection, events: pd.DataFrame, expect=None) -> None:
        """Check and insert ledger events in the open transaction of ``con``."""
        existing = self._existing_ids(con, events["event_id"])
        self._add_missing_columns(con, events)
        targets = self._existing_ids(con, events.get("corrects_event_id"))
        check_events(events, existing, self._known_parcels(con, events), targets)
        events = dates_as_text(events, EVENTS)
        if expect:
            checked = self._ledger_rows(con, {p for p, _f in expect})
            check_expected(expect, checked)
            events = recorded_no_earlier_than(events, dt.datetime.now(dt.timezone.utc),
                                              checked)
        cols = [c for c in contract.STATUS_EVENTS.column_names if c in events.columns]
        rows = events[cols].astype(object).where(events[cols].notna(), None)
        con.executemany(
            f'INSERT INTO "{EVENTS}" ({", ".join(cols)}) '
            f'VALUES ({", ".join("?" * len(cols))})',
            rows.itertuples(index=False, name=None),
        )

    @staticmethod
    def _add_missing_columns(con: sqlite3.Connection, events: pd.DataFrame) -> None:
        """Columns the contract gained after the ledger was made (corrects_event_id)."""
        have = {row[1] for row in con.execute(f'PRAGMA table_info("{EVENTS}")')}
        for column in contract.STATUS_EVENTS.column_names:
            if column in events.columns and column not in have:
                con.execute(f'ALTER TABLE "{EVENTS}" ADD COLUMN "{column}" TEXT')

    @staticmethod
    def _existing_ids(con: sqlite3.Connection, ids) -> set[str]:
        wanted = sorted({str(v) for v in (ids if ids is not None else []) if isinstance(v, str)})
        found: set[str] = set()
        for i in range(0, len(wanted), 900):
            chunk = wanted[i:i + 900]
            found.update(r[0] for r in con.execute(
                f'SELECT event_id FROM "{EVENTS}" WHERE event_id IN '
                f'({",".join("?" * len(chunk))})', chunk))
        return found

    @staticmethod
    def _ledger_rows(con: sqlite3.Connection, parcel_ids) -> pd.DataFrame:
        """The ledger rows of some parcels, read inside the open transaction."""
        wanted = sorted(parcel_ids)
        frames = []
        for i in range(0, len(wanted), 900):
            chunk = wanted[i:i + 900]
            frames.append(pd.read_sql_query(
                f'SELECT * FROM "{EVENTS}" WHERE parcel_id IN ({",".join("?" * len(chunk))})',
                con, params=chunk))
        rows = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
        for column in contract.STATUS_EVENTS.column_names:
            if column not in rows.columns:
                rows[column] = pd.Series(dtype=object)
        return rows

    def _known_parcels(self, con: sqlite3.Connection, events: pd.DataFrame) -> set[str]:
        wanted = sorted(set(events["parcel_id"].astype(str))) if "parcel_id" in events else []
        if not wanted or not con.execute("SELECT 1 FROM sqlite_master WHERE name = ?",
                                          (contract.PARCELS.name,)).fetchone():
            return set()
        found: set[str] = set()
        for i in range(0, len(wanted), 900):
            chunk = wanted[i:i + 900]
            found.update(r[0] for r in con.execute(
                f'SELECT parcel_id FROM "{contract.PARCELS.name}" WHERE parcel_id IN '
                f'({",".join("?" * len(chunk))})', chunk))
        return found

"""The embedded store: one GeoPackage file, read and written with pyogrio (GDAL).

Atomic layer writes: under an exclusive lock the whole file is copied beside itself, the layer is
rewritten in the copy, and the copy replaces the original with ``os.replace``. A write that fails,
or a process killed midway, leaves the original file as it was; the stale copy is removed by the
next writer. Readers never see a half-written layer.

Ledger appends go straight into the ``status_events`` table in one SQLite transaction, under the
same lock, so an append can never be lost to a concurrent layer write.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import shutil
import sqlite3
from pathlib import Path
from typing import Sequence

import pandas as pd
import pyogrio

from landgis import contract
from landgis.store.base import (
    BBox,
    LayerNotFoundError,
    LedgerError,
    Store,
    StoreError,
    Where,
    check_events,
    check_identifier,
    normalise_where,
)

EVENTS = contract.STATUS_EVENTS.name


def _sql_literal(value) -> str:
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return repr(value)
    return "'" + str(value).replace("'", "''") + "'"


def where_sql(where: dict[str, list]) -> str | None:
    """An OGR SQL WHERE clause for a normalised filter; values are quoted, never spliced."""
    parts = []
    for col, values in where.items():
        nulls = any(v is None for v in values)
        values = [v for v in values if v is not None]
        terms = []
        if values:
            terms.append(f'"{col}" IN ({", ".join(_sql_literal(v) for v in values)})')
        if nulls:
            terms.append(f'"{col}" IS NULL')
        parts.append("(" + " OR ".join(terms) + ")" if terms else "0")
    return " AND ".join(parts) if parts else None


class GeoPackageStore(Store):
    """Layers kept in one GeoPackage file.

    Parameters
    ----------
    path : str or Path
        The ``.gpkg`` file.
    create : bool
        Allow the file not to exist yet (the first write creates it).
    """

    def __init__(self, path: str | os.PathLike, *, create: bool = False):
        self.path = Path(path)
        self.url = str(self.path)
        if self.path.suffix.lower() != ".gpkg":
            raise StoreError(f"{self.path}: a GeoPackage store needs a .gpkg file")
        if not create and not self.path.exists():
            raise StoreError(
                f"no GeoPackage at {self.path}; build the demo layers with "
                "`make layers` (or scripts/make_demo_layers.py) or name another with --db"
            )

    # ------------------------------------------------------------------ helpers

    @contextlib.contextmanager
    def _lock(self):
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with open(str(self.path) + ".lock", "a+") as fh:
            fcntl.flock(fh, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(fh, fcntl.LOCK_UN)

    def _tmp_prefix(self) -> str:
        return f".{self.path.name}.tmp-"

    def _remove_stale_copies(self) -> None:
        for stale in self.path.parent.glob(self._tmp_prefix() + "*"):
            stale.unlink(missing_ok=True)

    def _require(self, name: str) -> None:
        check_identifier(name)
        if name not in self.layers():
            raise LayerNotFoundError(
                f"{self.path}: no layer {name!r}; layers: {', '.join(self.layers()) or 'none'}"
            )

    # ------------------------------------------------------------------ interface

    def layers(self) -> list[str]:
        if not self.path.exists():
            return []
        return [str(row[0]) for row in pyogrio.list_layers(self.path)]

    def version(self) -> str:
        st = self.path.stat()
        return f"{st.st_ino}-{st.st_size}-{st.st_mtime_ns}"

    def fields(self, name: str) -> list[str]:
        """Column names of a layer (geometry excluded)."""
        self._require(name)
        return list(pyogrio.read_info(self.path, layer=name)["fields"])

    def read_layer(
        self,
        name: str,
        *,
        bbox: BBox | None = None,
        where: Where | None = None,
        columns: Sequence[str] | None = None,
    ) -> pd.DataFrame:
        self._require(name)
        fields = self.fields(name)
        filt = normalise_where(where, fields, name)
        if columns is not None:
            for col in columns:
                check_identifier(col)
                if col not in fields:
                    raise StoreError(f"layer {name!r} has no column {col!r}")
        df = pyogrio.read_dataframe(
            self.path,
            layer=name,
            bbox=tuple(bbox) if bbox is not None else None,
            where=where_sql(filt),
            columns=list(columns) if columns is not None else None,
            use_arrow=True,
        )
        if name == EVENTS and "recorded_at" in df:
            df = df.sort_values(["recorded_at", "event_id"], kind="stable", ignore_index=True)
        return df

    def write_layer(self, name: str, df: pd.DataFrame, *, validate: bool = True) -> None:
        check_identifier(name)
        layer = contract.LAYERS.get(name)
        if validate and layer is not None:
            contract.validate_layer(df, layer, crs_epsg=contract.STORAGE_EPSG if layer.is_spatial
                                    else None)
        with self._lock():
            if name == EVENTS and name in self.layers():
                raise LedgerError(
                    f"{self.path}: the status ledger is append-only and already exists; "
                    "record changes with append_events"
                )
            self._remove_stale_copies()
            tmp = self.path.with_name(f"{self._tmp_prefix()}{os.getpid()}.gpkg")
            try:
                if self.path.exists():
                    shutil.copyfile(self.path, tmp)
                pyogrio.write_dataframe(df, tmp, layer=name, driver="GPKG")
                with open(tmp, "rb+") as fh:
                    os.fsync(fh.fileno())
                os.replace(tmp, self.path)
            except Exception as exc:
                tmp.unlink(missing_ok=True)
                if isinstance(exc, StoreError):
                    raise
                raise StoreError(f"{self.path}: layer {name!r} not written: {exc}") from exc

    def append_events(self, events: pd.DataFrame) -> int:
        if len(events) == 0:
            return 0
        events = events.reset_index(drop=True)
        with self._lock():
            if EVENTS not in self.layers():
                raise LedgerError(f"{self.path}: no status ledger; write the layers first")
            con = sqlite3.connect(self.path, timeout=30, isolation_level=None)
            try:
                con.execute("BEGIN IMMEDIATE")
                existing = {r[0] for r in con.execute(
                    f'SELECT event_id FROM "{EVENTS}" WHERE event_id IN '
                    f'({",".join("?" * len(events))})', list(events["event_id"].astype(str)))}
                check_events(events, existing, self._known_parcels(con, events))
                cols = [c for c in contract.STATUS_EVENTS.column_names if c in events.columns]
                rows = events[cols].astype(object).where(events[cols].notna(), None)
                con.executemany(
                    f'INSERT INTO "{EVENTS}" ({", ".join(cols)}) '
                    f'VALUES ({", ".join("?" * len(cols))})',
                    rows.itertuples(index=False, name=None),
                )
                con.execute("COMMIT")
            except BaseException:
                if con.in_transaction:
                    con.execute("ROLLBACK")
                raise
            finally:
                con.close()
        return len(events)

    def _known_parcels(self, con: sqlite3.Connection, events: pd.DataFrame) -> set[str]:
        wanted = sorted(set(events["parcel_id"].astype(str))) if "parcel_id" in events else []
        if not wanted or contract.PARCELS.name not in self.layers():
            return set()
        found: set[str] = set()
        for i in range(0, len(wanted), 900):
            chunk = wanted[i:i + 900]
            found.update(r[0] for r in con.execute(
                f'SELECT parcel_id FROM "{contract.PARCELS.name}" WHERE parcel_id IN '
                f'({",".join("?" * len(chunk))})', chunk))
        return found

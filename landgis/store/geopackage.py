"""The embedded store: one GeoPackage file, read and written with pyogrio (GDAL).

Atomic layer writes: under an exclusive lock the whole file is copied beside itself, the layer is
rewritten in the copy, and the copy replaces the original with ``os.replace``. A write that fails,
or a process killed midway, leaves the original file as it was; the stale copy is removed by the
next writer. Readers never see a half-written layer.

A write made as a batch (an import or a restore) is recorded in the ``import_batches`` table of
the new file, in the same atomic step, and the file it replaces is kept (hard-linked, no copy)
as ``<file>.history/batch-<id>.gpkg``, from which that earlier version of the layer can be read
and restored.

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
    BATCH_COLUMNS,
    Batch,
    BBox,
    LayerNotFoundError,
    LedgerError,
    Store,
    StoreError,
    Where,
    check_identifier,
    dates_as_text,
    normalise_where,
)
from landgis.store.changes import CHANGES, FID, changes_answer, differing_boxes, feature_ids
from landgis.store.gpkg_ledger import (
    BATCHES,
    EVENTS,
    GpkgLedger,
    _insert_batch,
    _insert_changes,
    read_with_fid,
)


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


def _in_order(name: str, df: pd.DataFrame) -> pd.DataFrame:
    """The ledger in the order it was recorded (GDAL and SQLite give the file's order)."""
    if name == EVENTS and "recorded_at" in df:
        return df.sort_values(["recorded_at", "event_id"], kind="stable", ignore_index=True)
    return df


class GeoPackageStore(GpkgLedger, Store):
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
            raise StoreError(f"không có GeoPackage / no GeoPackage at {self.path}; build the "
                             "demo layers there or name another store", "database_url")

    # ------------------------------------------------------------------ helpers

    @contextlib.contextmanager
    def _lock(self, *, shared: bool = False):
        """Writers hold the lock alone; readers share it, so that no reader opens the file
        while a writer is in the middle of a transaction or of swapping the file (SQLite's
        rollback journal would make GDAL's read-only open fail). Never nest it."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with open(str(self.path) + ".lock", "a+") as fh:
            fcntl.flock(fh, fcntl.LOCK_SH if shared else fcntl.LOCK_EX)
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
        names = self._layer_names()
        if name not in names:
            raise LayerNotFoundError(
                f"{self.path}: no layer {name!r}; layers: {', '.join(names) or 'none'}"
            )

    def _layer_names(self) -> list[str]:
        """The layers (call it under the lock)."""
        if not self.path.exists():
            return []
        # the batch and change tables are the store's own record, not layers (list_batches
        # and layer_changes read them)
        return [str(row[0]) for row in pyogrio.list_layers(self.path)
                if row[0] not in (BATCHES, CHANGES)]

    def _fields(self, name: str) -> list[str]:
        self._require(name)
        return list(pyogrio.read_info(self.path, layer=name)["fields"])

    # ------------------------------------------------------------------ interface

    def layers(self) -> list[str]:
        with self._lock(shared=True):
            return self._layer_names()

    def version(self) -> str:
        st = self.path.stat()
        return f"{st.st_ino}-{st.st_size}-{st.st_mtime_ns}"

    def layer_version(self, name: str) -> str | None:
        """The layer's row of ``gpkg_contents``: GDAL stamps ``last_change`` (to the
        millisecond) and the extent when it writes a layer; a ledger append leaves them."""
        if not self.path.exists():
            return None
        try:
            con = sqlite3.connect(f"{self.path.resolve().as_uri()}?mode=ro", uri=True,
                                  timeout=10)
            try:
                row = con.execute("SELECT last_change, min_x, min_y, max_x, max_y FROM "
                                  "gpkg_contents WHERE table_name = ?", (name,)).fetchone()
            finally:
                con.close()
        except sqlite3.Error as exc:
            raise StoreError(f"{self.path}: cannot read the layers' stamps: {exc}") from exc
        return None if row is None else "|".join(map(str, row))

    def fields(self, name: str) -> list[str]:
        """Column names of a layer (geometry excluded)."""
        with self._lock(shared=True):
            return self._fields(name)

    def read_layer(
        self,
        name: str,
        *,
        bbox: BBox | None = None,
        where: Where | None = None,
        columns: Sequence[str] | None = None,
        with_fid: bool = False,
    ) -> pd.DataFrame:
        with self._lock(shared=True):
            fields = self._fields(name)
            filt = normalise_where(where, fields, name)
            if columns is not None:
                for col in columns:
                    check_identifier(col)
                    if col not in fields:
                        raise StoreError(f"layer {name!r} has no column {col!r}")
            options = dict(bbox=tuple(bbox) if bbox is not None else None,
                           where=where_sql(filt),
                           columns=list(columns) if columns is not None else None)
            df = (read_with_fid(self.path, name, **options) if with_fid else
                  pyogrio.read_dataframe(self.path, layer=name, use_arrow=True, **options))
        return dates_as_text(_in_order(name, df), name, reading=True)  # Date fields as ISO text

    def read_table(self, name: str, *, columns: Sequence[str] | None = None) -> pd.DataFrame:
        """:meth:`Store.read_table` from GDAL's Arrow stream, without building a GeoDataFrame
        or parsing the CRS. Layers with date, time or JSON fields go through
        :meth:`read_layer`, which converts them."""
        import shapely

        check_identifier(name)
        for col in columns or ():
            check_identifier(col)
        with self._lock(shared=True):
            try:  # one opening of the file (read_layer's checks open it twice more)
                meta, table = pyogrio.read_arrow(self.path, layer=name, columns=columns,
                                                 datetime_as_string=True)
            except pyogrio.errors.DataLayerError:
                self._require(name)  # LayerNotFoundError naming the layers there are
                raise
        missing = [c for c in columns or () if c not in meta["fields"]]
        if missing:
            raise StoreError(f"layer {name!r} has no column {missing[0]!r}")
        if any(str(t).startswith("datetime") for t in meta["dtypes"]) or \
                "OFSTJSON" in meta["ogr_subtypes"]:
            return super().read_table(name, columns=columns)
        df = table.to_pandas(self_destruct=True)
        del table
        geometry = meta["geometry_name"] or "wkb_geometry"
        if geometry in df.columns:
            df["geometry"] = shapely.from_wkb(df.pop(geometry).to_numpy())
        return _in_order(name, df)

    def write_layer(self, name: str, df: pd.DataFrame, *, validate: bool = True,
                    batch: Batch | None = None) -> int | None:
        return self._replace(name, df, validate=validate, batch=batch)

    def _write_restored(self, name: str, df: pd.DataFrame, batch: Batch) -> int:
        return self._replace(name, df, validate=True, batch=batch, restore=True)

    def _replace(self, name: str, df: pd.DataFrame, *, validate: bool, batch: Batch | None,
                 restore: bool = False) -> int | None:
        """The layer written whole into a copy of the file that replaces it; a ``fid`` column
        gives the feature ids (GDAL writes it as the FID, not as a field). A restore records
        the boxes of the rows that differ from the layer it replaces, any other batch that
        everything may have changed."""
        check_identifier(name)
        layer = contract.LAYERS.get(name)
        if validate and layer is not None:
            contract.validate_layer(df, layer, crs_epsg=contract.STORAGE_EPSG if layer.is_spatial
                                    else None)
        fids = feature_ids(df, name)
        if fids is not None and df[FID].dtype != "int64":
            df = df.assign(**{FID: fids})  # GDAL takes an integer column as the FID only
        df = dates_as_text(df, name)  # never a GDAL Date field: ISO text, as PostGIS keeps
        with self._lock():
            existed = name in self._layer_names()
            if name == EVENTS and existed:
                raise LedgerError(
                    f"{self.path}: the status ledger is append-only and already exists; "
                    "record changes with append_events"
                )
            boxes = None
            if restore and existed:
                boxes = differing_boxes(
                    dates_as_text(read_with_fid(self.path, name), name, reading=True), df)
            self._remove_stale_copies()
            tmp = self.path.with_name(f"{self._tmp_prefix()}{os.getpid()}.gpkg")
            batch_id = None
            try:
                if self.path.exists():
                    shutil.copyfile(self.path, tmp)
                pyogrio.write_dataframe(df, tmp, layer=name, driver="GPKG", use_arrow=True)
                if batch is not None:
                    batch_id = self._record_batch(tmp, name, len(df), batch, existed, boxes)
                with open(tmp, "rb+") as fh:
                    os.fsync(fh.fileno())
                if batch_id is not None and existed:
                    self._keep_previous(batch_id)
                os.replace(tmp, self.path)
            except Exception as exc:
                tmp.unlink(missing_ok=True)
                if isinstance(exc, StoreError):
                    raise
                raise StoreError(f"{self.path}: layer {name!r} not written: {exc}") from exc
        return batch_id

    # ------------------------------------------------------------------ batches

    @property
    def history_dir(self) -> Path:
        return self.path.with_name(self.path.name + ".history")

    def _record_batch(self, gpkg: Path, layer: str, features: int, batch: Batch,
                      existed: bool, boxes=None) -> int:
        con = sqlite3.connect(gpkg, isolation_level=None)
        try:
            con.execute("BEGIN IMMEDIATE")
            batch_id = _insert_batch(con, layer, features, batch, existed)
            _insert_changes(con, batch_id, layer, boxes)
            con.execute("COMMIT")
            return batch_id
        finally:
            con.close()

    def _keep_previous(self, batch_id: int) -> None:
        self.history_dir.mkdir(exist_ok=True)
        target = self.history_dir / f"batch-{batch_id}.gpkg"
        target.unlink(missing_ok=True)
        try:
            os.link(self.path, target)
        except OSError:
            shutil.copyfile(self.path, target)

    def list_batches(self, layer: str | None = None) -> pd.DataFrame:
        if not self.path.exists():
            return pd.DataFrame(columns=BATCH_COLUMNS)
        with self._lock(shared=True):
            con = sqlite3.connect(f"file:{self.path}?mode=ro", uri=True)
            try:
                has = con.execute("SELECT 1 FROM sqlite_master WHERE name = ?",
                                  (BATCHES,)).fetchone()
                if not has:
                    return pd.DataFrame(columns=BATCH_COLUMNS)
                df = pd.read_sql_query(f'SELECT {", ".join(BATCH_COLUMNS)} FROM "{BATCHES}" '
                                       "ORDER BY batch_id", con)
            finally:
                con.close()
        df["has_previous"] = df["has_previous"].astype(bool)
        return df if layer is None else df[df["layer"] == layer].reset_index(drop=True)

    def _read_only(self):
        """A read-only SQLite connection to the file (call it under the shared lock)."""
        return sqlite3.connect(f"{self.path.resolve().as_uri()}?mode=ro", uri=True, timeout=10)

    def batch_mark(self) -> int:
        if not self.path.exists():
            return 0
        with self._lock(shared=True):
            con = self._read_only()
            try:
                if not con.execute("SELECT 1 FROM sqlite_master WHERE name = ?",
                                   (BATCHES,)).fetchone():
                    return 0
                return int(con.execute(f'SELECT COALESCE(MAX(batch_id), 0) FROM "{BATCHES}"'
                                       ).fetchone()[0])
            finally:
                con.close()

    def layer_changes(self, name: str, after_batch: int):
        if not self.path.exists():
            return changes_answer([], 0, False)
        after = int(after_batch)
        with self._lock(shared=True):
            con = self._read_only()
            try:
                tables = {r[0] for r in con.execute(
                    "SELECT name FROM sqlite_master WHERE name IN (?, ?)", (BATCHES, CHANGES))}
                later = 0 if BATCHES not in tables else con.execute(
                    f'SELECT count(*) FROM "{BATCHES}" WHERE layer = ? AND batch_id > ?',
                    (name, after)).fetchone()[0]
                rows = [] if not later or CHANGES not in tables else con.execute(
                    f'SELECT minx, miny, maxx, maxy FROM "{CHANGES}" WHERE layer = ? AND '
                    "batch_id > ? ORDER BY fid", (name, after)).fetchall()
            finally:
                con.close()
        return changes_answer(rows, later, CHANGES in tables)

    def read_previous(self, batch_id: int, *, with_fid: bool = False) -> pd.DataFrame:
        batches = self.list_batches()
        row = batches[batches["batch_id"] == batch_id]
        if row.empty:
            raise StoreError(f"{self.path}: no batch {batch_id}")
        layer = row["layer"].iloc[0]
        kept = self.history_dir / f"batch-{batch_id}.gpkg"
        if not row["has_previous"].iloc[0]:
            raise StoreError(f"batch {batch_id} created layer {layer!r}; there is no earlier "
                             "version to restore")
        if not kept.exists():
            raise StoreError(f"the version before batch {batch_id} is no longer kept ({kept})")
        df = (read_with_fid(kept, layer) if with_fid else
              pyogrio.read_dataframe(kept, layer=layer, use_arrow=True))
        return dates_as_text(df, layer, reading=True)

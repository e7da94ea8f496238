"""The store interface every backend implements (its typed errors are in
:mod:`landgis.store.errors`, its shared checks in :mod:`landgis.store.checks`; both re-exported).

A store holds the contract's layers in the storage CRS. Writing a layer replaces it atomically:
either the new rows are all there or the old ones are untouched. The status ledger
(``status_events``) is append-only: it is created once and then only grows through
:meth:`Store.append_events`.
"""

from __future__ import annotations

import abc
from dataclasses import dataclass, field
from typing import Iterable, Mapping, Sequence

import numpy as np
import pandas as pd

# re-exported: backends and callers import these from here
from landgis.store.checks import (  # noqa: F401
    Where,
    _holds_dates,
    _moment_text,
    check_events,
    check_expected,
    check_identifier,
    dates_as_text,
    mask_url,
    normalise_where,
    recorded_no_earlier_than,
    stamp_batch,
)
from landgis.store.errors import (  # noqa: F401
    ConflictError,
    LayerNotFoundError,
    LedgerError,
    StoreError,
)

BBox = tuple[float, float, float, float]


@dataclass(frozen=True)
class Batch:
    """What a layer write records about itself: where the data came from and who wrote it."""

    source_name: str
    user: str
    source_sha256: str | None = None
    action: str = "import"  # "import" | "restore"
    counts: Mapping[str, int] = field(default_factory=dict)
    note: str | None = None


#: Columns of the batch list returned by :meth:`Store.list_batches`.
BATCH_COLUMNS = ("batch_id", "layer", "action", "source_name", "source_sha256", "user",
                 "recorded_at", "features", "counts", "note", "has_previous")


class Store(abc.ABC):
    """A place that holds the layers: a GeoPackage file or a PostGIS schema."""

    url: str

    @abc.abstractmethod
    def layers(self) -> list[str]:
        """Names of the layers present."""

    @abc.abstractmethod
    def version(self) -> str:
        """A token that changes whenever anything stored changes (for caches)."""

    def layer_version(self, name: str) -> str | None:
        """A token that changes whenever layer ``name`` is written, but not when the status
        ledger grows, so that what is derived from a layer (its tiles, its in-memory index)
        outlives status edits; None when the store has no such layer.

        By default the store's :meth:`version`: right, but it moves on every change.
        """
        return self.version() if name in self.layers() else None

    @abc.abstractmethod
    def read_layer(
        self,
        name: str,
        *,
        bbox: BBox | None = None,
        where: Where | None = None,
        columns: Sequence[str] | None = None,
        with_fid: bool = False,
    ) -> pd.DataFrame:
        """Read a layer, optionally only the features meeting ``bbox`` (storage CRS) and ``where``.

        With ``with_fid`` the first column, ``fid``, is each row's feature id in the store
        (int64): stable across imports for the rows an import does not cover, it is the
        parcels' ``k`` in the tiles (:data:`landgis.tiles.ORDINAL`).

        Raises LayerNotFoundError for an unknown layer, StoreError for an unknown column.
        """

    def read_table(self, name: str, *, columns: Sequence[str] | None = None) -> pd.DataFrame:
        """A whole layer as a plain DataFrame (no GeoDataFrame, no CRS): the same rows,
        columns and dtypes as :meth:`read_layer`, the geometry (if any) a ``geometry``
        column of shapely geometries. For work on the storage plane (areas, overlays): a
        backend may read it faster (the GeoPackage store does)."""
        df = pd.DataFrame(self.read_layer(name, columns=columns))
        if "geometry" in df.columns:
            df["geometry"] = np.asarray(df["geometry"].values, dtype=object)
        return df

    @abc.abstractmethod
    def write_layer(self, name: str, df: pd.DataFrame, *, validate: bool = True,
                    batch: Batch | None = None) -> int | None:
        """Replace layer ``name`` with ``df`` atomically.

        With ``validate`` (the default) the rows are checked against the contract first and a
        :class:`landgis.contract.ContractError` listing every problem is raised before
        anything is written. The ledger cannot be replaced once it exists. With ``batch`` the
        write is recorded as a batch, the replaced version is kept, and its id is returned;
        :meth:`layer_changes` then says that everything may have changed.

        The rows get feature ids 1..n in their order, unless ``df`` has a ``fid`` column:
        then those (whole numbers above 0, none repeated; StoreError otherwise), which is how
        a restore gives each row back the id it had. The ``fid`` column is never stored as a
        data column.
        """

    @abc.abstractmethod
    def update_layer(self, name: str, df: pd.DataFrame, *, remove: Iterable[str] = (),
                     events: pd.DataFrame | None = None, lineage: pd.DataFrame | None = None,
                     batch: Batch, validate: bool = True) -> int:
        """Replace, in layer ``name``, the rows whose key is in ``remove`` or in ``df`` by the
        rows of ``df`` (the other rows stay), append ``events`` to the ledger and ``lineage``
        to ``parcel_lineage``, and record ``batch``: all in one transaction, so that either
        all of it is there or none. The replaced version of the layer is kept as by
        :meth:`write_layer`. ``{batch}`` in the events' ``event_id``, ``document_no`` and
        ``note`` becomes the batch id, which is also each lineage row's ``batch_id``.
        Returns the batch id.

        The rows kept keep their feature ids; the rows of ``df`` get new ones, above the
        highest the layer held. The batch records, in the same transaction, the boxes of the
        old geometries of the rows removed or replaced and of the geometries written (see
        :meth:`layer_changes`).
        """

    @abc.abstractmethod
    def list_batches(self, layer: str | None = None) -> pd.DataFrame:
        """The recorded batches, oldest first, with :data:`BATCH_COLUMNS`."""

    @abc.abstractmethod
    def read_previous(self, batch_id: int, *, with_fid: bool = False) -> pd.DataFrame:
        """The version of the layer that batch ``batch_id`` replaced (with ``with_fid``, the
        feature ids it had, as :meth:`read_layer` gives them)."""

    def restore_layer(self, batch_id: int, *, user: str) -> int:
        """Put back the version of a layer that batch ``batch_id`` replaced, as a new batch.

        Each row gets back the feature id it had in that version; the batch records the boxes
        of the rows that differ between the layer and the version put back (by feature id,
        key, geometry and values), so the tiles re-encode only those."""
        batches = self.list_batches()
        row = batches[batches["batch_id"] == batch_id]
        if row.empty:
            raise StoreError(f"no batch {batch_id}; batches: "
                             f"{', '.join(map(str, batches['batch_id'])) or 'none'}")
        layer = row["layer"].iloc[0]
        previous = self.read_previous(batch_id, with_fid=True)
        return self._write_restored(layer, previous, Batch(
            source_name=f"version before batch {batch_id}", user=user, action="restore",
            counts={"features": len(previous)}))

    @abc.abstractmethod
    def _write_restored(self, name: str, df: pd.DataFrame, batch: Batch) -> int:
        """:meth:`write_layer` of a version with its feature ids, recording as its changes
        the boxes of the rows that differ from the layer it replaces (read under the same
        lock or transaction); returns the batch id."""

    @abc.abstractmethod
    def batch_mark(self) -> int:
        """The highest batch id recorded (0 when none): remember it with what was derived
        from the layers (take it BEFORE reading them), then ask :meth:`layer_changes` what
        the batches after it touched."""

    @abc.abstractmethod
    def layer_changes(self, name: str, after_batch: int) -> np.ndarray | None:
        """The boxes (EPSG:9216, an ``(n, 4)`` float64 array of ``minx, miny, maxx, maxy``)
        touched on layer ``name`` by the batches with an id above ``after_batch``: the old
        geometries of the rows those updates removed or replaced and the new geometries of
        the rows they wrote; for a restore, the rows that differ between the two versions.
        Rows with no geometry touch nothing.

        An empty array when no batch since then touched the layer. None when one of those
        batches replaced the layer whole (:meth:`write_layer` with a batch), or was recorded
        before the store kept changes: everything may have changed.

        A write with no batch records nothing: whoever derives from a layer also compares
        :meth:`layer_version` and rebuilds whole when the layer changed with no batch after
        its mark.
        """

    @abc.abstractmethod
    def append_events(self, events: pd.DataFrame, *, batch: Batch | None = None,
                      expect: Mapping[tuple[str, str], str] | None = None) -> int:
        """Append status events to the ledger in one transaction; return how many.

        With ``batch`` (a status list, say) the batch is recorded in the same transaction.
        With ``expect`` ({(parcel_id, field): status}) the statuses are checked inside that
        transaction and :class:`ConflictError` is raised, writing nothing, if any differs:
        an edit never overwrites a change it did not see.
        """

    @abc.abstractmethod
    def append_progress(self, events: pd.DataFrame, *, status_events: pd.DataFrame | None = None,
                        batch: Batch | None = None,
                        expect: Mapping[tuple[str, str], int] | None = None) -> int | None:
        """Append progress events (``progress_events``, made on first use) and, in the same
        transaction, the parcels' status events they imply (auction results); return the
        batch id when ``batch`` is given.

        Event ids already in the ledger, and corrections naming no event, raise
        :class:`LedgerError`. With ``expect`` ({(subject_kind, subject_id): number of events
        the editor saw}) a subject whose count differs raises :class:`ConflictError`, and
        nothing is written: an edit never overwrites a change it did not see.
        """

    def close(self) -> None:  # pragma: no cover - nothing to release by default
        """Release connections."""

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

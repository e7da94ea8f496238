"""The store interface every backend implements, and its typed errors.

A store holds the contract's layers in the storage CRS. Writing a layer replaces it atomically:
either the new rows are all there or the old ones are untouched. The status ledger
(``status_events``) is append-only: it is created once and then only grows through
:meth:`Store.append_events`.
"""

from __future__ import annotations

import abc
import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Iterable, Mapping, Sequence
from urllib.parse import urlsplit

import numpy as np
import pandas as pd

from landgis import contract
from landgis.dates import iso_date_series

#: A filter on attribute values: column -> one value, or a list of accepted values.
Where = Mapping[str, object]
BBox = tuple[float, float, float, float]


_PASSWORD_PARAMETER = re.compile(r"(^|&)(password=)[^&]*", re.IGNORECASE)


def mask_url(url) -> str:
    """A store URL fit to show or write anywhere (messages, files, tokens sent to clients):
    a password, in the user part (``user:secret@``) or as a ``password=`` parameter, becomes
    ``***``. A GeoPackage path comes back as it is."""
    text = str(url)
    parts = urlsplit(text)
    if not parts.scheme or "://" not in text:
        return text
    userinfo, at, hosts = parts.netloc.rpartition("@")
    netloc = (f"{userinfo.split(':', 1)[0]}:***@{hosts}" if at and ":" in userinfo
              else parts.netloc)
    query = _PASSWORD_PARAMETER.sub(r"\1\2***", parts.query)
    # built by hand: urlunsplit drops the "//" of a URL with no host (the local socket)
    return (f"{parts.scheme}://{netloc}{parts.path}" + (f"?{query}" if query else "")
            + (f"#{parts.fragment}" if parts.fragment else ""))


class StoreError(Exception):
    """Something the store cannot do, said in words a user can act on.

    ``option`` names what would put it right, for a script to name its flag or command:
    ``"database_url"`` (name another store), ``"init_store"`` (create the store there
    first), or None.
    """

    def __init__(self, message: str = "", option: str | None = None):
        super().__init__(message)
        self.option = option


class LayerNotFoundError(StoreError):
    """The store has no layer of that name."""


class LedgerError(StoreError):
    """Status events that cannot be appended (unknown parcel, field, value, or duplicate id)."""


class ConflictError(StoreError):
    """Someone changed a status since the editor saw it; nothing was written.

    ``conflicts`` lists, per parcel and field, the status the edit expected and the event that
    holds the status now.
    """

    def __init__(self, conflicts: list[dict]):
        self.conflicts = conflicts
        names = ", ".join(f"{c['parcel_id']} {c['field']}" for c in conflicts[:5])
        super().__init__(f"changed meanwhile by someone else: {names}")


def check_expected(expect: Mapping[tuple[str, str], str], ledger: pd.DataFrame) -> None:
    """Raise ConflictError unless each (parcel_id, field) has the expected current status."""
    from landgis.ledger import current_status

    if not expect:
        return
    parcel_ids = sorted({pid for pid, _field in expect})
    now = current_status(ledger[ledger["parcel_id"].isin(parcel_ids)], parcel_ids)
    latest = {}
    if len(ledger):
        from landgis.ledger import active_events

        live = active_events(ledger[ledger["parcel_id"].isin(parcel_ids)])
        live = live.sort_values(["effective_date", "recorded_at", "event_id"])
        for row in live.itertuples(index=False):
            latest[(row.parcel_id, row.field)] = row._asdict()
    conflicts = []
    for (pid, field), wanted in expect.items():
        have = now.loc[pid, field]
        if have != wanted:
            event = latest.get((pid, field), {})
            conflicts.append({"parcel_id": pid, "field": field, "expected": wanted,
                              "current": have,
                              "current_event": {k: event.get(k) for k in (
                                  "event_id", "effective_date", "document_no", "recorded_by",
                                  "recorded_at")} if event else None})
    if conflicts:
        raise ConflictError(conflicts)


def recorded_no_earlier_than(events: pd.DataFrame, now, checked: pd.DataFrame | None = None
                             ) -> pd.DataFrame:
    """``events`` with every ``recorded_at`` before ``now``, or not after the latest
    ``recorded_at`` of the ``checked`` ledger rows, moved just past both (in the offset it was
    written in, to the microsecond).

    Stores call it for edits made with ``expect``, with the time they took the writer lock and
    the rows the expectation was checked against: an edit stamped by its app server before it
    waited for the lock (or by a server whose clock is behind) would otherwise sort before the
    edit it was checked against (the ledger orders events of one effective date by
    ``recorded_at``) and be lost under it.
    """
    if "recorded_at" not in events.columns:
        return events
    if now.tzinfo is None:
        now = now.astimezone()
    if checked is not None and "recorded_at" in checked.columns and len(checked):
        for value in checked["recorded_at"].dropna():
            try:
                seen = pd.Timestamp(value).to_pydatetime()
            except (TypeError, ValueError):
                continue
            seen = seen if seen.tzinfo is not None else seen.astimezone()
            now = max(now, seen + dt.timedelta(microseconds=1))
    stamped = []
    for value in events["recorded_at"]:
        try:
            when = pd.Timestamp(value).to_pydatetime()
        except (TypeError, ValueError):
            stamped.append(value)
            continue
        ref = now if when.tzinfo is not None else now.astimezone().replace(tzinfo=None)
        if when >= ref:
            stamped.append(value)
        else:
            moved = now.astimezone(when.tzinfo) if when.tzinfo is not None else ref
            stamped.append(moved.isoformat(timespec="microseconds") if isinstance(value, str)
                           else moved)
    out = events.copy()
    out["recorded_at"] = pd.Series(stamped, index=events.index, dtype=object)
    return out


def _moment_text(value):
    """A date as ``YYYY-MM-DD``, a date-time as ISO 8601 text; anything else as it is."""
    if isinstance(value, np.datetime64):
        value = pd.Timestamp(value)
    if value is pd.NaT:
        return None
    if isinstance(value, (dt.date, dt.datetime)):  # pandas.Timestamp is a datetime
        return value.isoformat()
    return value


def _holds_dates(s: pd.Series, *, quick: bool = False) -> bool:
    """Whether a column holds date or date-time values; ``quick`` looks at its first value
    only (a column read by GDAL holds one type)."""
    if isinstance(s.dtype, pd.DatetimeTZDtype) or pd.api.types.is_datetime64_dtype(s.dtype):
        return True
    if s.dtype != object or not len(s):
        return False
    if quick:
        first = s.iloc[0]
        if first is None or (isinstance(first, float) and first != first):
            valid = s.notna().to_numpy()
            first = s.iloc[int(valid.argmax())] if valid.any() else None
        return isinstance(first, (dt.date, np.datetime64))
    return pd.api.types.infer_dtype(s, skipna=True) in ("date", "datetime", "datetime64",
                                                         "mixed")


def dates_as_text(df: pd.DataFrame, name: str, *, reading: bool = False) -> pd.DataFrame:
    """``df`` with every date as ISO text, as both stores keep them (the README's promise):
    the contract's date columns as ``YYYY-MM-DD`` read by :mod:`landgis.dates`, and any other
    column holding dates or date-times (a GDAL Date or DateTime field, a pandas datetime
    column) as ISO 8601 text. Every write goes through it (a date object written to a
    GeoPackage becomes a Date field, read back as a date, which is not JSON); ``reading``
    converts only the columns that hold date values (a layer written before), quickly.

    Raises ContractError naming the rows of a date column whose value is not a date.
    """
    layer = contract.LAYERS.get(name)
    date_columns = {c.name for c in layer.columns if c.kind == "date"} if layer else set()
    changed: dict[str, pd.Series] = {}
    problems = []
    for column in df.columns:
        s = df[column]
        if column == getattr(df, "_geometry_column_name", None):
            continue
        holds = _holds_dates(s, quick=reading)
        if column in date_columns and (holds or not reading):
            text, bad = iso_date_series(s, column)
            for i, message in bad[:20]:
                problems.append(contract.Problem(name, message, column, f"row {i + 1}"))
            if not text.equals(s.astype(object)):
                changed[column] = text
        elif holds:
            changed[column] = pd.Series([None if v is None or v is pd.NaT else _moment_text(v)
                                         for v in s.astype(object).tolist()],
                                        index=s.index, dtype=object, name=column)
    if problems:
        raise contract.ContractError(problems)
    if not changed:
        return df
    out = df.copy()
    for column, values in changed.items():
        out[column] = values
    return out


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


_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def check_identifier(name: str) -> str:
    """Return ``name`` if it is a plain identifier; raise StoreError otherwise."""
    if not isinstance(name, str) or not _IDENTIFIER.match(name):
        raise StoreError(f"not a valid layer or column name: {name!r}")
    return name


def normalise_where(where: Where | None, columns: Iterable[str], layer: str) -> dict:
    """Check a filter's columns against the layer's and turn single values into lists."""
    if not where:
        return {}
    columns = set(columns)
    out = {}
    for col, value in where.items():
        check_identifier(col)
        if col not in columns:
            raise StoreError(
                f"layer {layer!r} has no column {col!r}; columns: {', '.join(sorted(columns))}"
            )
        values = list(value) if isinstance(value, (list, tuple, set, frozenset)) else [value]
        out[col] = values
    return out


def check_events(events: pd.DataFrame, existing_ids: set[str], parcel_ids: set[str],
                 corrected_targets: set[str] = frozenset()) -> None:
    """Raise LedgerError listing every reason ``events`` cannot be appended to the ledger.

    ``existing_ids`` are the ids of ``events`` already in the ledger (a clash), and
    ``corrected_targets`` the ids named by ``corrects_event_id`` that the ledger holds.
    """
    problems = [str(p) for p in contract.check_layer(events, "status_events", crs_epsg=None)]
    if "field" in events and "value" in events:
        for i, (field, value) in enumerate(zip(events["field"], events["value"])):
            vocab = contract.STATUS_FIELDS.get(field)
            if vocab is None:
                problems.append(f"event {i + 1}: unknown field {field!r}; "
                                f"allowed: {', '.join(contract.STATUS_FIELDS)}")
            elif value not in vocab:
                problems.append(f"event {i + 1}: {value!r} is not a {field}; "
                                f"allowed: {', '.join(vocab.codes)}")
    if "event_id" in events:
        clash = sorted(set(events["event_id"].astype(str)) & existing_ids)
        if clash:
            problems.append(f"event id(s) already in the ledger: {', '.join(clash[:5])}")
    if "corrects_event_id" in events:
        for i, target in enumerate(events["corrects_event_id"]):
            if isinstance(target, str) and target and target not in corrected_targets:
                problems.append(f"event {i + 1}: corrects {target!r}, which is not in the ledger")
    if "parcel_id" in events:
        unknown = sorted(set(events["parcel_id"].astype(str)) - parcel_ids)
        if unknown:
            problems.append(f"unknown parcel(s): {', '.join(unknown[:5])}"
                            + (f" and {len(unknown) - 5} more" if len(unknown) > 5 else ""))
    if problems:
        raise LedgerError("status events not recorded:\n" + "\n".join(f"  - {p}" for p in problems))


def stamp_batch(events: pd.DataFrame | None, lineage: pd.DataFrame | None,
                batch_id: int) -> tuple[pd.DataFrame | None, pd.DataFrame | None]:
    """The events and lineage rows of :meth:`Store.update_layer` with their batch id."""
    if events is not None and len(events):
        events = events.copy()
        for column in ("event_id", "document_no", "note"):
            if column in events.columns:
                events[column] = [v.replace("{batch}", str(batch_id)) if isinstance(v, str)
                                  else v for v in events[column]]
    if lineage is not None and len(lineage):
        lineage = lineage.assign(batch_id=int(batch_id))[
            list(contract.PARCEL_LINEAGE.column_names)]
    return events, lineage


def merged_rows(old: pd.DataFrame, df: pd.DataFrame, key: str, remove: Iterable[str]):
    """``old`` without the rows keyed in ``remove`` or in ``df``, then the rows of ``df``."""
    import geopandas as gpd

    drop = set(remove) | set(df[key])
    kept = old[~old[key].isin(drop)]
    out = pd.concat([pd.DataFrame(kept), pd.DataFrame(df)], ignore_index=True)
    if isinstance(df, gpd.GeoDataFrame):
        out = gpd.GeoDataFrame(out, geometry=df.geometry.name, crs=df.crs)
    return out


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
    ) -> pd.DataFrame:
        """Read a layer, optionally only the features meeting ``bbox`` (storage CRS) and ``where``.

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
        write is recorded as a batch, the replaced version is kept, and its id is returned.
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
        """

    @abc.abstractmethod
    def list_batches(self, layer: str | None = None) -> pd.DataFrame:
        """The recorded batches, oldest first, with :data:`BATCH_COLUMNS`."""

    @abc.abstractmethod
    def read_previous(self, batch_id: int) -> pd.DataFrame:
        """The version of the layer that batch ``batch_id`` replaced."""

    def restore_layer(self, batch_id: int, *, user: str) -> int:
        """Put back the version of a layer that batch ``batch_id`` replaced, as a new batch."""
        batches = self.list_batches()
        row = batches[batches["batch_id"] == batch_id]
        if row.empty:
            raise StoreError(f"no batch {batch_id}; batches: "
                             f"{', '.join(map(str, batches['batch_id'])) or 'none'}")
        layer = row["layer"].iloc[0]
        previous = self.read_previous(batch_id)
        return self.write_layer(layer, previous, batch=Batch(
            source_name=f"version before batch {batch_id}", user=user, action="restore",
            counts={"features": len(previous)}))

    @abc.abstractmethod
    def append_events(self, events: pd.DataFrame, *, batch: Batch | None = None,
                      expect: Mapping[tuple[str, str], str] | None = None) -> int:
        """Append status events to the ledger in one transaction; return how many.

        With ``batch`` (a status list, say) the batch is recorded in the same transaction.
        With ``expect`` ({(parcel_id, field): status}) the statuses are checked inside that
        transaction and :class:`ConflictError` is raised, writing nothing, if any differs:
        an edit never overwrites a change it did not see.
        """

    def close(self) -> None:  # pragma: no cover - nothing to release by default
        """Release connections."""

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

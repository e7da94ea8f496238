"""The checks and value conversions every store backend shares.

Store URLs masked for showing, identifiers and filters checked, status events checked before
they reach the ledger, expected statuses compared, dates written as ISO text (the rows of an
update are merged in :mod:`landgis.store.changes`). :mod:`landgis.store.base` re-exports every
name here, so ``from landgis.store.base import check_events`` keeps working.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Iterable, Mapping
from urllib.parse import urlsplit

import numpy as np
import pandas as pd

from landgis import contract
from landgis.dates import iso_date_series
from landgis.store.errors import ConflictError, LedgerError, StoreError

#: A filter on attribute values: column -> one value, or a list of accepted values.
Where = Mapping[str, object]


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

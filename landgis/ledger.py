"""The status ledger: a parcel's current status is its latest event per field.

Events are never rewritten. "Latest" means the greatest ``effective_date``; between events with
the same effective date the one recorded last wins (``recorded_at``, then ``event_id``).

A mistaken event is corrected only by a new event whose ``corrects_event_id`` names it: the
corrected event stays in the ledger and in every history, but no status is computed from it;
the correcting event takes its place from its own effective date.
"""

from __future__ import annotations

import pandas as pd

from landgis.contract import DEFAULT_STATUS, STATUS_FIELDS
from landgis.dates import iso_date


def _as_date_text(value) -> str | None:
    return iso_date(value, "as_of", required=False)


def corrected_ids(events: pd.DataFrame) -> set[str]:
    """Ids of the events that a later event corrects."""
    if "corrects_event_id" not in events.columns:
        return set()
    return set(events["corrects_event_id"].dropna().astype(str)) - {""}


def active_events(events: pd.DataFrame) -> pd.DataFrame:
    """The events statuses are computed from: all but the corrected ones."""
    voided = corrected_ids(events)
    return events[~events["event_id"].astype(str).isin(voided)] if voided else events


def current_status(
    events: pd.DataFrame,
    parcel_ids=None,
    *,
    as_of=None,
) -> pd.DataFrame:
    """The status of each parcel per field, from the ledger, optionally as of a past date.

    Parameters
    ----------
    events : DataFrame
        The ``status_events`` rows.
    parcel_ids : sequence of str, optional
        Parcels to report; parcels with no event get the default status (``not_started``,
        ``not_planned``). Without it, only parcels that have events are reported.
    as_of : date-like, optional
        Ignore events that take effect after this date.

    Returns
    -------
    DataFrame
        Indexed by ``parcel_id``, with for each status field ``<field>``, ``<field>_date`` and
        ``<field>_document``.
    """
    ev = active_events(events)
    cutoff = _as_date_text(as_of)
    if cutoff is not None and len(ev):
        ev = ev[ev["effective_date"].astype(str).str[:10] <= cutoff]
    ev = ev.sort_values(["effective_date", "recorded_at", "event_id"], kind="stable")
    latest = ev.groupby(["parcel_id", "field"], sort=False).tail(1)

    ids = pd.Index(parcel_ids if parcel_ids is not None else latest["parcel_id"].unique(),
                   name="parcel_id")
    out = pd.DataFrame(index=ids)
    for field in STATUS_FIELDS:
        rows = latest[latest["field"] == field].reset_index(drop=True)
        at = pd.Index(rows["parcel_id"]).get_indexer(ids)  # one lookup for the three columns
        for column, name in (("value", field), ("effective_date", f"{field}_date"),
                             ("document_no", f"{field}_document")):
            out[name] = rows[column].reindex(at).set_axis(ids)  # -1: no event, NaN
        out[field] = out[field].fillna(DEFAULT_STATUS[field])
    return out


def with_status(parcels: pd.DataFrame, events: pd.DataFrame, *, as_of=None) -> pd.DataFrame:
    """``parcels`` with their current status columns joined from the ledger."""
    status = current_status(events, parcels["parcel_id"], as_of=as_of)
    return parcels.join(status, on="parcel_id")

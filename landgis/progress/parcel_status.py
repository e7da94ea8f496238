"""The parcels' ``auction_status`` events an auction result writes in the status ledger.

A lot's auction result (``sold`` / ``unsold``) moves each of its parcels in the status ledger,
in the same transaction as the progress event, with the same date and document; the status
event's id is ``<progress event id>:<parcel id>``. A result that corrects another corrects
the status events that one wrote, so the parcels' status follows the corrected result.
"""

from __future__ import annotations

import pandas as pd

from landgis import contract
from landgis.progress.book import ProgressBook, _split
from landgis.progress.values import blank
from landgis.store.errors import LayerNotFoundError

STATUS_COLUMNS = list(contract.STATUS_EVENTS.column_names)


def status_events_for(events: pd.DataFrame, book: ProgressBook, *, user: str,
                      recorded_at: str, recorded_ids=frozenset()) -> pd.DataFrame:
    """The ``auction_status`` events (sold / unsold) of the parcels of every lot whose auction
    result is among ``events``: same date and document, pointing at the progress event and
    carrying its note. A result correcting another corrects the status event that one wrote
    for each parcel (``recorded_ids``: the ids of those the status ledger holds)."""
    lots = book.lots_register.set_index("lot_code")
    rows = []
    for _, ev in events[events["kind"] == "auction_result"].iterrows():
        target = ev.get("corrects_event_id")
        for parcel in _split(lots.loc[ev["subject_id"], "parcel_ids"]):
            voids = f"{target}:{parcel}" if not blank(target) else None
            rows.append({
                "event_id": f"{ev['event_id']}:{parcel}", "parcel_id": parcel,
                "field": "auction_status", "value": ev["result"],
                "effective_date": ev["effective_date"], "document_no": ev["document_no"],
                "document_date": ev["document_date"],
                "note": f"lô {ev['subject_id']} (progress event {ev['event_id']})"
                        + ("" if blank(ev["note"]) else f": {ev['note']}"),
                "recorded_by": user, "recorded_at": recorded_at,
                "corrects_event_id": voids if voids in recorded_ids else None,
            })
    return pd.DataFrame(rows, columns=STATUS_COLUMNS)


def status_corrected(store, events: pd.DataFrame, book: ProgressBook) -> set[str]:
    """Ids of the parcels' status events written by the auction results ``events`` correct."""
    lots = book.lots_register.set_index("lot_code")
    wanted = [f"{ev['corrects_event_id']}:{p}"
              for _, ev in events[events["kind"] == "auction_result"].iterrows()
              if not blank(ev["corrects_event_id"])
              for p in _split(lots.loc[ev["subject_id"], "parcel_ids"])]
    if not wanted:
        return set()
    try:
        found = store.read_layer(contract.STATUS_EVENTS.name, where={"event_id": wanted},
                                 columns=["event_id"])
    except LayerNotFoundError:
        return set()
    return set(found["event_id"].astype(str))
